"""Service records (服务时长), certificates (志愿服务证明) and calendar feeds."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return secrets.token_urlsafe(24)


class ServiceRecord(models.Model):
    """Hours credited for one attended shift (志愿服务记录, 民政部令第67号): what, when, how
    long and who confirmed it. Hours default to the shift's duration and may be changed with
    a reason."""

    # A record of what someone did, not content: Wagtail's reference index (the "usage"
    # screens) gains nothing from it and would cost two queries on every write.
    wagtail_reference_index_ignore = True

    signup = models.OneToOneField(
        "volunteers.SignUp",
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
        "volunteers.Shift",
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
