"""The language is the URL's: Chinese unprefixed, English under /en/, no language cookie."""

import pytest

from tests.volunteers.factories import make_shift

pytestmark = pytest.mark.django_db


def test_chinese_unprefixed_english_under_en_whatever_the_browser_says(client, home_page):
    zh = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans">' in zh.content.decode()
    assert zh["Content-Language"] == "zh-hans"
    en = client.get("/en/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en">' in en.content.decode()
    assert "Skip to main content" in en.content.decode()
    for response in (zh, en):
        assert not response.cookies  # no language cookie, no csrftoken, no session
        assert "Accept-Language" not in response.get("Vary", "")


def test_no_language_cookie_is_read_or_written(client, home_page):
    client.cookies["django_language"] = "en"
    response = client.get("/")
    assert '<html lang="zh-hans">' in response.content.decode()
    assert client.get("/i18n/setlang/").status_code == 404


def test_switcher_links_to_the_same_page_in_the_other_language(client, home_page, grids):
    shift = make_shift(grid=grids[0])
    path = f"/volunteers/shifts/{shift.pk}/"
    zh = client.get(path).content.decode()
    assert f'href="/en{path}" lang="en"' in zh
    en = client.get(f"/en{path}")
    assert en.status_code == 200
    assert f'href="{path}" lang="zh-hans"' in en.content.decode()
    # The query string goes along.
    search = client.get("/search/?q=%E5%85%BB%E8%80%81").content.decode()
    assert 'href="/en/search/?q=%E5%85%BB%E8%80%81"' in search


def test_links_inside_english_pages_stay_english(client, home_page, grids):
    from portal.models import NewsIndexPage

    home_page.add_child(instance=NewsIndexPage(title="新闻公告", slug="news", show_in_menus=True))
    zh = client.get("/").content.decode()
    en = client.get("/en/").content.decode()
    assert 'href="/news/"' in zh and 'href="/en/news/"' in en
    assert 'href="/en/volunteers/"' in en
    assert client.get("/en/news/").status_code == 200
    assert client.get("/en/volunteers/").status_code == 200


def test_account_area_under_both_prefixes(client, resident):
    response = client.get("/en/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")
    assert client.get("/en/accounts/login/").status_code == 200
    client.force_login(resident)
    assert '<html lang="zh-hans">' in client.get("/me/").content.decode()
    assert '<html lang="en">' in client.get("/en/me/").content.decode()


def test_admin_api_and_headless_stay_unprefixed(client, db):
    assert client.get("/en/api/v1/projects/").status_code == 404
    assert client.get("/en/admin/").status_code == 404
    assert client.get("/csrf-token/").status_code == 200
    assert client.get("/admin/").status_code == 302


def test_api_language_follows_accept_language_only(client, db):
    from django.urls import reverse

    url = reverse("api:project_list")
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"
    assert client.get(url)["Content-Language"] == "zh-hans"
