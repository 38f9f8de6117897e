"""The server-side page cache: repeat anonymous views come from it (no query), and a page
is fresh right after each change that it shows."""

import pytest
from django.test import override_settings

from portal.models import NewsIndexPage, NewsPage, StandardPage
from surveys import services as survey_services
from surveys.models import SurveyIndexPage, SurveyPage
from tests.surveys.factories import answers_for, make_survey
from tests.volunteers.factories import make_member, make_shift
from volunteers.services import shifts as shift_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def news(home_page):
    index = home_page.add_child(instance=NewsIndexPage(title="新闻公告", slug="news"))
    page = index.add_child(instance=NewsPage(title="第一条新闻", slug="first", summary="摘要"))
    return page


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_a_repeat_anonymous_view_comes_from_the_cache(client, news, django_assert_num_queries):
    first = _get(client, news.url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = _get(client, news.url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "public" in second["Cache-Control"] and not second.cookies
    # Each language and each query string is a page of its own.
    assert _get(client, "/en" + news.url)["X-Page-Cache"] == "miss"
    assert _get(client, news.url + "?x=1")["X-Page-Cache"] == "miss"


@override_settings(PAGE_CACHE_ENABLED=False)
def test_the_cache_can_be_switched_off(client, news):
    _get(client, news.url)
    response = _get(client, news.url)
    assert "X-Page-Cache" not in response and "public" in response["Cache-Control"]


def test_publish_purges(client, news):
    assert "第一条新闻" in _get(client, news.url).content.decode()
    assert "第一条新闻" in _get(client, news.get_parent().url).content.decode()
    news.title = "改过的标题"
    news.save_revision().publish()
    assert "改过的标题" in _get(client, news.url).content.decode()
    assert "改过的标题" in _get(client, news.get_parent().url).content.decode()


def test_unpublish_purges(client, news):
    _get(client, news.url)
    news.unpublish()
    assert client.get(news.url).status_code == 404
    assert "第一条新闻" not in _get(client, news.get_parent().url).content.decode()


def test_move_purges(client, news, home_page):
    other = home_page.add_child(instance=StandardPage(title="关于", slug="about"))
    old_url = news.url
    index_url = news.get_parent().url
    _get(client, old_url)
    _get(client, index_url)
    news.move(other, pos="last-child")
    assert client.get(old_url).status_code != 200  # a redirect to the new address
    assert "第一条新闻" not in _get(client, index_url).content.decode()
    assert _get(client, "/about/first/")["X-Page-Cache"] == "miss"


def test_delete_purges(client, news):
    url, index_url = news.url, news.get_parent().url
    _get(client, url)
    _get(client, index_url)
    news.delete()
    assert client.get(url).status_code == 404
    assert "第一条新闻" not in _get(client, index_url).content.decode()


def test_a_sign_up_changes_the_places_left(client, home_page, grids):
    shift = make_shift(grid=grids[0], capacity=3)
    url = f"/volunteers/shifts/{shift.pk}/"
    assert "0 / 3 人已确认" in _get(client, url).content.decode()
    assert _get(client, url)["X-Page-Cache"] == "hit"
    volunteer = make_member(grid=grids[0])
    signup = shift_services.shift_sign_up(shift=shift, user=volunteer)
    response = _get(client, url)
    assert response["X-Page-Cache"] == "miss"
    assert "1 / 3 人已确认" in response.content.decode()
    shift_services.shift_cancel(signup=signup, by=volunteer)
    assert "0 / 3 人已确认" in _get(client, url).content.decode()


def test_a_survey_answer_changes_the_counts(client, home_page):
    index = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    survey = make_survey(
        index, login_required=False, results_visibility=SurveyPage.ResultsVisibility.WHILE_OPEN
    )
    url = survey.url + "results/"
    before = _get(client, url).content
    assert _get(client, url)["X-Page-Cache"] == "hit"
    survey_services.survey_submit(survey=survey, visitor_token="v1", data=answers_for(survey))
    response = _get(client, url)
    assert response["X-Page-Cache"] == "miss"
    assert response.content != before and "楼道照明" in response.content.decode()


def test_a_case_state_change_purges_the_public_case_pages(client, home_page):
    from cases import services as case_services
    from tests.cases.factories import make_world

    world = make_world()
    case = world.report()
    urls = [case.get_absolute_url(), "/cases/"]
    before = [_get(client, url).content for url in urls]
    assert all(_get(client, url)["X-Page-Cache"] == "hit" for url in urls)
    case_services.case_accept(case=case, by=world.staff)
    for url, old in zip(urls, before, strict=True):
        response = _get(client, url)
        assert response["X-Page-Cache"] == "miss" and response.content != old, url


def test_an_anonymous_visitor_with_messages_is_not_served_from_the_cache(client, news):
    _get(client, news.url)
    client.cookies["messages"] = "x"
    assert "X-Page-Cache" not in client.get(news.url)


def test_a_transaction_bumps_each_tag_once_after_it_commits(django_capture_on_commit_callbacks):
    """A case and its history row are both saved by one report: each purges "cases", and
    the versions are bumped at once each time but only once after the commit."""
    from portal import page_cache

    before = page_cache.tag_versions(["cases", "projects"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page_cache.purge("cases")
        page_cache.purge("cases")
        page_cache.purge("projects")
        during = page_cache.tag_versions(["cases", "projects"])
    assert len(callbacks) == 2
    after = page_cache.tag_versions(["cases", "projects"])
    assert before["cases"] < during["cases"] < after["cases"]
    assert before["projects"] < during["projects"] < after["projects"]


def test_purges_gathered_in_a_block_are_bumped_once_at_its_end(
    django_capture_on_commit_callbacks, monkeypatch
):
    """A service's saves each purge their tags through the signals; inside
    purges_gathered() they cost one round trip, at the end of the block (and one after the
    commit), and a page read after the block is fresh."""
    from portal import page_cache

    bumped = []
    real_bump = page_cache.bump_versions
    monkeypatch.setattr(
        page_cache, "bump_versions", lambda keys: bumped.append(set(keys)) or real_bump(keys)
    )
    before = page_cache.tag_versions(["cases", "projects"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with page_cache.purges_gathered():
            page_cache.purge("cases")
            with page_cache.purges_gathered():  # a nested block: the outer one bumps
                page_cache.purge("projects")
            page_cache.purge("cases")
            assert bumped == []
        assert len(bumped) == 1
        after_block = page_cache.tag_versions(["cases", "projects"])
        assert before["cases"] < after_block["cases"]
        assert before["projects"] < after_block["projects"]
    assert len(callbacks) == 1 and len(bumped) == 2
