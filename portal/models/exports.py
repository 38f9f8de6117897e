from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long a finished export's file is kept for download (`manage.py exports_purge`).
EXPORT_KEPT_FOR = timedelta(days=1)


def _expiry():
    return timezone.now() + EXPORT_KEPT_FOR


class ExportJob(models.Model):
    """A spreadsheet of a staff table, or a person's data ZIP, made by a task off the request
    (portal.export_jobs): who asked, what, in which scope, how far it got, and the file (in
    private storage, downloaded through a permission-checked view) until it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在生成")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"
        ZIP = "zip", "ZIP"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    source = models.CharField(_("导出内容"), max_length=80)
    title = models.CharField(_("名称"), max_length=200)
    format = models.CharField(_("格式"), max_length=4, choices=Format.choices)
    # What the rows were limited to when asked: {"communities": [ids] or null for the whole
    # district, "query": the list's filters}. The task applies the source's own scoping.
    scope = models.JSONField(_("范围"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("已完成行数"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    # Each run that claims the job counts one; only that run may finish it.
    attempt = models.PositiveSmallIntegerField(default=0, editable=False)
    file_name = models.CharField(max_length=255, blank=True, editable=False)
    file_size = models.PositiveBigIntegerField(default=0, editable=False)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), default=_expiry, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        indexes = [models.Index(fields=["requested_by", "source"], name="exportjob_by_source")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done") | ~models.Q(file_name=""),
                name="exportjob_done_has_file",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="exportjob_status_valid",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def downloadable(self) -> bool:
        return self.status == self.Status.DONE and not self.is_expired
