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
    # +1: the open surveys' ids, for my respondent keys (answered holds for anonymous surveys).
    "/api/v1/surveys/for-me": 6,
    "/api/v1/surveys/mine": 4,
    "/api/v1/surveys/{survey}": 5,
    "/api/v1/surveys/{survey}/response": 4,
    "/api/v1/surveys/{survey}/results": 3,
    "/api/v1/projects": 3,
    "/api/v1/projects?q=探访": 4,
    "/api/v1/projects/filters": 0,
    # A body with images and calls to action: +2 for the images and their renditions, +2 for
    # the linked pages (the chooser's and the live public check), whatever their number.
    "/api/v1/projects/{project}": 8,
    "/api/v1/organizations/{organization}": 3,
    "/api/v1/organizations/{organization_slug}": 3,
    "/api/v1/volunteers/certificates/verify/{certificate}": 3,
    "/api/v1/cases/categories": 1,
    "/api/v1/cases/{case}/timeline": 2,
}
# Visitors (X-Visitor-Token, no session): no token queries.
VISITOR_BUDGETS = {
    # The open surveys' ids, which of them were answered (one index probe per survey, not a
    # scan of their responses), the surveys shown.
    "/api/v1/surveys/for-me": 4,
    "/api/v1/surveys/{open_survey}": 3,
    "/api/v1/surveys/{open_survey}/response": 2,
}


def _body(size: int, image_model, linked):
    from wagtail.images.tests.utils import get_test_image_file

    body = [("heading", {"text": "活动安排", "level": "h2"})]
    for n in range(size):
        image = image_model.objects.create(title=f"现场{n}", file=get_test_image_file())
        body += [
            ("paragraph", f"<p>第{n}段</p>"),
            ("image", {"image": image, "alt_text": f"现场{n}", "decorative": False}),
            ("call_to_action", {"title": f"去看看{n}", "page": linked, "button_text": "看"}),
        ]
    return body


def _world(size: int, grids):
    from decimal import Decimal

    from django.utils import timezone
    from wagtail.images import get_image_model

    from cases.services import case_accept, case_dispatch
    from surveys.models import SurveyIndexPage
    from tests.cases.factories import make_category, make_department
    from volunteers.models import ServiceRecord
    from volunteers.services import certificate_issue

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
    projects[0].body = _body(size, get_image_model(), projects[-1])
    projects[0].save_revision().publish()
    index = SurveyIndexPage(title="民意征集", slug="surveys-q")
    home.add_child(instance=index)
    surveys = [make_survey(index, results_visibility="while_open") for _ in range(size)]
    open_survey = make_survey(index, login_required=False, anonymous=True)
    resident = factories.make_user(home_grid=grids[0])
    for n in range(size):
        ServiceRecord.objects.create(
            user=resident,
            grid=grids[0],
            item="巡查",
            served_on=timezone.localdate(),
            hours=Decimal("1.5"),
            issuer=f"测试社区{n}",
        )
    certificate = certificate_issue(user=resident)
    department = make_department()
    for _ in range(size):
        make_category(department=department)
    case = case_report_for(resident, grids[0], make_category(department=department))
    staff = factories.make_community_staff(grids[0].community)
    case_accept(case=case, by=staff)
    for _ in range(size):
        case_dispatch(case=case, by=staff, department=department)
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
        "open_survey": open_survey.pk,
        "project": projects[0].pk,
        "organization": organization.pk,
        "organization_slug": organization.page.slug,
        "certificate": certificate.token,
        "case": case.number,
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
        if "ETag" in response:
            with django_assert_max_num_queries(budget, info=f"304 {path}"):
                unchanged = app.get(path, **{"If-None-Match": response["ETag"]})
            assert unchanged.status_code == 304, path


def case_report_for(user, grid, category):
    from cases.services import case_report

    return case_report(
        by=user,
        category=category,
        grid=grid,
        description="楼道灯不亮",
        address="",
        latitude=None,
        longitude=None,
        contact_allowed=False,
        source="resident",
        photos=[],
    )


@pytest.mark.parametrize("size", [1, 6])
def test_visitors_reads_and_writes_have_a_fixed_number_of_queries(
    size, grids, django_assert_max_num_queries
):
    """A visitor answering a survey without login (X-Visitor-Token): the reads, the answer
    with an Idempotency-Key, its replay and the edit, whatever the number of responses."""
    world = _world(size, grids)
    token = "visitor-" + "q" * 32
    app = AppClient()
    detail = app.get(f"/api/v1/surveys/{world['open_survey']}").json()
    keys = [q["key"] for q in detail["questions"]]
    answers = {keys[0]: "楼道照明", keys[1]: ["助餐"], keys[2]: 4, keys[3]: "好"}
    url = f"/api/v1/surveys/{world['open_survey']}/response"
    for n in range(size):
        other = {"X-Visitor-Token": f"other-visitor-{n:02d}" + "z" * 20}
        assert app.post(url, {"answers": answers}, **other).status_code == 201
    headers = {"X-Visitor-Token": token}
    with django_assert_max_num_queries(5, info="visitor submit with a key"):
        created = app.post(url, {"answers": answers}, **headers, **{"Idempotency-Key": "v1"})
    assert created.status_code == 201, created.content
    # A replay runs the create again, is refused ("already answered"), rolls back and reads
    # the key's row (api.http.idempotent, claim_first=False): dearer than the create itself,
    # which pays one statement less for the key; retries are the rare case.
    with django_assert_max_num_queries(9, info="visitor replay"):
        replay = app.post(url, {"answers": answers}, **headers, **{"Idempotency-Key": "v1"})
    assert replay.status_code == 201
    with django_assert_max_num_queries(9, info="visitor edit"):
        assert app.put(url, {"answers": answers}, **headers).status_code == 200
    for template, budget in VISITOR_BUDGETS.items():
        path = template.format(**world)
        app.get(path, **headers)
        with django_assert_max_num_queries(budget, info=path):
            response = app.get(path, **headers)
        assert response.status_code == 200, (path, response.content)


@pytest.mark.parametrize("size", [1, 6])
def test_writes_have_a_fixed_number_of_queries(
    size, grids, django_assert_max_num_queries, on_postgres
):
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
    sqlite = 0 if on_postgres else 1  # SQLite's BEGIN IMMEDIATE is a statement of its own
    with django_assert_max_num_queries(6 + sqlite, info="submit with a key"):
        response = app.post(url, {"answers": answers}, **{"Idempotency-Key": "k1"})
    assert response.status_code == 201, response.content
    with django_assert_max_num_queries(10 + sqlite, info="replay"):  # see the visitors' replay
        assert app.post(url, {"answers": answers}, **{"Idempotency-Key": "k1"}).status_code == 201
    with django_assert_max_num_queries(13, info="edit"):
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
