"""Real concurrency on PostgreSQL: threads released together by a Barrier, each on its own
connection. Two staff acting on one case at once make one transition; the other is told."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cases import services
from cases.models import Case, CaseDailyStat, CaseEvent, Rating, State
from tests import factories
from tests.cases.factories import make_world


def _run_together(functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def run(function):
        try:
            barrier.wait()
            function()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_staff_accepting_at_once_make_one_transition(require_postgres):
    world = make_world()
    second = factories.make_community_staff(world.grid.community)
    case = world.report()
    errors = _run_together(
        [
            lambda: services.case_accept(case=case, by=world.staff),
            lambda: services.case_accept(case=case, by=second),
        ]
    )
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert "不能受理" in errors[0].messages[0]
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
    assert CaseDailyStat.objects.get().accepted == 1


@pytest.mark.django_db(transaction=True)
def test_accept_and_reject_at_once_leave_one_outcome(require_postgres):
    world = make_world()
    case = world.report()
    errors = _run_together(
        [
            lambda: services.case_accept(case=case, by=world.staff),
            lambda: services.case_reject(case=case, by=world.leader, reason="重复上报"),
        ]
    )
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    case.refresh_from_db()
    assert case.state in (State.ACCEPTED, State.REJECTED)
    assert CaseEvent.objects.filter(case=case, action__in=["accept", "reject"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_dispatches_at_once_are_served_in_turn(require_postgres):
    world = make_world()
    second = factories.make_community_staff(world.grid.community)
    case = world.report()
    services.case_accept(case=case, by=world.staff)
    errors = _run_together(
        [
            lambda: services.case_dispatch(case=case, by=world.staff, department=world.department),
            lambda: services.case_dispatch(case=case, by=second, assignee=world.handler),
        ]
    )
    # Re-dispatching is allowed, so both succeed one after the other; the history has both
    # and their states chain (accepted → dispatched → dispatched).
    assert errors == []
    chain = list(
        CaseEvent.objects.filter(case=case, action="dispatch")
        .order_by("pk")
        .values_list("from_state", "to_state")
    )
    assert chain == [(State.ACCEPTED, State.DISPATCHED), (State.DISPATCHED, State.DISPATCHED)]


@pytest.mark.django_db(transaction=True)
def test_a_double_rating_stores_one(require_postgres):
    world = make_world()
    case = world.report()
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, assignee=world.handler)
    services.case_start(case=case, by=world.handler)
    services.case_handle(case=case, by=world.handler, result="已修复")
    services.case_verify(case=case, by=world.staff, passed=True)
    errors = _run_together(
        [
            lambda: services.case_rate(case=case, by=world.reporter, rating=Rating.SATISFIED),
            lambda: services.case_rate(case=case, by=world.reporter, rating=Rating.DISSATISFIED),
        ]
    )
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert CaseEvent.objects.filter(case=case, action="rate").count() == 1
    stat = CaseDailyStat.objects.get()
    assert stat.rated == 1
    case = Case.objects.get(pk=case.pk)
    assert case.reopened_count == int(case.state == State.REWORK)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reports_get_distinct_numbers(require_postgres):
    world = make_world()
    errors = _run_together([lambda: world.report() for _ in range(8)])
    assert errors == []
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 8
    assert CaseDailyStat.objects.get().reported == 8


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_flag_and_notify_once(require_postgres):
    from datetime import timedelta

    from django.utils import timezone

    from portal.models import Notification

    world = make_world()
    for _ in range(5):
        world.report(now=timezone.now() - timedelta(days=10))
    Notification.objects.all().delete()
    results = []
    errors = _run_together([lambda: results.append(services.case_sweep()) for _ in range(2)])
    assert errors == []
    assert sum(r.escalated_community for r in results) == 5
    # One digest per recipient and level, sent once: the community's staff at the first level,
    # the staff of both communities of the street at the second; each names the five cases.
    escalated = Notification.objects.filter(kind="case_escalated")
    assert sorted(escalated.values_list("recipient_id", flat=True)) == sorted(
        [world.staff.pk, world.staff.pk, world.other_staff.pk]
    )
    assert all("5" in subject for subject in escalated.values_list("subject", flat=True))
