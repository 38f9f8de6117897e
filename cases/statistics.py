"""The public handling statistics (办理情况统计) of the district, a street or a community, by
category and over time, read from the daily aggregate CaseDailyStat — never from the cases
themselves, so the page costs the same at a thousand cases as at 1.1 million.

Definitions (the page states each one in a sentence):
- 日均上报 = cases reported in the period ÷ days in the period;
- 受理率 = cases accepted within their response limit ÷ cases reported;
- 按期办结率 = cases handled within their handling limit ÷ (cases due − cases postponed),
  as the district counts it; a case is due once it is accepted, and 缓办 takes it out;
- 满意率 = ratings 满意 or 基本满意 ÷ ratings;
- median and p90 handling time in working hours, from report to first 办结.

Every count belongs to the day the case was reported (a cohort), so the figures of a recent
period still change while its cases are being handled.

Median and p90 come from a histogram of handling times kept per day, community and category
in CaseDailyStat (handling_bucket_0 … 11, edges in HANDLING_BUCKET_EDGES) and summed in the
same GROUP BY as the counts. Sorting the handled cases of a period instead would read up to a
year of rows (about a million district-wide) per page view; the histogram costs two grouped
queries over at most 365 × communities × categories small rows, whatever the number of
cases. The price is resolution: a percentile is interpolated linearly inside its bucket.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseCategory, CaseDailyStat, CaseMonthlyStat
from cases.models.calendar import HANDLING_BUCKET_EDGES

BUCKET_FIELDS = [f"handling_bucket_{index}" for index in range(len(HANDLING_BUCKET_EDGES))]
COUNT_FIELDS = [
    "reported",
    "accepted",
    "accepted_in_time",
    "due",
    "postponed",
    "handled",
    "handled_in_time",
    "handling_minutes",
    "rated",
    "satisfied",
    *BUCKET_FIELDS,
]
PERIODS = {30: _("最近 30 天"), 90: _("最近 90 天"), 365: _("最近一年")}
DEFAULT_PERIOD = 30
# Up to this many days the time series has a point a day, above it a point a month.
DAILY_UP_TO = 31

RATE_DEFINITIONS = [
    (_("日均上报"), _("统计期内上报的诉求件数除以统计期的天数。")),
    (_("受理率"), _("在受理时限内受理的诉求件数占上报诉求件数的比例。")),
    (
        _("按期办结率"),
        _(
            "在办结时限内办结的诉求件数除以（应办结件数 − 缓办件数）；诉求受理后即计入应办结，"
            "经批准缓办的不计入。"
        ),
    ),
    (_("满意率"), _("上报人评价为“满意”或“基本满意”的件数占评价件数的比例。")),
    (
        _("办结用时"),
        _(
            "从上报到首次办结经过的工作时间（不含周末和法定节假日，一个工作日按 7 小时计）；"
            "中位数表示一半诉求在这个时间内办结，P90 表示九成诉求在这个时间内办结，按用时分段估算。"
        ),
    ),
]


def _ratio(numerator: int, denominator: int) -> float | None:
    if denominator <= 0:
        return None
    return min(1.0, max(0.0, numerator / denominator))


def histogram_percentile(counts: list[int], quantile: float) -> float | None:
    """The `quantile` (0–1) of handling time in working hours, interpolated linearly inside
    the histogram bucket that holds it; None without handled cases. A percentile in the
    open last bucket is reported as that bucket's lower edge (a lower bound)."""
    total = sum(counts)
    if total <= 0:
        return None
    target = quantile * total
    cumulative = 0
    lower = 0
    for count, upper in zip(counts, HANDLING_BUCKET_EDGES, strict=True):
        if count and cumulative + count >= target:
            if upper is None:
                return lower / 60
            share = (target - cumulative) / count
            return (lower + (upper - lower) * share) / 60
        cumulative += count
        lower = upper if upper is not None else lower
    return lower / 60


