"""The Chinese public holidays and make-up working days (调休) from the `chinesecalendar`
package, as rows for the WorkingDayOverride table. The package is updated each year after the
State Council publishes the next year's schedule; a year it does not know yet is entered by
staff in the admin (节假日与调休), and staff rows are never overwritten by a reload."""

from collections.abc import Iterator
from datetime import date

import chinese_calendar
from chinese_calendar.constants import Holiday

FIRST_YEAR = 2020


def _chinese_name(value: str) -> str:
    try:
        return Holiday(value).chinese
    except ValueError:
        return value


def package_overrides(*, since_year: int = FIRST_YEAR) -> Iterator[tuple[date, bool, str]]:
    """(date, is_working, name) for each day that breaks the Monday-to-Friday rule."""
    for day, name in sorted(chinese_calendar.holidays.items()):
        if day.year >= since_year and day.weekday() < 5:
            yield day, False, _chinese_name(name)
    for day, name in sorted(chinese_calendar.workdays.items()):
        if day.year >= since_year and day.weekday() >= 5:
            yield day, True, f"{_chinese_name(name)}调休上班" if name else "调休上班"


def last_known_year() -> int:
    return max(chinese_calendar.holidays).year


def load_holidays(*, model=None, since_year: int = FIRST_YEAR) -> int:
    """Insert or update the package's days; rows that staff entered themselves stay as they
    are. Returns the number of rows written. `model` lets a data migration pass its own."""
    if model is None:
        from cases.models import WorkingDayOverride as model
    staff_days = set(model.objects.filter(from_package=False).values_list("date", flat=True))
    written = 0
    for day, is_working, name in package_overrides(since_year=since_year):
        if day in staff_days:
            continue
        model.objects.update_or_create(
            date=day, defaults={"is_working": is_working, "name": name, "from_package": True}
        )
        written += 1
    return written
