"""What keeps the cases app fast at 1.1 million cases, checked on small data through the public
surface: the statistics read from the monthly roll-up give exactly what the daily rows give,
the services keep the roll-up in step, the sweep works a backlog in bounded queries with one
digest per recipient, and the staff inbox's grid list does not grow with the district."""

import random
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseDailyStat, CaseEvent, CaseMonthlyStat, Rating
from cases.services.stats import COUNT_FIELDS, rebuild_monthly_stats
from cases.statistics import case_statistics
from portal.models import Notification
from tests import factories
from tests.cases.factories import make_category

pytestmark = pytest.mark.django_db


def _daily_rows(world, other_category, *, today: date) -> list[CaseDailyStat]:
    rng = random.Random(12)
    communities = [world.grid.community, world.other_grid.community]
    rows = []
    for offset in range(400):
        day = today - timedelta(days=offset)
        for community in communities:
            for category in (world.category, other_category):
                if rng.random() < 0.3:
                    continue
                counts = {name: rng.randint(0, 9) for name in COUNT_FIELDS}
                rows.append(
                    CaseDailyStat(
                        date=day,
                        street_id=community.street_id,
                        community=community,
                        category=category,
                        **counts,
                    )
                )
    return CaseDailyStat.objects.bulk_create(rows)


def _by_hand(rows, *, first: date, last: date, keep) -> tuple[dict, dict, dict]:
    """Totals, per category and per period (month or day) summed from the daily rows."""
    total, per_category, per_period = {}, {}, {}
    for row in rows:
        if not (first <= row.date <= last) or not keep(row):
            continue
        period = row.date.replace(day=1) if (last - first).days + 1 > 31 else row.date
        for target in (
            total,
            per_category.setdefault(row.category_id, {}),
            per_period.setdefault(period, {}),
        ):
            for name in COUNT_FIELDS:
                target[name] = target.get(name, 0) + getattr(row, name)
    return total, per_category, per_period


@pytest.mark.parametrize(
    "today",
    [date(2026, 12, 2), date(2026, 11, 30), date(2026, 12, 1), date(2027, 3, 31)],
)
def test_statistics_from_the_monthly_roll_up_equal_the_daily_rows(world, today):
    other = make_category(department=world.department)
    rows = _daily_rows(world, other, today=today)
    assert rebuild_monthly_stats() > 0
    community = world.grid.community
    scopes = [
        ({}, lambda row: True),
        ({"street": community.street}, lambda row: row.street_id == community.street_id),
        ({"community": community}, lambda row: row.community_id == community.pk),
    ]
    for days in (30, 90, 365):
        first = today - timedelta(days=days - 1)
        for scope, keep in scopes:
            stats = case_statistics(days=days, today=today, **scope)
            total, per_category, per_period = _by_hand(rows, first=first, last=today, keep=keep)
            assert stats.total.counts == total, (days, scope)
            assert sorted(
                (figures.label, tuple(sorted(figures.counts.items())))
                for figures in stats.by_category
            ) == sorted(
                (
                    str(world.category if pk == world.category.pk else other),
                    tuple(sorted(c.items())),
                )
                for pk, c in per_category.items()
            )
            series = {
                point.label: point.counts for point in stats.series if any(point.counts.values())
            }
            expected = {
                (f"{period:%Y-%m}" if days > 31 else f"{period:%m-%d}"): counts
                for period, counts in per_period.items()
                if any(counts.values())
            }
            assert series == expected, (days, scope)


def test_a_year_reads_whole_months_from_the_roll_up(world, django_assert_num_queries):
    """A year district-wide: categories, the daily rows of the two partial months, the
    monthly rows — three queries, and no daily row of a whole month is summed."""
    today = date(2026, 12, 2)
    other = make_category(department=world.department)
    _daily_rows(world, other, today=today)
    rebuild_monthly_stats()
    # A daily row in a whole month that the roll-up does not know of must not be counted:
    # proof that whole months come from the roll-up.
    CaseDailyStat.objects.filter(date=date(2026, 6, 15)).update(reported=10**6)
    with django_assert_num_queries(3):
        stats = case_statistics(days=365, today=today)
    assert stats.total.reported < 10**6


def test_the_services_keep_the_monthly_roll_up_in_step(world):
    now = timezone.now()
    cases = [world.report(now=now - timedelta(days=days)) for days in (1, 40, 75)]
    for case in cases:
        services.case_accept(case=case, by=world.staff)
        services.case_dispatch(case=case, by=world.staff, department=world.department)
        services.case_start(case=case, by=world.handler)
        services.case_handle(case=case, by=world.handler, result="已清理")
        services.case_verify(case=case, by=world.staff, passed=True, close=True)
    services.case_rate(case=cases[0], by=world.reporter, rating=Rating.DISSATISFIED)
    incremental = sorted(
        CaseMonthlyStat.objects.values_list("month", "community_id", "category_id", *COUNT_FIELDS)
    )
    assert len({row[0] for row in incremental}) >= 2
    rebuild_monthly_stats()
    rebuilt = sorted(
        CaseMonthlyStat.objects.values_list("month", "community_id", "category_id", *COUNT_FIELDS)
    )
    assert incremental == rebuilt


def _backlog(world, count: int) -> list[Case]:
    long_ago = timezone.now() - timedelta(days=10)
    return [
        world.report(now=long_ago, by=factories.make_user(), description=f"积水{n}")
        for n in range(count)
    ]