@dataclass
class Figures:
    """The counts of a scope and period and the rates computed from them."""

    label: str = ""
    days: int = 1
    counts: dict = field(default_factory=dict)

    def __getattr__(self, name):
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return counts[name]
        raise AttributeError(name)

    @property
    def daily_reported(self) -> float:
        return self.counts.get("reported", 0) / max(self.days, 1)

    @property
    def acceptance_rate(self) -> float | None:
        return _ratio(self.counts.get("accepted_in_time", 0), self.counts.get("reported", 0))

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(
            self.counts.get("handled_in_time", 0),
            self.counts.get("due", 0) - self.counts.get("postponed", 0),
        )

    @property
    def satisfaction_rate(self) -> float | None:
        return _ratio(self.counts.get("satisfied", 0), self.counts.get("rated", 0))

    @property
    def histogram(self) -> list[int]:
        return [self.counts.get(name, 0) for name in BUCKET_FIELDS]

    @property
    def median_hours(self) -> float | None:
        return histogram_percentile(self.histogram, 0.5)

    @property
    def p90_hours(self) -> float | None:
        return histogram_percentile(self.histogram, 0.9)

    @property
    def mean_hours(self) -> float | None:
        handled = self.counts.get("handled", 0)
        if not handled:
            return None
        return self.counts.get("handling_minutes", 0) / handled / 60


def _sums():
    return {name: Sum(name) for name in COUNT_FIELDS}


def _clean(row: dict) -> dict:
    return {name: int(row.get(name) or 0) for name in COUNT_FIELDS}


def _add(total: dict, row: dict) -> None:
    for name in COUNT_FIELDS:
        total[name] = total.get(name, 0) + row[name]


@dataclass
class Statistics:
    first_day: date
    last_day: date
    days: int
    total: Figures
    by_category: list[Figures]
    series: list[Figures]
    monthly: bool


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _whole_months(first_day: date, last_day: date) -> tuple[date, date] | None:
    """(first, last) first-of-month of the calendar months lying wholly inside the period,
    or None when there is none."""
    first = first_day if first_day.day == 1 else _next_month(first_day)
    after = (
        _next_month(last_day)
        if _next_month(last_day) - timedelta(days=1) == last_day
        else (_month_start(last_day))
    )
    if first >= after:
        return None
    last = (after - timedelta(days=1)).replace(day=1)
    return first, last


def _cells(scope: dict, first_day: date, today: date, *, monthly: bool) -> dict[tuple, dict]:
    """(category id, period start) → counts. The daily rows for the whole period, or, for a
    monthly series, the monthly roll-up for the whole months and the daily rows for the
    partial months at the two ends."""
    cells: dict[tuple, dict] = {}

    def collect(rows):
        for row in rows:
            period = row["period"]
            if hasattr(period, "date"):
                period = period.date()
            counts = _clean(row)
            cell = cells.setdefault((row["category_id"], period), dict.fromkeys(COUNT_FIELDS, 0))
            _add(cell, counts)

    whole = _whole_months(first_day, today) if monthly else None
    daily = CaseDailyStat.objects.filter(**scope)
    if whole is None:
        daily = daily.filter(date__gte=first_day, date__lte=today)
    else:
        daily = daily.filter(
            Q(date__gte=first_day, date__lt=whole[0])
            | Q(date__gte=_next_month(whole[1]), date__lte=today)
        )
    if monthly:
        daily = daily.annotate(period=TruncMonth("date"))
    else:
        daily = daily.annotate(period=F("date"))
    collect(daily.values("category_id", "period").annotate(**_sums()).order_by())
    if whole is not None:
        collect(
            CaseMonthlyStat.objects.filter(**scope, month__gte=whole[0], month__lte=whole[1])
            .values("category_id", period=F("month"))
            .annotate(**_sums())
            .order_by()
        )
    return cells


