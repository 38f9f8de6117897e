"""A newcomer signs up, logs in, sets their home grid and finds a news item by a Chinese
word inside its title; the entry pages pass axe-core."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import NewsIndexPage, NewsPage
from tests import factories
from tests.e2e.conftest import assert_accessible, log_out, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site_content():
    home = factories.make_home_page()
    grids = factories.make_geography()
    index = home.add_child(
        instance=NewsIndexPage(title="新闻公告", slug="news", show_in_menus=True)
    )
    index.add_child(
        instance=NewsPage(
            title="社区养老服务项目开始招募志愿者", slug="elderly", summary="助餐陪伴"
        )
    )
    index.add_child(instance=NewsPage(title="网格员徒步巡查", slug="patrol", summary="巡查楼院"))
    return {"home": home, "grids": grids}


def test_sign_up_log_in_set_home_grid_and_search(page, site_content):
    grid = site_content["grids"][3]

    page.goto("/")
    expect(page.get_by_role("link", name="新闻公告").first).to_be_visible()
    assert_accessible(page, name="home")
    screenshot(page, "portal-home")

    page.goto("/accounts/signup/")
    expect(page.get_by_label("电子邮件")).to_be_visible()
    assert_accessible(page, name="sign-up")
    page.get_by_label("电子邮件").fill("newcomer@example.cn")
    page.locator("#id_password1").fill("a-long-pass-2026")
    page.locator("#id_password2").fill("a-long-pass-2026")
    page.get_by_label("显示名称").fill("新居民")
    # Forgetting the consent keeps what was typed and says why.
    page.locator("form.stack-form button[type=submit]").click()
    expect(page.get_by_text("注册前请阅读并同意隐私政策。")).to_be_visible()
    expect(page.get_by_label("电子邮件")).to_have_value("newcomer@example.cn")
    screenshot(page, "portal-signup-error")
    page.locator("#id_password1").fill("a-long-pass-2026")
    page.locator("#id_password2").fill("a-long-pass-2026")
    page.get_by_label("我已阅读并同意《隐私政策》").check()
    page.locator("form.stack-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", name="我的", exact=True)).to_be_visible()

    # Log out and in again by email.
    log_out(page)
    page.goto("/accounts/login/")
    expect(page.get_by_label("电子邮件")).to_be_visible()
    assert_accessible(page, name="log-in")
    login(page, "newcomer@example.cn", "a-long-pass-2026")
    page.goto("/me/")
    expect(page.get_by_role("heading", name="我的", exact=True)).to_be_visible()

    # Home grid through the linked selects (JavaScript fills each next select).
    page.get_by_role("link", name="修改资料").click()
    # Each select is filled by JavaScript once the one before it is chosen: the option to
    # choose is waited for by select_option itself.
    page.get_by_label("街道", exact=True).select_option(str(grid.community.street_id))
    page.get_by_label("社区", exact=True).select_option(str(grid.community_id))
    page.get_by_label("网格", exact=True).select_option(str(grid.pk))
    assert_accessible(page, name="profile")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_text(grid.full_name)).to_be_visible()
    screenshot(page, "portal-account")

    # Search from the header finds the Chinese word inside a longer title.
    page.get_by_label("搜索全站").fill("养老")
    page.get_by_label("搜索全站").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/"))
    results = page.locator(".search-results")
    expect(results.get_by_role("link", name="社区养老服务项目开始招募志愿者")).to_be_visible()
    expect(results.get_by_text("网格员徒步巡查")).to_have_count(0)
    assert_accessible(page, name="search")
    screenshot(page, "portal-search")
    results.get_by_role("link", name="社区养老服务项目开始招募志愿者").click()
    expect(page.get_by_role("heading", name="社区养老服务项目开始招募志愿者")).to_be_visible()


def test_home_page_works_on_a_phone(phone_page, site_content):
    phone_page.goto("/")
    expect(phone_page.get_by_role("link", name="新闻公告").first).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is wider than the phone: {width}px"
    screenshot(phone_page, "portal-home-phone")
