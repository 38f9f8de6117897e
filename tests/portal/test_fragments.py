"""Shared parts of pages kept in the cache (portal.fragments, portal.routing): rendered once,
fresh right after each change they show, never shared across signed-in people, and the
pages that use them at a fixed, small number of queries."""

import pytest
from django.test import override_settings
from django.urls import reverse

from portal.models import NewsIndexPage, NewsPage, Notification, StandardPage
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

# Every request renders the page (the whole-page cache would answer repeat visits itself).
uncached = override_settings(PAGE_CACHE_ENABLED=False)


@pytest.fixture
def news(home_page):
    index = home_page.add_child(
        instance=NewsIndexPage(title="新闻公告", slug="news", show_in_menus=True)
    )
    return index.add_child(instance=NewsPage(title="第一条新闻", slug="first", summary="摘要"))


def _html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@uncached
def test_the_navigation_shows_a_menu_page_as_soon_as_it_is_published(client, home_page):
    assert "办事指南" not in _html(client, "/")
    page = home_page.add_child(
        instance=StandardPage(title="办事指南", slug="guide", show_in_menus=True, live=False)
    )
    assert "办事指南" not in _html(client, "/")
    page.save_revision().publish()
    html = _html(client, "/")
    assert '<a href="/guide/">办事指南</a>' in html
    # The current page is marked in the navigation (a fragment per current link).
    assert '<a href="/guide/" aria-current="page">办事指南</a>' in _html(client, "/guide/")
    assert '<a href="/" aria-current="page">' in _html(client, "/")
    StandardPage.objects.get(pk=page.pk).unpublish()
    assert "办事指南" not in _html(client, "/")


@uncached
def test_the_navigation_is_per_language(client, news):
    assert '<a href="/news/">新闻公告</a>' in _html(client, "/")
    assert '<a href="/en/news/">新闻公告</a>' in _html(client, "/en/")
    assert ">Home<" in _html(client, "/en/") and ">首页<" in _html(client, "/")


@uncached
def test_the_footer_shows_the_site_settings_as_soon_as_they_are_saved(client, home_page):
    from portal.models import SiteSettings

    _html(client, "/")
    settings = SiteSettings.objects.get()
    settings.hotline = "0532-12345678"
    settings.save()
    assert "0532-12345678" in _html(client, "/")


@uncached
def test_personal_parts_of_the_header_are_never_shared(client, grids):
    alice = factories.make_user(home_grid=grids[0])
    bob = factories.make_user(home_grid=grids[0])
    Notification.objects.create(recipient=alice, kind="test", subject="给 Alice 的消息")
    client.force_login(alice)
    html = _html(client, "/")
    assert '<span class="badge">1</span>' in html and "退出" in html
    client.force_login(bob)
    html = _html(client, "/")
    assert '<span class="badge">' not in html and "退出" in html
    client.logout()
    html = _html(client, "/")
    assert "退出" not in html and reverse("account_login") in html


@uncached
def test_a_renamed_page_moves_to_its_new_address(client, news):
    assert "第一条新闻" in _html(client, "/news/first/")
    news.slug = "renamed"
    news.save_revision().publish()
    assert client.get("/news/first/").status_code == 404
    assert "第一条新闻" in _html(client, "/news/renamed/")


@uncached
def test_an_unpublished_page_is_404_at_a_known_address(client, news):
    _html(client, "/news/first/")
    news.unpublish()
    assert client.get("/news/first/").status_code == 404


