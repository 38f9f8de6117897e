"""The volunteers admin screens obey the services: guarded fields are not editable there, and
changes go through membership_decide, shift_update and service_record_adjust, with the same
rules and notifications as the front end."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.models import Notification
from tests import factories
from tests.volunteers.factories import make_member, make_shift
from volunteers import services
from volunteers.models import RosterMembership, ServiceRecord, SignUp

pytestmark = pytest.mark.django_db


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _shift_data(shift, **changes):
    data = {
        "title": shift.title,
        "place": shift.place,
        "description": shift.description,
        "starts_at": _local(shift.starts_at),
        "ends_at": _local(shift.ends_at),
        "signup_deadline": _local(shift.signup_deadline),
        "capacity": shift.capacity,
        "members_only": "on" if shift.members_only else "",
    }
    data.update(changes)
    return data


@pytest.fixture
def staff_client(client, community_staff):
    client.force_login(community_staff)
    return client


def test_admin_shift_edit_applies_the_same_time_rules_as_the_front_end(staff_client, grid):
    shift = make_shift(grid=grid)
    url = f"/admin/volunteers/shifts/edit/{shift.pk}/"
    late_deadline = _local(shift.starts_at + timedelta(hours=1))
    response = staff_client.post(url, _shift_data(shift, signup_deadline=late_deadline))
    assert response.status_code == 200
    assert "报名截止时间不能晚于开始时间" in response.content.decode()
    shift.refresh_from_db()
    assert shift.signup_deadline <= shift.starts_at
    # The same change on the front end's service is refused the same way.
    with pytest.raises(ValidationError):
        services.shift_update(
            shift=shift,
            by=factories.make_community_staff(grid.community),
            signup_deadline=shift.starts_at + timedelta(hours=1),
        )


def test_admin_shift_edit_of_a_finished_shift_is_refused(staff_client, grid):
    shift = make_shift(grid=grid, hours_from_now=-5)
    response = staff_client.post(
        f"/admin/volunteers/shifts/edit/{shift.pk}/", _shift_data(shift, title="改名")
    )
    assert response.status_code == 200
    assert "班次已结束" in response.content.decode()
    shift.refresh_from_db()
    assert shift.title != "改名"


def test_admin_capacity_raise_promotes_the_waitlist_with_notification(staff_client, grid):
    shift = make_shift(grid=grid, capacity=1, members_only=False)
    first, second = factories.make_user(), factories.make_user()
    services.shift_sign_up(shift=shift, user=first)
    waiting = services.shift_sign_up(shift=shift, user=second)
    assert waiting.status == SignUp.Status.WAITLISTED
    response = staff_client.post(
        f"/admin/volunteers/shifts/edit/{shift.pk}/", _shift_data(shift, capacity=2)
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == SignUp.Status.CONFIRMED
    assert Notification.objects.filter(recipient=second).exists()


def test_admin_hours_change_needs_a_reason_and_goes_through_the_service(staff_client, grid):
    shift = make_shift(grid=grid, hours_from_now=-5)
    person = make_member(grid=grid)
    signup = SignUp.objects.create(shift=shift, user=person, status=SignUp.Status.ATTENDED)
    record = ServiceRecord.objects.create(
        signup=signup,
        user=person,
        shift=shift,
        grid=grid,
        item=shift.title,
        served_on=timezone.localdate(),
        hours=Decimal("2.00"),
        issuer="测试社区",
        adjustment_reason="旧原因",
    )
    url = f"/admin/volunteers/service-records/edit/{record.pk}/"
    response = staff_client.post(url, {"hours": "3", "adjustment_reason": ""})
    assert response.status_code == 200
    assert "请填写修改服务时长的原因" in response.content.decode()
    record.refresh_from_db()
    assert record.hours == Decimal("2.00")

    response = staff_client.post(url, {"hours": "30", "adjustment_reason": "延长服务"})
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.hours == Decimal("2.00")

    response = staff_client.post(url, {"hours": "3", "adjustment_reason": "延长服务"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.hours == Decimal("3.00")
    assert record.adjustment_reason == "延长服务"
    assert record.credited_by is not None


def test_memberships_and_signups_are_not_edited_in_the_admin(client, grid, community_staff):
    person = make_member(grid=grid)
    membership = RosterMembership.objects.get(user=person)
    shift = make_shift(grid=grid)
    signup = SignUp.objects.create(shift=shift, user=person, status=SignUp.Status.CONFIRMED)
    superuser = factories.make_user(is_superuser=True, is_staff=True)
    for user in (community_staff, superuser):
        client.force_login(user)
        for url, data in (
            (f"/admin/volunteers/memberships/edit/{membership.pk}/", {"status": "declined"}),
            (f"/admin/volunteers/signups/edit/{signup.pk}/", {"checked_in_at": "2026-01-01"}),
            (f"/admin/volunteers/signups/delete/{signup.pk}/", {}),
            (f"/admin/volunteers/shifts/delete/{shift.pk}/", {}),
            ("/admin/volunteers/shifts/new/", {"title": "x"}),
        ):
            response = client.post(url, data)
            assert response.status_code in (302, 403)
            if response.status_code == 302:
                assert response["Location"] == "/admin/"
    membership.refresh_from_db()
    signup.refresh_from_db()
    assert membership.status == RosterMembership.Status.ACTIVE
    assert signup.checked_in_at is None
    assert SignUp.objects.filter(pk=signup.pk).exists()


def test_admin_membership_decision_goes_through_membership_decide(staff_client, grid):
    applicant = factories.make_user(home_grid=grid)
    membership = services.membership_apply(user=applicant, grid=grid)
    url = f"/admin/volunteers/memberships/decide/{membership.pk}/"
    assert staff_client.get(url).status_code == 200

    response = staff_client.post(url, {"decision": "decline", "reason": ""})
    assert response.status_code == 200
    assert "请填写未通过的原因" in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == RosterMembership.Status.APPLIED

    response = staff_client.post(url, {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == RosterMembership.Status.ACTIVE
    assert Notification.objects.filter(recipient=applicant, kind="roster_decided").exists()

    response = staff_client.post(url, {"decision": "decline", "reason": "重复"})
    assert "这份申请已经处理过了" in response.content.decode()


def test_index_offers_the_decision_for_applications(staff_client, grid):
    membership = services.membership_apply(user=factories.make_user(), grid=grid)
    html = staff_client.get("/admin/volunteers/memberships/").content.decode()
    assert f"/admin/volunteers/memberships/decide/{membership.pk}/" in html
