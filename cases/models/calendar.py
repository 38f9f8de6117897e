from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.categories import CaseCategory
from portal.models import Community, Street


class WorkingDayOverride(models.Model):
    """工作日历 — the days that break the Monday-to-Friday rule: public holidays on weekdays
    (放假) and weekend make-up working days (调休上班). Loaded from the `chinesecalendar`
    package for the years it knows; staff add a new year when the State Council announces it."""

    date = models.DateField(_("日期"), unique=True)
    is_working = models.BooleanField(
        _("上班"), help_text=_("勾选表示这天上班（调休），不勾选表示这天放假。")
    )
    name = models.CharField(_("名称"), max_length=50, blank=True, help_text=_("如：春节、国庆节。"))
    from_package = models.BooleanField(_("来自节假日数据包"), default=False, editable=False)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


# Upper edges, in working minutes, of the handling-time histogram kept in CaseDailyStat
# (handling_bucket_0 … handling_bucket_11): the statistics page reads the median and p90 off
# the summed histogram instead of sorting a year of cases. The last bucket is open-ended.
HANDLING_BUCKET_EDGES = (60, 120, 240, 420, 630, 840, 1260, 1680, 2100, 4200, 8400, None)


def handling_bucket_field(minutes: int) -> str:
    """The histogram field a handling time of `minutes` working minutes is counted in."""
    for index, edge in enumerate(HANDLING_BUCKET_EDGES):
        if edge is None or minutes <= edge:
            return f"handling_bucket_{index}"
    raise AssertionError("unreachable")  # the last edge is open


class CaseStatCounts(models.Model):
    """The counts a statistics row holds (shared by the daily rows and the monthly roll-up)."""

    reported = models.PositiveIntegerField(_("上报"), default=0)
    accepted = models.PositiveIntegerField(_("受理"), default=0)
    accepted_in_time = models.PositiveIntegerField(_("按时受理"), default=0)
    due = models.PositiveIntegerField(_("应办结"), default=0)
    postponed = models.PositiveIntegerField(_("缓办"), default=0)
    handled = models.PositiveIntegerField(_("办结"), default=0)
    handled_in_time = models.PositiveIntegerField(_("按期办结"), default=0)
    handling_minutes = models.BigIntegerField(_("办结用时合计（分钟）"), default=0)
    handling_bucket_0 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_1 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_2 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_3 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_4 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_5 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_6 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_7 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_8 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_9 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_10 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    handling_bucket_11 = models.PositiveIntegerField(_("办结用时分布"), default=0, editable=False)
    rated = models.PositiveIntegerField(_("评价"), default=0)
    satisfied = models.PositiveIntegerField(_("满意与基本满意"), default=0)

    class Meta:
        abstract = True


class CaseDailyStat(CaseStatCounts):
    """Daily aggregate of cases by the day they were reported, per community and category,
    kept up to date by the services so that the statistics page never scans a year of cases.

    Every count belongs to the report date of its case (a cohort): "handled_in_time" on
    2026-12-01 means cases reported that day that were later handled within their limit.
    """

    date = models.DateField(_("上报日期"))
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(CaseCategory, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("诉求日统计")
        verbose_name_plural = _("诉求日统计")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "community", "category"], name="case_daily_stat_unique"
            ),
            models.CheckConstraint(
                condition=Q(handling_minutes__gte=0), name="case_daily_stat_minutes_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["date"], name="case_stat_date"),
            models.Index(fields=["street", "date"], name="case_stat_street_date"),
            models.Index(fields=["community", "date"], name="case_stat_community_date"),
        ]

    def __str__(self):
        return f"{self.date} {self.community_id} {self.category_id}"


class CaseMonthlyStat(CaseStatCounts):
    """Monthly roll-up of CaseDailyStat (the same counts per report month, community and
    category), kept up to date by the same service call that adds to the daily row, so that
    the statistics of 90 days or a year read about a dozen rows per community and category
    for the whole months in the period and daily rows only for the partial months at its
    ends."""

    month = models.DateField(_("上报月份"), help_text=_("该月第一天。"))
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(CaseCategory, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("诉求月统计")
        verbose_name_plural = _("诉求月统计")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "community", "category"], name="case_monthly_stat_unique"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="case_monthly_stat_first_of_month"
            ),
            models.CheckConstraint(
                condition=Q(handling_minutes__gte=0), name="case_monthly_stat_minutes_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["month"], name="case_mstat_month"),
            models.Index(fields=["street", "month"], name="case_mstat_street_month"),
            models.Index(fields=["community", "month"], name="case_mstat_community_month"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.community_id} {self.category_id}"


class CaseSweepLock(models.Model):
    """A lease that keeps two hosts from running the SLA sweep at once on databases without
    advisory locks (SQLite). PostgreSQL uses pg_try_advisory_lock instead."""

    name = models.CharField(max_length=50, primary_key=True)
    locked_until = models.DateTimeField(default=timezone.now)
    holder = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("定时任务锁")
        verbose_name_plural = _("定时任务锁")

    def __str__(self):
        return self.name
