"""Who may see results, free-text answers and exports: a matrix over the roles."""

import datetime

import pytest
from django.utils import timezone

from surveys import services
from tests.factories import PASSWORD, make_community_staff, make_district_admin, make_user
from tests.surveys.factories import answers_for, make_survey, route_url

pytestmark = pytest.mark.django_db

ROLES = ["visitor", "resident", "community_staff", "other_staff", "district_admin"]


@pytest.fixture
def people(grids):
    return {
        "resident": make_user(home_grid=grids[0]),
        "community_staff": make_community_staff(grids[0].community),
        "other_staff": make_community_staff(grids[4].community),
        "district_admin": make_district_admin(),
    }


def _as(client, people, role):
    if role != "visitor":
        assert client.login(email=people[role].email, password=PASSWORD)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["responses", "results"])
def test_exports_are_for_staff(client, survey, people, role, kind):
    _as(client, people, role)
    response = client.get(route_url(survey, "export", kind=kind, fmt="xlsx"))
    allowed = role in ("community_staff", "other_staff", "district_admin")
    assert response.status_code == (200 if allowed else 403 if role != "visitor" else 302)


@pytest.mark.parametrize("role", ROLES)
def test_text_answers_are_for_staff(client, survey, people, role):
    services.survey_submit(
        survey=survey, user=people["resident"], data=answers_for(survey, text="楼道灯不亮")
    )
    question = survey.get_form_fields()[3]
    _as(client, people, role)
    response = client.get(route_url(survey, "text_answers", question_id=question.pk))
    if role in ("visitor",):
        assert response.status_code == 302
        return
    if role == "resident":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    # Staff of another community do not see this community's residents' words.
    assert ("楼道灯不亮" in response.content.decode()) is (role != "other_staff")


@pytest.mark.parametrize("role", ROLES)
def test_staff_only_results_while_open(client, survey_index, people, role):
    survey = make_survey(survey_index, results_visibility="staff")
    _as(client, people, role)
    response = client.get(route_url(survey, "results"))
    staff = role in ("community_staff", "other_staff", "district_admin")
    assert response.status_code == (200 if staff else 403 if role == "resident" else 302)


@pytest.mark.parametrize("role", ROLES)
def test_results_public_after_close(client, survey_index, people, role):
    now = timezone.now()
    survey = make_survey(
        survey_index,
        results_visibility="after_close",
        opens_at=now - datetime.timedelta(days=5),
        closes_at=now - datetime.timedelta(days=1),
    )
    _as(client, people, role)
    assert client.get(route_url(survey, "results")).status_code == 200


def test_unpublished_survey_has_no_results(client, survey, people):
    survey.unpublish()
    _as(client, people, "district_admin")
    assert client.get(route_url(survey, "results")).status_code == 404
