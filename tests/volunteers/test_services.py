from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portal.models import Notification
from tests import factories
from tests.volunteers.factories import make_member, make_shift
from volunteers import services
from volunteers.models import RosterMembership, ServiceRecord, Shift, SignUp

pytestmark = pytest.mark.django_db

S = SignUp.Status


def test_apply_then_approve_notifies_and_activates(grid, leader, resident):
    membership = services.membership_apply(
        user=resident, grid=grid, role="patrol", skills=["急救", "摄影"], availability="周末"
    )
    assert membership.status == RosterMembership.Status.APPLIED
    assert sorted(membership.skills.names()) == ["急救", "摄影"]
    assert Notification.objects.filter(recipient=leader, kind="roster_applied").exists()
    services.membership_decide(membership=membership, by=leader, approve=True)
    membership.refresh_from_db()
    assert membership.status == RosterMembership.Status.ACTIVE
    assert Notification.objects.filter(recipient=resident, kind="roster_decided").exists()


def test_apply_twice_is_refused(grid, resident):
    services.membership_apply(user=resident, grid=grid)
    with pytest.raises(ValidationError):
        services.membership_apply(user=resident, grid=grid)


def test_one_open_membership_per_grid_is_a_database_constraint(grid, resident):
    RosterMembership.objects.create(user=resident, grid=grid)
    with pytest.raises(IntegrityError), transaction.atomic():
        RosterMembership.objects.create(user=resident, grid=grid)


def test_decline_needs_a_reason(grid, leader, resident):
    membership = services.membership_apply(user=resident, grid=grid)
    with pytest.raises(ValidationError):
        services.membership_decide(membership=membership, by=leader, approve=False, reason=" ")
    services.membership_decide(membership=membership, by=leader, approve=False, reason="不在本网格")
    membership.refresh_from_db()
    assert membership.status == RosterMembership.Status.DECLINED
    assert membership.decision_reason == "不在本网格"


def test_leader_of_another_grid_cannot_decide(grids, grid, resident):
    other_leader = factories.make_user()
    grids[1].leader = other_leader
    grids[1].save()
    membership = services.membership_apply(user=resident, grid=grid)
    with pytest.raises(PermissionDenied):
        services.membership_decide(membership=membership, by=other_leader, approve=True)


def test_staff_appoint_leader_sets_grid_leader_and_membership(grid, community_staff, resident):
    make_member(grid=grid, user=resident)
    services.grid_appoint_leader(grid=grid, user=resident, by=community_staff)
    grid.refresh_from_db()
    assert grid.leader == resident
    assert (
        RosterMembership.objects.get(grid=grid, user=resident, status="active").role
        == RosterMembership.Role.LEADER
    )


def test_only_active_roster_members_can_be_appointed_leader(grid, community_staff, resident):
    with pytest.raises(ValidationError, match="在册成员"):
        services.grid_appoint_leader(grid=grid, user=resident, by=community_staff)
    services.membership_apply(user=resident, grid=grid)
    with pytest.raises(ValidationError, match="在册成员"):
        services.grid_appoint_leader(grid=grid, user=resident, by=community_staff)
    grid.refresh_from_db()
    assert grid.leader_id is None


def test_leader_group_follows_appointments(grid, community_staff):
    from django.contrib.auth.models import Group

    from portal.permissions import GRID_LEADERS

    first = make_member(grid=grid)
    second = make_member(grid=grid)
    services.grid_appoint_leader(grid=grid, user=first, by=community_staff)
    leaders = Group.objects.get(name=GRID_LEADERS)
    assert set(leaders.user_set.all()) == {first}
    services.grid_appoint_leader(grid=grid, user=second, by=community_staff)
    assert set(leaders.user_set.all()) == {second}


def test_leader_cannot_appoint_leaders(grid, leader, resident):
    with pytest.raises(PermissionDenied):
        services.grid_appoint_leader(grid=grid, user=resident, by=leader)


def test_sign_up_confirms_then_waitlists(patrol, grid):
    people = [make_member(grid=grid) for _ in range(3)]
    statuses = [services.shift_sign_up(shift=patrol, user=p).status for p in people]
    assert statuses == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED]


