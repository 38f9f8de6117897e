"""The Wagtail admin in a real browser, as Chinese community staff and a district administrator
see it: Chinese throughout, including what the admin's JavaScript renders, no picture or link
from a site they cannot reach, and no moderate, serious or critical axe violation on the
dashboard."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

ENGLISH_SEEN = [
    "Search all pages",
    "Autosave is paused",
    "Date updated",
    "Edited by",
    "Page type",
    "Exploring",
    "new items in this menu",
    "editor guide",
    "Editor Guide",
    "What's new",
    "Pages",
]


@pytest.fixture
def site():
    home = factories.make_home_page()
    grids = factories.make_geography()
    staff = factories.make_community_staff(
        grids[0].community, email="staff@example.cn", display_name="华阳路社区 张敏"
    )
    admin = factories.make_district_admin(
        email="admin@example.cn", display_name="区级管理员", is_superuser=True
    )
    return {"home": home, "staff": staff, "admin": admin}


def _watch_requests_off_site(page, base_url: str) -> list[str]:
    off_site = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((base_url, "data:", "blob:"))
            else off_site.append(request.url)
        ),
    )
    return off_site


def _expect_no_english(page) -> None:
    body = page.locator("body")
    for text in ENGLISH_SEEN:
        expect(body).not_to_contain_text(text)


def _assert_no_moderate_or_worse_axe_violation(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    bad = [v for v in violations if v.get("impact") in ("moderate", "serious", "critical")]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(n.get("target")) for n in v["nodes"][:5])
        for v in bad
    )
    assert not bad, f"axe-core violations on {name}:\n{details}"


def test_staff_dashboard_is_chinese_local_and_accessible(page, live_server, site):
    off_site = _watch_requests_off_site(page, live_server.url)
    login(page, "staff@example.cn", factories.PASSWORD)
    page.goto("/admin/")

    expect(page.get_by_role("heading", name="华阳路社区 张敏")).to_be_visible()
    expect(page.get_by_placeholder("搜索所有页面…")).to_be_visible()
    expect(page.get_by_role("link", name="帐号", exact=True)).to_be_visible()
    # Rendered by the admin's JavaScript (the sidebar), from its translation catalogue.
    sidebar = page.locator("[data-wagtail-sidebar], #wagtail-sidebar").first
    expect(sidebar.get_by_role("button", name="帮助")).to_be_visible()
    assert page.evaluate("django.gettext('(%(number)s new items in this menu)')") == (
        "（此菜单中有 %(number)s 个新项目）"
    )
    _expect_no_english(page)
    # The avatar is Wagtail's own picture from this site, not Gravatar.
    avatar = page.locator(".avatar img").first
    expect(avatar).to_have_attribute("src", re.compile(r"^/static/wagtailadmin/images/"))
    _assert_no_moderate_or_worse_axe_violation(page, "admin dashboard (community staff)")
    screenshot(page, "admin-dashboard-staff")

    # The help menu keeps what stays on the site: the keyboard shortcuts.
    sidebar.get_by_role("button", name="帮助").click()
    expect(sidebar.get_by_role("button", name="快捷键")).to_be_visible()
    expect(sidebar).not_to_contain_text("Wagtail")
    expect(sidebar).not_to_contain_text("指南")
    assert off_site == [], f"the admin fetched from other sites: {off_site}"


def test_explorer_and_editor_are_chinese(page, live_server, site):
    off_site = _watch_requests_off_site(page, live_server.url)
    home = site["home"]
    login(page, "admin@example.cn", factories.PASSWORD)

    page.goto(f"/admin/pages/{home.get_parent().pk}/")
    expect(page).to_have_title(re.compile("正在浏览"))
    expect(page.get_by_text(re.compile(r"共 \d+ 个页面，第 1-\d+ 个"))).to_be_visible()
    page.get_by_role("button", name="显示过滤器").click()
    for label in ("更新日期", "编辑者", "页面类型"):
        expect(page.get_by_role("button", name=label, exact=True)).to_be_visible()
    _expect_no_english(page)
    screenshot(page, "admin-explorer")

    page.goto(f"/admin/pages/{home.pk}/edit/")
    expect(page.get_by_role("button", name="保存草稿")).to_be_visible()
    # The autosave notice that shows when autosave pauses (on validation errors) is Chinese.
    expect(page.locator(".w-autosave-indicator__state--paused")).to_contain_text("自动保存已暂停")
    title = page.get_by_role("textbox", name=re.compile(r"^标题"))
    title.fill("社区首页")
    expect(page.get_by_role("button", name="保存草稿")).to_be_enabled()
    _expect_no_english(page)
    screenshot(page, "admin-editor")
    assert off_site == [], f"the admin fetched from other sites: {off_site}"
