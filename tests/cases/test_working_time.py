"""Working-time arithmetic: office hours 09:00–12:00 and 13:30–17:30 in Asia/Shanghai, on
Monday to Friday, except holidays (放假) and with make-up working days (调休)."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.holidays import last_known_year, load_holidays
from cases.models import WorkingDayOverride
from cases.working_time import WorkingCalendar, add_working_hours, working_minutes_between

SH = ZoneInfo("Asia/Shanghai")
PLAIN = WorkingCalendar(overrides={})  # Monday to Friday, no holidays


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_within_a_day_skips_the_lunch_break():
    assert add_working_hours(at(2026, 12, 1, 11, 30), 1, PLAIN) == at(2026, 12, 1, 14, 0)


def test_friday_afternoon_runs_into_monday():
    assert add_working_hours(at(2026, 11, 27, 16, 30), 2, PLAIN) == at(2026, 11, 30, 10, 0)


def test_a_start_outside_office_hours_counts_from_the_next_period():
    assert add_working_hours(at(2026, 11, 28, 8, 0), 1, PLAIN) == at(2026, 11, 30, 10, 0)
    assert add_working_hours(at(2026, 12, 1, 18, 0), 1, PLAIN) == at(2026, 12, 2, 10, 0)
    assert add_working_hours(at(2026, 12, 1, 12, 15), 1, PLAIN) == at(2026, 12, 1, 14, 30)


def test_a_limit_ending_at_the_end_of_a_period_ends_there():
    assert add_working_hours(at(2026, 12, 1, 9, 0), 3, PLAIN) == at(2026, 12, 1, 12, 0)
    assert add_working_hours(at(2026, 12, 1, 9, 0), 7, PLAIN) == at(2026, 12, 1, 17, 30)


def test_three_working_days():
    # Report on Wednesday 10:00; 21 working hours end on Monday 10:00.
    assert add_working_hours(at(2026, 12, 2, 10, 0), 21, PLAIN) == at(2026, 12, 7, 10, 0)


def test_utc_input_gives_the_same_moment():
    start = at(2026, 12, 1, 11, 30).astimezone(ZoneInfo("UTC"))
    assert add_working_hours(start, 1, PLAIN) == at(2026, 12, 1, 14, 0)


def test_working_minutes_across_a_weekend():
    assert working_minutes_between(at(2026, 11, 27, 17, 0), at(2026, 11, 30, 9, 30), PLAIN) == 60
    assert working_minutes_between(at(2026, 12, 1, 12, 0), at(2026, 12, 1, 13, 30), PLAIN) == 0
    assert working_minutes_between(at(2026, 12, 2, 9, 0), at(2026, 12, 1, 9, 0), PLAIN) == 0


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    minutes=st.integers(min_value=0, max_value=60 * 7 * 30),
)
def test_adding_then_measuring_gives_back_the_hours(start, minutes):
    start = start.replace(tzinfo=SH)
    end = add_working_hours(start, minutes / 60, PLAIN)
    assert end >= start
    assert working_minutes_between(start, end, PLAIN) == minutes


# --- The calendar table: the package's years and the years staff enter ------------------------


@pytest.fixture
def package_calendar(db):
    """The migration loads the package's days; a transactional test elsewhere may have
    flushed them, so load again when the table is empty."""
    if not WorkingDayOverride.objects.exists():
        load_holidays()


def test_the_package_calendar_is_loaded_by_the_migration(package_calendar):
    assert last_known_year() >= 2026
    assert WorkingDayOverride.objects.get(date=date(2026, 2, 16)).is_working is False  # 春节
    assert WorkingDayOverride.objects.get(date=date(2026, 2, 14)).is_working is True  # 调休


def test_spring_festival_2026_and_its_make_up_saturday(package_calendar):
    # Friday 13 Feb 17:00 + 2 h: half an hour on Friday, then Saturday 14 Feb is a make-up
    # working day → 10:30 that Saturday.
    assert add_working_hours(at(2026, 2, 13, 17, 0), 2) == at(2026, 2, 14, 10, 30)
    # Saturday 14 Feb 17:00 + 2 h: the holiday runs 15–23 Feb → Tuesday 24 Feb 10:30.
    assert add_working_hours(at(2026, 2, 14, 17, 0), 2) == at(2026, 2, 24, 10, 30)


def _enter_spring_festival_2027():
    """2027 is beyond the package: staff enter the schedule in the admin. This test schedule
    closes the weekdays 8–12 Feb (the festival falls on Saturday 6 Feb) and makes Saturday
    20 Feb a working day."""
    for day in range(8, 13):
        WorkingDayOverride.objects.create(date=date(2027, 2, day), is_working=False, name="春节")
    WorkingDayOverride.objects.create(date=date(2027, 2, 20), is_working=True, name="春节调休上班")


@pytest.mark.django_db
def test_spring_festival_2027_entered_by_staff():
    _enter_spring_festival_2027()
    # Friday 5 Feb 17:00 + 7 h: 0.5 h on Friday, nothing 6–14 Feb, 6.5 h on Monday 15 Feb.
    assert add_working_hours(at(2027, 2, 5, 17, 0), 7) == at(2027, 2, 15, 17, 0)
    # The make-up Saturday counts: Friday 19 Feb 17:00 + 2 h → Saturday 20 Feb 10:30.
    assert add_working_hours(at(2027, 2, 19, 17, 0), 2) == at(2027, 2, 20, 10, 30)
    assert working_minutes_between(at(2027, 2, 5, 9, 0), at(2027, 2, 16, 9, 0)) == 2 * 7 * 60


def test_reloading_the_package_keeps_what_staff_changed(package_calendar):
    row = WorkingDayOverride.objects.get(date=date(2026, 2, 16))
    row.is_working = True
    row.from_package = False
    row.save()
    call_command("cases_load_holidays", stdout=StringIO())
    row.refresh_from_db()
    assert row.is_working is True
    assert WorkingDayOverride.objects.filter(date__year=2026, from_package=True).count() > 5


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError):
        add_working_hours(datetime(2026, 12, 1, 9, 0), 1, PLAIN)


def test_zero_hours_is_the_start():
    start = at(2026, 12, 5, 3, 0)
    assert add_working_hours(start, 0, PLAIN) == start
    assert add_working_hours(start, timedelta(0).total_seconds(), PLAIN) == start
