"""Bench data on PostgreSQL, fast: a year of cases (1.1 million at --scale 1) with their
history rows and daily aggregates in a few minutes instead of an hour and more.

The same loop as cases.demo.simulate_case (上报 → 受理 → 派遣 → 处置 → 办结 → 核查 → 结案 →
评价, rejections, late steps, 不满意 reopening the case, a failed check sending it back), but:

- time is counted in whole minutes on a precomputed working-time table (cumulative working
  minutes per minute of the period, from the same WorkingCalendar and office hours), so a
  deadline is two list look-ups instead of a walk over working periods;
- rows are plain tuples written as COPY text, never model instances;
- the case and history tables' secondary indexes are dropped for the load and built again
  afterwards (one sort per index instead of 8 million random B-tree inserts);
- the daily aggregate is summed in memory and merged with one INSERT … ON CONFLICT.

Open cases that are past their deadline are flagged and escalated as the every-minute sweep
would have left them (with the 督办 history rows), so the data looks like a running system;
the sweep's first-pass speed over an unflagged backlog is measured separately
(tests/cases/test_sweep.py and the bench notes).
"""

import io
import random
import time
from array import array
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseDailyStat, CaseEvent, Priority, Rating, State
from cases.models.calendar import HANDLING_BUCKET_EDGES
from cases.permissions import ROLE_LABELS
from cases.services.stats import rebuild_monthly_stats
from cases.working_time import WorkingCalendar, _zone, working_periods

# How far past "now" deadlines may fall (reopened cases, the Spring Festival).
HORIZON_DAYS = 200
BATCH_CASES = 50_000


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class MinuteClock:
    """Working time at minute resolution over [first_day, last_day]: minute m is minute m
    after local midnight of first_day."""

    def __init__(self, first_day: date, last_day: date, calendar: WorkingCalendar):
        self.zone = _zone()
        self.origin = datetime.combine(first_day, datetime.min.time(), tzinfo=self.zone)
        days = (last_day - first_day).days + 1
        periods = [
            (start.hour * 60 + start.minute, end.hour * 60 + end.minute)
            for start, end in working_periods()
        ]
        self.cum = array("i", bytes(4 * (days * 1440 + 1)))
        self.work_at = array("i")
        total = 0
        cum = self.cum
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            base = offset * 1440
            working = calendar.is_working_day(day)
            minute = 0
            if working:
                for start, end in periods:
                    for m in range(minute, start):
                        cum[base + m] = total
                    for m in range(start, end):
                        cum[base + m] = total
                        self.work_at.append(base + m)
                        total += 1
                    minute = end
            for m in range(minute, 1440):
                cum[base + m] = total
        cum[days * 1440] = total
        self._text: dict[int, str] = {}
        offset = self.origin.utcoffset()
        hours = int(offset.total_seconds() // 3600)
        self._suffix = f"{'+' if hours >= 0 else '-'}{abs(hours):02d}"

    def add(self, minute: int, minutes: int) -> int:
        """The minute `minutes` working minutes after `minute`."""
        if minutes <= 0:
            return minute
        return self.work_at[self.cum[minute] + minutes - 1] + 1

    def between(self, start: int, end: int) -> int:
        return self.cum[end] - self.cum[start] if end > start else 0

    def text(self, minute: int) -> str:
        """COPY text of the moment (local time with its UTC offset)."""
        found = self._text.get(minute)
        if found is None:
            moment = self.origin + timedelta(minutes=minute)
            found = f"{moment:%Y-%m-%d %H:%M}:00{self._suffix}"
            self._text[minute] = found
        return found

    def day(self, minute: int) -> date:
        return (self.origin + timedelta(minutes=minute)).date()


CASE_COLUMNS = [
    "id",
    "number",
    "category_id",
    "priority",
    "source",
    "description",
    "grid_id",
    "community_id",
    "street_id",
    "address",
    "reporter_id",
    "contact_allowed",
    "state",
    "assigned_department_id",
    "reject_reason",
    "result",
    "response_due_at",
    "handling_due_at",
    "accepted_at",
    "dispatched_at",
    "handled_at",
    "first_handled_at",
    "closed_at",
    "postponed",
    "reopened_count",
    "rating",
    "rated_at",
    "is_overdue",
    "warned",
    "escalation_level",
    "created_at",
    "updated_at",
]
EVENT_COLUMNS = [
    "id",
    "case_id",
    "action",
    "from_state",
    "to_state",
    "actor_role",
    "note",
    "is_public",
    "created_at",
]
STAT_FIELDS = [
    "reported",
    "accepted",
    "accepted_in_time",
    "due",
    "postponed",
    "handled",
    "handled_in_time",
    "handling_minutes",
    *[f"handling_bucket_{index}" for index in range(len(HANDLING_BUCKET_EDGES))],
    "rated",
    "satisfied",
]
_STAT_INDEX = {name: index for index, name in enumerate(STAT_FIELDS)}
_BUCKET_OFFSET = _STAT_INDEX["handling_bucket_0"]


def _bucket(minutes: int) -> int:
    for index, edge in enumerate(HANDLING_BUCKET_EDGES):
        if edge is None or minutes <= edge:
            return _BUCKET_OFFSET + index
    raise AssertionError("unreachable")


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's indexes that back no constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = %s AND i.schemaname = current_schema()
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c
                WHERE c.conindid
                    = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
              )
            """,
            [table],
        )
        return list(cursor.fetchall())


def _reserve(table: str, count: int) -> int:
    """The first of `count` consecutive ids taken from the table's sequence."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            f"SELECT greatest((SELECT coalesce(max(id), 0) FROM {table}), last_value) "
            f"FROM {sequence}"
        )
        last = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, last + count])
    return last + 1


