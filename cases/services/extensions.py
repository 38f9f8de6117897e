"""延期 (more working time) and 缓办 (the clock stops), asked by the handler and decided by
community staff."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseExtension
from cases.services.common import (
    authorize,
    community_staff_of,
    handlers_of,
    lock_case,
    notify_all,
    record,
    staff_url,
)
from cases.services.stats import stat_add
from cases.working_time import add_working_hours
from portal.models import User

MAX_EXTENSION_HOURS = 7 * 20  # twenty working days

Kind = CaseExtension.Kind
Status = CaseExtension.Status


def _check_extension_request(*, case: Case, kind: str, reason: str, hours) -> int | None:
    """The hours of a valid request (None for 缓办); a ValidationError names the wrong fields."""
    errors = {}
    if kind not in Kind.values:
        errors["kind"] = _("请选择延期或缓办。")
    if not reason:
        errors["reason"] = _("请说明申请的原因。")
    elif len(reason) > 500:
        errors["reason"] = _("原因不能超过 500 个字。")
    if kind == Kind.EXTENSION:
        if not isinstance(hours, int) or not (1 <= hours <= MAX_EXTENSION_HOURS):
            errors["hours"] = _("延长的工作小时数应在 1 到 %(max)s 之间。") % {
                "max": MAX_EXTENSION_HOURS
            }
    else:
        hours = None
    if kind == Kind.POSTPONEMENT and case.postponed:
        errors["kind"] = _("这件诉求已经缓办。")
    if errors:
        raise ValidationError(errors)
    return hours


@transaction.atomic
def case_request_extension(
    *, case: Case, by: User, kind: str, reason: str, hours: int | None = None
) -> CaseExtension:
    case = lock_case(case)
    roles = authorize("request_extension", case=case, by=by)
    reason = (reason or "").strip()
    hours = _check_extension_request(case=case, kind=kind, reason=reason, hours=hours)
    try:
        with transaction.atomic():
            extension = CaseExtension.objects.create(
                case=case, kind=kind, hours=hours, reason=reason, requested_by=by
            )
    except IntegrityError as error:
        raise ValidationError(_("这件诉求已有一份待审批的申请。")) from error
    label = Kind(kind).label
    record(
        case,
        action="request_extension",
        by=by,
        roles=roles,
        from_state=case.state,
        note=f"{label}：{reason}"
        + (_("（%(hours)s 个工作小时）") % {"hours": hours} if hours else ""),
        public=False,
    )
    notify_all(
        community_staff_of(case),
        kind="case_extension",
        subject=_("诉求 %(number)s 申请%(kind)s") % {"number": case.number, "kind": label},
        body=reason,
        url=staff_url(case),
        skip=by,
    )
    return extension


def _extend_deadline(case: Case, *, hours: int, now) -> str:
    """An approved 延期: the handling deadline moves by `hours` of working time and the
    warning and escalation start again. Returns the public history text."""
    case.handling_due_at = add_working_hours(case.handling_due_at, hours)
    case.is_overdue = case.handling_due_at < now
    case.warned = False
    case.escalation_level = 0 if not case.is_overdue else case.escalation_level
    case.save(
        update_fields=["handling_due_at", "is_overdue", "warned", "escalation_level", "updated_at"]
    )
    return _("已批准延期，新的办结期限为 %(due)s。") % {
        "due": timezone.localtime(case.handling_due_at).strftime("%Y-%m-%d %H:%M")
    }


def _postpone(case: Case) -> str:
    """An approved 缓办: the clock stops. Returns the public history text."""
    case.postponed = True
    case.is_overdue = False
    case.save(update_fields=["postponed", "is_overdue", "updated_at"])
    stat_add(case, postponed=1)
    return _("已批准缓办。")


@transaction.atomic
def case_decide_extension(
    *, extension: CaseExtension, by: User, approve: bool, note: str = ""
) -> CaseExtension:
    """Staff approve or refuse. An approved 延期 moves the handling deadline by the requested
    working hours; an approved 缓办 stops the clock (the case no longer counts as due)."""
    case = lock_case(extension.case)
    roles = authorize("decide_extension", case=case, by=by)
    extension = CaseExtension.objects.select_for_update().get(pk=extension.pk)
    if extension.case_id != case.pk or extension.status != Status.PENDING:
        raise ValidationError(_("这份申请已经审批过了。"))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("请填写不批准的原因。")})
    now = timezone.now()
    extension.status = Status.APPROVED if approve else Status.REJECTED
    extension.decided_by = by
    extension.decided_at = now
    extension.decision_note = note
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    label = extension.get_kind_display()
    if not approve:
        text, public = _("%(kind)s申请未批准。") % {"kind": label}, False
    elif extension.kind == Kind.EXTENSION:
        text, public = _extend_deadline(case, hours=extension.hours, now=now), True
    else:
        text, public = _postpone(case), True
    record(
        case,
        action="decide_extension",
        by=by,
        roles=roles,
        from_state=case.state,
        note=text + (f"\n{note}" if note else ""),
        public=public,
    )
    notify_all(
        handlers_of(case),
        kind="case_extension",
        subject=_("诉求 %(number)s 的%(kind)s申请已审批") % {"number": case.number, "kind": label},
        body=text,
        url=staff_url(case),
        skip=by,
    )
    return extension
