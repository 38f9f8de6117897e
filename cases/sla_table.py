"""The time limits, the working calendar and the active categories as case reports read them:
kept in each process instead of three queries on every report (issue #12: ≥ 100 reports a
second).

The table holds every category's limits, the active categories (the report form's choice) and
the working-day overrides for a window around today. Each process keeps the table it built
(portal.cache.LocalCopies) while its version key in the shared cache keeps its number: saving
or deleting a CaseCategory, CaseTimeLimit or WorkingDayOverride bumps it (the signals are
connected in CasesConfig.ready), now and after the commit, so a change in the admin, by
`cases_load_holidays` or by a migration applies to the next report on every worker that
shares the cache (Redis in production). TIMEOUT is only a backstop for writes that send no
signal (QuerySet.update, raw SQL); with the per-process local-memory cache (no REDIS_URL)
other processes see a change after at most TIMEOUT seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from portal.cache import LocalCopies

VERSION_KEY = "cases:sla-table:version"
TIMEOUT = 600
# Reports start deadlines today; an extension may recount from an earlier day.
DAYS_BACK = 60
DAYS_AHEAD = 400


@dataclass(frozen=True)
class SlaTable:
    limits: dict[tuple[int, str], tuple[int, int]]
    categories: dict[int, object]  # pk -> active CaseCategory
    overrides: dict[date, bool]
    first: date
    last: date

    def limits_for(self, category, priority: str) -> tuple[int, int]:
        """(response hours, handling hours), as CaseCategory.limits_for answers."""
        from cases.models.categories import DEFAULT_LIMITS, Priority

        found = self.limits.get((category.pk, priority))
        if found is not None:
            return found
        return DEFAULT_LIMITS.get(priority, DEFAULT_LIMITS[Priority.NORMAL])

    def calendar(self):
        from cases.working_time import WorkingCalendar

        return WorkingCalendar(self.overrides, window=(self.first, self.last))


_kept: LocalCopies[SlaTable] = LocalCopies(ttl=TIMEOUT, max_entries=4)


def sla_table() -> SlaTable:
    """The table, shared by every request of the process: read it, never change it."""
    today = timezone.localdate()
    # One table a day, its window around that day.
    return _kept.get(today, [VERSION_KEY], lambda: _build(today))


def _build(today: date) -> SlaTable:
    from cases.models import CaseCategory, CaseTimeLimit, WorkingDayOverride

    first, last = today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)
    limits = {
        (category_id, priority): (response, handling)
        for category_id, priority, response, handling in CaseTimeLimit.objects.values_list(
            "category_id", "priority", "response_hours", "handling_hours"
        )
    }
    overrides = dict(
        WorkingDayOverride.objects.filter(date__gte=first, date__lte=last).values_list(
            "date", "is_working"
        )
    )
    categories = {category.pk: category for category in CaseCategory.objects.filter(is_active=True)}
    return SlaTable(
        limits=limits, categories=categories, overrides=overrides, first=first, last=last
    )


def sla_changed(**_kwargs) -> None:
    """Signal receiver: a limit, a category or a working day changed."""
    from portal.page_cache import bump_now_and_after_commit

    bump_now_and_after_commit([VERSION_KEY])