@uncached
def test_a_page_made_private_asks_for_the_login_at_a_known_address(client, news):
    from wagtail.models import PageViewRestriction

    _html(client, "/news/first/")
    PageViewRestriction.objects.create(page=news, restriction_type=PageViewRestriction.LOGIN)
    response = client.get("/news/first/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@uncached
def test_a_restriction_on_an_ancestor_protects_the_pages_below(client, news):
    from wagtail.models import PageViewRestriction

    _html(client, "/news/first/")
    PageViewRestriction.objects.create(
        page=news.get_parent(), restriction_type=PageViewRestriction.LOGIN
    )
    assert client.get("/news/first/").status_code == 302
    assert client.get("/news/").status_code == 302


@uncached
def test_a_page_moved_below_a_restricted_page_is_protected(client, news, home_page):
    from wagtail.models import PageViewRestriction

    private = home_page.add_child(instance=StandardPage(title="内部资料", slug="internal"))
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    other = home_page.add_child(instance=StandardPage(title="工作动态", slug="work"))
    assert client.get("/work/").status_code == 200
    assert client.get("/internal/").status_code == 302
    StandardPage.objects.get(pk=other.pk).move(private, pos="last-child")
    # Wagtail leaves a redirect at the old address; the page is not served there any more.
    moved = client.get("/work/")
    assert moved.status_code == 301 and moved["Location"].endswith("/internal/work/")
    response = client.get("/internal/work/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@uncached
def test_a_sub_page_of_a_routable_page_is_still_routed(client, home_page):
    from surveys.models import SurveyIndexPage
    from tests.surveys.factories import make_survey

    index = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    survey = make_survey(index)
    assert client.get(survey.url).status_code == 200
    assert client.get(survey.url).status_code == 200
    # The results route answers (a visitor is sent to the login), not a 404 of the tree.
    results = client.get(survey.results_url())
    assert results.status_code == 302 and "/login/" in results["Location"]
    again = client.get(survey.results_url())
    assert again.status_code == 302 and again["Location"] == results["Location"]


@uncached
@override_settings(ALLOWED_HOSTS=["testserver"])
def test_an_unknown_host_is_refused(client, news):
    response = client.get("/news/first/", HTTP_HOST="evil.example")
    assert response.status_code == 400


# Query counts: a warm request (after one that filled the caches) of the uncached pages.


@uncached
def test_home_page_queries(client, news, django_assert_max_num_queries):
    _html(client, "/")
    # The page; the latest news, the site, the route, the view restrictions, the sections
    # and the navigation come from the cache.
    with django_assert_max_num_queries(1):
        _html(client, "/")


@uncached
def test_home_page_queries_signed_in(client, news, grids, django_assert_max_num_queries):
    client.force_login(factories.make_user(home_grid=grids[0]))
    _html(client, "/")
    # The session and the user (2), their permissions for Wagtail's user bar (2), unread
    # notifications (1), the page (1 as above), the community of their projects (1) and
    # their open surveys (3: personal, never cached).
    with django_assert_max_num_queries(10):
        _html(client, "/")


@uncached
def test_news_page_queries(client, news, django_assert_max_num_queries):
    _html(client, "/news/first/")
    # The page, its tags and its parent (the tags' links).
    with django_assert_max_num_queries(3):
        _html(client, "/news/first/")


@uncached
def test_the_news_lists_show_a_news_item_as_soon_as_it_is_published(client, news):
    index = news.get_parent()
    assert "第二条新闻" not in _html(client, "/news/")
    assert "第二条新闻" not in _html(client, "/")
    second = index.add_child(
        instance=NewsPage(title="第二条新闻", slug="second", summary="摘要", live=False)
    )
    assert "第二条新闻" not in _html(client, "/news/")
    second.save_revision().publish()
    assert "第二条新闻" in _html(client, "/news/")
    assert "第二条新闻" in _html(client, "/")
    NewsPage.objects.get(pk=second.pk).unpublish()
    assert "第二条新闻" not in _html(client, "/news/")
    assert "第二条新闻" not in _html(client, "/")


@uncached
def test_news_index_queries(client, news, grids, django_assert_max_num_queries):
    _html(client, "/news/")
    # The page; the list comes from the cache.
    with django_assert_max_num_queries(1):
        _html(client, "/news/")
    # Each tag and page number is its own list.
    _html(client, "/news/?page=2")
    client.force_login(factories.make_user(home_grid=grids[0]))
    _html(client, "/news/")
    # The session, the user, unread notifications, Wagtail's user bar (2) and the page.
    with django_assert_max_num_queries(6):
        assert "第一条新闻" in _html(client, "/news/")
