from django.contrib.auth.models import Group
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel


class Priority(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


# Used when a category has no limit for a priority: one working day to accept and three to
# handle ("feedback within 3 working days"), a working day being 7 working hours.
DEFAULT_LIMITS = {
    Priority.NORMAL: (7, 21),
    Priority.URGENT: (2, 7),
}


class CaseCategory(ClusterableModel):
    """诉求类别 — what a report is about (环境卫生, 占道经营 …), with its handling department and
    time limits. Managed by district administrators as a snippet."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.SlugField(
        _("编码"),
        max_length=40,
        unique=True,
        help_text=_("英文字母、数字或连字符，用于链接和开放数据。"),
    )
    description = models.CharField(
        _("说明"), max_length=200, blank=True, help_text=_("居民选择类别时看到的一句话说明。")
    )
    department = models.ForeignKey(
        Group,
        verbose_name=_("处置部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("受理后默认派遣到的职能部门（一个用户组，如城管、住建、市场监管）。"),
    )
    is_active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用的类别不再出现在上报表单中，已有诉求不受影响。")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("description"),
        FieldPanel("department"),
        FieldPanel("is_active"),
        FieldPanel("sort_order"),
        InlinePanel("time_limits", heading=_("办理时限（工作小时）"), label=_("时限")),
    ]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")

    def __str__(self):
        return self.name

    def limits_for(self, priority: str) -> tuple[int, int]:
        """(response hours, handling hours) in working time for a priority."""
        for limit in self.time_limits.all():
            if limit.priority == priority:
                return limit.response_hours, limit.handling_hours
        return DEFAULT_LIMITS.get(priority, DEFAULT_LIMITS[Priority.NORMAL])


class CaseTimeLimit(models.Model):
    """办理时限 — a category's response limit (to accept) and handling limit (to handle) for one
    priority, in working hours. Edited with the category."""

    category = ParentalKey(CaseCategory, on_delete=models.CASCADE, related_name="time_limits")
    priority = models.CharField(
        _("紧急程度"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    response_hours = models.PositiveIntegerField(
        _("受理时限（工作小时）"), default=7, help_text=_("从上报到受理，一个工作日按 7 小时计。")
    )
    handling_hours = models.PositiveIntegerField(
        _("办结时限（工作小时）"), default=21, help_text=_("从上报到办结。")
    )

    panels = [FieldPanel("priority"), FieldPanel("response_hours"), FieldPanel("handling_hours")]

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "priority"], name="case_time_limit_unique_priority"
            ),
            models.CheckConstraint(
                condition=Q(response_hours__gte=1) & Q(handling_hours__gte=F("response_hours")),
                name="case_time_limit_positive_ordered",
                violation_error_message=_("办结时限不能短于受理时限，且至少为 1 小时。"),
            ),
        ]

    def __str__(self):
        return f"{self.category} · {self.get_priority_display()}"
