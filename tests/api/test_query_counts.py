"""Each endpoint's number of queries is fixed: the same budget with a little data and with
more (django_assert_max_num_queries), so lists never run a query per row."""

import pytest

from portal.notifications import notify
from surveys.services import survey_submit
from tests import factories
from tests.api.conftest import AppClient
from tests.projects import factories as builders
from tests.surveys.factories import answers_for, make_survey

pytestmark = pytest.mark.django_db

# (path template, budget). A token costs 2 queries (its session, the account with its home
# grid); project lists may add 1 for cover renditions (one prefetch, whatever the count).
BUDGETS = {
    "/api/v1/me": 3,
    "/api/v1/me/notifications": 5,
    "/api/v1/me/notification-preferences": 3,
    "/api/v1/me/devices": 3,
    "/api/v1/geo/streets": 1,
    "/api/v1/geo/streets/{street}/communities": 1,
    "/api/v1/geo/communities/{community}/grids": 1,
    "/api/v1/surveys": 2,
    "/api/v1/surveys?status=closed": 2,
    "/api/v1/surveys/for-me": 5,
    "/api/v1/surveys/mine": 4,
    "/api/v1/surveys/{survey}": 7,
    "/api/v1/surveys/{survey}/response": 6,
    "/api/v1/surveys/{survey}/results": 5,
    "/api/v1/projects": 3,
    "/api/v1/projects?q=探访": 4,
    "/api/v1/projects/filters": 0,
    "/api/v1/projects/{project}": 4,
    "/api/v1/organizations/{organization}": 3,
}


def _world(size: int, grids):
    from surveys.models import SurveyIndexPage

    home = factories.make_home_page()
    builders.make_project_index(home)
    admin = factories.make_district_admin()
    owner = factories.make_user(home_grid=grids[0])
    organization = builders.make_organization(
        owner=owner, communities=[grids[0].community], verify_by=admin
    )
    projects = [
        builders.make_project(organization, communities=[g.community for g in grids[:size]])
        for _ in range(size)
    ]
    index = SurveyIndexPage(title="民意征集", slug="surveys-q")
    home.add_child(instance=index)
    surveys = [make_survey(index, results_visibility="while_open") for _ in range(size)]
    resident = factories.make_user(home_grid=grids[0])
    for _ in range(size):
        survey_submit(
            survey=surveys[0],
            user=factories.make_user(home_grid=grids[1]),
            data=answers_for(surveys[0]),
        )
    survey_submit(survey=surveys[0], user=resident, data=answers_for(surveys[0]))
    for n in range(size):
        notify(recipient=resident, kind="roster_decided", subject=f"消息{n}", email=False)
    return {
        "resident": resident,
        "survey": surveys[0].pk,
        "project": projects[0].pk,
        "organization": organization.pk,
        "street": grids[0].community.street_id,
        "community": grids[0].community_id,
    }


@pytest.mark.parametrize("size", [1, 6])
def test_every_read_has_a_fixed_number_of_queries(size, grids, django_assert_max_num_queries):
    world = _world(size, grids)
    app = AppClient()
    app.login(world["resident"].email)
    app.get("/api/v1/me")  # warm the per-process caches (privacy version, site root)
    for template, budget in BUDGETS.items():
        path = template.format(**world)
        app.get(path)
        with django_assert_max_num_queries(budget, info=path):
            response = app.get(path)
        assert response.status_code == 200, (path, response.content)


@pytest.mark.parametrize("size", [1, 6])
def test_writes_have_a_fixed_number_of_queries(size, grids, django_assert_max_num_queries):
    """Answering and editing a survey, saving the profile, marking notifications read: the
    same budget whatever the number of earlier responses and notifications."""
    from portal.models import Notification

    world = _world(size, grids)
    answerer = factories.make_user(home_grid=grids[0])
    app = AppClient()
    app.login(answerer.email)
    app.get("/api/v1/me")
    detail = app.get(f"/api/v1/surveys/{world['survey']}").json()
    keys = [q["key"] for q in detail["questions"]]
    answers = {keys[0]: "楼道照明", keys[1]: ["助餐", "助浴"], keys[2]: 4, keys[3]: "好"}
    url = f"/api/v1/surveys/{world['survey']}/response"
    with django_assert_max_num_queries(13, info="submit with a key"):
        response = app.post(url, {"answers": answers}, **{"Idempotency-Key": "k1"})
    assert response.status_code == 201, response.content
    with django_assert_max_num_queries(7, info="replay"):
        assert app.post(url, {"answers": answers}, **{"Idempotency-Key": "k1"}).status_code == 201
    with django_assert_max_num_queries(15, info="edit"):
        assert app.put(url, {"answers": answers}).status_code == 200
    with django_assert_max_num_queries(14, info="profile"):
        assert app.patch("/api/v1/me", {"display_name": "李叔"}).status_code == 200
    for n in range(size):
        notify(recipient=answerer, kind="roster_decided", subject=f"消息{n}", email=False)
    one = Notification.objects.filter(recipient=answerer).first()
    with django_assert_max_num_queries(5, info="read one"):
        assert app.post(f"/api/v1/me/notifications/{one.pk}/read").status_code == 200
    with django_assert_max_num_queries(3, info="read all"):
        assert app.post("/api/v1/me/notifications/read").json() == {"marked": size - 1}
