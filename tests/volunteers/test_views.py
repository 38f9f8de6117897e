import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.volunteers.factories import make_member, make_shift
from volunteers import services
from volunteers.models import Certificate, RosterMembership, ServiceRecord, Shift, SignUp

pytestmark = pytest.mark.django_db
S = SignUp.Status


def test_apply_defaults_to_home_grid_and_creates_application(client, grid, leader, resident):
    client.force_login(resident)
    response = client.get(reverse("volunteers:apply"))
    assert response.status_code == 200
    assert response.context["form"].initial["grid"] == grid.pk
    response = client.post(
        reverse("volunteers:apply"),
        {
            "street": grid.community.street_id,
            "community": grid.community_id,
            "grid": grid.pk,
            "role": "patrol",
            "skills": "急救，摄影",
            "availability": "周末",
        },
    )
    assert response.status_code == 302
    membership = RosterMembership.objects.get(user=resident)
    assert membership.role == "patrol" and membership.status == "applied"
    assert sorted(membership.skills.names()) == ["急救", "摄影"]


def test_apply_without_grid_keeps_input_and_explains(client, resident):
    client.force_login(resident)
    response = client.post(
        reverse("volunteers:apply"), {"role": "volunteer", "availability": "周末上午"}
    )
    assert response.status_code == 200
    assert "请依次选择街道、社区和网格" in response.content.decode()
    assert "周末上午" in response.content.decode()