def _by_category(categories: dict, per_category: dict[int, dict], days: int) -> list[Figures]:
    """The figures of each category, in the categories' order."""
    by_category = []
    for category_id, counts in per_category.items():
        category = categories.get(category_id)
        by_category.append((category, Figures(label=str(category or ""), days=days, counts=counts)))
    by_category.sort(key=lambda item: (item[0].sort_order, item[0].name) if item[0] else (0, ""))
    return [figures for _category, figures in by_category]


def _series(
    per_period: dict[date, dict], first_day: date, last_day: date, *, monthly: bool
) -> list[Figures]:
    """A point a day (or a month), with zeros where nothing was reported."""
    points = []
    for start, length in _periods(first_day, last_day, monthly=monthly):
        label = f"{start:%Y-%m}" if monthly else f"{start:%m-%d}"
        counts = per_period.get(start, dict.fromkeys(COUNT_FIELDS, 0))
        points.append(Figures(label=label, days=length, counts=counts))
    return points


def case_statistics(
    *,
    street=None,
    community=None,
    days: int = DEFAULT_PERIOD,
    today: date | None = None,
    series: bool = True,
) -> Statistics:
    """The figures of the district (or one street, or one community) for the `days` days up
    to `today`: in total, by category and over time (`series`).

    Up to DAILY_UP_TO days (a point a day) one grouped query on the daily rows. Longer periods
    read the monthly roll-up for the whole months inside the period and the daily rows only
    for the partial months at its two ends: a year district-wide sums about 14,000 monthly
    rows and at most two months of daily rows instead of 365 days of them. Three queries
    (categories, daily rows, monthly rows), whatever the number of cases."""
    today = today or timezone.localdate()
    first_day = today - timedelta(days=days - 1)
    monthly = days > DAILY_UP_TO
    scope = {}
    if community is not None:
        scope = {"community": community}
    elif street is not None:
        scope = {"street": street}
    categories = {category.pk: category for category in CaseCategory.objects.all()}
    total = dict.fromkeys(COUNT_FIELDS, 0)
    per_category: dict[int, dict] = {}
    per_period: dict[date, dict] = {}
    for (category_id, period), counts in _cells(scope, first_day, today, monthly=monthly).items():
        _add(total, counts)
        _add(per_category.setdefault(category_id, dict.fromkeys(COUNT_FIELDS, 0)), counts)
        _add(per_period.setdefault(period, dict.fromkeys(COUNT_FIELDS, 0)), counts)
    return Statistics(
        first_day=first_day,
        last_day=today,
        days=days,
        total=Figures(label=str(_("合计")), days=days, counts=total),
        by_category=_by_category(categories, per_category, days),
        series=_series(per_period, first_day, today, monthly=monthly) if series else [],
        monthly=monthly,
    )


def case_statistics_cached(
    *, street=None, community=None, days: int = DEFAULT_PERIOD
) -> Statistics:
    """case_statistics() up to today, kept until the next purge of "cases" (every change of
    a case and of the daily figures, cases.services.stats) or a new day: the API's
    statistics and the statistics page read the same figures."""
    from portal.fragments import cached_value

    return cached_value(
        "cases-statistics-figures",
        lambda: case_statistics(street=street, community=community, days=days),
        tags=("cases",),
        vary=(
            getattr(street, "pk", None),
            getattr(community, "pk", None),
            days,
            timezone.localdate(),
        ),
    )


def _periods(first_day: date, last_day: date, *, monthly: bool):
    """(start, days counted in the period) of each point of the time series."""
    if not monthly:
        day = first_day
        while day <= last_day:
            yield day, 1
            day += timedelta(days=1)
        return
    month = first_day.replace(day=1)
    while month <= last_day:
        following = (month + timedelta(days=32)).replace(day=1)
        start = max(month, first_day)
        end = min(following - timedelta(days=1), last_day)
        # TruncMonth groups by the first of the month; the first month may be partial.
        yield month, (end - start).days + 1
        month = following