def test_the_sweep_works_a_backlog_in_bounded_queries_with_one_digest_each(
    world, django_assert_max_num_queries
):
    small = _backlog(world, 3)
    Notification.objects.all().delete()
    with django_assert_max_num_queries(100) as first:
        result = services.case_sweep()
    assert result.escalated_community == 3 and result.escalated_street == 3
    Case.objects.filter(pk__in=[case.pk for case in small]).update(escalation_level=0)
    CaseEvent.objects.filter(action="escalate").delete()
    Notification.objects.all().delete()

    big = _backlog(world, 40)
    Notification.objects.all().delete()
    with django_assert_max_num_queries(len(first.captured_queries)):
        result = services.case_sweep()
    assert (result.escalated_community, result.escalated_street) == (43, 43)
    for case in Case.objects.filter(pk__in=[case.pk for case in small + big]):
        assert case.is_overdue and case.escalation_level == 2
        assert case.events.filter(action="escalate").count() == 2
    escalated = Notification.objects.filter(kind="case_escalated")
    # One digest per recipient and level: the community's staff at the first level, the
    # staff of every community of the street at the second.
    assert sorted(escalated.values_list("recipient_id", flat=True)) == sorted(
        [world.staff.pk, world.staff.pk, world.other_staff.pk]
    )
    digest = escalated.filter(recipient=world.other_staff).get()
    assert "43" in digest.subject
    listed = [line for line in digest.body.splitlines() if line.startswith("SB")]
    assert len(listed) == 20 and "另有 23 件" in digest.body


def _grid_options(html: str) -> list[str]:
    select = re.search(r'<select name="grid"[^>]*>(.*?)</select>', html, re.S)
    assert select, "the inbox has a grid filter"
    return re.findall(r'<option value="(\d+)"', select.group(1))


def test_the_inbox_grid_list_is_the_chosen_communitys_and_does_not_grow(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.admin)
    url = reverse("cases_admin_inbox")
    world.report()
    client.get(url)  # warm per-user caches
    with django_assert_max_num_queries(40) as small:
        response = client.get(url)
    assert _grid_options(response.text) == []

    grids = factories.make_geography(streets=2, communities=3, grids=4)
    for grid in grids[:10]:
        world.report(grid=grid, by=factories.make_user())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert _grid_options(response.text) == []

    community = grids[0].community
    response = client.get(url, {"community": community.pk})
    assert sorted(map(int, _grid_options(response.text))) == sorted(
        grid.pk for grid in grids if grid.community_id == community.pk
    )
    # A grid chosen by itself (a link from elsewhere) is kept and filters the list.
    response = client.get(url, {"grid": grids[5].pk})
    assert _grid_options(response.text) == [str(grids[5].pk)]
    assert all(case.grid_id == grids[5].pk for case in response.context["page_obj"])
    # Outside the person's scope or not a number: the filter says so, never a 500.
    client.force_login(world.staff)
    assert client.get(url, {"grid": grids[5].pk}).context["page_obj"].object_list.count() == 0
    assert client.get(url, {"grid": "x", "community": "y"}).status_code == 200


def test_a_staff_member_of_one_community_sees_its_grids(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("cases_admin_inbox"))
    assert _grid_options(response.text) == [str(world.grid.pk)]


def test_bench_data_is_consistent_and_idempotent(world):
    """The bench generator (COPY and a minute-resolution clock on PostgreSQL, the demo
    simulation elsewhere): the history of every case starts with its report and ends in its
    state, the daily aggregate counts every case, the roll-up matches, a second run adds
    nothing."""
    from io import StringIO

    from cases import bench_data
    from portal.demo_context import DemoContext

    for n in range(3):
        factories.make_user(email=f"bench-{n}@example.cn")
    ctx = DemoContext(stdout=StringIO(), scale=0.001, seed=7)
    bench_data.generate(ctx)
    total = Case.objects.count()
    assert total == 3 * bench_data.DAYS
    bench_data.generate(ctx)
    assert Case.objects.count() == total

    history: dict[int, list[tuple[str, str]]] = {}
    for case_id, action, to_state in CaseEvent.objects.order_by(
        "case_id", "created_at", "pk"
    ).values_list("case_id", "action", "to_state"):
        history.setdefault(case_id, []).append((action, to_state))
    states = dict(Case.objects.values_list("pk", "state"))
    assert set(history) == set(states)
    for case_id, events in history.items():
        assert events[0] == ("report", "submitted")
        assert events[-1][1] == states[case_id], (case_id, events)
    assert {"closed", "rejected"} <= set(states.values())
    assert Case.objects.filter(is_overdue=True).exclude(state__in=["closed", "rejected"]).exists()
    assert sum(CaseDailyStat.objects.values_list("reported", flat=True)) == total
    for case in Case.objects.filter(state="closed").exclude(rating="")[:50]:
        assert case.rated_at >= case.closed_at or case.reopened_count == 1
    incremental = sorted(
        CaseMonthlyStat.objects.values_list("month", "community_id", "category_id", *COUNT_FIELDS)
    )
    rebuild_monthly_stats()
    assert incremental == sorted(
        CaseMonthlyStat.objects.values_list("month", "community_id", "category_id", *COUNT_FIELDS)
    )
