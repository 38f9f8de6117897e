"""创益工场 in a real browser: a resident registers an organization, community staff verify
it in the admin, the owner writes a project in Wagtail's editor (as a person does: typing, the
category chooser, the footer's menu) and submits it, staff approve, and the project appears in
the public index under its filters. The public pages pass axe-core.

Every check waits (Playwright's ``expect``); the database is read only after the page that
reports the change has arrived."""

import re

import pytest
from playwright.sync_api import expect

from projects.models import Organization, ServiceProjectPage
from tests import factories
from tests.e2e.conftest import assert_accessible, log_out, login, screenshot
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site():
    home = factories.make_home_page()
    grids = factories.make_geography()
    index = project_factories.make_project_index(home)
    resident = factories.make_user(email="owner@example.cn", home_grid=grids[0])
    staff = factories.make_community_staff(grids[0].community, email="staff@example.cn")
    return {"home": home, "grids": grids, "index": index, "resident": resident, "staff": staff}


def _admin_message(page):
    """Wagtail's success message at the top of an admin page."""
    return page.locator(".messages li.success")


def test_register_verify_write_approve_and_find(page, site):
    community = site["grids"][0].community
    code = project_factories.credit_code(4242)

    # 1. A resident applies; a wrong code is explained and what was typed is kept.
    login(page, "owner@example.cn", factories.PASSWORD)
    page.goto("/organizations/apply/")
    assert_accessible(page, name="organization-apply")
    page.get_by_label("组织名称").fill("海岸线社区服务社")
    page.get_by_label("统一社会信用代码").fill(code[:-1] + ("0" if code[-1] != "0" else "1"))
    page.get_by_label("组织类型").select_option("community")
    page.get_by_label("所在街道").select_option(str(community.street_id))
    page.get_by_label("服务社区").select_option(str(community.pk))
    page.get_by_label("联系人").fill("王海")
    page.get_by_label("联系电话").fill("0532-88886666")
    page.get_by_label("联系邮箱").fill("coast@example.cn")
    page.get_by_label("组织简介").fill("为社区老人提供助餐和陪伴服务。")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("校验位不正确")).to_be_visible()
    expect(page.get_by_label("组织名称")).to_have_value("海岸线社区服务社")
    assert_accessible(page, name="organization-apply-errors")
    screenshot(page, "projects-apply-error")
    page.get_by_label("统一社会信用代码").fill(code.lower())
    page.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(re.compile(r"/me/organizations/$"))
    expect(page.get_by_text("“海岸线社区服务社”的申请已提交")).to_be_visible()
    expect(page.get_by_text("待审核").first).to_be_visible()
    organization = Organization.objects.get(name="海岸线社区服务社")
    log_out(page)

    # 2. Community staff verify it in the admin.
    login(page, "staff@example.cn", factories.PASSWORD)
    page.goto("/admin/organizations/?status=pending")
    row = page.locator("table tbody tr", has_text="海岸线社区服务社")
    expect(row).to_be_visible()
    screenshot(page, "projects-admin-list")
    approve_url = f"/admin/organizations/approve/{organization.pk}/"
    row.locator("button[aria-label]").first.click()
    row.locator(f"a[href='{approve_url}']").click()
    expect(page).to_have_url(re.compile(re.escape(approve_url) + "$"))
    screenshot(page, "projects-admin-approve")
    page.get_by_role("button", name="通过认证").click()
    expect(page).to_have_url(re.compile(r"/admin/organizations/$"))
    expect(_admin_message(page)).to_contain_text("“海岸线社区服务社”已通过认证")
    organization.refresh_from_db()
    assert organization.status == Organization.Status.VERIFIED
    log_out(page)

    # 3. The owner writes a project below the organization's page and submits it.
    login(page, "owner@example.cn", factories.PASSWORD)
    page.goto(f"/admin/pages/add/projects/serviceprojectpage/{organization.page.pk}/")
    title = page.locator("#id_title")
    title.click()
    title.press_sequentially("海岸线助老午餐")
    title.press("Tab")  # leaving the title lets Wagtail fill the slug from it
    page.locator("#id_summary").fill("每周三为独居老人送午餐，招募送餐志愿者。")
    # The category is a snippet chooser: open its modal and pick the category.
    page.get_by_role("button", name="选择 项目类别").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("link", name="养老服务").click()
    expect(modal).to_be_hidden()
    expect(page.locator("#id_category-title")).to_have_text("养老服务")
    page.locator("#id_recruiting_status").select_option("recruiting")
    # 服务社区: checkboxes grouped by street, with a search box; tick the community by name.
    page.get_by_label("搜索社区或街道").press_sequentially(community.name)
    page.get_by_label(community.name, exact=True).check()
    expect(page.get_by_text("已选 1 个社区")).to_be_visible()
    # The slug that Wagtail derived from the title is on the promote tab.
    page.get_by_role("tab", name="推荐").click()
    expect(page.locator("#id_slug")).to_have_value(re.compile(r"\S"))
    slug = page.locator("#id_slug").input_value()
    page.get_by_role("tab", name="内容").click()
    screenshot(page, "projects-admin-editor")
    # Submitting for review is the editor's main button for an NGO member.
    page.locator("footer.footer").get_by_role("button", name="提交给项目审核").click()
    expect(_admin_message(page)).to_contain_text("海岸线助老午餐")
    project = ServiceProjectPage.objects.get(title="海岸线助老午餐")
    assert project.slug == slug
    assert project.category.slug == "elderly"
    assert list(project.service_communities.all()) == [community]
    assert not project.live
    assert project.current_workflow_state is not None
    # Not public yet.
    page.goto("/projects/?q=助老")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("海岸线助老午餐")).to_have_count(0)
    log_out(page)

    # 4. Staff approve it: the editor's main button opens the review screen with the decision.
    login(page, "staff@example.cn", factories.PASSWORD)
    page.goto(f"/admin/pages/{project.pk}/edit/")
    page.locator("footer.footer").get_by_role("link", name="审核：批准发布或退回修改").click()
    approve = page.get_by_role("button", name="批准并发布")
    expect(approve).to_be_visible()
    approve.click()
    expect(_admin_message(page)).to_contain_text("海岸线助老午餐")
    project.refresh_from_db()
    assert project.live
    log_out(page)

    # 5. The project is found in the public index under its filters.
    page.goto("/projects/")
    assert_accessible(page, name="project-index")
    page.get_by_label("关键词").fill("午餐")
    page.get_by_label("类别").select_option(label="养老服务")
    page.get_by_label("招募状态").select_option("recruiting")
    page.get_by_label("社区").select_option(str(community.pk))
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"category=elderly"))
    expect(page).to_have_url(re.compile(rf"community={community.pk}\b"))
    screenshot(page, "projects-index-filtered")
    page.get_by_role("link", name="海岸线助老午餐").click()
    expect(page.get_by_role("heading", name="海岸线助老午餐")).to_be_visible()
    expect(page.get_by_text("海岸线社区服务社").first).to_be_visible()
    assert_accessible(page, name="project-page")
    screenshot(page, "projects-project-page")
    # A filter that excludes it.
    page.goto("/projects/?category=youth&q=午餐")
    expect(page.get_by_label("类别")).to_have_value("youth")
    expect(page.get_by_text("海岸线助老午餐")).to_have_count(0)


def test_public_pages_on_a_phone(phone_page, site):
    owner = factories.make_user()
    organization = project_factories.make_organization(
        owner=owner,
        communities=[site["grids"][0].community],
        name="手机端测试服务社",
        verify_by=site["staff"],
    )
    project_factories.make_project(
        organization, title="楼道清洁志愿行动", communities=[site["grids"][0].community]
    )
    page = phone_page
    page.goto("/projects/")
    expect(page.get_by_role("link", name="楼道清洁志愿行动")).to_be_visible()
    assert_accessible(page, name="project-index-phone")
    screenshot(page, "projects-index-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.goto("/organizations/")
    assert_accessible(page, name="organization-directory")
    page.get_by_role("link", name="手机端测试服务社").click()
    expect(page.get_by_role("heading", name="手机端测试服务社")).to_be_visible()
    expect(page.get_by_text("已认证").first).to_be_visible()
    assert_accessible(page, name="organization-page")
    screenshot(page, "projects-organization-phone")
