"""The SLA sweep (`manage.py cases_sweep`): flags overdue cases, warns before a deadline and
escalates overdue cases to the community and then the street, each exactly once.

It is idempotent (each step changes only rows whose flag is not yet set, and sends its
notifications in the same transaction as the flag), safe to run every minute from cron on
several hosts (one lock: a PostgreSQL advisory lock, or a lease row elsewhere), and touches
only open cases through the partial indexes on the deadlines, with set-based UPDATEs.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import HANDLING_STATES, Case, CaseSweepLock, State
from cases.services.common import (
    community_staff_of,
    handlers_of,
    notify_all,
    staff_url,
    supervisors_of,
)
from portal.models import User
from portal.permissions import COMMUNITY_STAFF

LOCK_NAME = "cases_sweep"
# pg_try_advisory_lock takes a 64-bit key: "SBSWEEP" in ASCII.
ADVISORY_KEY = int.from_bytes(b"SBSWEEP", "big")
LEASE = timedelta(minutes=10)
BATCH = 500


@dataclass
class SweepResult:
    locked: bool = True
    overdue: int = 0
    warned: int = 0
    escalated_community: int = 0
    escalated_street: int = 0
    details: dict = field(default_factory=dict)


def warning_window() -> timedelta:
    return timedelta(hours=getattr(settings, "CASES_WARNING_HOURS", 4))


def street_escalation_delay() -> timedelta:
    return timedelta(hours=getattr(settings, "CASES_STREET_ESCALATION_HOURS", 24))


@contextmanager
def sweep_lock() -> Iterator[bool]:
    """Yields True when this process holds the sweep lock, False when another one does."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
        return
    token = uuid.uuid4().hex
    now = timezone.now()
    try:
        with transaction.atomic():
            CaseSweepLock.objects.get_or_create(
                name=LOCK_NAME, defaults={"locked_until": now - timedelta(seconds=1)}
            )
    except IntegrityError:
        pass  # another host created the row at the same moment
    held = bool(
        CaseSweepLock.objects.filter(name=LOCK_NAME, locked_until__lt=now).update(
            locked_until=now + LEASE, holder=token
        )
    )
    try:
        yield held
    finally:
        if held:
            CaseSweepLock.objects.filter(name=LOCK_NAME, holder=token).update(
                locked_until=timezone.now(), holder=""
            )


def _responsible(case: Case):
    if case.state == State.SUBMITTED:
        return supervisors_of(case)
    if case.assignee_id or case.assigned_department_id:
        return handlers_of(case)
    return supervisors_of(case)


def _street_staff(case: Case):
    return User.objects.filter(
        is_active=True, groups__name=COMMUNITY_STAFF, staff_communities__street=case.street_id
    ).distinct()


def _by_deadline(**filters):
    """Open cases by their running deadline, in two queries that use the partial indexes."""
    return [
        Case.objects.filter(state=State.SUBMITTED, **_rename(filters, "response_due_at")),
        Case.objects.filter(
            state__in=HANDLING_STATES, postponed=False, **_rename(filters, "handling_due_at")
        ),
    ]


def _rename(filters: dict, deadline: str) -> dict:
    return {
        key.replace("due", deadline, 1) if key.startswith("due") else key: value
        for key, value in filters.items()
    }


def _flag_and_notify(querysets, *, flag: dict, notify_case) -> int:
    """Flag a batch of cases (conditional UPDATE, so a case is flagged once) and notify for
    exactly the flagged ones, in one transaction per batch."""
    total = 0
    for queryset in querysets:
        while True:
            with transaction.atomic():
                ids = list(queryset.order_by().values_list("pk", flat=True)[:BATCH])
                if not ids:
                    break
                cases = list(
                    Case.objects.filter(pk__in=ids)
                    .select_for_update(skip_locked=connection.vendor == "postgresql")
                    .select_related("category")
                )
                # Re-check under the lock: a service may have moved the case meanwhile.
                still = set(
                    queryset.filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True)
                )
                flagged = [c for c in cases if c.pk in still]
                Case.objects.filter(pk__in=still).update(**flag)
                for case in flagged:
                    notify_case(case)
                total += len(flagged)
            if len(ids) < BATCH or not flagged:
                break
    return total


def case_sweep(*, now: datetime | None = None) -> SweepResult:
    """One pass of the sweep. Returns what it changed (or locked=False if another host was
    already sweeping)."""
    now = now or timezone.now()
    with sweep_lock() as held:
        if not held:
            return SweepResult(locked=False)
        result = SweepResult()
        # 1. Overdue flags: two set-based UPDATEs on open cases past their deadline.
        for queryset in _by_deadline(due__lt=now, is_overdue=False):
            result.overdue += queryset.update(is_overdue=True)

        # 2. A warning before the deadline, once per deadline (services reset `warned` when
        #    a deadline moves).
        def warn(case):
            due = case.current_due_at
            notify_all(
                _responsible(case),
                kind="case_warning",
                subject=_("诉求 %(number)s 将于 %(due)s 到期")
                % {"number": case.number, "due": timezone.localtime(due).strftime("%m-%d %H:%M")},
                body=case.description[:200],
                url=staff_url(case),
            )

        result.warned = _flag_and_notify(
            _by_deadline(due__gte=now, due__lt=now + warning_window(), warned=False),
            flag={"warned": True},
            notify_case=warn,
        )

        # 3. Escalation (督办): overdue → the community's staff; overdue for longer → the street.
        def escalate_community(case):
            notify_all(
                community_staff_of(case),
                kind="case_escalated",
                subject=_("督办：诉求 %(number)s 已超期") % {"number": case.number},
                body=case.description[:200],
                url=staff_url(case),
            )

        result.escalated_community = _flag_and_notify(
            _by_deadline(due__lt=now, escalation_level=0),
            flag={"escalation_level": 1, "is_overdue": True},
            notify_case=escalate_community,
        )

        def escalate_street(case):
            notify_all(
                _street_staff(case),
                kind="case_escalated",
                subject=_("街道督办：诉求 %(number)s 超期未办") % {"number": case.number},
                body=case.description[:200],
                url=staff_url(case),
            )

        result.escalated_street = _flag_and_notify(
            _by_deadline(due__lt=now - street_escalation_delay(), escalation_level=1),
            flag={"escalation_level": 2},
            notify_case=escalate_street,
        )
        return result
