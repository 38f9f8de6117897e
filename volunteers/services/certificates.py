"""Service certificates (志愿服务证明) and the secret iCalendar feed of a person's shifts."""

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from volunteers.models import CalendarFeed, Certificate, ServiceRecord


@transaction.atomic
def certificate_issue(*, user: User) -> Certificate:
    """Issue a certificate over all the person's credited records so far."""
    records = list(ServiceRecord.objects.filter(user=user).order_by("served_on", "pk"))
    if not records:
        raise ValidationError(_("您还没有已确认的服务时长，暂时不能开具证明。"))
    issuers = sorted({r.issuer for r in records})
    today = timezone.localdate()
    prefix = f"SB{today:%Y%m%d}"
    count = Certificate.objects.filter(number__startswith=prefix).count()
    certificate = Certificate.objects.create(
        number=f"{prefix}{count + 1:05d}{uuid.uuid4().hex[:4].upper()}",
        user=user,
        holder_name=user.get_display_name(),
        issuer="、".join(issuers)[:300],
        total_hours=sum((r.hours for r in records), Decimal("0")),
        first_date=records[0].served_on,
        last_date=records[-1].served_on,
    )
    certificate.records.set(records)
    return certificate


def calendar_feed_for(*, user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """A new secret address; the old one stops working."""
    CalendarFeed.objects.filter(user=user).delete()
    return CalendarFeed.objects.create(user=user)
