"""随手拍 on a phone, end to end: a resident reports a problem with a photo and is offered a
similar open case; staff accept and dispatch it in 我的待办; the department handles it; the
grid leader verifies it; the resident rates it 不满意 and it reopens; the public statistics
change. axe-core finds no serious or critical violations on any page visited."""

import re
from io import BytesIO

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from cases.models import Case, State
from tests import factories
from tests.cases.factories import make_world
from tests.e2e.conftest import PHONE, assert_accessible, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def journey(db, tmp_path, settings):
    settings.CASES_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    factories.make_home_page()
    world = make_world()
    world.category.name = "环境卫生"
    world.category.save()
    # The grid leader works in the admin (我的待办) like the staff.
    leaders, _created = Group.objects.get_or_create(name="网格长")
    leaders.permissions.add(Permission.objects.get(codename="access_admin"))
    world.leader.groups.add(leaders)
    world.reporter.email = "resident-cases@example.cn"
    world.reporter.save()
    similar = world.report(by=world.stranger, description="小区东门垃圾桶满溢，几天没人清运")
    photo = tmp_path / "rubbish.jpg"
    buffer = BytesIO()
    from PIL import Image

    Image.new("RGB", (800, 600), (90, 140, 60)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())
    return world, similar, photo


def _context(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    return context


def _staff_action(page, button: str) -> None:
    """Press an action's button once the page has loaded, and wait for the answer page: on a
    busy machine a click during the previous page's load, or a check before the answer, races."""
    page.wait_for_load_state()
    with page.expect_navigation():
        page.locator("section.case-action").get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def test_resident_report_to_reopened_case(phone_page, browser, live_server, journey):
    page = phone_page
    world, similar, photo = journey

    # Before: the public statistics of the district.
    page.goto("/cases/statistics/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("诉求办理情况统计")
    expect(page.locator('[data-figure="satisfied"]')).to_have_text("—")
    assert_accessible(page, name="statistics before")

    # 1. The resident reports with a photo and is offered the similar case.
    login(page, world.reporter.email, factories.PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="随手拍").first.click()
    expect(page.get_by_role("heading", name="随手拍 · 诉求公开")).to_be_visible()
    assert_accessible(page, name="case list")
    page.get_by_role("link", name="我要随手拍").first.click()
    expect(page.get_by_text("第 1 步，共 2 步")).to_be_visible()
    assert_accessible(page, name="report step 1")
    page.get_by_label("问题类别").select_option(label="环境卫生")
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_text("第 2 步，共 2 步")).to_be_visible()
    expect(page.locator(".similar-case")).to_contain_text(similar.number)
    expect(page.get_by_role("button", name=f"我也遇到：关注诉求 {similar.number}")).to_be_visible()
    assert_accessible(page, name="report step 2 with similar case")
    screenshot(page, "cases-1-similar")

    # An empty description is refused; the address typed stays.
    page.get_by_label("详细地址（可选）").type("延安三路128号楼下")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("请描述遇到的问题。")).to_be_visible()
    expect(page.get_by_label("详细地址（可选）")).to_have_value("延安三路128号楼下")
    assert_accessible(page, name="report errors")

    page.get_by_label("问题描述").type("楼下西侧垃圾堆放三天无人清理，夏天气味很大。")
    page.get_by_label("照片（可选，最多 3 张）").set_input_files(str(photo))
    page.get_by_label("同意工作人员通过我的账号联系方式联系我").check()
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("已提交，编号")).to_be_visible()
    expect(page.locator(".status").first).to_have_text("已上报")
    assert_accessible(page, name="case page (reporter)")
    case = Case.objects.get(reporter=world.reporter)
    assert case.photos.count() == 1
    screenshot(page, "cases-2-reported")

    # 2. Staff accept and dispatch it in 我的待办.
    staff_context = _context(browser, live_server)
    staff = staff_context.new_page()
    login(staff, world.staff.email, factories.PASSWORD)
    staff.goto("/admin/cases/")
    expect(staff.get_by_role("link", name=case.number)).to_be_visible()
    assert_accessible(staff, name="staff inbox")
    staff.get_by_role("link", name=case.number).click()
    expect(staff.get_by_role("heading", name="可执行的操作")).to_be_visible()
    assert_accessible(staff, name="staff case page")
    _staff_action(staff, "受理")
    expect(staff.locator("section.case-action").get_by_role("button", name="派遣")).to_be_visible()
    _staff_action(staff, "派遣")
    # A dispatched case can be dispatched again (to another department), so the answer page
    # is read for the new state and the history row, not for the action's absence.
    expect(staff.locator(".case-facts")).to_contain_text("已派遣")
    expect(staff.locator(".case-timeline")).to_contain_text("派遣至：城管部门")
    staff_context.close()

    # 3. The department handles it.
    handler_context = _context(browser, live_server)
    handler = handler_context.new_page()
    login(handler, world.handler.email, factories.PASSWORD)
    handler.goto(f"/admin/cases/{case.pk}/")
    _staff_action(handler, "开始处置")
    expect(handler.locator("#action-handle")).to_be_visible()
    handler.locator("section.case-action").get_by_label("处置结果").type(
        "已安排环卫人员清运垃圾，并冲洗地面。"
    )
    _staff_action(handler, "办结")
    expect(handler.locator("#action-handle")).to_have_count(0)
    assert_accessible(handler, name="handler case page")
    handler_context.close()

    # 4. The grid leader verifies it.
    leader_context = _context(browser, live_server)
    leader = leader_context.new_page()
    login(leader, world.leader.email, factories.PASSWORD)
    leader.goto(f"/admin/cases/{case.pk}/")
    leader.get_by_label("通过并结案").check()
    _staff_action(leader, "核查")
    expect(leader.locator("#action-verify")).to_have_count(0)
    leader_context.close()
    assert Case.objects.get(pk=case.pk).state == State.CLOSED

    # 5. The resident rates it 不满意 and the case reopens.
    page.goto(case.get_absolute_url())
    expect(page.get_by_role("heading", name="评价办理结果")).to_be_visible()
    assert_accessible(page, name="rating form")
    page.get_by_label("不满意").check()
    page.get_by_label("补充意见（可选，仅工作人员可见）").type("垃圾只清了一半。")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("诉求已退回重新办理")).to_be_visible()
    expect(page.locator(".status").first).to_have_text("返工")
    expect(page.get_by_text("垃圾只清了一半。")).to_have_count(0)
    screenshot(page, "cases-3-reopened")

    # 我的 lists the report with its state.
    page.goto("/me/")
    expect(page.locator(".cases-account")).to_contain_text(case.number)
    expect(page.locator(".cases-account")).to_contain_text("返工")
    assert_accessible(page, name="account")

    # 6. The public statistics change.
    page.goto("/cases/statistics/")
    expect(page.locator('[data-figure="satisfied"]')).to_have_text("0.0%")
    expect(page.locator(".case-figures")).to_contain_text(re.compile(r"共 2 件"))
    assert_accessible(page, name="statistics after")
    screenshot(page, "cases-4-statistics")


def test_phone_pages_do_not_overflow(phone_page, journey):
    """On a 390 px phone nothing widens the page: a long unbroken word in a description
    wraps, and the wide statistics table scrolls inside its own region."""
    page = phone_page
    world, similar, _photo = journey
    long = world.report(description="垃圾" + "x" * 120 + "https://example.cn/" + "9" * 80)
    width = PHONE["width"]
    for path, name in [
        ("/cases/", "cases-list-phone"),
        (long.get_absolute_url(), "cases-page-phone"),
        ("/cases/statistics/", "cases-statistics-phone"),
    ]:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        screenshot(page, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        assert_accessible(page, name=name)
    table = page.get_by_role("region", name="各类别办理情况表")
    expect(table).to_be_visible()
    # The region scrolls sideways instead of being cut off.
    assert table.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    # 我的随手拍: the reporter's own list, the long case among them.
    login(page, world.reporter.email, factories.PASSWORD)
    page.goto("/cases/mine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的随手拍")
    expect(page.get_by_role("link", name=long.number)).to_be_visible()
    screenshot(page, "cases-mine-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page, name="cases-mine-phone")
