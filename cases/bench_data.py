"""Bench data: one year of cases at 3,000 a day (about 1.1 million at --scale 1) with their
history rows and daily aggregates, simulated day by day with cases.demo.simulate_case and
written in batches: COPY on PostgreSQL (ids reserved from the sequences first), bulk_create
elsewhere. Idempotent: a second run adds nothing."""

import random
import time
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from cases.bench_fast import generate_fast
from cases.demo import (
    REJECT_REASONS,
    RESULTS,
    Simulation,
    _examples,
    category_limits,
    ensure_categories,
    save_simulation,
    save_stats,
    simulate_case,
)
from cases.models import Case, CaseCategory, CaseEvent, State
from cases.services.stats import rebuild_monthly_stats
from cases.working_time import WorkingCalendar
from portal.models import Grid, User

CASES_PER_DAY = 3000
DAYS = 365
BENCH_PREFIX = "B"
# Days simulated before a batch is written.
DAYS_PER_BATCH = 5


def _reserve_ids(model, count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(model, objects) -> None:
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy,
    ):
        for obj in objects:
            copy.write_row([getattr(obj, f.attname) for f in fields])


def _write(sim: Simulation) -> None:
    for case in sim.cases:
        case.updated_at = case.rated_at or case.closed_at or case.handled_at or case.created_at
    if connection.vendor != "postgresql":
        save_simulation(sim, rollup=False)
        return
    for case, pk in zip(sim.cases, _reserve_ids(Case, len(sim.cases)), strict=True):
        case.pk = pk
    for event, pk in zip(sim.events, _reserve_ids(CaseEvent, len(sim.events)), strict=True):
        event.pk = pk
        event.case_id = event.case.pk
    with transaction.atomic():
        _copy(Case, sim.cases)
        _copy(CaseEvent, sim.events)
        save_stats(sim, rollup=False)


def _moment(rng: random.Random, day) -> datetime:
    """A report time on `day`, most of them in the daytime."""
    hour = min(23.99, max(0.0, rng.gauss(13, 4)))
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return start + timedelta(hours=hour)


def generate(ctx) -> None:
    if Case.objects.filter(number__contains=f"-{BENCH_PREFIX}").exists():
        ctx.log("  bench cases already there")
        return
    categories = ensure_categories()
    limits = category_limits(categories)
    examples = _examples()
    if connection.vendor == "postgresql":
        total = generate_fast(
            ctx,
            categories=list(
                CaseCategory.objects.select_related("department").filter(
                    pk__in=[c.pk for c in categories]
                )
            ),
            limits=limits,
            examples=examples,
            results=RESULTS,
            reasons=REJECT_REASONS,
            prefix=BENCH_PREFIX,
            per_day=max(1, int(CASES_PER_DAY * ctx.scale)),
            days=DAYS,
        )
        refresh_statistics()
        ctx.log(f"  bench cases: {total}")
        return
    calendar = WorkingCalendar()
    rng = random.Random(ctx.seed + 31)
    grids = list(Grid.objects.select_related("community").order_by("pk"))
    if not grids:
        return
    reporters = list(
        User.objects.filter(email__startswith="bench-").order_by("pk").values_list("pk", flat=True)
    )
    per_day = max(1, int(CASES_PER_DAY * ctx.scale))
    days = DAYS
    now = timezone.now()
    today = timezone.localdate()
    started = time.monotonic()
    total = serial = 0
    sim = Simulation()
    for offset in range(days, 0, -1):
        day = today - timedelta(days=offset)
        for _ in range(per_day):
            serial += 1
            created_at = _moment(rng, day)
            reporter_id = rng.choice(reporters) if reporters and rng.random() < 0.85 else None
            simulate_case(
                sim,
                rng=rng,
                number=f"SB{day:%Y%m%d}-{BENCH_PREFIX}{serial:07d}",
                category=categories[rng.randrange(len(categories))],
                limits=limits,
                grid=rng.choice(grids),
                reporter_id=reporter_id,
                created_at=created_at,
                now=now,
                calendar=calendar,
                examples=examples,
            )
        if offset % DAYS_PER_BATCH == 0 or offset == 1:
            _write(sim)
            total += len(sim.cases)
            sim = Simulation()
            ctx.log(f"  cases: {total} ({time.monotonic() - started:.0f} s)")
    rebuild_monthly_stats()
    refresh_statistics()
    ctx.log(f"  bench cases: {total}")


def refresh_statistics() -> None:
    tables = ["cases_case", "cases_caseevent", "cases_casedailystat"]
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql" and not connection.in_atomic_block:
                cursor.execute(f"VACUUM ANALYZE {table}")
            else:
                cursor.execute(f"ANALYZE {table}")


def bench_urls():
    """Public pages at 1.1 million cases: the list (district and one street), a case page,
    the statistics of the district over a year and of one community."""
    urls = [("cases list", "/cases/"), ("cases statistics 30 days", "/cases/statistics/")]
    urls.append(("cases statistics year", "/cases/statistics/?days=365"))
    case = (
        Case.objects.exclude(state=State.REJECTED)
        .order_by("-created_at")
        .only("number", "street_id", "community_id")
        .first()
    )
    if case is not None:
        urls.append(("case page", case.get_absolute_url()))
        urls.append(("cases list by street", f"/cases/?street={case.street_id}"))
        urls.append(
            (
                "cases statistics community year",
                f"/cases/statistics/?days=365&community={case.community_id}",
            )
        )
    return urls


def bench_staff_urls():
    """我的待办 at 1.1 million cases, for `bench/run.py --as staff` (a community's staff) and
    `--as admin` (the whole district): the inbox, its overdue filter, a page far down the
    list, and the admin page of a case in the person's scope (the newest open one)."""
    from django.urls import reverse

    inbox = reverse("cases_admin_inbox")
    urls = [
        ("staff inbox", inbox),
        ("staff inbox overdue", inbox + "?due=overdue"),
        ("staff inbox all states page 50", inbox + "?state=all&page=50"),
    ]
    # The demo's community staff works in the resident's community: a case there is in the
    # scope of both staff and the district administrator.
    staff = User.objects.filter(email="staff@example.cn").only("home_grid").first()
    community_id = staff.home_grid.community_id if staff and staff.home_grid_id else None
    case = (
        Case.objects.filter(community_id=community_id)
        .exclude(state__in=(State.REJECTED, State.CLOSED))
        .order_by("-created_at")
        .only("pk")
        .first()
    )
    if case is not None:
        urls.append(("staff case detail", reverse("cases_admin_detail", args=[case.pk])))
    return urls
