"""创益工场 in a real browser: a resident registers an organization, community staff verify
it in the admin, the owner writes a project and submits it, staff approve, and the project
appears in the public index under its filters. The public pages pass axe-core."""

import re

import pytest

from projects.models import Category, Organization, ServiceProjectPage
from tests import factories
from tests.e2e.conftest import assert_accessible, login, screenshot
from tests.projects import builders

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site():
    home = factories.make_home_page()
    grids = factories.make_geography()
    index = builders.make_project_index(home)
    resident = factories.make_user(email="owner@example.cn", home_grid=grids[0])
    staff = factories.make_community_staff(grids[0].community, email="staff@example.cn")
    return {"home": home, "grids": grids, "index": index, "resident": resident, "staff": staff}


def _log_out(page):
    page.goto("/me/")
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("networkidle")


def test_register_verify_write_approve_and_find(page, site):
    community = site["grids"][0].community
    code = builders.credit_code(4242)

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
    assert page.get_by_text("校验位不正确").is_visible()
    assert page.get_by_label("组织名称").input_value() == "海岸线社区服务社"
    assert_accessible(page, name="organization-apply-errors")
    screenshot(page, "projects-apply-error")
    page.get_by_label("统一社会信用代码").fill(code.lower())
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/me/organizations/")
    assert page.get_by_text("待审核").first.is_visible()
    organization = Organization.objects.get(name="海岸线社区服务社")
    _log_out(page)

    # 2. Community staff verify it in the admin.
    login(page, "staff@example.cn", factories.PASSWORD)
    page.goto("/admin/organizations/?status=pending")
    assert page.get_by_text("海岸线社区服务社").first.is_visible()
    screenshot(page, "projects-admin-list")
    approve_url = f"/admin/organizations/approve/{organization.pk}/"
    page.locator("table button[aria-label]").first.click()
    page.locator(f"a[href='{approve_url}']").click()
    page.wait_for_url(f"**{approve_url}")
    screenshot(page, "projects-admin-approve")
    page.get_by_role("button", name="通过认证").click()
    page.wait_for_url("**/admin/organizations/")
    organization.refresh_from_db()
    assert organization.status == Organization.Status.VERIFIED
    _log_out(page)

    # 3. The owner writes a project below the organization's page and submits it.
    login(page, "owner@example.cn", factories.PASSWORD)
    org_page = organization.page
    page.goto(f"/admin/pages/add/projects/serviceprojectpage/{org_page.pk}/")
    page.locator("#id_title").fill("海岸线助老午餐")
    page.locator("#id_summary").fill("每周三为独居老人送午餐，招募送餐志愿者。")
    # The category is a snippet chooser (a hidden input behind a modal).
    category_id = Category.objects.get(slug="elderly").pk
    page.locator("#id_category").evaluate(f"el => {{ el.value = '{category_id}'; }}")
    page.locator("#id_recruiting_status").select_option("recruiting")
    page.locator("#id_service_communities").select_option(str(community.pk))
    page.locator("#id_slug").evaluate("el => { el.value = 'coast-lunch'; }")
    screenshot(page, "projects-admin-editor")
    page.locator("button[name='action-submit']").evaluate("b => b.click()")
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/(edit/)?$"))
    project = ServiceProjectPage.objects.get(slug="coast-lunch")
    assert not project.live
    assert project.current_workflow_state is not None
    # Not public yet.
    page.goto("/projects/?q=助老")
    assert "海岸线助老午餐" not in page.content()
    _log_out(page)

    # 4. Staff approve it.
    login(page, "staff@example.cn", factories.PASSWORD)
    page.goto(f"/admin/pages/{project.pk}/edit/")
    page.locator("[data-workflow-action-name='approve']").first.evaluate("b => b.click()")
    page.wait_for_load_state("networkidle")
    project.refresh_from_db()
    for _i in range(20):
        if project.live:
            break
        page.wait_for_timeout(250)
        project.refresh_from_db()
    assert project.live
    _log_out(page)

    # 5. The project is found in the public index under its filters.
    page.goto("/projects/")
    assert_accessible(page, name="project-index")
    page.get_by_label("关键词").fill("午餐")
    page.get_by_label("类别").select_option(label="养老服务")
    page.get_by_label("招募状态").select_option("recruiting")
    page.get_by_label("社区").select_option(str(community.pk))
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    assert "category=elderly" in page.url and f"community={community.pk}" in page.url
    screenshot(page, "projects-index-filtered")
    page.get_by_role("link", name="海岸线助老午餐").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="海岸线助老午餐").is_visible()
    assert page.get_by_text("海岸线社区服务社").first.is_visible()
    assert_accessible(page, name="project-page")
    screenshot(page, "projects-project-page")
    # A filter that excludes it.
    page.goto("/projects/?category=youth&q=午餐")
    assert "海岸线助老午餐" not in page.content()


def test_public_pages_on_a_phone(phone_page, site):
    owner = factories.make_user()
    organization = builders.make_organization(
        owner=owner,
        communities=[site["grids"][0].community],
        name="手机端测试服务社",
        verify_by=site["staff"],
    )
    builders.make_project(
        organization, title="楼道清洁志愿行动", communities=[site["grids"][0].community]
    )
    page = phone_page
    page.goto("/projects/")
    assert_accessible(page, name="project-index-phone")
    screenshot(page, "projects-index-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.goto("/organizations/")
    assert_accessible(page, name="organization-directory")
    page.get_by_role("link", name="手机端测试服务社").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("已认证").first.is_visible()
    assert_accessible(page, name="organization-page")
    screenshot(page, "projects-organization-phone")
