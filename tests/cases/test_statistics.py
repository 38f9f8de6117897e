"""The public statistics: each rate on a small known data set, computed by hand; the
histogram the services keep for median and p90; scopes, CSV and query counts."""

from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import CaseDailyStat
from cases.services.stats import rebuild_monthly_stats
from cases.statistics import case_statistics, histogram_percentile
from tests.cases.factories import make_category, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, home_page):
    return make_world()


def add_row(world, *, day, community=None, category=None, buckets=None, **counts):
    community = community or world.grid.community
    fields = {f"handling_bucket_{index}": n for index, n in (buckets or {}).items()}
    row = CaseDailyStat.objects.create(
        date=day,
        street_id=community.street_id,
        community=community,
        category=category or world.category,
        **counts,
        **fields,
    )
    # Rows written directly (not by the services) need the monthly roll-up rebuilt.
    rebuild_monthly_stats()
    return row


@pytest.fixture
def known(world):
    """Two days in the first community, one in the other, and one outside the period."""
    today = timezone.localdate()
    add_row(
        world,
        day=today,
        reported=10,
        accepted=9,
        accepted_in_time=8,
        due=9,
        postponed=1,
        handled=4,
        handled_in_time=3,
        handling_minutes=1500,
        rated=4,
        satisfied=3,
        buckets={0: 1, 3: 2, 6: 1},
    )
    add_row(
        world,
        day=today - timedelta(days=3),
        reported=5,
        accepted=5,
        accepted_in_time=4,
        due=5,
        postponed=0,
        handled=5,
        handled_in_time=5,
        handling_minutes=600,
        rated=1,
        satisfied=0,
        buckets={1: 5},
    )
    add_row(
        world,
        day=today - timedelta(days=1),
        community=world.other_grid.community,
        reported=6,
        accepted_in_time=6,
        due=6,
        handled_in_time=6,
        handled=6,
        rated=2,
        satisfied=2,
        buckets={2: 6},
    )
    add_row(world, day=today - timedelta(days=40), reported=100, accepted_in_time=0, due=100)
    return today


def test_rates_by_hand(world, known):
    community = case_statistics(community=world.grid.community, days=30).total
    # 15 reported in 30 days.
    assert community.counts["reported"] == 15
    assert community.daily_reported == pytest.approx(15 / 30)
    # 受理率: (8 + 4) accepted in time ÷ 15 reported.
    assert community.acceptance_rate == pytest.approx(12 / 15)
    # 按期办结率: (3 + 5) handled in time ÷ ((9 + 5) due − 1 postponed).
    assert community.on_time_rate == pytest.approx(8 / 13)
    # 满意率: (3 + 0) ÷ (4 + 1) ratings.
    assert community.satisfaction_rate == pytest.approx(3 / 5)

    district = case_statistics(days=30).total
    assert district.counts["reported"] == 21
    assert district.acceptance_rate == pytest.approx(18 / 21)
    assert district.on_time_rate == pytest.approx(14 / 19)
    assert district.satisfaction_rate == pytest.approx(5 / 7)
    # The street holds both communities.
    street = case_statistics(street=world.grid.community.street, days=30).total
    assert street.counts == district.counts
    # A year includes the row of 40 days ago.
    year = case_statistics(days=365).total
    assert year.counts["reported"] == 121
    assert year.acceptance_rate == pytest.approx(18 / 121)


def test_median_and_p90_from_the_histogram(world, known):
    # Day 0 alone: buckets 0–60 min: 1, 240–420: 2, 840–1260: 1 (4 handled).
    # Median (2nd of 4): inside 240–420, (2 − 1) / 2 of the way: 330 min = 5.5 h.
    # P90 (3.6th of 4): inside 840–1260, 0.6 of the way: 1092 min = 18.2 h.
    counts = [1, 0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0]
    assert histogram_percentile(counts, 0.5) == pytest.approx(5.5)
    assert histogram_percentile(counts, 0.9) == pytest.approx(18.2)
    assert histogram_percentile([0] * 12, 0.5) is None
    # Everything in the open last bucket: its lower edge (140 h) as a lower bound.
    assert histogram_percentile([0] * 11 + [3], 0.5) == pytest.approx(140)
    figures = case_statistics(community=world.grid.community, days=30).total
    # Days 0 and −3: 1 + 5 (60–120) + 2 + 1 = 9 handled. Median = 4.5th: inside 60–120,
    # (4.5 − 1) / 5 of the way: 102 min = 1.7 h.
    assert figures.median_hours == pytest.approx(1.7)


