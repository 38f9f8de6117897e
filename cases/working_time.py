"""Working time (工作时间) for the time limits: office hours on working days in Asia/Shanghai.

A working day is Monday to Friday unless the calendar table (WorkingDayOverride) says the
day is a holiday (放假) or a weekend make-up working day (调休上班). Office hours come from the
setting CASES_WORKING_HOURS, by default 09:00–12:00 and 13:30–17:30 (7 working hours a day).

    add_working_hours(start, hours)      the moment `hours` working hours after `start`
    working_minutes_between(start, end)  working minutes from `start` to `end`
"""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

DEFAULT_WORKING_HOURS = (("09:00", "12:00"), ("13:30", "17:30"))
# A limit can never need more calendar days than this (a safety bound for bad data).
MAX_DAYS = 3 * 366


def _zone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "CASES_TIME_ZONE", "Asia/Shanghai"))


def working_periods() -> list[tuple[time, time]]:
    periods = getattr(settings, "CASES_WORKING_HOURS", DEFAULT_WORKING_HOURS)
    return [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in periods]


def minutes_per_day() -> int:
    return sum(
        (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60
        for start, end in working_periods()
    )


class WorkingCalendar:
    """Which days are working days, read from the override table once per date range."""

    def __init__(
        self, overrides: dict[date, bool] | None = None, window: tuple[date, date] | None = None
    ):
        """`overrides` known in advance hold for every day, or for the days of `window`
        (first, last); days outside it are read from the table."""
        self._overrides = overrides
        self._loaded: tuple[date, date] | None = None
        if overrides is not None:
            self._loaded = window or (date.min, date.max)

    def _load(self, first: date, last: date) -> None:
        from cases.models import WorkingDayOverride

        # Load generously ahead: most limits end within a few weeks.
        last = max(last, first + timedelta(days=60))
        rows = WorkingDayOverride.objects.filter(date__gte=first, date__lte=last).values_list(
            "date", "is_working"
        )
        self._overrides = dict(rows)
        self._loaded = (first, last)

    def is_working_day(self, day: date) -> bool:
        if self._loaded is None or not (self._loaded[0] <= day <= self._loaded[1]):
            self._load(day, day)
        override = self._overrides.get(day)
        if override is not None:
            return override
        return day.weekday() < 5

    def periods(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods (aware datetimes) from the day of `start` on."""
        zone = _zone()
        day = start.astimezone(zone).date()
        for offset in range(MAX_DAYS):
            current = day + timedelta(days=offset)
            if not self.is_working_day(current):
                continue
            for period_start, period_end in working_periods():
                yield (
                    datetime.combine(current, period_start, tzinfo=zone),
                    datetime.combine(current, period_end, tzinfo=zone),
                )
        raise ValueError("No working time within the safety bound; check the working calendar.")


def add_working_hours(
    start: datetime, hours: float, calendar: WorkingCalendar | None = None
) -> datetime:
    """The moment `hours` working hours after `start`. A start outside office hours counts
    from the next working period; a limit that ends exactly at a period's end ends there."""
    if start.tzinfo is None:
        raise ValueError("add_working_hours needs an aware datetime.")
    remaining = timedelta(hours=hours)
    if remaining <= timedelta(0):
        return start
    calendar = calendar or WorkingCalendar()
    for period_start, period_end in calendar.periods(start):
        if period_end <= start:
            continue
        begin = max(period_start, start)
        available = period_end - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable")  # periods() raises before running out


def working_minutes_between(
    start: datetime, end: datetime, calendar: WorkingCalendar | None = None
) -> int:
    """Whole working minutes from `start` to `end` (0 when `end` is not after `start`)."""
    if end <= start:
        return 0
    calendar = calendar or WorkingCalendar()
    total = timedelta(0)
    for period_start, period_end in calendar.periods(start):
        if period_start >= end:
            break
        if period_end <= start:
            continue
        total += min(period_end, end) - max(period_start, start)
    return int(total.total_seconds() // 60)
