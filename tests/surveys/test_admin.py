import pytest

from surveys import services
from tests.factories import PASSWORD, make_user
from tests.surveys.factories import answers_for, route_url

pytestmark = pytest.mark.django_db


def test_editing_a_survey_with_responses_warns(client, survey, resident):
    admin = make_user(is_superuser=True, is_staff=True)
    client.login(email=admin.email, password=PASSWORD)
    url = f"/admin/pages/{survey.pk}/edit/"
    html = client.get(url).content.decode()
    assert "已经收到" not in html
    services.survey_submit(survey=survey, user=resident, data=answers_for(survey))
    html = client.get(url).content.decode()
    assert "这份问卷已经收到 1 份答卷" in html
    assert route_url(survey, "results") in html


def test_wagtail_submissions_link_goes_to_results(client, survey):
    admin = make_user(is_superuser=True, is_staff=True)
    client.login(email=admin.email, password=PASSWORD)
    response = client.get(f"/admin/forms/submissions/{survey.pk}/")
    assert response.status_code == 302
    assert response["Location"].endswith(route_url(survey, "results"))


def test_response_list_is_scoped_and_hides_anonymous_surveys(client, survey_index, grids):
    from tests.factories import make_community_staff
    from tests.surveys.factories import make_survey

    named = make_survey(survey_index, title="学校配套意见征集")
    anonymous = make_survey(survey_index, title="社区养老服务需求调查", anonymous=True)
    mine = make_user(home_grid=grids[0], display_name="本社区居民")
    other = make_user(home_grid=grids[4], display_name="外社区居民")
    for person in (mine, other):
        services.survey_submit(survey=named, user=person, data=answers_for(named))
        services.survey_submit(survey=anonymous, user=person, data=answers_for(anonymous))

    staff = make_community_staff(grids[0].community)
    client.login(email=staff.email, password=PASSWORD)
    html = client.get("/admin/survey_responses/").content.decode()
    assert "本社区居民" in html and "外社区居民" not in html
    assert html.count("社区养老服务需求调查") <= 1  # at most in the filter, never as a row

    resident = make_user(home_grid=grids[0], is_staff=False)
    client.login(email=resident.email, password=PASSWORD)
    assert client.get("/admin/survey_responses/").status_code in (302, 403)


def test_selected_audience_without_areas_is_refused_in_the_editor(survey, grids):
    from surveys.models import SurveyPage

    admin = make_user(is_superuser=True, is_staff=True)
    form_class = SurveyPage.get_edit_handler().get_form_class()
    data = {
        "title": survey.title,
        "slug": survey.slug,
        "audience": "selected",
        "opens_at": "2026-11-01 08:00",
        "closes_at": "2026-12-01 08:00",
        "results_visibility": survey.results_visibility,
    }
    form = form_class(data, instance=survey, parent_page=survey.get_parent(), for_user=admin)
    assert not form.is_valid()
    assert "请至少选择一个街道或社区" in str(form.errors.get("audience_streets"))
    data["audience_streets"] = [grids[0].community.street_id]
    form = form_class(data, instance=survey, parent_page=survey.get_parent(), for_user=admin)
    form.is_valid()
    assert "请至少选择一个街道或社区" not in str(form.errors.get("audience_streets", ""))