def test_leader_approves_from_roster_page(client, grid, leader, resident):
    membership = services.membership_apply(user=resident, grid=grid)
    client.force_login(leader)
    page = client.get(reverse("volunteers:roster", args=[grid.code]))
    assert resident.get_display_name() in page.content.decode()
    response = client.post(
        reverse("volunteers:membership_decide", args=[membership.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == "active"


def test_decline_without_reason_is_refused_with_message(client, grid, leader, resident):
    membership = services.membership_apply(user=resident, grid=grid)
    client.force_login(leader)
    response = client.post(
        reverse("volunteers:membership_decide", args=[membership.pk]),
        {"decision": "decline", "reason": ""},
        follow=True,
    )
    assert "请填写未通过的原因" in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == "applied"


def test_sign_up_and_waitlist_messages(client, grid, leader):
    shift = make_shift(grid=grid, capacity=1)
    first, second = make_member(grid=grid), make_member(grid=grid)
    client.force_login(first)
    response = client.post(reverse("volunteers:shift_sign_up", args=[shift.pk]), follow=True)
    assert "报名成功" in response.content.decode()
    client.force_login(second)
    response = client.post(reverse("volunteers:shift_sign_up", args=[shift.pk]), follow=True)
    content = response.content.decode()
    assert "候补名单" in content
    assert "候补第 1 位" in content


def test_clash_is_shown(client, grid, leader, volunteer):
    a = make_shift(grid=grid, title="周二巡查", hours_from_now=30)
    b = make_shift(grid=grid, title="楼院巡查", hours_from_now=31)
    services.shift_sign_up(shift=a, user=volunteer)
    client.force_login(volunteer)
    response = client.post(reverse("volunteers:shift_sign_up", args=[b.pk]), follow=True)
    assert "周二巡查" in response.content.decode()
    assert not SignUp.objects.filter(shift=b).exists()


def test_non_member_sees_join_link_on_members_only_shift(client, patrol, resident):
    client.force_login(resident)
    response = client.get(patrol.get_absolute_url())
    assert "仅限本网格名册中的志愿者报名" in response.content.decode()


def test_cancel_from_shift_page(client, patrol, volunteer):
    signup = services.shift_sign_up(shift=patrol, user=volunteer)
    client.force_login(volunteer)
    response = client.post(reverse("volunteers:signup_cancel", args=[signup.pk]))
    assert response.status_code == 302
    signup.refresh_from_db()
    assert signup.status == S.CANCELLED


def test_create_patrol_weekly(client, grid, leader):
    client.force_login(leader)
    start = timezone.localtime() + timedelta(days=2)
    data = {
        "title": "周末徒步巡查",
        "place": "辽宁路网格服务站",
        "starts_at": start.strftime("%Y-%m-%dT09:00"),
        "ends_at": start.strftime("%Y-%m-%dT11:00"),
        "capacity": "6",
        "members_only": "on",
        "repeat_weeks": "3",
    }
    response = client.post(reverse("volunteers:patrol_create", args=[grid.code]), data)
    assert response.status_code == 302
    assert Shift.objects.filter(grid=grid, title="周末徒步巡查").count() == 3


def test_create_patrol_form_states_the_repeat_limit(client, grid, leader):
    client.force_login(leader)
    url = reverse("volunteers:patrol_create", args=[grid.code])
    limit = Shift.MAX_REPEAT_WEEKS
    assert f"1–{limit}" in client.get(url).content.decode()
    start = timezone.localtime() + timedelta(days=2)
    data = {
        "title": "周末徒步巡查",
        "place": "辽宁路网格服务站",
        "starts_at": start.strftime("%Y-%m-%dT09:00"),
        "ends_at": start.strftime("%Y-%m-%dT11:00"),
        "capacity": "6",
        "repeat_weeks": str(limit + 1),
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert f"重复周数须在1到{limit}之间" in response.content.decode()
    assert not Shift.objects.exists()


def test_create_patrol_bad_input_keeps_values(client, grid, leader):
    client.force_login(leader)
    start = timezone.localtime() + timedelta(days=2)
    data = {
        "title": "夜间巡查",
        "place": "楼院",
        "starts_at": start.strftime("%Y-%m-%dT21:00"),
        "ends_at": start.strftime("%Y-%m-%dT20:00"),
        "capacity": "0",
        "repeat_weeks": "1",
    }
    response = client.post(reverse("volunteers:patrol_create", args=[grid.code]), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "名额至少为1人" in content
    assert "夜间巡查" in content
    response = client.post(
        reverse("volunteers:patrol_create", args=[grid.code]),
        {**data, "starts_at": "明天", "capacity": "3"},
    )
    assert response.status_code == 200
    assert "请按“年-月-日 时:分”填写时间" in response.content.decode()
    assert not Shift.objects.exists()


def test_edit_capacity_below_confirmed_warns(client, grid, leader):
    shift = make_shift(grid=grid, capacity=3)
    for _ in range(3):
        services.shift_sign_up(shift=shift, user=make_member(grid=grid))
    client.force_login(leader)
    local = timezone.localtime
    data = {
        "title": shift.title,
        "place": shift.place,
        "starts_at": local(shift.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local(shift.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "1",
        "members_only": "on",
    }
    response = client.post(reverse("volunteers:shift_edit", args=[shift.pk]), data, follow=True)
    content = response.content.decode()
    assert "已有3人确认报名" in content
    assert SignUp.objects.filter(shift=shift, status=S.CONFIRMED).count() == 3


def _started(grid, **kw):
    shift = make_shift(grid=grid, **kw)
    start = timezone.now() - timedelta(minutes=5)
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=2), signup_deadline=start
    )
    shift.refresh_from_db()
    return shift


def test_code_check_in_attendance_record_certificate(client, grid, leader, volunteer):
    shift = _started(grid, title="周三徒步巡查")
    signup = SignUp.objects.create(shift=shift, user=volunteer, status=S.CONFIRMED)
    client.force_login(leader)
    code_page = client.get(reverse("volunteers:shift_code", args=[shift.pk]))
    assert shift.checkin_code in code_page.content.decode()
    assert "<svg" in code_page.content.decode()

    client.force_login(volunteer)
    check_in = reverse("volunteers:shift_check_in", args=[shift.pk])
    assert (
        shift.checkin_code in client.get(check_in + f"?code={shift.checkin_code}").content.decode()
    )
    wrong = client.post(check_in, {"code": "XXXXXX"})
    assert "签到码不正确" in wrong.content.decode()
    assert client.post(check_in, {"code": shift.checkin_code}).status_code == 302
    signup.refresh_from_db()
    assert signup.checked_in_at is not None

    client.force_login(leader)
    attendance = reverse("volunteers:shift_attendance", args=[shift.pk])
    form = client.get(attendance).content.decode()
    assert re.search(r'<input type="checkbox" name="attendance-0-attended"[^>]* checked>', form)
    assert f'name="attendance-0-signup" value="{signup.pk}"' in form
    response = client.post(attendance, _attendance_data([(signup, True, "2.00")]))
    assert response.status_code == 302
    record = ServiceRecord.objects.get(user=volunteer)
    assert str(record.hours) == "2.00"

    client.force_login(volunteer)
    page = client.get(reverse("volunteers:my_record")).content.decode()
    assert "周三徒步巡查" in page
    response = client.post(reverse("volunteers:certificate_issue"))
    certificate = Certificate.objects.get(user=volunteer)
    assert response["Location"] == certificate.get_absolute_url()
    page = client.get(certificate.get_absolute_url()).content.decode()
    assert "志愿服务证明" in page and "2.00" in page and certificate.number in page
    assert certificate.get_verification_url() in page

    client.logout()
    verify = client.get(certificate.get_verification_url()).content.decode()
    assert "所列服务时长已由服务组织确认" in verify and certificate.number in verify
    assert "真实有效" not in verify  # the portal vouches for hours and account, not a name
    assert volunteer.get_display_name() not in verify  # shown masked
    assert client.get("/volunteers/verify/nonsense/").status_code == 404


def test_someone_elses_certificate_is_forbidden(client, grid, leader, volunteer, resident):
    shift = _started(grid)
    signup = SignUp.objects.create(shift=shift, user=volunteer, status=S.CONFIRMED)
    services.shift_confirm_attendance(shift=shift, by=leader, attended={signup.pk})
    certificate = services.certificate_issue(user=volunteer)
    client.force_login(resident)
    assert client.get(certificate.get_absolute_url()).status_code == 403


def _attendance_data(rows, reason=""):
    """The attendance formset as the page posts it: (sign-up, came, hours) per row."""
    data = {
        "attendance-TOTAL_FORMS": str(len(rows)),
        "attendance-INITIAL_FORMS": str(len(rows)),
        "reason": reason,
    }
    for i, (signup, came, hours) in enumerate(rows):
        data[f"attendance-{i}-signup"] = str(signup.pk)
        data[f"attendance-{i}-hours"] = hours
        if came:
            data[f"attendance-{i}-attended"] = "on"
    return data


def test_attendance_hours_change_without_reason_keeps_form(client, grid, leader, volunteer):
    shift = _started(grid)
    signup = SignUp.objects.create(shift=shift, user=volunteer, status=S.CONFIRMED)
    client.force_login(leader)
    response = client.post(
        reverse("volunteers:shift_attendance", args=[shift.pk]),
        _attendance_data([(signup, True, "1.5")]),
    )
    assert response.status_code == 200
    assert "请填写原因" in response.content.decode()
    assert 'value="1.5"' in response.content.decode()
    response = client.post(
        reverse("volunteers:shift_attendance", args=[shift.pk]),
        _attendance_data([(signup, True, "abc")], reason="x"),
    )
    assert response.status_code == 200
    assert "服务时长请填写数字" in response.content.decode()


@pytest.mark.parametrize(
    "tamper",
    ["unknown sign-up", "same row twice", "more rows than people", "no management form"],
)
def test_attendance_with_a_stale_or_tampered_list_changes_nothing(
    client, grid, leader, volunteer, tamper
):
    shift = _started(grid)
    signup = SignUp.objects.create(shift=shift, user=volunteer, status=S.CONFIRMED)
    other = SignUp.objects.create(
        shift=_started(grid, title="别的班次"), user=volunteer, status=S.CONFIRMED
    )
    rows = {
        "unknown sign-up": [(other, True, "")],
        "same row twice": [(signup, True, ""), (signup, True, "")],
        "more rows than people": [(signup, True, ""), (other, True, "")],
        "no management form": [(signup, True, "")],
    }[tamper]
    data = _attendance_data(rows)
    if tamper == "no management form":
        del data["attendance-TOTAL_FORMS"], data["attendance-INITIAL_FORMS"]
    client.force_login(leader)
    response = client.post(reverse("volunteers:shift_attendance", args=[shift.pk]), data)
    assert response.status_code == 200
    assert 'class="alert alert--error"' in response.content.decode()
    assert not ServiceRecord.objects.exists()
    signup.refresh_from_db()
    assert signup.status == S.CONFIRMED


def test_ics_per_signup_and_private_feed(client, patrol, volunteer):
    signup = services.shift_sign_up(shift=patrol, user=volunteer)
    client.force_login(volunteer)
    response = client.get(reverse("volunteers:signup_ics", args=[signup.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content
    assert "徒步巡查".encode() in response.content
    other = factories.make_user()
    client.force_login(other)
    assert client.get(reverse("volunteers:signup_ics", args=[signup.pk])).status_code == 404

    feed = services.calendar_feed_for(user=volunteer)
    client.logout()
    response = client.get(feed.get_absolute_url())
    assert response.status_code == 200 and b"BEGIN:VEVENT" in response.content
    assert client.get("/volunteers/calendar/wrong.ics").status_code == 404


def test_account_section_lists_rosters_shifts_and_waitlist(client, grid, leader):
    shift = make_shift(grid=grid, capacity=1, title="满员巡查")
    services.shift_sign_up(shift=shift, user=make_member(grid=grid))
    me = make_member(grid=grid)
    services.shift_sign_up(shift=shift, user=me)
    client.force_login(me)
    content = client.get(reverse("account_home")).content.decode()
    assert "我的网格名册" in content
    assert "满员巡查" in content and "候补第 1 位" in content
    assert "生成日历订阅地址" in content
    client.post(reverse("volunteers:calendar_reset"))
    content = client.get(reverse("account_home")).content.decode()
    assert "/volunteers/calendar/" in content


def test_index_and_home_sections(client, grid, leader, home_page):
    make_shift(grid=grid, title="公开活动：楼院清洁", members_only=False)
    content = client.get(reverse("volunteers:index")).content.decode()
    assert "公开活动：楼院清洁" in content
    assert client.get("/").status_code == 200
    assert "公开活动：楼院清洁" in client.get("/").content.decode()


@override_settings(PAGE_CACHE_ENABLED=False)
def test_index_lists_are_shared_and_fresh_after_each_sign_up(
    client, grid, leader, django_assert_max_num_queries
):
    """The finder and the lists are a fragment shared by everyone, signed in or not, and
    rendered again after every change of a shift or a sign-up."""
    shift = make_shift(grid=grid, title="公开活动：楼院清洁", members_only=False, capacity=2)
    url = reverse("volunteers:index")
    assert "已报 0 / 2 人" in client.get(url).content.decode()
    services.shift_sign_up(shift=shift, user=make_member(grid=grid))
    assert "已报 1 / 2 人" in client.get(url).content.decode()
    me = make_member(grid=grid)
    client.force_login(me)
    client.get(url)
    # The session, the user, unread notifications and the person's home-grid prompt; the
    # finder and the lists come from the cache.
    with django_assert_max_num_queries(5) as captured:
        html = client.get(url).content.decode()
    assert "已报 1 / 2 人" in html and "我的服务记录" in html
    assert not [query for query in captured.captured_queries if "shift" in query["sql"]]
    services.shift_sign_up(shift=shift, user=me)
    assert "已满" in client.get(url).content.decode()


def test_grid_finder_redirects_to_grid(client, grid):
    response = client.get(
        reverse("volunteers:index"),
        {"street": grid.community.street_id, "community": grid.community_id, "grid": grid.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:grid_detail", args=[grid.code])


def test_unknown_export_format_is_404(client, grid, leader):
    client.force_login(leader)
    assert client.get(f"/volunteers/grids/{grid.code}/roster.pdf").status_code == 404


# --- Query counts with a large data set ----------------------------------------------------


@pytest.fixture
def big_grid(grid, leader):
    from portal.models import User

    users = User.objects.bulk_create(
        [
            User(
                email=f"bulk{n}@example.cn",
                display_name=f"志愿者{n}",
                home_grid=grid,
                privacy_consent_version="2026-11",
                privacy_consent_at=timezone.now(),
            )
            for n in range(120)
        ]
    )
    RosterMembership.objects.bulk_create(
        [RosterMembership(user=u, grid=grid, status="active") for u in users]
    )
    now = timezone.now()
    shifts = Shift.objects.bulk_create(
        [
            Shift(
                grid=grid,
                title=f"巡查{n}",
                place="楼院",
                capacity=5,
                starts_at=now + timedelta(hours=n - 20),
                ends_at=now + timedelta(hours=n - 19),
                signup_deadline=now + timedelta(hours=n - 20),
            )
            for n in range(60)
        ]
    )
    SignUp.objects.bulk_create(
        [
            SignUp(shift=s, user=u, status=S.CONFIRMED if i < 5 else S.WAITLISTED)
            for s in shifts[:30]
            for i, u in enumerate(users[:8])
        ]
    )
    ServiceRecord.objects.bulk_create(
        [
            ServiceRecord(
                user=users[0],
                shift=s,
                item=s.title,
                served_on=s.starts_at.date() - timedelta(days=400 * (i % 3)),
                hours=1,
                issuer="测试社区",
                grid=grid,
            )
            for i, s in enumerate(shifts[:20])
        ]
    )
    return {"grid": grid, "users": users, "shifts": shifts}


@pytest.mark.parametrize("who", ["anonymous", "member", "leader"])
def test_grid_and_shift_pages_run_a_fixed_number_of_queries(
    client, big_grid, leader, who, django_assert_max_num_queries
):
    if who == "member":
        client.force_login(big_grid["users"][0])
    elif who == "leader":
        client.force_login(leader)
    grid = big_grid["grid"]
    client.get(reverse("volunteers:grid_detail", args=[grid.code]))  # site settings row made once
    with django_assert_max_num_queries(12):
        assert client.get(reverse("volunteers:grid_detail", args=[grid.code])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(big_grid["shifts"][25].get_absolute_url()).status_code == 200


def test_record_page_runs_a_fixed_number_of_queries(
    client, big_grid, django_assert_max_num_queries
):
    client.force_login(big_grid["users"][0])
    client.get(reverse("volunteers:index"))  # site settings row made once
    with django_assert_max_num_queries(12):
        response = client.get(reverse("volunteers:my_record"))
    assert len(response.context["records"]) == 20
    assert len(response.context["year_totals"]) >= 2


def test_roster_page_runs_a_fixed_number_of_queries(
    client, big_grid, leader, django_assert_max_num_queries
):
    client.force_login(leader)
    client.get(reverse("volunteers:index"))  # site settings row made once
    with django_assert_max_num_queries(14):
        assert (
            client.get(reverse("volunteers:roster", args=[big_grid["grid"].code])).status_code
            == 200
        )


def test_account_section_runs_a_fixed_number_of_queries(
    client, big_grid, django_assert_max_num_queries
):
    client.force_login(big_grid["users"][0])
    client.get(reverse("volunteers:index"))  # site settings row made once
    # The whole account page, with every app's sections; the volunteers section runs 5.
    with django_assert_max_num_queries(20):
        assert client.get(reverse("account_home")).status_code == 200


def test_admin_screens_and_report(client, big_grid):
    admin = factories.make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for prefix in ("memberships", "shifts", "signups", "service-records"):
        response = client.get(f"/admin/volunteers/{prefix}/")
        assert response.status_code == 200, prefix
    response = client.get(reverse("volunteers_grid_report"))
    assert response.status_code == 200
    assert big_grid["grid"].code in response.content.decode()
    response = client.get(reverse("volunteers_grid_report") + "?export=csv")
    assert big_grid["grid"].code in b"".join(response.streaming_content).decode("utf-8-sig")
    response = client.get(reverse("volunteers_grid_report") + "?export=pdf")
    assert response.status_code == 200  # an unknown format shows the report itself
    assert response["Content-Type"].startswith("text/html")
    assert big_grid["grid"].code in response.content.decode()


def test_admin_lists_are_scoped_to_staff_communities(client, grids, big_grid):
    other_staff = factories.make_community_staff(grids[2].community)
    from django.contrib.auth.models import Permission

    group = other_staff.groups.get()
    group.permissions.add(Permission.objects.get(codename="view_rostermembership"))
    client.force_login(other_staff)
    response = client.get("/admin/volunteers/memberships/")
    assert response.status_code == 200
    assert "志愿者1<" not in response.content.decode()
    response = client.get(reverse("volunteers_grid_report"))
    assert big_grid["grid"].code not in response.content.decode()


@override_settings(PAGE_CACHE_ENABLED=False)
def test_home_section_shows_a_new_shift_at_once(client, grid, leader, home_page):
    """The section is a cached fragment (portal.fragments): a saved shift purges it."""
    make_shift(grid=grid, title="公开活动：楼院清洁", members_only=False)
    assert "公开活动：楼院清洁" in client.get("/").content.decode()
    make_shift(grid=grid, title="公开活动：义诊", members_only=False, hours_from_now=24)
    assert "公开活动：义诊" in client.get("/").content.decode()