def test_sign_up_twice_refused(patrol, volunteer):
    services.shift_sign_up(shift=patrol, user=volunteer)
    with pytest.raises(ValidationError, match="已经报名"):
        services.shift_sign_up(shift=patrol, user=volunteer)


def test_one_signup_per_person_is_a_database_constraint(patrol, volunteer):
    SignUp.objects.create(shift=patrol, user=volunteer, status=S.CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignUp.objects.create(shift=patrol, user=volunteer, status=S.WAITLISTED)


def test_no_sign_up_after_deadline(grid, leader, volunteer):
    shift = make_shift(grid=grid)
    Shift.objects.filter(pk=shift.pk).update(signup_deadline=timezone.now() - timedelta(minutes=1))
    shift.refresh_from_db()
    with pytest.raises(ValidationError, match="报名已截止"):
        services.shift_sign_up(shift=shift, user=volunteer)
    assert not SignUp.objects.exists()


def test_overlapping_confirmed_shift_is_refused_and_named(grid, leader, volunteer):
    first = make_shift(grid=grid, title="周二巡查", hours_from_now=48, duration=2)
    second = make_shift(grid=grid, title="楼院巡查", hours_from_now=49, duration=2)
    services.shift_sign_up(shift=first, user=volunteer)
    with pytest.raises(ValidationError) as excinfo:
        services.shift_sign_up(shift=second, user=volunteer)
    assert "周二巡查" in excinfo.value.messages[0]
    assert excinfo.value.clash_shift == first
    # Back-to-back shifts do not overlap.
    third = make_shift(grid=grid, title="下一班", hours_from_now=50, duration=1)
    assert services.shift_sign_up(shift=third, user=volunteer).status == S.CONFIRMED


def test_members_only_shift_refuses_non_members(patrol, resident, grids):
    outsider = factories.make_user(home_grid=grids[1])
    with pytest.raises(ValidationError, match="仅限本网格"):
        services.shift_sign_up(shift=patrol, user=outsider)
    open_shift = make_shift(grid=patrol.grid, members_only=False)
    assert services.shift_sign_up(shift=open_shift, user=outsider).status == S.CONFIRMED


def test_cancel_promotes_first_waitlisted_and_notifies(patrol, grid):
    people = [make_member(grid=grid) for _ in range(4)]
    signups = [services.shift_sign_up(shift=patrol, user=p) for p in people]
    services.shift_cancel(signup=signups[0], by=people[0])
    statuses = [SignUp.objects.get(pk=s.pk).status for s in signups]
    assert statuses == [S.CANCELLED, S.CONFIRMED, S.CONFIRMED, S.WAITLISTED]
    assert Notification.objects.filter(recipient=people[2], kind="waitlist_promoted").count() == 1
    assert not Notification.objects.filter(recipient=people[3]).exists()


def test_cancelling_a_waitlisted_place_promotes_nobody(patrol, grid):
    people = [make_member(grid=grid) for _ in range(4)]
    signups = [services.shift_sign_up(shift=patrol, user=p) for p in people]
    services.shift_cancel(signup=signups[2], by=people[2])
    assert SignUp.objects.get(pk=signups[3].pk).status == S.WAITLISTED


def test_resign_up_after_cancel_goes_to_the_back(patrol, grid):
    people = [make_member(grid=grid) for _ in range(3)]
    signups = [services.shift_sign_up(shift=patrol, user=p) for p in people]
    services.shift_cancel(signup=signups[0], by=people[0])
    again = services.shift_sign_up(shift=patrol, user=people[0])
    assert again.pk == signups[0].pk
    assert again.status == S.WAITLISTED


def test_stranger_cannot_cancel_someone_elses_signup(patrol, volunteer, resident):
    signup = services.shift_sign_up(shift=patrol, user=volunteer)
    with pytest.raises(PermissionDenied):
        services.shift_cancel(signup=signup, by=resident)


def test_capacity_lowered_below_confirmed_warns_and_keeps_everyone(patrol, grid, leader):
    people = [make_member(grid=grid) for _ in range(2)]
    for p in people:
        services.shift_sign_up(shift=patrol, user=p)
    warnings = services.shift_update(shift=patrol, by=leader, capacity=1)
    assert warnings and "2" in warnings[0]
    assert SignUp.objects.filter(shift=patrol, status=S.CONFIRMED).count() == 2
    # Nobody new gets in while over capacity; the next cancellation frees no place.
    late = make_member(grid=grid)
    assert services.shift_sign_up(shift=patrol, user=late).status == S.WAITLISTED
    services.shift_cancel(signup=SignUp.objects.get(user=people[0]), by=people[0])
    assert SignUp.objects.get(user=late).status == S.WAITLISTED


def test_capacity_raised_promotes_waitlist(patrol, grid, leader):
    people = [make_member(grid=grid) for _ in range(3)]
    for p in people:
        services.shift_sign_up(shift=patrol, user=p)
    warnings = services.shift_update(shift=patrol, by=leader, capacity=3)
    assert warnings
    assert SignUp.objects.get(user=people[2]).status == S.CONFIRMED


def test_leaving_the_roster_cancels_future_members_only_signups(grid, leader):
    leaver = make_member(grid=grid)
    waiting = make_member(grid=grid)
    members_only = make_shift(grid=grid, capacity=1)
    open_shift = make_shift(grid=grid, capacity=5, members_only=False, hours_from_now=96)
    services.shift_sign_up(shift=members_only, user=leaver)
    services.shift_sign_up(shift=members_only, user=waiting)
    services.shift_sign_up(shift=open_shift, user=leaver)
    membership = RosterMembership.objects.get(user=leaver, grid=grid, status="active")
    services.membership_leave(membership=membership, by=leaver)
    assert SignUp.objects.get(shift=members_only, user=leaver).status == S.CANCELLED
    assert SignUp.objects.get(shift=members_only, user=waiting).status == S.CONFIRMED
    assert SignUp.objects.get(shift=open_shift, user=leaver).status == S.CONFIRMED


def test_create_patrol_repeats_weekly(grid, leader):
    start = timezone.now() + timedelta(days=1)
    shifts = services.shift_create(
        by=leader,
        grid=grid,
        title="周末巡查",
        place="楼院",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=5,
        repeat_weeks=4,
    )
    assert len(shifts) == 4
    assert shifts[3].starts_at - shifts[0].starts_at == timedelta(weeks=3)
    assert len({s.series for s in shifts}) == 1


def test_create_patrol_validates(grid, leader, resident):
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.shift_create(
            by=leader,
            grid=grid,
            title="巡查",
            place="楼院",
            starts_at=start,
            ends_at=start - timedelta(hours=1),
            capacity=0,
        )
    assert set(excinfo.value.message_dict) == {"ends_at", "capacity"}
    with pytest.raises(PermissionDenied):
        services.shift_create(
            by=resident,
            grid=grid,
            title="巡查",
            place="楼院",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            capacity=3,
        )


def _started_shift(grid, **fields):
    shift = make_shift(grid=grid, **fields)
    start = timezone.now() - timedelta(minutes=10)
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=2), signup_deadline=start
    )
    shift.refresh_from_db()
    return shift


