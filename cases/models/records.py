"""What is kept around a case: its history (CaseEvent, 办理进展), the people who follow it
(我也遇到) and the 延期/缓办 requests of its handler."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.cases import Case, State

ACTION_LABELS = {
    "report": _("上报"),
    "accept": _("受理"),
    "reject": _("不予受理"),
    "dispatch": _("派遣"),
    "start": _("开始处置"),
    "handle": _("办结"),
    "verify": _("核查"),
    "close": _("结案"),
    "rate": _("评价"),
    "request_extension": _("申请延期或缓办"),
    "decide_extension": _("审批延期或缓办"),
    "note": _("内部备注"),
    "update": _("公开进展"),
    "photo_public": _("公开照片"),
    "photo_private": _("撤回照片公开"),
    "escalate": _("督办"),
}


class CaseEvent(models.Model):
    """处置记录 — one row per thing that happened to a case: every state transition, internal
    notes, public updates, extension requests and decisions. Never edited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=30)
    from_state = models.CharField(_("原状态"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=State.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_role = models.CharField(_("操作人身份"), max_length=30, blank=True)
    note = models.TextField(_("说明"), blank=True)
    is_public = models.BooleanField(_("公开"), default=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("处置记录")
        verbose_name_plural = _("处置记录")
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_timeline")]

    def __str__(self):
        return f"{self.case_id} {self.action}"

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


class CaseFollower(models.Model):
    """我也遇到 — a resident who follows someone else's case instead of filing a duplicate,
    and gets its public updates."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_cases"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_follower_unique"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="case_follower_user")]

    def __str__(self):
        return f"{self.user_id} → {self.case_id}"


class CaseExtension(models.Model):
    """延期 / 缓办 — a handler's request for more working time (extension) or to stop the clock
    (postponement, e.g. waiting for funds or the season), decided by community staff."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", _("延期")
        POSTPONEMENT = "postponement", _("缓办")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    hours = models.PositiveIntegerField(
        _("延长工作小时"), null=True, blank=True, help_text=_("仅延期需要填写。")
    )
    reason = models.TextField(_("原因"), max_length=500)
    status = models.CharField(
        _("审批状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("延期或缓办申请")
        verbose_name_plural = _("延期或缓办申请")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="case_extension_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(kind="postponement", hours__isnull=True)
                | Q(kind="extension", hours__gte=1),
                name="case_extension_hours_for_extension",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="case_extension_decided_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.case} · {self.get_kind_display()}"
