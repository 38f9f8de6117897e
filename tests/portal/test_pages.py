import subprocess
import sys

import pytest
from wagtail import hooks
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from portal.models import HomePage, NewsIndexPage, NewsPage, StandardPage
from portal.sections import render_section
from tests import factories


class PageTypeRulesTests(WagtailPageTestCase):
    def test_where_each_page_type_may_live(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedParentPageTypes(NewsIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(NewsPage, {NewsIndexPage})
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})
        self.assertAllowedSubpageTypes(NewsPage, {})
        self.assertAllowedSubpageTypes(NewsIndexPage, {NewsPage})


@pytest.fixture
def news_index(home_page):
    index = home_page.add_child(instance=NewsIndexPage(title="新闻公告", slug="news"))
    for n in range(30):
        page = NewsPage(title=f"网格动态{n}", slug=f"n{n}", summary="巡查")
        index.add_child(instance=page)
        page.tags.add("网格治理" if n % 2 else "志愿服务")
        page.save()
    return index


@pytest.mark.django_db
def test_home_page_shows_news_and_registered_sections(client, news_index):
    def home_section(request):
        context = {"messages": ["来自其他应用的区块"]}
        return render_section("includes/messages.html", context, request)

    with hooks.register_temporarily("portal_home_sections", home_section):
        html = client.get("/").content.decode()
    assert "网格动态29" in html
    assert "来自其他应用的区块" in html


@pytest.mark.django_db
def test_news_index_filters_by_tag_and_paginates(client, news_index):
    html = client.get("/news/", {"tag": "网格治理"}).content.decode()
    assert "网格动态29" in html and "网格动态28" not in html
    assert "第 1 页，共 2 页" in html
    assert client.get("/news/", {"page": "abc"}).status_code == 200


@pytest.mark.django_db
def test_news_index_ignores_a_tag_longer_than_any_tag(client, news_index):
    response = client.get("/news/", {"tag": "长" * 300})
    assert response.status_code == 200
    html = response.content.decode()
    assert "网格动态29" in html and "网格动态28" in html  # all news, not an empty list


@pytest.mark.django_db
def test_public_pages_run_a_fixed_number_of_queries(
    client, news_index, grids, django_assert_max_num_queries
):
    for n in range(50):
        factories.make_user(home_grid=grids[n % len(grids)])
    client.get("/")  # warm the site and menu caches as production would be
    # The home page also shows the latest news link and the cases section (the district's
    # handling rate from the daily aggregate and the latest handled cases): 13, fixed.
    with django_assert_max_num_queries(13):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/news/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/news/n3/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/search/", {"q": "网格"}).status_code == 200


@pytest.mark.django_db
def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_production_settings_pass_the_deploy_check():
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60 + "-production-like-secret-key-for-check",
        "DJANGO_ALLOWED_HOSTS": "portal.example.cn",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {"DJANGO_SETTINGS_MODULE": "portal.settings.production", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_chinese_first_whatever_the_browser_says(client, home_page):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "跳到主要内容" in html
    # English is under /en/ (the language is the URL's, no cookie).
    html = client.get("/en/").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to main content" in html