def test_check_in_needs_code_and_confirmed_place(grid, leader, volunteer, resident):
    shift = make_shift(grid=grid)
    SignUp.objects.create(shift=shift, user=volunteer, status=S.CONFIRMED)
    with pytest.raises(ValidationError, match="30分钟"):
        services.shift_check_in(shift=shift, user=volunteer, code=shift.checkin_code)
    shift = _started_shift(grid)
    SignUp.objects.create(shift=shift, user=volunteer, status=S.CONFIRMED)
    with pytest.raises(ValidationError, match="签到码不正确"):
        services.shift_check_in(shift=shift, user=volunteer, code="WRONG1")
    with pytest.raises(ValidationError, match="没有这个班次"):
        services.shift_check_in(shift=shift, user=resident, code=shift.checkin_code)
    signup = services.shift_check_in(shift=shift, user=volunteer, code=shift.checkin_code.lower())
    assert signup.checked_in_at is not None


def test_confirm_attendance_credits_duration_and_marks_absent(grid, leader):
    shift = _started_shift(grid)
    came, stayed_home = make_member(grid=grid), make_member(grid=grid)
    a = SignUp.objects.create(shift=shift, user=came, status=S.CONFIRMED)
    b = SignUp.objects.create(shift=shift, user=stayed_home, status=S.CONFIRMED)
    records = services.shift_confirm_attendance(shift=shift, by=leader, attended={a.pk})
    assert [r.hours for r in records] == [Decimal("2.00")]
    assert SignUp.objects.get(pk=b.pk).status == S.ABSENT
    assert SignUp.objects.get(pk=a.pk).status == S.ATTENDED
    assert grid.community.name in records[0].issuer
    with pytest.raises(ValidationError, match="已经确认过"):
        services.shift_confirm_attendance(shift=shift, by=leader, attended={a.pk})


