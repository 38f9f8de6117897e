"""On the day and after: check-in with the leader's code, confirming who came, and the
service records (服务时长) credited for it."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.notifications import notify
from volunteers.models import ServiceRecord, Shift, SignUp
from volunteers.permissions import can_manage_shift


@transaction.atomic
def shift_check_in(*, shift: Shift, user: User, code: str) -> SignUp:
    """A volunteer with a confirmed place checks in on site with the code the leader shows."""
    signup = (
        SignUp.objects.select_for_update()
        .select_related("shift")
        .filter(shift_id=shift.pk, user_id=user.pk)
        .first()
    )
    shift = signup.shift if signup else shift
    if (code or "").strip().upper() != shift.checkin_code:
        raise ValidationError(_("签到码不正确，请核对网格长出示的签到码。"))
    if signup is None or signup.status not in SignUp.HOLDS_PLACE:
        raise ValidationError(_("您没有这个班次的确认名额，不能签到。"))
    if not shift.checkin_open():
        raise ValidationError(_("只能在班次开始前30分钟至结束前签到。"))
    if signup.checked_in_at is None:
        signup.checked_in_at = timezone.now()
        signup.save(update_fields=["checked_in_at"])
    return signup


def record_issuer(shift: Shift) -> str:
    """The community (patrols) or the organization (activities) that vouches for the hours."""
    if shift.grid_id is not None:
        community = shift.grid.community
        return _("%(street)s%(community)s") % {
            "street": community.street.name,
            "community": community.name,
        }
    project = shift.project
    if project.organization_id is not None:
        return project.organization.name
    parent = project.get_parent()
    return parent.title if parent is not None else project.title


def _parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except Exception as error:  # noqa: BLE001 - any bad number gets the same message
        raise ValidationError(_("服务时长请填写数字，例如 2 或 1.5。")) from error
    if not Decimal("0") < hours <= Decimal("24"):
        raise ValidationError(_("服务时长须大于0且不超过24小时。"))
    return hours


def _credited_hours(*, signups, attended, hours, reason: str, default: Decimal) -> dict:
    """{sign-up id: hours} for the people who came; hours other than the shift's duration
    need a reason."""
    credited = {}
    for signup in signups:
        if signup.pk in attended:
            given = hours.get(signup.pk)
            value = default if given in (None, "") else _parse_hours(given)
            if value != default and not reason:
                raise ValidationError(_("修改了服务时长，请填写原因（例如：提前离开、延长服务）。"))
            credited[signup.pk] = value
    return credited


def _locked_shift_for_attendance(*, shift: Shift, by: User) -> Shift:
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("grid__community__street", "project__organization")
        .get(pk=shift.pk)
    )
    if not can_manage_shift(by, shift):
        raise PermissionDenied
    if not shift.has_started:
        raise ValidationError(_("班次开始后才能确认出勤。"))
    if shift.attendance_confirmed_at is not None:
        raise ValidationError(_("这个班次的出勤已经确认过了。"))
    return shift


def _mark_attendance(
    *,
    shift: Shift,
    signups: list[SignUp],
    credited: dict[int, Decimal],
    by: User,
    reason: str,
    now: datetime,
) -> list[ServiceRecord]:
    """Mark each confirmed place attended or absent; unsaved records for the attendees."""
    default = shift.duration_hours
    same = {
        "shift": shift,
        "grid": shift.grid,
        "item": shift.title,
        "served_on": timezone.localtime(shift.starts_at).date(),
        "issuer": record_issuer(shift),
        "credited_by": by,
        "credited_at": now,
    }
    records = []
    for signup in signups:
        signup.status = SignUp.Status.ATTENDED if signup.pk in credited else SignUp.Status.ABSENT
        signup.save(update_fields=["status"])
        if signup.pk in credited:
            value = credited[signup.pk]
            records.append(
                ServiceRecord(
                    signup=signup,
                    user=signup.user,
                    hours=value,
                    adjustment_reason=reason if value != default else "",
                    **same,
                )
            )
    return records


@transaction.atomic
def shift_confirm_attendance(
    *,
    shift: Shift,
    by: User,
    attended: set[int],
    hours: dict[int, object] | None = None,
    reason: str = "",
) -> list[ServiceRecord]:
    """After the shift, its managers confirm who came. Confirmed places not in `attended` are
    marked absent; each attendee is credited the shift's duration, or the hours given (a
    different number needs a reason). Done once per shift; later corrections go through
    service_record_adjust."""
    shift = _locked_shift_for_attendance(shift=shift, by=by)
    reason = reason.strip()
    default = shift.duration_hours
    signups = list(
        SignUp.objects.select_for_update()
        .filter(shift=shift, status=SignUp.Status.CONFIRMED)
        .select_related("user")
    )
    credited = _credited_hours(
        signups=signups, attended=attended, hours=hours or {}, reason=reason, default=default
    )
    now = timezone.now()
    records = _mark_attendance(
        shift=shift, signups=signups, credited=credited, by=by, reason=reason, now=now
    )
    ServiceRecord.objects.bulk_create(records)
    shift.attendance_confirmed_at = now
    shift.attendance_confirmed_by = by
    shift.save(update_fields=["attendance_confirmed_at", "attendance_confirmed_by"])
    _notify_credited(records)
    return records


def _notify_credited(records: list[ServiceRecord]) -> None:
    url = reverse("volunteers:my_record")
    for record in records:
        notify(
            recipient=record.user,
            kind="hours_credited",
            subject=_("“%(item)s”的%(hours)s小时服务时长已记录")
            % {"item": record.item, "hours": record.hours},
            url=url,
            email=False,
        )


@transaction.atomic
def service_record_adjust(*, record: ServiceRecord, by: User, hours, reason: str) -> ServiceRecord:
    """Correct credited hours afterwards; a reason is required and kept with the record."""
    record = (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("shift__grid")
        .get(pk=record.pk)
    )
    if record.shift is None or not can_manage_shift(by, record.shift):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("请填写修改服务时长的原因。"))
    record.hours = _parse_hours(hours)
    record.adjustment_reason = reason.strip()[:300]
    record.credited_by = by
    record.credited_at = timezone.now()
    record.save(update_fields=["hours", "adjustment_reason", "credited_by", "credited_at"])
    return record