def _copy(table: str, columns: list[str], buffer: io.StringIO) -> None:
    data = buffer.getvalue().encode()
    if not data:
        return
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for start in range(0, len(data), 1 << 20):
            copy.write(data[start : start + (1 << 20)])


class Generator:
    def __init__(
        self, *, rng, categories, limits, grids, reporters, examples, results, reasons, now
    ):
        self.rng = rng
        self.categories = categories
        self.limits = limits
        self.grids = grids
        self.reporters = reporters
        self.now = now
        today = timezone.localdate(now)
        self.first_day = today - timedelta(days=400)
        self.clock = MinuteClock(
            self.first_day, today + timedelta(days=HORIZON_DAYS), WorkingCalendar()
        )
        local_now = timezone.localtime(now, self.clock.zone)
        self.now_minute = int((local_now - self.clock.origin).total_seconds() // 60)
        self.examples = {code: [_escape(t) for t in texts] for code, texts in examples.items()}
        self.results = {code: _escape(text) for code, text in results.items()}
        self.reasons = [_escape(text) for text in reasons]
        self.role = {name: _escape(str(label)) for name, label in ROLE_LABELS.items()}
        self.rating_label = {value: _escape(str(Rating(value).label)) for value in Rating.values}
        self.stats: dict[tuple, list[int]] = {}
        self.street_of: dict[tuple, int] = {}
        self.department_note = {
            c.pk: _escape(f"派遣至：{c.department.name if c.department else '社区网格员'}")
            for c in categories
        }
        self.escalate_community = _escape("已超期，督办到社区。")
        self.escalate_street = _escape("超期未办，督办到街道。")
        self.rework_note = _escape("现场核查发现问题未彻底解决，请返工。")
        self.counts = dict.fromkeys(State.values, 0)

    def _stat(self, key, **deltas):
        row = self.stats.get(key)
        if row is None:
            row = self.stats[key] = [0] * len(STAT_FIELDS)
        for name, amount in deltas.items():
            row[_STAT_INDEX[name]] += amount

    def case(
        self,
        case_id: int,
        number: str,
        minute: int,
        cases: io.StringIO,
        events: io.StringIO,
        event_id: int,
    ) -> int:
        """Simulate one case reported at `minute`; write its row and history; return the
        next free event id."""
        rng = self.rng
        clock = self.clock
        now = self.now_minute
        text = clock.text
        category = self.categories[rng.randrange(len(self.categories))]
        grid_id, community_id, street_id = self.grids[rng.randrange(len(self.grids))]
        reporter_id = rng.choice(self.reporters) if self.reporters and rng.random() < 0.85 else None
        priority = Priority.URGENT if rng.random() < 0.08 else Priority.NORMAL
        response_hours, handling_hours = self.limits[(category.pk, priority)]
        response_due = clock.add(minute, response_hours * 60)
        handling_due = original_handling_due = clock.add(minute, handling_hours * 60)
        key = (clock.day(minute), community_id, category.pk)
        self.street_of[key] = street_id
        self._stat(key, reported=1)
        history = []  # (action, from, to, role, note, public, minute)
        history.append(
            (
                "report",
                "",
                "submitted",
                "reporter" if reporter_id else "grid_leader",
                "",
                True,
                minute,
            )
        )
        state = "submitted"
        accepted_at = dispatched_at = handled_at = first_handled_at = closed_at = rated_at = None
        department = ""
        reject_reason = result = rating = ""
        reopened = 0

        def step(action, before, after, role, moment, note=""):
            history.append((action, before, after, role, note, True, moment))

        late = rng.random() < 0.05
        accept_at = clock.add(
            minute,
            int(response_hours * 60 * (rng.uniform(1.05, 2.0) if late else rng.uniform(0.05, 0.9))),
        )
        while True:  # one pass; `break` ends the case where "now" stops it
            if accept_at > now:
                break
            if rng.random() < 0.03:
                state = "rejected"
                reject_reason = self.reasons[rng.randrange(len(self.reasons))]
                step("reject", "submitted", state, "community_staff", accept_at, reject_reason)
                break
            state = "accepted"
            accepted_at = accept_at
            step("accept", "submitted", state, "community_staff", accept_at)
            self._stat(key, accepted=1, accepted_in_time=int(accept_at <= response_due), due=1)
            # Most are dispatched at once, some wait for the department to be agreed.
            if rng.random() < 0.1:
                dispatch_at = clock.add(accept_at, rng.randint(60, 840))
            else:
                dispatch_at = accept_at + rng.randint(5, 90)
            if dispatch_at > now:
                break
            state = "dispatched"
            department = category.department_id or ""
            dispatched_at = dispatch_at
            step(
                "dispatch",
                "accepted",
                state,
                "community_staff",
                dispatch_at,
                self.department_note[category.pk],
            )
            start_at = dispatch_at + rng.randint(10, 240)
            if start_at > now:
                break
            state = "in_progress"
            step("start", "dispatched", state, "handler", start_at)
            late = rng.random() < 0.07
            handle_at = clock.add(
                minute,
                int(
                    handling_hours
                    * 60
                    * (rng.uniform(1.05, 1.8) if late else rng.uniform(0.15, 0.98))
                ),
            )
            handle_at = max(handle_at, start_at + 30)
            if handle_at > now:
                break
            state = "handled"
            result = self.results.get(category.code, self.results["other"])
            handled_at = first_handled_at = handle_at
            step("handle", "in_progress", state, "handler", handle_at, result)
            spent = clock.between(minute, handle_at)
            self._stat(
                key,
                handled=1,
                handled_in_time=int(handle_at <= handling_due),
                handling_minutes=spent,
            )
            self.stats[key][_bucket(spent)] += 1
            # 核查 and, when it fails or the reporter is not satisfied, one more round.
            rounds = 0
            while True:
                verify_at = handled_at + rng.randint(120, 1800)
                if verify_at > now:
                    break
                roll = rng.random()
                if roll < 0.04 and rounds == 0:
                    state = "rework"
                    step("verify", "handled", state, "grid_leader", verify_at, self.rework_note)
                    restart = verify_at
                elif roll < 0.12:
                    state = "verified"
                    step("verify", "handled", state, "grid_leader", verify_at)
                    close_at = verify_at + rng.randint(60, 2880)
                    if close_at > now:
                        break
                    state = "closed"
                    closed_at = close_at
                    step("close", "verified", state, "grid_leader", close_at)
                else:
                    state = "closed"
                    closed_at = verify_at
                    step("verify", "handled", state, "grid_leader", verify_at)
                if state == "closed":
                    if reporter_id is None or rating:
                        break
                    rate_at = closed_at + rng.randint(60, 4320)
                    if rate_at > now or rng.random() < 0.3:
                        break
                    roll = rng.random()
                    rating = (
                        "satisfied"
                        if roll < 0.8
                        else "basically"
                        if roll < 0.93
                        else "dissatisfied"
                    )
                    rated_at = rate_at
                    self._stat(key, rated=1, satisfied=int(rating != "dissatisfied"))
                    if rating != "dissatisfied":
                        step(
                            "rate",
                            "closed",
                            "closed",
                            "reporter",
                            rate_at,
                            self.rating_label[rating],
                        )
                        break
                    state = "rework"
                    reopened = 1
                    closed_at = None
                    handling_due = clock.add(rate_at, handling_hours * 60)
                    step("rate", "closed", "rework", "reporter", rate_at, self.rating_label[rating])
                    restart = rate_at
                rounds += 1
                if rounds > 1:
                    break
                # 返工: the handler starts again and reports a new result.
                start_at = restart + rng.randint(30, 600)
                if start_at > now:
                    break
                state = "in_progress"
                step("start", "rework", state, "handler", start_at)
                handle_at = max(
                    clock.add(restart, int(handling_hours * 60 * rng.uniform(0.1, 0.9))),
                    start_at + 30,
                )
                if handle_at > now:
                    break
                state = "handled"
                handled_at = handle_at
                step("handle", "in_progress", state, "handler", handle_at, result)
            break

        # What the every-minute sweep would have done to an open case past its deadline.
        overdue = False
        escalation = 0
        due = None
        if state == "submitted":
            due = response_due
        elif state in ("accepted", "dispatched", "in_progress", "rework"):
            due = handling_due
        if due is not None and due < now:
            overdue = True
            escalation = 1
            history.append(("escalate", state, state, "", self.escalate_community, False, due + 1))
            if due + 1440 < now:
                escalation = 2
                history.append(
                    ("escalate", state, state, "", self.escalate_street, False, due + 1441)
                )
        warned = due is not None and due - 240 < now
        history.sort(key=lambda item: item[6])
        self.counts[state] += 1
        updated = max(item[6] for item in history)
        null = "\\N"
        cases.write(
            "\t".join(
                (
                    str(case_id),
                    number,
                    str(category.pk),
                    priority,
                    "resident" if reporter_id else "patrol",
                    self.examples[category.code][rng.randrange(len(self.examples[category.code]))],
                    str(grid_id),
                    str(community_id),
                    str(street_id),
                    "",
                    str(reporter_id) if reporter_id else null,
                    "t" if reporter_id and rng.random() < 0.6 else "f",
                    state,
                    str(department) if department else null,
                    reject_reason,
                    result
                    if state in ("handled", "verified", "closed", "rework", "in_progress")
                    and result
                    else "",
                    text(response_due),
                    text(handling_due),
                    text(accepted_at) if accepted_at is not None else null,
                    text(dispatched_at) if dispatched_at is not None else null,
                    text(handled_at) if handled_at is not None else null,
                    text(first_handled_at) if first_handled_at is not None else null,
                    text(closed_at) if closed_at is not None else null,
                    "f",
                    str(reopened),
                    rating,
                    text(rated_at) if rated_at is not None else null,
                    "t" if overdue else "f",
                    "t" if warned else "f",
                    str(escalation),
                    text(minute),
                    text(updated),
                )
            )
        )
        cases.write("\n")
        role = self.role
        for action, before, after, who, note, public, moment in history:
            events.write(
                f"{event_id}\t{case_id}\t{action}\t{before}\t{after}\t{role[who] if who else ''}\t"
                f"{note}\t{'t' if public else 'f'}\t{text(moment)}\n"
            )
            event_id += 1
        del original_handling_due
        return event_id


def _merge_stats(gen: Generator) -> None:
    table = CaseDailyStat._meta.db_table
    buffer = io.StringIO()
    for (day, community_id, category_id), row in gen.stats.items():
        street_id = gen.street_of[(day, community_id, category_id)]
        buffer.write(f"{day:%Y-%m-%d}\t{street_id}\t{community_id}\t{category_id}\t")
        buffer.write("\t".join(str(value) for value in row))
        buffer.write("\n")
    columns = ["date", "street_id", "community_id", "category_id", *STAT_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE bench_stat (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        cursor.execute("ALTER TABLE bench_stat ALTER COLUMN id DROP NOT NULL")
    _copy("bench_stat", columns, buffer)
    names = ", ".join(columns)
    additions = ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in STAT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM bench_stat "
            f"ON CONFLICT (date, community_id, category_id) DO UPDATE SET {additions}"
        )


def generate_fast(
    ctx, *, categories, limits, examples, results, reasons, prefix, per_day, days
) -> int:
    """Write `per_day` cases a day for the `days` days up to now; returns how many."""
    started = time.monotonic()
    rng = random.Random(ctx.seed + 31)
    from portal.models import Grid, User

    grids = list(
        Grid.objects.order_by("pk").values_list("pk", "community_id", "community__street_id")
    )
    if not grids:
        return 0
    reporters = list(
        User.objects.filter(email__startswith="bench-").order_by("pk").values_list("pk", flat=True)
    )
    now = timezone.now()
    gen = Generator(
        rng=rng,
        categories=categories,
        limits=limits,
        grids=grids,
        reporters=reporters,
        examples=examples,
        results=results,
        reasons=reasons,
        now=now,
    )
    ctx.log(f"  working-time table ready ({time.monotonic() - started:.0f} s)")
    total = per_day * days
    case_table = Case._meta.db_table
    event_table = CaseEvent._meta.db_table
    today = timezone.localdate(now)
    with transaction.atomic():
        # The rows are consistent by construction: no per-row foreign-key triggers (which
        # would also keep the indexes from being built in the same transaction).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        dropped = []
        for table in (case_table, event_table):
            for name, definition in _secondary_indexes(table):
                dropped.append(definition)
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        case_id = _reserve(case_table, total)
        # At most 12 history rows a case; the unused ids are given back below.
        event_first = event_id = _reserve(event_table, total * 12)
        serial = 0
        cases, events = io.StringIO(), io.StringIO()
        written = 0
        # Up to today, so that today's cases are still waiting for their first steps.
        for offset in range(days - 1, -1, -1):
            day = today - timedelta(days=offset)
            base = int(
                (
                    datetime.combine(day, datetime.min.time(), tzinfo=gen.clock.zone)
                    - gen.clock.origin
                ).total_seconds()
                // 60
            )
            for _ in range(per_day):
                serial += 1
                hour = min(23.99, max(0.0, rng.gauss(13, 4)))
                minute = base + int(hour * 60)
                if minute >= gen.now_minute:
                    minute = rng.randint(base, gen.now_minute - 1)
                event_id = gen.case(
                    case_id, f"SB{day:%Y%m%d}-{prefix}{serial:07d}", minute, cases, events, event_id
                )
                case_id += 1
            if serial - written >= BATCH_CASES or offset == 0:
                _copy(case_table, CASE_COLUMNS, cases)
                _copy(event_table, EVENT_COLUMNS, events)
                written = serial
                cases, events = io.StringIO(), io.StringIO()
                ctx.log(f"  cases: {serial} ({time.monotonic() - started:.0f} s)")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [event_table, event_id]
            )
        _merge_stats(gen)
        rebuild_monthly_stats()
        ctx.log(
            f"  history rows: {event_id - event_first}; building indexes "
            f"({time.monotonic() - started:.0f} s)"
        )
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for definition in dropped:
                cursor.execute(definition)
    ctx.log(f"  states: {gen.counts} ({time.monotonic() - started:.0f} s)")
    return serial
