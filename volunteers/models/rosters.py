"""Grid volunteer rosters (网格志愿者名册): who applied to or serves on a grid's roster, with
their role, skills and availability."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase


class MembershipSkill(TaggedItemBase):
    content_object = models.ForeignKey(
        "volunteers.RosterMembership", on_delete=models.CASCADE, related_name="tagged_skills"
    )


class RosterMembership(models.Model):
    """A person on a grid's volunteer roster (网格志愿者名册). The resident applies; the grid
    leader (网格长) or the community's staff approve or decline; the member may leave.
    A person has at most one open (applied or active) membership per grid."""

    # A record of what someone did, not content: Wagtail's reference index (the "usage"
    # screens) gains nothing from it and would cost two queries on every write.
    wagtail_reference_index_ignore = True

    class Role(models.TextChoices):
        VOLUNTEER = "volunteer", _("志愿者")
        PATROL = "patrol", _("巡治员")
        LEADER = "leader", _("网格长")

    class Status(models.TextChoices):
        APPLIED = "applied", _("待审核")
        ACTIVE = "active", _("在册")
        DECLINED = "declined", _("未通过")
        LEFT = "left", _("已退出")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("居民"),
        on_delete=models.CASCADE,
        related_name="roster_memberships",
    )
    grid = models.ForeignKey(
        "portal.Grid",
        verbose_name=_("网格"),
        on_delete=models.CASCADE,
        related_name="roster_memberships",
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.VOLUNTEER)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.APPLIED, db_index=True
    )
    skills = TaggableManager(
        through=MembershipSkill, blank=True, verbose_name=_("特长"), help_text=_("用逗号分隔")
    )
    availability = models.CharField(
        _("可服务时间"),
        max_length=200,
        blank=True,
        help_text=_("例如：工作日晚上、周末上午。"),
    )
    motivation = models.TextField(_("申请说明"), max_length=500, blank=True)
    decision_reason = models.CharField(_("审核意见"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    left_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("名册成员")
        verbose_name_plural = _("名册成员")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "grid"],
                condition=Q(status__in=["applied", "active"]),
                name="membership_one_open_per_grid",
            ),
        ]
        indexes = [models.Index(fields=["grid", "status"], name="membership_grid_status")]

    def __str__(self):
        return f"{self.user} · {self.grid}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.APPLIED, self.Status.ACTIVE)
