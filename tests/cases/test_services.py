"""The handling loop through the services: states, history, deadlines, statistics, scope."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import services
from cases.models import CaseDailyStat, CaseEvent, CaseExtension, CaseFollower, Rating, State
from portal.models import Notification

SH = ZoneInfo("Asia/Shanghai")


def test_report_sets_number_deadlines_history_and_routes(world, django_capture_on_commit_callbacks):
    now = datetime(2026, 12, 1, 10, 0, tzinfo=SH)  # a Tuesday
    with django_capture_on_commit_callbacks() as callbacks:
        case = world.report(now=now)
    # The supervisors are told after the report commits, not inside its transaction.
    assert not Notification.objects.filter(kind="case_new").exists()
    # The notifications (and the page cache's second purge, portal.page_cache) wait for it.
    assert callbacks
    for callback in callbacks:
        callback()
    assert case.state == State.SUBMITTED
    assert case.number.startswith("SB20261201-")
    assert case.community_id == world.grid.community_id
    assert case.street_id == world.grid.community.street_id
    # 7 working hours from Tue 10:00: 2 h to 12:00, 4 h to 17:30, 1 h on Wednesday → 10:00.
    assert case.response_due_at == datetime(2026, 12, 2, 10, 0, tzinfo=SH)
    assert [e.action for e in case.events.all()] == ["report"]
    recipients = set(
        Notification.objects.filter(kind="case_new").values_list("recipient", flat=True)
    )
    assert recipients == {world.leader.pk, world.staff.pk}
    stat = CaseDailyStat.objects.get(community=world.grid.community, category=world.category)
    assert stat.reported == 1


def test_report_rejects_bad_input_with_sentences(world):
    with pytest.raises(ValidationError) as error:
        world.report(description="  ", latitude="91", longitude="120")
    assert "description" in error.value.message_dict
    assert "address" in error.value.message_dict


def test_full_loop_with_reopen_once(world):
    case = world.report()
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, department=world.department)
    services.case_start(case=case, by=world.handler)
    services.case_handle(case=case, by=world.handler, result="已清运")
    services.case_verify(case=case, by=world.leader, passed=True)
    case.refresh_from_db()
    assert case.state == State.CLOSED
    services.case_rate(case=case, by=world.reporter, rating=Rating.DISSATISFIED)
    case.refresh_from_db()
    assert case.state == State.REWORK and case.reopened_count == 1
    services.case_start(case=case, by=world.handler)
    services.case_handle(case=case, by=world.handler, result="再次清运并加装垃圾桶")
    services.case_verify(case=case, by=world.staff, passed=True)
    services.case_rate(case=case, by=world.reporter, rating=Rating.DISSATISFIED)
    case.refresh_from_db()
    # 不满意 reopens only once.
    assert case.state == State.CLOSED and case.reopened_count == 1
    with pytest.raises(ValidationError):
        services.case_rate(case=case, by=world.reporter, rating=Rating.SATISFIED)
    actions = list(case.events.values_list("action", flat=True))
    assert actions == [
        "report",
        "accept",
        "dispatch",
        "start",
        "handle",
        "verify",
        "rate",
        "start",
        "handle",
        "verify",
        "rate",
    ]
    stat = CaseDailyStat.objects.get(community=world.grid.community, category=world.category)
    assert (stat.reported, stat.accepted, stat.due, stat.handled, stat.rated, stat.satisfied) == (
        1,
        1,
        1,
        1,
        1,
        0,
    )


def test_roles_outside_scope_are_refused(world):
    case = world.report()
    for person in (world.other_staff, world.stranger, world.handler, world.reporter):
        with pytest.raises(PermissionDenied):
            services.case_accept(case=case, by=person)
    services.case_accept(case=case, by=world.leader)
    with pytest.raises(PermissionDenied):
        services.case_dispatch(case=case, by=world.leader, department=world.department)
    with pytest.raises(ValidationError):
        services.case_accept(case=case, by=world.staff)


def test_reject_as_duplicate_links_and_follows_the_original(world):
    original = world.report()
    services.case_accept(case=original, by=world.staff)
    duplicate = world.report(by=world.stranger)
    with pytest.raises(ValidationError):
        services.case_reject(case=duplicate, by=world.staff, reason="")
    services.case_reject(case=duplicate, by=world.staff, reason="重复上报", duplicate_of=original)
    duplicate.refresh_from_db()
    assert duplicate.state == State.REJECTED and duplicate.duplicate_of_id == original.pk
    assert CaseFollower.objects.filter(case=original, user=world.stranger).exists()


def test_extension_moves_deadline_and_postponement_stops_the_clock(world):
    case = world.report()
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, department=world.department)
    due = case.handling_due_at
    request = services.case_request_extension(
        case=case, by=world.handler, kind=CaseExtension.Kind.EXTENSION, reason="需采购材料", hours=7
    )
    with pytest.raises(ValidationError):
        services.case_request_extension(
            case=case, by=world.handler, kind=CaseExtension.Kind.POSTPONEMENT, reason="再申请"
        )
    with pytest.raises(PermissionDenied):
        services.case_decide_extension(extension=request, by=world.handler, approve=True)
    services.case_decide_extension(extension=request, by=world.staff, approve=True)
    case.refresh_from_db()
    assert case.handling_due_at > due
    request = services.case_request_extension(
        case=case, by=world.handler, kind=CaseExtension.Kind.POSTPONEMENT, reason="待汛期后施工"
    )
    services.case_decide_extension(extension=request, by=world.staff, approve=True)
    case.refresh_from_db()
    assert case.postponed
    stat = CaseDailyStat.objects.get(community=world.grid.community, category=world.category)
    assert stat.postponed == 1


def test_notes_are_internal_and_updates_reach_followers(world):
    case = world.report()
    services.case_follow(case=case, by=world.stranger)
    services.case_add_note(case=case, by=world.staff, text="内部：联系物业")
    with pytest.raises(PermissionDenied):
        services.case_add_note(case=case, by=world.reporter, text="我想看看")
    services.case_add_update(case=case, by=world.staff, text="已联系物业，明日清运")
    note, update = CaseEvent.objects.filter(case=case, action__in=["note", "update"]).order_by("pk")
    assert not note.is_public and update.is_public
    told = set(Notification.objects.filter(kind="case_update").values_list("recipient", flat=True))
    assert told == {world.reporter.pk, world.stranger.pk}


def test_rating_window_is_seven_days(world):
    case = world.report()
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, assignee=world.handler)
    services.case_start(case=case, by=world.handler)
    services.case_handle(case=case, by=world.handler, result="已修复")
    services.case_verify(case=case, by=world.staff, passed=True)
    with pytest.raises(PermissionDenied):
        services.case_rate(case=case, by=world.stranger, rating=Rating.SATISFIED)
    with pytest.raises(ValidationError):
        services.case_rate(
            case=case,
            by=world.reporter,
            rating=Rating.SATISFIED,
            now=timezone.now() + timedelta(days=8),
        )
    services.case_rate(case=case, by=world.reporter, rating=Rating.SATISFIED)
    stat = CaseDailyStat.objects.get(community=world.grid.community, category=world.category)
    assert (stat.rated, stat.satisfied) == (1, 1)


def test_reports_use_a_changed_limit_and_a_new_holiday_at_once(world):
    """The limits and the calendar are cached for the report's hot path (cases.sla_table);
    a change in the admin applies to the very next report."""
    from cases.models import WorkingDayOverride

    now = datetime(2026, 12, 1, 10, 0, tzinfo=SH)  # a Tuesday
    assert world.report(now=now).response_due_at == datetime(2026, 12, 2, 10, 0, tzinfo=SH)
    limit = world.category.time_limits.get(priority="normal")
    limit.response_hours = 2
    limit.save()
    assert world.report(now=now).response_due_at == datetime(2026, 12, 1, 12, 0, tzinfo=SH)
    limit.response_hours = 7
    limit.save()
    WorkingDayOverride.objects.create(date=datetime(2026, 12, 2).date(), is_working=False)
    # Wednesday is now a holiday: the seventh working hour falls on Thursday.
    assert world.report(now=now).response_due_at == datetime(2026, 12, 3, 10, 0, tzinfo=SH)
