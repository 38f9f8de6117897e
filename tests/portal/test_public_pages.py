"""Every public page: anonymous → no cookie, Cache-Control public, no Vary: Cookie; signed in
(or with a session) → private, no-store. Both languages."""

import datetime

import pytest
from django.utils import timezone

from portal.models import NewsIndexPage, NewsPage
from surveys.models import SurveyIndexPage, SurveyPage
from tests.surveys.factories import make_survey
from tests.volunteers.factories import make_shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_urls(home_page, grids, district_admin):
    from tests import factories
    from tests.projects import factories as project_factories

    project_index = project_factories.make_project_index(home_page)
    organization = project_factories.make_organization(
        owner=factories.make_user(home_grid=grids[0]),
        communities=[grids[0].community],
        verify_by=district_admin,
    )
    project = project_factories.make_project(organization)
    news_index = home_page.add_child(instance=NewsIndexPage(title="新闻公告", slug="news"))
    news = news_index.add_child(instance=NewsPage(title="网格动态", slug="n1", summary="巡查"))
    surveys = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    survey = make_survey(
        surveys, login_required=False, results_visibility=SurveyPage.ResultsVisibility.WHILE_OPEN
    )
    shift = make_shift(grid=grids[0])
    urls = [
        "/",
        news_index.url,
        news.url,
        surveys.url,
        survey.url,  # a visitor may answer: its form fetches the CSRF token when sent
        survey.url + "results/",
        "/volunteers/",
        f"/volunteers/grids/{grids[0].code}/",
        f"/volunteers/shifts/{shift.pk}/",
        "/cases/",
        "/cases/statistics/",
        "/organizations/",
        project_index.url,
        organization.page.url,
        project.url,
        "/search/?q=%E5%B7%A1%E6%9F%A5",
    ]
    return urls + ["/en" + url for url in urls]


def test_anonymous_public_pages_set_no_cookie_and_are_public(client, public_urls):
    for url in public_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, (url, list(response.cookies))
        control = response["Cache-Control"]
        assert "public" in control and "s-maxage=30" in control and "max-age=0" in control, url
        assert "cookie" not in response.get("Vary", "").lower(), url
        assert "private" not in control, url


def test_signed_in_pages_are_private_and_never_from_the_cache(client, public_urls, resident):
    for url in public_urls:
        client.get(url)  # fills the page cache anonymously
    client.force_login(resident)
    for url in public_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        control = response["Cache-Control"]
        assert "private" in control and "no-store" in control and "public" not in control, url
        assert "X-Page-Cache" not in response, url
        assert "退出" in response.content.decode() or "Log out" in response.content.decode(), url


def test_a_visitor_with_a_session_gets_a_private_answer(client, public_urls):
    client.cookies["sessionid"] = "not-a-session"
    response = client.get(public_urls[0])
    assert "private" in response["Cache-Control"]
    assert "X-Page-Cache" not in response


def test_login_page_and_account_area_are_private(client, resident):
    response = client.get("/accounts/login/")
    assert "private" in response["Cache-Control"]
    client.force_login(resident)
    assert "no-store" in client.get("/me/")["Cache-Control"]


def test_survey_form_for_visitors_fetches_its_token(client, home_page):
    surveys = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    survey = make_survey(surveys, login_required=False)
    html = client.get(survey.url).content.decode()
    assert 'name="csrfmiddlewaretoken" value="" data-csrf-lazy' in html
    assert "暂时无法提交" in html  # the message site.js shows when the fetch fails
    token = client.get("/csrf-token/")
    assert token.json()["token"] and "csrftoken" in token.cookies
    assert "no-store" in token["Cache-Control"]


def test_a_form_sent_without_its_token_gets_a_page_that_says_why(home_page):
    from django.test import Client

    surveys = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    survey = make_survey(
        surveys, login_required=False, opens_at=timezone.now() - datetime.timedelta(days=1)
    )
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(survey.url, {}, HTTP_REFERER="http://testserver" + survey.url)
    assert response.status_code == 403
    body = response.content.decode()
    assert "提交没有成功" in body and f'href="http://testserver{survey.url}"' in body
