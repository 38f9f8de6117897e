"""403, 404 and 500 pages in the site's style, in the visitor's language; the 500 page needs
neither the database nor the context processors."""

import pytest
from django.test import RequestFactory, override_settings
from django.utils import translation
from django.views import defaults

from tests import factories


@pytest.mark.django_db
def test_404_page(client, home_page):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "没有找到这个页面" in html
    assert 'class="site-header' in html or "<header" in html


@pytest.mark.django_db
def test_403_page(client, grids, home_page):
    client.force_login(factories.make_user(home_grid=grids[0]))
    response = client.get(f"/volunteers/grids/{grids[0].code}/roster/")
    assert response.status_code == 403
    assert "没有权限访问这个页面" in response.content.decode()


def test_500_page_renders_without_database_or_context():
    """Not marked django_db: any database access here would raise."""
    request = RequestFactory().get("/")
    response = defaults.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务暂时出错" in html
    assert "<script" not in html


@override_settings(LANGUAGE_CODE="en")
def test_500_page_in_english():
    request = RequestFactory().get("/")
    with translation.override("en"):
        html = defaults.server_error(request).content.decode()
    assert '<html lang="en"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/search/?q=%00", "/projects/?q=a%00b", "/cases/SB%00/", "/search/?q%00=1"]
)
def test_a_nul_character_in_a_url_is_a_400_page(client, home_page, url):
    """PostgreSQL refuses NUL in text: without this, any view filtering on the raw value
    answered 500 there (the fuzz found it)."""
    response = client.get(url)
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


@pytest.mark.django_db
def test_ordinary_requests_pass(client, home_page):
    assert client.get("/search/?q=养老").status_code == 200
