"""Grid volunteer rosters (名册), shifts (patrols 徒步巡查 and project activities), sign-ups
with capacity and waitlist, check-in, service records (服务时长) and certificates."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

# Check-in codes avoid characters that are easy to confuse on a phone screen (0/O, 1/I/L).
CHECKIN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHECKIN_CODE_LENGTH = 6


def new_checkin_code() -> str:
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(CHECKIN_CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(24)


class MembershipSkill(TaggedItemBase):
    content_object = models.ForeignKey(
        "volunteers.RosterMembership", on_delete=models.CASCADE, related_name="tagged_skills"
    )


class RosterMembership(models.Model):
    """A person on a grid's volunteer roster (网格志愿者名册). The resident applies; the grid
    leader (网格长) or the community's staff approve or decline; the member may leave.
    A person has at most one open (applied or active) membership per grid."""

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


class Shift(models.Model):
    """A time slot for volunteers: a patrol (徒步巡查) of one grid, published by its leader,
    or an activity of a service project (创益工场), published by the organization's members.
    Sign-ups beyond the capacity go on a waitlist."""

    grid = models.ForeignKey(
        "portal.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="shifts",
    )
    # A service project page (projects.ServiceProjectPage). Kept as a link to the page tree so
    # that the volunteers app does not depend on the projects app's migrations.
    project = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("服务项目"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="volunteer_shifts",
    )
    title = models.CharField(_("名称"), max_length=100)
    place = models.CharField(_("地点"), max_length=200)
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"), default=10)
    signup_deadline = models.DateTimeField(_("报名截止时间"))
    members_only = models.BooleanField(
        _("仅限名册成员"),
        default=True,
        help_text=_("勾选后只有本网格名册中的志愿者可以报名。"),
    )
    checkin_code = models.CharField(_("签到码"), max_length=12, default=new_checkin_code)
    series = models.UUIDField(_("系列"), null=True, blank=True, editable=False)
    attendance_confirmed_at = models.DateTimeField(_("确认出勤时间"), null=True, blank=True)
    attendance_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("志愿服务班次")
        verbose_name_plural = _("志愿服务班次")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_capacity_positive"),
            models.CheckConstraint(
                condition=Q(signup_deadline__lte=F("ends_at")),
                name="shift_deadline_before_end",
            ),
            models.CheckConstraint(
                condition=(Q(grid__isnull=False) & Q(project__isnull=True))
                | (Q(grid__isnull=True) & Q(project__isnull=False)),
                name="shift_grid_xor_project",
            ),
        ]
        indexes = [
            models.Index(fields=["grid", "starts_at"], name="shift_grid_start"),
            models.Index(fields=["project", "starts_at"], name="shift_project_start"),
        ]

    def __str__(self):
        return f"{self.title} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("volunteers:shift_detail", args=[self.pk])

    @property
    def is_patrol(self) -> bool:
        return self.grid_id is not None

    @property
    def kind_label(self) -> str:
        return _("徒步巡查") if self.is_patrol else _("项目活动")

    @property
    def duration_hours(self) -> Decimal:
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    def checkin_open(self, now=None) -> bool:
        """Volunteers may check in from 30 minutes before the start until the end."""
        now = now or timezone.now()
        return self.starts_at - timezone.timedelta(minutes=30) <= now <= self.ends_at


class SignUp(models.Model):
    """One person's place on a shift: confirmed, or waitlisted in order of `queued_at`;
    later attended or absent once the leader or organization confirms attendance."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已确认")
        WAITLISTED = "waitlisted", _("候补")
        CANCELLED = "cancelled", _("已取消")
        ATTENDED = "attended", _("已出勤")
        ABSENT = "absent", _("缺勤")

    shift = models.ForeignKey(
        Shift, verbose_name=_("班次"), on_delete=models.CASCADE, related_name="signups"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("志愿者"),
        on_delete=models.CASCADE,
        related_name="shift_signups",
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, db_index=True)
    queued_at = models.DateTimeField(_("排队时间"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)

    class Meta:
        ordering = ["queued_at", "pk"]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [
            models.UniqueConstraint(fields=["shift", "user"], name="signup_one_per_person"),
        ]
        indexes = [
            models.Index(fields=["shift", "status", "queued_at"], name="signup_shift_queue"),
            models.Index(fields=["user", "status"], name="signup_user_status"),
        ]

    def __str__(self):
        return f"{self.user} · {self.shift}"


class ServiceRecord(models.Model):
    """Hours credited for one attended shift (志愿服务记录, 民政部令第67号): what, when, how
    long and who confirmed it. Hours default to the shift's duration and may be changed with
    a reason."""

    signup = models.OneToOneField(
        SignUp,
        verbose_name=_("报名"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_record",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("志愿者"),
        on_delete=models.CASCADE,
        related_name="service_records",
    )
    shift = models.ForeignKey(
        Shift,
        verbose_name=_("班次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_records",
    )
    item = models.CharField(_("服务内容"), max_length=200)
    served_on = models.DateField(_("服务日期"), db_index=True)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=2)
    issuer = models.CharField(_("出具单位"), max_length=200)
    grid = models.ForeignKey(
        "portal.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    adjustment_reason = models.CharField(_("时长调整原因"), max_length=300, blank=True)
    credited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    credited_at = models.DateTimeField(_("确认时间"), default=timezone.now)

    class Meta:
        ordering = ["-served_on", "-pk"]
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="record_hours_range"
            ),
        ]
        indexes = [models.Index(fields=["user", "served_on"], name="record_user_date")]

    def __str__(self):
        return f"{self.user} · {self.item} · {self.hours}"


class Certificate(models.Model):
    """A service certificate (志愿服务证明) issued on the volunteer's request: a snapshot of
    their credited records, with a number and a public verification link."""

    number = models.CharField(_("证明编号"), max_length=30, unique=True)
    token = models.CharField(_("核验码"), max_length=64, unique=True, default=new_token)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("志愿者"),
        on_delete=models.CASCADE,
        related_name="volunteer_certificates",
    )
    holder_name = models.CharField(_("姓名"), max_length=50)
    issuer = models.CharField(_("出具单位"), max_length=300)
    records = models.ManyToManyField(ServiceRecord, verbose_name=_("服务记录"), related_name="+")
    total_hours = models.DecimalField(_("累计时长（小时）"), max_digits=8, decimal_places=2)
    first_date = models.DateField(_("起始日期"))
    last_date = models.DateField(_("截止日期"))
    issued_at = models.DateTimeField(_("出具时间"), default=timezone.now)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("volunteers:certificate_detail", args=[self.number])

    def get_verification_url(self):
        return reverse("volunteers:certificate_verify", args=[self.token])


class CalendarFeed(models.Model):
    """The secret address of a person's iCalendar feed of their confirmed shifts."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="volunteer_calendar",
    )
    token = models.CharField(_("令牌"), max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")

    def __str__(self):
        return str(self.user)

    def get_absolute_url(self):
        return reverse("volunteers:calendar_feed", args=[self.token])


__all__ = [
    "CalendarFeed",
    "Certificate",
    "MembershipSkill",
    "RosterMembership",
    "ServiceRecord",
    "Shift",
    "SignUp",
]