def test_services_fill_the_histogram(world):
    case = world.report()
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, department=world.department)
    services.case_start(case=case, by=world.handler)
    handled_at = case.created_at + timedelta(minutes=1)
    services.case_handle(case=case, by=world.handler, result="已处理", now=handled_at)
    row = CaseDailyStat.objects.get()
    assert row.handled == 1
    bucket_total = sum(getattr(row, f"handling_bucket_{index}") for index in range(12))
    assert bucket_total == 1
    from cases.models.calendar import handling_bucket_field
    from cases.working_time import working_minutes_between

    minutes = working_minutes_between(case.created_at, handled_at)
    assert getattr(row, handling_bucket_field(minutes)) == 1


def test_time_series_daily_and_monthly(world, known):
    stats = case_statistics(days=30)
    assert len(stats.series) == 30
    assert stats.series[-1].counts["reported"] == 10
    assert sum(point.counts["reported"] for point in stats.series) == 21
    monthly = case_statistics(days=365)
    assert monthly.monthly
    assert sum(point.counts["reported"] for point in monthly.series) == 121
    assert sum(point.days for point in monthly.series) == 365


def test_statistics_page_states_rates_and_definitions(client, world, known):
    response = client.get(reverse("cases:statistics"), {"community": world.grid.community_id})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="accepted">80.0%<' in html
    assert 'data-figure="on-time">61.5%<' in html
    assert 'data-figure="satisfied">60.0%<' in html
    assert "按期办结率" in html and "应办结件数 − 缓办件数" in html
    assert "<svg" in html and "<table" in html
    assert world.grid.community.name in html


def test_statistics_page_bad_scope_is_400(client, world):
    assert client.get(reverse("cases:statistics"), {"community": "999999"}).status_code == 400
    assert client.get(reverse("cases:statistics"), {"street": "x"}).status_code == 400
    assert client.get(reverse("cases:statistics"), {"days": "7"}).status_code == 400
    assert client.get(reverse("cases:statistics_csv"), {"days": "7"}).status_code == 404


def test_statistics_page_query_count_is_fixed(client, world, known, django_assert_max_num_queries):
    from tests.cases.test_views import count_queries

    client.get("/")  # the site settings row is created on the first request
    small = count_queries(client, reverse("cases:statistics"), {"days": "365"})
    assert small <= 9
    other = make_category(name="占道经营", code="vending")
    for offset in range(20):
        add_row(
            world, day=timezone.localdate() - timedelta(days=offset + 5), category=other, reported=1
        )
    with django_assert_max_num_queries(small):
        assert client.get(reverse("cases:statistics"), {"days": "365"}).status_code == 200


def test_statistics_csv_is_formula_safe(client, world, known):
    world.category.name = "=HYPERLINK(1)"
    world.category.save()
    response = client.get(reverse("cases:statistics_csv"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body
    assert "合计" in body
    lines = body.strip().splitlines()
    assert lines[0].startswith("范围,类别")
    cases = client.get(reverse("cases:cases_csv"))
    assert cases.status_code == 200


def test_open_data_csv_is_formula_safe(client, world):
    world.report(description="=cmd|' /C calc'!A0")
    body = b"".join(client.get(reverse("cases:cases_csv")).streaming_content).decode("utf-8-sig")
    assert "'=cmd" in body


def test_home_section_reports_the_handling_rate(client, world, known):
    html = client.get("/").content.decode()
    assert "按期办结率 73.7%" in html


def test_periods_cover_partial_months():
    from cases.statistics import _periods

    points = list(_periods(date(2026, 1, 20), date(2026, 3, 5), monthly=True))
    assert points == [(date(2026, 1, 1), 12), (date(2026, 2, 1), 28), (date(2026, 3, 1), 5)]


@override_settings(PAGE_CACHE_ENABLED=False)
def test_statistics_page_content_is_shared_and_fresh_after_each_service_change(
    client, world, django_assert_max_num_queries
):
    """The content is a fragment shared by every visitor of the same scope and period,
    signed in or not, and rendered again after every change a service makes."""
    url = reverse("cases:statistics")
    assert "共 0 件" in client.get(url).content.decode()
    case = world.report()
    assert "共 1 件" in client.get(url).content.decode()
    services.case_accept(case=case, by=world.staff)
    assert 'data-figure="accepted">100.0%<' in client.get(url).content.decode()
    client.force_login(world.staff)
    client.get(url)
    # A repeat view reads the content from the cache: no statistics query, only the
    # session, the user, the person's own header and the page's scope.
    with django_assert_max_num_queries(5) as captured:
        html = client.get(url).content.decode()
    assert 'data-figure="accepted">100.0%<' in html
    assert not [query for query in captured.captured_queries if "stat" in query["sql"]]
