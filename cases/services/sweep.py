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
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import HANDLING_STATES, Case, CaseEvent, CaseSweepLock, State
from cases.services.common import (
    community_staff_of,
    handlers_of,
    notify_all,
    staff_url,
    street_staff_of,
    supervisors_of,
)
from portal.models import User

LOCK_NAME = "cases_sweep"
# pg_try_advisory_lock takes a 64-bit key: "SBSWEEP" in ASCII.
ADVISORY_KEY = int.from_bytes(b"SBSWEEP", "big")
LEASE = timedelta(minutes=10)
# Primary keys per UPDATE / INSERT statement, and case numbers listed in a digest.
CHUNK = 5000
LISTED = 20


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


class _Recipients:
    """Who to tell, looked up once per grid, community, street or department in a run: a
    backlog of thousands of cases then costs a few hundred lookups, not one per case."""

    def __init__(self):
        self._seen: dict[tuple, list[User]] = {}

    def _get(self, key: tuple, people) -> list[User]:
        if key not in self._seen:
            self._seen[key] = list(people())
        return self._seen[key]

    @staticmethod
    def responsible_key(case: Case) -> tuple:
        if case.state != State.SUBMITTED and (case.assignee_id or case.assigned_department_id):
            return ("handlers", case.assignee_id, case.assigned_department_id)
        return ("supervisors", case.grid_id, case.community_id)

    def responsible(self, case: Case) -> list[User]:
        if case.state != State.SUBMITTED and (case.assignee_id or case.assigned_department_id):
            key = ("handlers", case.assignee_id, case.assigned_department_id)
            return self._get(key, lambda: handlers_of(case))
        key = ("supervisors", case.grid_id, case.community_id)
        return self._get(key, lambda: supervisors_of(case))

    def community(self, case: Case) -> list[User]:
        return self._get(("community", case.community_id), lambda: community_staff_of(case))

    def street(self, case: Case) -> list[User]:
        return self._get(("street", case.street_id), lambda: _street_staff(case))


def _street_staff(case: Case):
    return street_staff_of(case)


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


# What the sweep reads of a case: enough to route and word the notifications.
_FIELDS = (
    "pk",
    "number",
    "state",
    "grid_id",
    "community_id",
    "street_id",
    "assignee_id",
    "assigned_department_id",
    "description",
    "response_due_at",
    "handling_due_at",
    "postponed",
)


def _flag_and_notify(querysets, *, flag: dict, notify_group, group_key, history: str = "") -> int:
    """Flag the matching cases (set-based: one locking SELECT, UPDATEs by primary key in
    chunks) and, in the same transaction, write one history row per flagged case (督办 shows
    in the timeline) and notify each group of cases (by `group_key`) once: a backlog of
    thousands of overdue cases costs a few hundred notifications, not one per case.

    The rows are read FOR UPDATE (SKIP LOCKED on PostgreSQL: a case a service is changing
    right now is left for the next run); PostgreSQL re-checks the conditions on a row that
    changed meanwhile, so a case is flagged, told and recorded exactly once."""
    total = 0
    for queryset in querysets:
        with transaction.atomic():
            cases = list(
                queryset.order_by()
                .select_for_update(skip_locked=connection.vendor == "postgresql")
                .only(*_FIELDS)
            )
            if not cases:
                continue
            ids = [case.pk for case in cases]
            for start in range(0, len(ids), CHUNK):
                Case.objects.filter(pk__in=ids[start : start + CHUNK]).update(**flag)
            if history:
                CaseEvent.objects.bulk_create(
                    (
                        CaseEvent(
                            case_id=case.pk,
                            action="escalate",
                            from_state=case.state,
                            to_state=case.state,
                            note=history,
                            is_public=False,
                        )
                        for case in cases
                    ),
                    batch_size=CHUNK,
                )
            groups: dict[tuple, list[Case]] = {}
            for case in cases:
                groups.setdefault(group_key(case), []).append(case)
            for group in groups.values():
                notify_group(group)
            total += len(cases)
    return total


