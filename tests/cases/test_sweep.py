"""The SLA sweep: overdue flags, one warning, one escalation to the community and one to the
street, nothing twice, closed cases untouched, and one sweeper at a time."""

import threading
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cases import services
from cases.models import Case, State
from cases.services.sweep import sweep_lock
from portal.models import Notification


def _kinds():
    return sorted(Notification.objects.values_list("kind", "recipient_id"))


def test_overdue_cases_are_flagged_and_escalated_once(world):
    long_ago = timezone.now() - timedelta(days=10)
    late = world.report(now=long_ago)
    fresh = world.report()
    done = world.report(now=long_ago)
    services.case_reject(case=done, by=world.staff, reason="不属于受理范围")
    Notification.objects.all().delete()

    result = services.case_sweep()
    assert result.locked
    late.refresh_from_db()
    fresh.refresh_from_db()
    done.refresh_from_db()
    assert late.is_overdue and late.escalation_level == 2
    assert not fresh.is_overdue and fresh.escalation_level == 0
    assert not done.is_overdue and done.escalation_level == 0
    escalations = Notification.objects.filter(kind="case_escalated")
    # The community's staff at the first level; at the street level the staff of every
    # community of the street. Nobody else, and each once.
    assert sorted(escalations.values_list("recipient_id", flat=True)) == sorted(
        [world.staff.pk, world.staff.pk, world.other_staff.pk]
    )

    assert list(late.events.filter(action="escalate").values_list("is_public", flat=True)) == [
        False,
        False,
    ]
    first = _kinds()
    again = services.case_sweep()
    assert (again.overdue, again.warned, again.escalated_community, again.escalated_street) == (
        0,
        0,
        0,
        0,
    )
    assert _kinds() == first
    assert late.events.filter(action="escalate").count() == 2


def test_a_warning_before_the_deadline_is_sent_once(world):
    case = world.report()
    Notification.objects.all().delete()
    soon = case.response_due_at - timedelta(hours=1)
    services.case_sweep(now=soon)
    services.case_sweep(now=soon + timedelta(minutes=1))
    case.refresh_from_db()
    assert case.warned and not case.is_overdue
    warned = Notification.objects.filter(kind="case_warning")
    assert sorted(warned.values_list("recipient_id", flat=True)) == sorted(
        [world.leader.pk, world.staff.pk]
    )
    # Accepting starts the handling clock: a new warning becomes possible.
    services.case_accept(case=case, by=world.staff)
    case.refresh_from_db()
    assert not case.warned


def test_handling_deadline_and_postponed_cases(world):
    case = world.report(now=timezone.now() - timedelta(days=30))
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, department=world.department)
    paused = world.report(now=timezone.now() - timedelta(days=30))
    services.case_accept(case=paused, by=world.staff)
    services.case_dispatch(case=paused, by=world.staff, department=world.department)
    request = services.case_request_extension(
        case=paused, by=world.handler, kind="postponement", reason="待施工季节"
    )
    services.case_decide_extension(extension=request, by=world.staff, approve=True)
    services.case_sweep()
    case.refresh_from_db()
    paused.refresh_from_db()
    assert case.is_overdue and case.escalation_level == 2
    assert not paused.is_overdue and paused.escalation_level == 0
    # The handler of a dispatched case is warned, not told of escalation: that goes to staff.
    assert not Notification.objects.filter(kind="case_escalated", recipient=world.handler).exists()


def test_the_command_reports_what_it_did(world):
    world.report(now=timezone.now() - timedelta(days=10))
    out = StringIO()
    call_command("cases_sweep", stdout=out)
    assert "overdue 1" in out.getvalue()


def test_only_one_sweeper_at_a_time(world):
    world.report(now=timezone.now() - timedelta(days=10))
    if connection.vendor == "postgresql":
        # The advisory lock is per session: a second connection (thread) must be refused.
        results = []

        def other_host():
            try:
                results.append(services.case_sweep())
            finally:
                connection.close()

        with sweep_lock() as held:
            assert held
            thread = threading.Thread(target=other_host)
            thread.start()
            thread.join()
        assert results[0].locked is False
    else:
        with sweep_lock() as held:
            assert held
            assert services.case_sweep().locked is False
    assert Case.objects.filter(is_overdue=True).count() == 0
    assert services.case_sweep().locked is True
    assert Case.objects.filter(is_overdue=True, state=State.SUBMITTED).count() == 1


def test_the_sweep_can_be_handed_to_the_worker(world):
    """`cases_sweep --enqueue` (cron) queues the sweep as a task; the immediate backend of
    the tests runs it at once, and a second pass changes nothing."""
    late = world.report(now=timezone.now() - timedelta(days=10))
    out = StringIO()
    call_command("cases_sweep", "--enqueue", stdout=out)
    assert "sweep queued" in out.getvalue()
    late.refresh_from_db()
    assert late.is_overdue and late.escalation_level == 2
    escalations = Notification.objects.filter(kind="case_escalated").count()
    call_command("cases_sweep", "--enqueue", stdout=StringIO())
    assert Notification.objects.filter(kind="case_escalated").count() == escalations
