"""An NGO project through moderation, as the people involved use it (issue 10, items 1, 4, 6):
the NGO member writes the project with the community picker and plain tags and submits it
with the editor's main button; staff of another community see nothing to review; staff of
the served community decide on the review screen; residents find it by searching 养老.
The admin screens pass axe-core with no moderate, serious or critical violation."""

import re

import pytest
from playwright.sync_api import expect

from projects.models import ServiceProjectPage
from tests import factories
from tests.e2e.conftest import login, screenshot
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING_IMPACTS = ("moderate", "serious", "critical")


def assert_no_axe_violations(page, *, name: str) -> None:
    """axe-core finds no moderate, serious or critical violation on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n.get("target") else "?" for n in v["nodes"][:5])
        for v in bad
    )
    assert not bad, f"axe-core violations on {name}:\n{details}"


@pytest.fixture
def site():
    home = factories.make_home_page()
    grids = factories.make_geography()
    project_factories.make_project_index(home)
    admin = factories.make_district_admin()
    community, other = grids[0].community, grids[4].community
    owner = factories.make_user(email="ngo@example.cn")
    organization = project_factories.make_organization(
        owner=owner, communities=[community], name="银杏社工服务社", verify_by=admin
    )
    factories.make_community_staff(community, email="staff@example.cn", display_name="华阳")
    factories.make_community_staff(other, email="other@example.cn", display_name="别处")
    return {"organization": organization, "community": community, "other": other}


def _log_out(page):
    page.goto("/me/")
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("link", name="登录").first).to_be_visible()


def test_ngo_project_through_moderation_and_search(page, site):
    community = site["community"]
    organization = site["organization"]
    # The Wagtail editor is heavy; a shared, busy machine needs longer than the default.
    page.set_default_timeout(60_000)

    # 1. The NGO member writes a project: title, summary, category chooser, tags, picker.
    login(page, "ngo@example.cn", factories.PASSWORD)
    page.goto(f"/admin/pages/add/projects/serviceprojectpage/{organization.page.pk}/")
    # The title field, not its panel: get_by_label("标题") also finds the title panel's
    # <section> and its anchor links (aria-labelledby the panel heading), and .first typed
    # into the section, so the title stayed empty and Wagtail never derived the slug.
    title = page.get_by_role("textbox", name=re.compile(r"^标题"))
    title.press_sequentially("银发午餐送到家")
    title.press("Tab")  # leaving the title lets Wagtail fill the slug from it
    page.get_by_label(re.compile(r"^摘要")).press_sequentially("每周三为独居老人送午餐。")
    # The category is a snippet chooser: open its modal and pick the category.
    page.get_by_role("button", name=re.compile("项目类别")).first.click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("link", name="养老服务").click()
    expect(modal).to_be_hidden()
    expect(page.locator("#id_category-title")).to_have_text("养老服务")
    page.get_by_label("招募状态").select_option("recruiting")
    page.get_by_label("标签", exact=True).press_sequentially("助餐，陪伴")
    picker_search = page.get_by_label("搜索社区或街道")
    expect(picker_search).to_be_visible()
    picker_search.press_sequentially(community.name)
    expect(page.get_by_label(site["other"].name, exact=True)).to_be_hidden()
    page.get_by_label(community.name, exact=True).check()
    expect(page.get_by_text("已选 1 个社区")).to_be_visible()
    assert_no_axe_violations(page, name="NGO project editor")
    screenshot(page, "moderation-ngo-editor")
    # Submitting is the main button, not hidden in the drop-up.
    submit = page.get_by_role("button", name="提交给项目审核")
    expect(submit).to_be_visible()
    submit.click()
    # Wait for the success message: any .messages also matches "存在校验错误".
    expect(page.locator(".messages li.success")).to_contain_text("银发午餐送到家")
    project = ServiceProjectPage.objects.get(title="银发午餐送到家")
    assert not project.live and project.current_workflow_state is not None
    assert list(project.service_communities.values_list("pk", flat=True)) == [community.pk]
    assert sorted(t.name for t in project.tags.all()) == ["助餐", "陪伴"]
    _log_out(page)

    # 2. Staff of another community have nothing to review and cannot open it.
    login(page, "other@example.cn", factories.PASSWORD)
    page.goto("/admin/project-review/")
    expect(page.get_by_text("目前没有等待您审核的项目。")).to_be_visible()
    _log_out(page)

    # 3. Staff of the served community decide on the review screen.
    login(page, "staff@example.cn", factories.PASSWORD)
    page.goto("/admin/")
    page.get_by_role("link", name="项目审核").first.click()
    expect(page.get_by_role("heading", name="项目审核")).to_be_visible()
    assert_no_axe_violations(page, name="review list")
    page.get_by_role("link", name="银发午餐送到家").click()
    expect(page.get_by_role("button", name="批准并发布")).to_be_visible()
    expect(page.get_by_role("button", name="退回修改")).to_be_visible()
    assert_no_axe_violations(page, name="review screen")
    screenshot(page, "moderation-review-screen")
    # Sending it back needs a reason; without one the screen says so and nothing changes.
    page.get_by_role("button", name="退回修改").click()
    expect(page.get_by_text("请写明需要修改的地方，提交人会在通知中看到。")).to_be_visible()
    expect(page.get_by_role("button", name="批准并发布")).to_be_visible()
    assert_no_axe_violations(page, name="review screen with an error")
    page.get_by_role("button", name="批准并发布").click()
    expect(page.get_by_text(re.compile("已批准并发布.*已通知“银杏社工服务社”"))).to_be_visible()
    project.refresh_from_db()
    assert project.live
    _log_out(page)

    # 4. Residents find it by what it is about.
    page.goto("/search/?q=养老")
    result = page.locator(".search-results li", has_text="银发午餐送到家")
    expect(result).to_be_visible()
    expect(result.get_by_text("服务项目", exact=True)).to_be_visible()
    page.goto("/projects/")
    page.get_by_label("关键词").press_sequentially("养老")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("link", name="银发午餐送到家")).to_be_visible()