def _listing(cases: list[Case]) -> str:
    """The body of a notification about several cases: their numbers (the first ones)."""
    numbers = [case.number for case in cases[:LISTED]]
    more = len(cases) - len(numbers)
    text = "\n".join(numbers)
    if more > 0:
        text += "\n" + _("另有 %(count)s 件，请在我的待办中查看。") % {"count": more}
    return text


def _inbox_url() -> str:
    return reverse("cases_admin_inbox")


def _notify_several(cases: list[Case], *, one: str, many: str, **kwargs) -> dict:
    """Subject, body and link of one notification about `cases`: the case itself when it is
    alone, else how many and their numbers, with a link to the inbox."""
    first = cases[0]
    if len(cases) == 1:
        return {
            "subject": one % {"number": first.number, **kwargs},
            "body": first.description[:200],
            "url": staff_url(first),
        }
    return {
        "subject": many % {"count": len(cases)},
        "body": _listing(cases),
        "url": _inbox_url(),
    }


def _warn(cases: list[Case], *, recipients: _Recipients) -> None:
    due = ""
    if len(cases) == 1:
        due = timezone.localtime(cases[0].current_due_at).strftime("%m-%d %H:%M")
    message = _notify_several(
        cases,
        one=_("诉求 %(number)s 将于 %(due)s 到期"),
        many=_("%(count)s 件诉求即将到期"),
        due=due,
    )
    notify_all(recipients.responsible(cases[0]), kind="case_warning", **message)


def _escalate(cases: list[Case], *, people, one: str, many: str) -> None:
    message = _notify_several(cases, one=one, many=many)
    notify_all(people, kind="case_escalated", **message)


def _escalate_to_community(now: datetime, recipients: _Recipients) -> int:
    """督办 to the community's staff, once, when a case is overdue."""
    return _flag_and_notify(
        _by_deadline(due__lt=now, escalation_level=0),
        flag={"escalation_level": 1, "is_overdue": True},
        notify_group=lambda cases: _escalate(
            cases,
            people=recipients.community(cases[0]),
            one=_("督办：诉求 %(number)s 已超期"),
            many=_("督办：%(count)s 件诉求已超期"),
        ),
        group_key=lambda case: case.community_id,
        history=_("已超期，督办到社区。"),
    )


def _escalate_to_street(now: datetime, recipients: _Recipients) -> int:
    """街道督办, once, when a case is overdue for longer than the street's delay."""
    return _flag_and_notify(
        _by_deadline(due__lt=now - street_escalation_delay(), escalation_level=1),
        flag={"escalation_level": 2},
        notify_group=lambda cases: _escalate(
            cases,
            people=recipients.street(cases[0]),
            one=_("街道督办：诉求 %(number)s 超期未办"),
            many=_("街道督办：%(count)s 件诉求超期未办"),
        ),
        group_key=lambda case: case.street_id,
        history=_("超期未办，督办到街道。"),
    )


def case_sweep(*, now: datetime | None = None) -> SweepResult:
    """One pass of the sweep. Returns what it changed (or locked=False if another host was
    already sweeping)."""
    now = now or timezone.now()
    with sweep_lock() as held:
        if not held:
            return SweepResult(locked=False)
        result = SweepResult()
        recipients = _Recipients()
        # 1. Overdue flags: two set-based UPDATEs on open cases past their deadline.
        for queryset in _by_deadline(due__lt=now, is_overdue=False):
            result.overdue += queryset.update(is_overdue=True)
        # 2. A warning before the deadline, once per deadline (services reset `warned` when
        #    a deadline moves).
        result.warned = _flag_and_notify(
            _by_deadline(due__gte=now, due__lt=now + warning_window(), warned=False),
            flag={"warned": True},
            notify_group=partial(_warn, recipients=recipients),
            group_key=recipients.responsible_key,
        )
        # 3. Escalation (督办): overdue → the community's staff; overdue for longer → the street.
        result.escalated_community = _escalate_to_community(now, recipients)
        result.escalated_street = _escalate_to_street(now, recipients)
        if result.overdue or result.escalated_community or result.escalated_street:
            # Set-based updates send no model signals: the public case pages say so here.
            from portal import page_cache

            page_cache.purge("cases")
        return result
