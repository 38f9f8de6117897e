"""Shifts (班次: patrols 徒步巡查 and project activities) and sign-ups with capacity and
waitlist. The capacity rule, the sign-up deadline and the shift limits live here."""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Check-in codes avoid characters that are easy to confuse on a phone screen (0/O, 1/I/L).
CHECKIN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHECKIN_CODE_LENGTH = 6


def new_checkin_code() -> str:
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(CHECKIN_CODE_LENGTH))


class ShiftQuerySet(models.QuerySet):
    def with_places(self) -> "ShiftQuerySet":
        """Annotate confirmed_count and waitlist_count (two correlated subqueries, one query);
        Shift.places_left, is_full and over_capacity then read them without a query."""
        return self.annotate(
            confirmed_count=_signup_count(SignUp.HOLDS_PLACE),
            waitlist_count=_signup_count([SignUp.Status.WAITLISTED]),
        )

    def open_for_signup(self, now=None) -> "ShiftQuerySet":
        """The shifts whose sign-up is open at `now` (the rule of Shift.signup_open)."""
        now = now or timezone.now()
        return self.filter(signup_deadline__gte=now, starts_at__gt=now)


def count_subquery(queryset: models.QuerySet, field: str) -> Coalesce:
    """How many rows of `queryset` (filtered on an OuterRef) share `field`: a correlated
    subquery for annotations, 0 when there are none."""
    count = queryset.order_by().values(field).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


def _signup_count(statuses) -> Coalesce:
    return count_subquery(SignUp.objects.filter(shift=OuterRef("pk"), status__in=statuses), "shift")


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
    project = models.ForeignKey(
        "projects.ServiceProjectPage",
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

    objects = ShiftQuerySet.as_manager()

    # The limits that shift_create and shift_update apply (volunteers.services.shifts).
    MAX_DURATION = timedelta(hours=24)
    MAX_REPEAT_WEEKS = 12

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

    # --- Places: the one home of the capacity rule ------------------------------------------
    # A place is held by a confirmed or attended sign-up (SignUp.HOLDS_PLACE); waitlisted,
    # absent and cancelled sign-ups hold none. Lists annotate the counts with
    # Shift.objects.with_places(); otherwise the first read runs one query and is kept on the
    # instance, so a service reads them from a freshly locked row.

    @property
    def confirmed_count(self) -> int:
        if self._confirmed_count is None:
            self._confirmed_count = self.signups.filter(status__in=SignUp.HOLDS_PLACE).count()
        return self._confirmed_count

    @confirmed_count.setter
    def confirmed_count(self, value: int) -> None:
        self._confirmed_count = value

    @property
    def waitlist_count(self) -> int:
        if self._waitlist_count is None:
            self._waitlist_count = self.signups.filter(status=SignUp.Status.WAITLISTED).count()
        return self._waitlist_count

    @waitlist_count.setter
    def waitlist_count(self, value: int) -> None:
        self._waitlist_count = value

    _confirmed_count = None
    _waitlist_count = None

    def count_places(self) -> None:
        """Read the confirmed and waitlisted counts together (one query), e.g. right after
        locking the row."""
        # Sent as written, not built by the ORM: every sign-up and cancellation runs it with
        # the shift locked, and building the aggregate costs far more than running it.
        connection = connections[self._state.db or router.db_for_read(SignUp)]
        table = connection.ops.quote_name(SignUp._meta.db_table)
        holds_place = ", ".join(["%s"] * len(SignUp.HOLDS_PLACE))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FILTER (WHERE status IN ({holds_place})), "  # noqa: S608
                "COUNT(*) FILTER (WHERE status = %s) "
                f"FROM {table} WHERE shift_id = %s",
                [*map(str, SignUp.HOLDS_PLACE), str(SignUp.Status.WAITLISTED), self.pk],
            )
            self.confirmed_count, self.waitlist_count = cursor.fetchone()

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def is_full(self) -> bool:
        return self.confirmed_count >= self.capacity

    @property
    def over_capacity(self) -> bool:
        """Capacity lowered below the people already confirmed: they all keep their place."""
        return self.confirmed_count > self.capacity

    def signup_open(self, now=None) -> bool:
        """Sign-up is open until the deadline (inclusive) and never once the shift started."""
        now = now or timezone.now()
        return now <= self.signup_deadline and now < self.starts_at

    def checkin_open(self, now=None) -> bool:
        """Volunteers may check in from 30 minutes before the start until the end."""
        now = now or timezone.now()
        return self.starts_at - timezone.timedelta(minutes=30) <= now <= self.ends_at


def validate_repeat_weeks(value: int) -> None:
    """A series repeats the same slot weekly for 1 to Shift.MAX_REPEAT_WEEKS weeks (the
    publishing form and shift_create)."""
    if not 1 <= value <= Shift.MAX_REPEAT_WEEKS:
        raise ValidationError(
            _("重复周数须在1到%(n)d之间。"),
            code="repeat_weeks",
            params={"n": Shift.MAX_REPEAT_WEEKS},
        )


class SignUp(models.Model):
    """One person's place on a shift: confirmed, or waitlisted in order of `queued_at`;
    later attended or absent once the leader or organization confirms attendance."""

    # A record of what someone did, not content: Wagtail's reference index (the "usage"
    # screens) gains nothing from it and would cost two queries on every write.
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已确认")
        WAITLISTED = "waitlisted", _("候补")
        CANCELLED = "cancelled", _("已取消")
        ATTENDED = "attended", _("已出勤")
        ABSENT = "absent", _("缺勤")

    # Sign-ups that hold one of the shift's places (the meaning of "confirmed" in counts).
    HOLDS_PLACE = (Status.CONFIRMED, Status.ATTENDED)
    # Sign-ups still open: the person may cancel them or leave the waitlist.
    OPEN = (Status.CONFIRMED, Status.WAITLISTED)

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