def test_changed_hours_need_a_reason(grid, leader):
    shift = _started_shift(grid)
    came = make_member(grid=grid)
    a = SignUp.objects.create(shift=shift, user=came, status=S.CONFIRMED)
    with pytest.raises(ValidationError, match="原因"):
        services.shift_confirm_attendance(
            shift=shift, by=leader, attended={a.pk}, hours={a.pk: "1.5"}
        )
    assert not ServiceRecord.objects.exists()
    services.shift_confirm_attendance(
        shift=shift, by=leader, attended={a.pk}, hours={a.pk: "1.5"}, reason="提前离开"
    )
    record = ServiceRecord.objects.get()
    assert record.hours == Decimal("1.50")
    assert record.adjustment_reason == "提前离开"
    services.service_record_adjust(record=record, by=leader, hours="2", reason="补记")
    record.refresh_from_db()
    assert record.hours == Decimal("2.00")


def test_attendance_before_start_is_refused(patrol, leader):
    with pytest.raises(ValidationError):
        services.shift_confirm_attendance(shift=patrol, by=leader, attended=set())


def test_certificate_sums_records(grid, leader, volunteer):
    with pytest.raises(ValidationError):
        services.certificate_issue(user=volunteer)
    shift = _started_shift(grid)
    a = SignUp.objects.create(shift=shift, user=volunteer, status=S.CONFIRMED)
    services.shift_confirm_attendance(shift=shift, by=leader, attended={a.pk})
    certificate = services.certificate_issue(user=volunteer)
    assert certificate.total_hours == Decimal("2.00")
    assert certificate.records.count() == 1
    assert certificate.holder_name == volunteer.get_display_name()


def test_calendar_feed_reset_changes_token(volunteer):
    old = services.calendar_feed_for(user=volunteer).token
    assert services.calendar_feed_for(user=volunteer).token == old
    assert services.calendar_feed_reset(user=volunteer).token != old


def test_erase_cancels_future_signups_keeps_hours(grid, leader):
    leaving = make_member(grid=grid)
    waiting = make_member(grid=grid)
    shift = make_shift(grid=grid, capacity=1)
    services.shift_sign_up(shift=shift, user=leaving)
    services.shift_sign_up(shift=shift, user=waiting)
    past = _started_shift(grid)
    signup = SignUp.objects.create(shift=past, user=leaving, status=S.CONFIRMED)
    services.shift_confirm_attendance(shift=past, by=leader, attended={signup.pk})
    services.certificate_issue(user=leaving)
    services.volunteer_erase(user=leaving)
    assert SignUp.objects.get(shift=shift, user=leaving).status == S.CANCELLED
    assert SignUp.objects.get(shift=shift, user=waiting).status == S.CONFIRMED
    assert not RosterMembership.objects.filter(user=leaving, status="active").exists()
    assert ServiceRecord.objects.filter(user=leaving).count() == 1
    from volunteers.models import Certificate

    assert not Certificate.objects.filter(user=leaving).exists()


