import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.categories import CaseCategory, Priority
from cases.storage import private_storage
from portal.models import Community, Grid, Street


class State(models.TextChoices):
    SUBMITTED = "submitted", _("已上报")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    DISPATCHED = "dispatched", _("已派遣")
    IN_PROGRESS = "in_progress", _("处置中")
    REWORK = "rework", _("返工")
    HANDLED = "handled", _("已办结")
    VERIFIED = "verified", _("已核查")
    CLOSED = "closed", _("已结案")


# States in which someone still owes the case an action (the sweep watches only these).
OPEN_STATES = (
    State.SUBMITTED,
    State.ACCEPTED,
    State.DISPATCHED,
    State.IN_PROGRESS,
    State.REWORK,
    State.HANDLED,
    State.VERIFIED,
)
# States whose clock is the handling deadline (办结时限).
HANDLING_STATES = (State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS, State.REWORK)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Source(models.TextChoices):
    RESIDENT = "resident", _("居民上报")
    PATROL = "patrol", _("网格巡查")


class Case(models.Model):
    """诉求 — a problem reported by a resident (随手拍) or found by a grid member on patrol,
    followed through 受理 → 派遣 → 处置 → 核查 → 结案 → 评价 within working-time limits.
    Written only through cases.services; staff see it in 我的待办."""

    number = models.CharField(_("编号"), max_length=32, unique=True)
    category = models.ForeignKey(
        CaseCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="cases"
    )
    priority = models.CharField(
        _("紧急程度"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.RESIDENT
    )
    description = models.TextField(_("问题描述"), max_length=1000)
    # Where: the grid, and its community and street copied by the services so that staff
    # scoping and statistics filter one indexed column instead of joining.
    # A foreign key that leads a composite index of Meta.indexes has no index of its own
    # (db_index=False): the composite one serves its look-ups, and every report would
    # otherwise write one more index of a table with a million rows.
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("社区"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    street = models.ForeignKey(
        Street, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("纬度（WGS84）"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("经度（WGS84）"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
        db_index=False,  # case_reporter_created
    )
    contact_allowed = models.BooleanField(_("同意工作人员联系我"), default=False)

    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    assigned_department = models.ForeignKey(
        Group,
        verbose_name=_("处置部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # case_inbox_department
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        db_index=False,  # case_inbox_assignee
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复于"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    reject_reason = models.TextField(_("不予受理的原因"), blank=True)
    result = models.TextField(_("处置结果"), blank=True)

    response_due_at = models.DateTimeField(_("受理期限"))
    handling_due_at = models.DateTimeField(_("办结期限"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    first_handled_at = models.DateTimeField(_("首次办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    postponed = models.BooleanField(_("缓办"), default=False)
    reopened_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    rating = models.CharField(_("评价"), max_length=20, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    # Set by the sweep (cases_sweep) with bulk updates; reset when a deadline moves.
    is_overdue = models.BooleanField(_("已超期"), default=False)
    warned = models.BooleanField(_("已预警"), default=False)
    escalation_level = models.PositiveSmallIntegerField(
        _("督办级别"), default=0, help_text=_("0 未督办，1 已督办到社区，2 已督办到街道。")
    )

    created_at = models.DateTimeField(_("上报时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="case_state_valid"),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="case_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(rating="", rated_at__isnull=True)
                | (Q(rating__in=Rating.values) & Q(rated_at__isnull=False)),
                name="case_rating_with_time",
            ),
            models.CheckConstraint(
                condition=Q(reopened_count__lte=1), name="case_reopened_at_most_once"
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=2), name="case_escalation_level_range"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="case_wgs84_point_in_range",
            ),
            models.CheckConstraint(
                condition=Q(response_due_at__gte=F("created_at"))
                & Q(handling_due_at__gte=F("created_at")),
                name="case_deadlines_after_report",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=F("id")), name="case_not_duplicate_of_itself"
            ),
            models.CheckConstraint(
                condition=~Q(state=State.CLOSED) | Q(closed_at__isnull=False),
                name="case_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.REJECTED) | ~Q(reject_reason=""),
                name="case_rejected_has_reason",
            ),
        ]
        indexes = [
            # Staff inbox: by community / department / assignee and state, newest first.
            models.Index(fields=["community", "state", "-created_at"], name="case_inbox_community"),
            models.Index(
                fields=["assigned_department", "state", "-created_at"],
                name="case_inbox_department",
            ),
            models.Index(fields=["assignee", "state", "-created_at"], name="case_inbox_assignee"),
            models.Index(fields=["state", "-created_at"], name="case_state_created"),
            # 全部待办 (every open state) newest first, for district administrators: a small
            # partial index instead of merging seven state ranges of a million rows.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(
                    state__in=[
                        "submitted",
                        "accepted",
                        "dispatched",
                        "in_progress",
                        "rework",
                        "handled",
                        "verified",
                    ]
                ),
                name="case_open_created",
            ),
            # Public list: every case but the rejected ones, newest first (created_at, then id,
            # exactly the list's ORDER BY, so the first page and the capped count read the
            # index in order), district-wide and per street / community / category.
            models.Index(fields=["-created_at"], name="case_created"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=~Q(state="rejected"),
                name="case_public_created",
            ),
            models.Index(
                fields=["street", "-created_at", "-id"],
                condition=~Q(state="rejected"),
                name="case_public_street",
            ),
            models.Index(
                fields=["community", "-created_at", "-id"],
                condition=~Q(state="rejected"),
                name="case_public_community",
            ),
            models.Index(
                fields=["category", "-created_at", "-id"],
                condition=~Q(state="rejected"),
                name="case_public_category",
            ),
            # "Similar open cases in this grid" before a report, and a reporter's own list.
            models.Index(fields=["grid", "category", "-created_at"], name="case_grid_category"),
            models.Index(fields=["reporter", "-created_at"], name="case_reporter_created"),
            # The sweep touches only open cases that are not yet flagged: partial indexes.
            models.Index(
                fields=["response_due_at"],
                condition=Q(state="submitted"),
                name="case_sweep_response",
            ),
            models.Index(
                fields=["handling_due_at"],
                condition=Q(
                    state__in=["accepted", "dispatched", "in_progress", "rework"], postponed=False
                ),
                name="case_sweep_handling",
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("cases:case_detail", kwargs={"number": self.number})

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def current_due_at(self):
        """The deadline the case is measured against now, or None when no clock runs."""
        if self.state == State.SUBMITTED:
            return self.response_due_at
        if self.state in HANDLING_STATES and not self.postponed:
            return self.handling_due_at
        return None


def case_photo_path(instance: "CasePhoto", filename: str) -> str:
    # A random name: the original file name can hold personal data.
    return f"cases/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class CasePhoto(models.Model):
    """A photo of a case: up to 3 from the reporter, more from the handler as the result.
    Stored privately (EXIF removed, resized); shown in public only when staff say so."""

    class Kind(models.TextChoices):
        REPORT = "report", _("上报照片")
        RESULT = "result", _("处置照片")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.REPORT)
    image = models.ImageField(
        _("图片"),
        storage=private_storage,
        upload_to=case_photo_path,
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    is_public = models.BooleanField(
        _("公开"), default=False, help_text=_("只有工作人员确认照片不含个人信息后才可公开。")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("诉求照片")
        verbose_name_plural = _("诉求照片")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["report", "result"]), name="case_photo_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.case} · {self.get_kind_display()}"
