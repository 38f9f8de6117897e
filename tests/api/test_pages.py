"""Wagtail API v2 at /api/v2/: live public news, notices and standard pages, public fields
only; private pages and other page types are not there."""

import datetime

import pytest
from django.test import Client
from wagtail.models import PageViewRestriction

from portal.models import NewsIndexPage, NewsPage, StandardPage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(home_page):
    index = home_page.add_child(instance=NewsIndexPage(title="新闻公告", slug="news"))
    news = index.add_child(
        instance=NewsPage(
            title="停水通知",
            slug="water",
            date=datetime.date(2026, 12, 1),
            summary="12月3日停水",
            body=[("paragraph", "<p>请提前储水。</p>")],
        )
    )
    draft = index.add_child(instance=NewsPage(title="草稿", slug="draft", live=False))
    about = home_page.add_child(instance=StandardPage(title="关于我们", slug="about", intro="简介"))
    private = home_page.add_child(instance=StandardPage(title="内部页面", slug="private"))
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    return {"index": index, "news": news, "draft": draft, "about": about, "private": private}


def test_listing_has_only_public_pages_of_the_allowed_types(pages):
    response = Client().get("/api/v2/pages/")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    titles = {item["title"] for item in response.json()["items"]}
    assert titles == {"新闻公告", "停水通知", "关于我们"}


def test_news_detail_has_its_public_fields(pages):
    detail = Client().get(f"/api/v2/pages/{pages['news'].pk}/").json()
    assert detail["title"] == "停水通知"
    assert detail["summary"] == "12月3日停水" and detail["date"] == "2026-12-01"
    assert detail["body"][0]["type"] == "paragraph"
    assert "请提前储水" in detail["body"][0]["value"]
    assert detail["cover_image"] is None
    for private_field in ("owner", "latest_revision", "locked_by", "show_in_menus"):
        assert private_field not in detail and private_field not in detail["meta"]
    listed = (
        Client().get("/api/v2/pages/", {"type": "portal.NewsPage", "fields": "date,summary"}).json()
    )
    assert listed["items"][0]["summary"] == "12月3日停水"
    found = Client().get("/api/v2/pages/find/", {"html_path": "/news/water/"})
    assert found.status_code == 302 and f"/api/v2/pages/{pages['news'].pk}/" in found["Location"]


def test_private_draft_and_other_types_are_not_found(pages, grids):
    client = Client()
    client.force_login(factories.make_user())
    for page in (pages["private"], pages["draft"], pages["index"].get_parent()):
        assert Client().get(f"/api/v2/pages/{page.pk}/").status_code == 404
        assert client.get(f"/api/v2/pages/{page.pk}/").status_code == 404
    assert Client().get("/api/v2/pages/", {"type": "portal.HomePage"}).status_code == 400
    assert Client().get("/api/v2/pages/", {"fields": "owner"}).status_code == 400
    # No basic authentication here (a password guess would bypass the login's rate limit).
    assert "WWW-Authenticate" not in Client().get("/api/v2/pages/99999/")


def test_listing_query_count_is_fixed(pages, django_assert_max_num_queries):
    for n in range(5):
        pages["index"].add_child(instance=NewsPage(title=f"新闻{n}", slug=f"n{n}"))
    with django_assert_max_num_queries(8):
        response = Client().get("/api/v2/pages/", {"type": "portal.NewsPage"})
    assert response.json()["meta"]["total_count"] == 6


def test_listing_is_kept_until_a_page_changes(pages, django_assert_max_num_queries):
    url = "/api/v2/pages/?type=portal.NewsPage&fields=date,summary"
    client = Client()
    assert [item["title"] for item in client.get(url).json()["items"]] == ["停水通知"]
    with django_assert_max_num_queries(0):
        assert client.get(url).json()["items"][0]["title"] == "停水通知"
    pages["draft"].save_revision().publish()
    assert {item["title"] for item in client.get(url).json()["items"]} == {"停水通知", "草稿"}
    PageViewRestriction.objects.create(page=pages["index"], restriction_type="login")
    assert client.get(url).json()["items"] == []
    assert client.get("/api/v2/pages/?type=portal.Nope").status_code == 400