def test_update_applies_the_creation_limits(patrol, leader):
    start = patrol.starts_at
    with pytest.raises(ValidationError) as excinfo:
        services.shift_update(shift=patrol, by=leader, ends_at=start + timedelta(hours=25))
    assert set(excinfo.value.message_dict) == {"ends_at"}
    assert "24" in excinfo.value.message_dict["ends_at"][0]
    past = timezone.now() - timedelta(hours=1)
    with pytest.raises(ValidationError) as excinfo:
        services.shift_update(
            shift=patrol,
            by=leader,
            starts_at=past,
            signup_deadline=past,
            ends_at=past + timedelta(hours=2),
        )
    assert set(excinfo.value.message_dict) == {"starts_at"}
    patrol.refresh_from_db()
    assert patrol.starts_at == start
    assert patrol.ends_at == start + timedelta(hours=2)


def test_update_of_a_shift_under_way_keeps_its_start_and_may_be_corrected(grid, leader):
    shift = _started_shift(grid)
    services.shift_update(shift=shift, by=leader, place="社区广场")
    shift.refresh_from_db()
    assert shift.place == "社区广场"


def test_update_without_a_deadline_closes_sign_up_at_the_start(patrol, leader):
    later = patrol.starts_at + timedelta(hours=1)
    services.shift_update(
        shift=patrol,
        by=leader,
        starts_at=later,
        ends_at=later + timedelta(hours=2),
        signup_deadline=None,
    )
    patrol.refresh_from_db()
    assert patrol.signup_deadline == later


def test_repeat_weeks_limit_is_the_models(grid, leader):
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.shift_create(
            by=leader,
            grid=grid,
            title="巡查",
            place="楼院",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            capacity=3,
            repeat_weeks=Shift.MAX_REPEAT_WEEKS + 1,
        )
    assert set(excinfo.value.message_dict) == {"repeat_weeks"}
    assert str(Shift.MAX_REPEAT_WEEKS) in excinfo.value.message_dict["repeat_weeks"][0]
    assert not Shift.objects.exists()


def test_places_are_held_by_confirmed_and_attended_sign_ups(grid, leader):
    shift = make_shift(grid=grid, capacity=3)
    for status in (S.CONFIRMED, S.ATTENDED, S.WAITLISTED, S.ABSENT, S.CANCELLED):
        SignUp.objects.create(shift=shift, user=factories.make_user(), status=status)
    annotated = Shift.objects.with_places().get(pk=shift.pk)
    fresh = Shift.objects.get(pk=shift.pk)
    for reading in (annotated, fresh):
        assert (reading.confirmed_count, reading.waitlist_count) == (2, 1)
        assert reading.places_left == 1
        assert not reading.is_full and not reading.over_capacity
    Shift.objects.filter(pk=shift.pk).update(capacity=1)
    lowered = Shift.objects.with_places().get(pk=shift.pk)
    assert lowered.places_left == 0 and lowered.is_full and lowered.over_capacity


def test_places_are_read_from_the_annotation_without_a_query(
    grid, leader, django_assert_num_queries
):
    shift = make_shift(grid=grid, capacity=2)
    SignUp.objects.create(shift=shift, user=factories.make_user(), status=S.CONFIRMED)
    annotated = Shift.objects.with_places().get(pk=shift.pk)
    with django_assert_num_queries(0):
        assert (annotated.places_left, annotated.is_full, annotated.waitlist_count) == (1, False, 0)


def test_sign_up_is_open_until_the_deadline_and_never_after_the_start(grid, leader):
    shift = make_shift(grid=grid, hours_from_now=10)
    deadline = shift.starts_at - timedelta(hours=2)
    Shift.objects.filter(pk=shift.pk).update(signup_deadline=deadline)
    shift.refresh_from_db()
    assert shift.signup_open(deadline)
    assert not shift.signup_open(deadline + timedelta(seconds=1))
    assert set(Shift.objects.open_for_signup(deadline)) == {shift}
    assert not Shift.objects.open_for_signup(deadline + timedelta(seconds=1)).exists()
    Shift.objects.filter(pk=shift.pk).update(signup_deadline=shift.starts_at)
    shift.refresh_from_db()
    assert not shift.signup_open(shift.starts_at)
    assert not Shift.objects.open_for_signup(shift.starts_at).exists()


def test_notifications_link_to_the_pages_by_name(grid, leader, resident):
    services.membership_apply(user=resident, grid=grid)
    note = Notification.objects.get(recipient=leader, kind="roster_applied")
    assert note.url == reverse("volunteers:roster", args=[grid.code])
