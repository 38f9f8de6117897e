"""Browser journey: a resident joins the grid roster, signs up for a patrol, checks in with the
leader's code; the leader confirms attendance and the hours appear on a one-page A4
certificate. axe-core checks the grid, shift, record and certificate pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_accessible, login, screenshot
from volunteers.models import RosterMembership, Shift, SignUp


def _move(shift: Shift, *, starts_in_minutes: int, hours: int = 2) -> None:
    start = timezone.now() + timedelta(minutes=starts_in_minutes)
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=hours), signup_deadline=start
    )


@pytest.mark.django_db(transaction=True)
def test_join_sign_up_check_in_hours_certificate(browser, live_server, page):
    factories.make_home_page()
    grid = factories.make_geography(streets=1, communities=1, grids=2)[0]
    leader = factories.make_user(email="leader-e2e@example.cn", display_name="网格长刘建华")
    grid.leader = leader
    grid.save()
    RosterMembership.objects.create(user=leader, grid=grid, role="leader", status="active")
    factories.make_user(
        email="resident-e2e@example.cn", display_name="王秀兰", home_grid=grid, mobile="13912345678"
    )
    start = timezone.now() + timedelta(hours=3)
    patrol = Shift.objects.create(
        grid=grid,
        title="徒步巡查：楼道堆物",
        place="小区东门集合",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        signup_deadline=start,
        capacity=5,
        members_only=True,
    )

    # The resident asks to join their home grid (chosen by default).
    login(page, "resident-e2e@example.cn", factories.PASSWORD)
    page.goto("/volunteers/join/")
    expect(page.get_by_label("网格")).to_have_value(str(grid.pk))
    page.get_by_label("巡治员").check()
    page.get_by_label("特长").fill("急救，摄影")
    page.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(re.compile(rf"/volunteers/grids/{grid.code}/$"))
    expect(page.get_by_text("申请已提交，网格长审核后会通知您。")).to_be_visible()
    expect(page.get_by_text("待审核").first).to_be_visible()
    assert "13912345678" not in page.content()
    assert_accessible(page, name="grid page")
    screenshot(page, "volunteers-grid")

    # The leader approves on the roster page.
    leader_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    leader_page = leader_context.new_page()
    login(leader_page, "leader-e2e@example.cn", factories.PASSWORD)
    leader_page.goto(f"/volunteers/grids/{grid.code}/roster/")
    expect(leader_page.get_by_text("13912345678").first).to_be_visible()
    leader_page.get_by_role("button", name="通过").click()
    expect(leader_page.get_by_text("已通过申请。")).to_be_visible()
    assert RosterMembership.objects.get(user__email="resident-e2e@example.cn").status == "active"

    # The volunteer signs up for the patrol.
    page.goto(f"/volunteers/shifts/{patrol.pk}/")
    page.get_by_role("button", name="报名", exact=True).click()
    expect(page.get_by_text("报名成功，您的名额已确认。")).to_be_visible()
    expect(page.get_by_text("您已确认报名")).to_be_visible()
    assert_accessible(page, name="shift page")
    screenshot(page, "volunteers-shift")

    # On the day: the leader shows the code, the volunteer checks in with it.
    _move(patrol, starts_in_minutes=-5)
    leader_page.goto(f"/volunteers/shifts/{patrol.pk}/code/")
    expect(leader_page.locator("[data-checkin-code]")).to_have_text(
        re.compile(r"^\s*[0-9A-Z]{6}\s*$")
    )
    code = leader_page.locator("[data-checkin-code]").inner_text().strip()
    expect(leader_page.locator(".checkin-qr svg")).to_have_count(1)
    screenshot(leader_page, "volunteers-code")
    page.goto(f"/volunteers/shifts/{patrol.pk}/check-in/")
    page.get_by_label("签到码").fill(code.lower())
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_text("签到成功")).to_be_visible()

    # After the shift, the leader confirms attendance; the check-in pre-ticks the box.
    _move(patrol, starts_in_minutes=-180)
    leader_page.goto(f"/volunteers/shifts/{patrol.pk}/attendance/")
    expect(leader_page.get_by_role("checkbox", name="王秀兰")).to_be_checked()
    leader_page.get_by_role("button", name="确认出勤并记录时长").click()
    expect(leader_page.get_by_text("已确认出勤，1人的服务时长已记录。")).to_be_visible()
    assert SignUp.objects.get(shift=patrol, user__email="resident-e2e@example.cn").status == (
        "attended"
    )
    leader_context.close()

    # The hours are on the record and on the certificate, which prints on one A4 page.
    page.goto("/volunteers/me/record/")
    expect(page.get_by_text("累计服务 2.00 小时")).to_be_visible()
    assert_accessible(page, name="record page")
    page.get_by_role("button", name="开具服务证明").click()
    expect(page).to_have_url(re.compile(r"/volunteers/certificates/"))
    certificate = page.locator(".certificate")
    expect(certificate).to_contain_text("王秀兰")
    expect(certificate).to_contain_text("2.00")
    expect(certificate).to_contain_text("徒步巡查：楼道堆物")
    expect(certificate).to_contain_text("/volunteers/verify/")
    assert_accessible(page, name="certificate page")
    screenshot(page, "volunteers-certificate")
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"the certificate prints on {pages} pages"

    # Anyone can verify it.
    verify_url = re.search(r"/volunteers/verify/[^/\s]+/", certificate.inner_text()).group(0)
    page.goto(verify_url)
    expect(page.get_by_text("所列服务时长已由服务组织确认")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_grid_page_on_a_phone(phone_page):
    factories.make_home_page()
    grid = factories.make_geography(streets=1, communities=1, grids=1)[0]
    start = timezone.now() + timedelta(days=1)
    Shift.objects.create(
        grid=grid,
        title="夜间巡查：路灯和井盖",
        place="网格服务站",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        signup_deadline=start,
        capacity=4,
    )
    phone_page.goto(f"/volunteers/grids/{grid.code}/")
    expect(phone_page.get_by_text("夜间巡查：路灯和井盖")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(phone_page, "volunteers-grid-phone")


@pytest.mark.django_db(transaction=True)
def test_roster_page_fits_a_phone_with_long_unbroken_words(phone_page):
    """The leader's roster on a phone: an applicant's long e-mail address and a skill typed
    without spaces wrap inside the card, and the members table scrolls in its own box (its
    visually hidden labels used to widen the whole page)."""
    factories.make_home_page()
    grid = factories.make_geography(streets=1, communities=1, grids=1)[0]
    leader = factories.make_user(email="leader-phone@example.cn", display_name="网格长刘建华")
    grid.leader = leader
    grid.save()
    RosterMembership.objects.create(user=leader, grid=grid, role="leader", status="active")
    member = factories.make_user(email="member-phone@example.cn", display_name="郭卫东")
    RosterMembership.objects.create(user=member, grid=grid, role="patrol", status="active")
    applicant = factories.make_user(
        email="a.very.long.address.for.the.roster@community-service.example.cn",
        display_name="王秀兰",
    )
    applied = RosterMembership.objects.create(user=applicant, grid=grid, motivation="x" * 80)
    applied.skills.add("y" * 60)

    login(phone_page, "leader-phone@example.cn", factories.PASSWORD)
    phone_page.goto(f"/volunteers/grids/{grid.code}/roster/")
    expect(phone_page.get_by_text(applicant.email)).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(phone_page, "volunteers-roster-phone")
