"""The handling loop: 受理 → 派遣 → 处置 → 办结 → 核查 → 结案 → 评价. Each service locks the case,
checks the actor and the state against cases.transitions, saves, writes a history row and
updates the daily statistics."""

from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseFollower, CasePhoto, Rating, State
from cases.permissions import cases_for_staff, handling_departments
from cases.photos import MAX_PHOTOS
from cases.services.common import (
    authorize,
    handlers_of,
    lock_case,
    notify_all,
    notify_public,
    record,
    save_photos,
    staff_url,
    supervisors_of,
)
from cases.services.report import deadlines
from cases.services.stats import stat_add
from cases.working_time import working_minutes_between
from portal.models import User
from portal.text import normalize_newlines

RATING_DAYS = 7
SATISFIED = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


def _save(case: Case, *fields: str) -> None:
    case.save(update_fields=[*fields, "state", "updated_at"])


@transaction.atomic
def case_accept(*, case: Case, by: User, note: str = "", now: datetime | None = None) -> Case:
    """受理: the grid leader or community staff take the case on."""
    case = lock_case(case)
    roles = authorize("accept", case=case, by=by)
    now = now or timezone.now()
    before = case.state
    case.state = State.ACCEPTED
    case.accepted_at = now
    # The response clock stops; the handling clock runs from the report.
    case.is_overdue = case.handling_due_at < now and not case.postponed
    case.warned = False
    case.escalation_level = 0
    _save(case, "accepted_at", "is_overdue", "warned", "escalation_level")
    record(case, action="accept", by=by, roles=roles, from_state=before, note=note.strip())
    stat_add(case, accepted=1, accepted_in_time=int(now <= case.response_due_at), due=1)
    notify_public(case, subject=_("您的诉求 %(number)s 已受理") % {"number": case.number}, skip=by)
    return case


@transaction.atomic
def case_reject(*, case: Case, by: User, reason: str, duplicate_of: Case | None = None) -> Case:
    """不予受理, with a reason the reporter reads; a duplicate links the original case."""
    case = lock_case(case)
    roles = authorize("reject", case=case, by=by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写不予受理的原因，上报人会看到它。")})
    if duplicate_of is not None:
        if duplicate_of.pk == case.pk:
            raise ValidationError({"duplicate_of": _("诉求不能与自己重复。")})
        if not cases_for_staff(by).filter(pk=duplicate_of.pk).exists():
            raise ValidationError({"duplicate_of": _("找不到所选的原诉求。")})
        if duplicate_of.state == State.REJECTED:
            raise ValidationError(
                {"duplicate_of": _("所选的原诉求本身未被受理，请选择正在办理或已办结的诉求。")}
            )
    before = case.state
    case.state = State.REJECTED
    case.reject_reason = reason
    case.duplicate_of = duplicate_of
    case.is_overdue = False
    _save(case, "reject_reason", "duplicate_of", "is_overdue")
    note = reason
    if duplicate_of is not None:
        note = _("%(reason)s（与诉求 %(number)s 重复）") % {
            "reason": reason,
            "number": duplicate_of.number,
        }
    record(case, action="reject", by=by, roles=roles, from_state=before, note=note)
    if duplicate_of is not None and case.reporter_id not in (None, duplicate_of.reporter_id):
        # The reporter follows the original instead, as if they had pressed 我也遇到.
        CaseFollower.objects.get_or_create(case=duplicate_of, user_id=case.reporter_id)
    notify_public(
        case,
        subject=_("您的诉求 %(number)s 未被受理") % {"number": case.number},
        body=note,
        skip=by,
    )
    return case


def _check_dispatch_target(*, department: Group | None, assignee: User | None) -> None:
    """A case goes to a handling department, to an active person, or to a person of that
    department."""
    if department is None and assignee is None:
        raise ValidationError({"department": _("请选择处置部门或处置人。")})
    if department is not None and not handling_departments().filter(pk=department.pk).exists():
        raise ValidationError(
            {
                "department": _("“%(name)s”不是处置部门，只能派遣到诉求类别所指定的处置部门。")
                % {"name": department.name}
            }
        )
    if assignee is not None:
        if not assignee.is_active:
            raise ValidationError({"assignee": _("所选处置人的账号已停用。")})
        if department is not None and not assignee.groups.filter(pk=department.pk).exists():
            raise ValidationError({"assignee": _("所选处置人不属于所选部门。")})


@transaction.atomic
def case_dispatch(
    *,
    case: Case,
    by: User,
    department: Group | None = None,
    assignee: User | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """派遣 to a handling department (a group) or to one person."""
    case = lock_case(case)
    roles = authorize("dispatch", case=case, by=by)
    _check_dispatch_target(department=department, assignee=assignee)
    before = case.state
    case.state = State.DISPATCHED
    case.assigned_department = department
    case.assignee = assignee
    case.dispatched_at = now or timezone.now()
    _save(case, "assigned_department", "assignee", "dispatched_at")
    # The public history names the department, never a person.
    target = department.name if department is not None else _("处置人员")
    record(
        case,
        action="dispatch",
        by=by,
        roles=roles,
        from_state=before,
        note=(_("派遣至：%(target)s") % {"target": target}) + (f"\n{note.strip()}" if note else ""),
    )
    notify_all(
        handlers_of(case),
        kind="case_dispatched",
        subject=_("诉求 %(number)s 已派遣给您处置") % {"number": case.number},
        body=case.description[:200],
        url=staff_url(case),
        skip=by,
    )
    return case


@transaction.atomic
def case_start(*, case: Case, by: User, note: str = "") -> Case:
    """The handler starts work (处置中), also after a failed check or a reopening (返工)."""
    case = lock_case(case)
    roles = authorize("start", case=case, by=by)
    before = case.state
    case.state = State.IN_PROGRESS
    _save(case)
    record(case, action="start", by=by, roles=roles, from_state=before, note=note.strip())
    return case


@transaction.atomic
def case_handle(
    *, case: Case, by: User, result: str, photos=(), now: datetime | None = None
) -> Case:
    """办结: the handler reports what was done, with photos of the result."""
    case = lock_case(case)
    roles = authorize("handle", case=case, by=by)
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": _("请填写处置结果，说明做了什么。")})
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("最多上传 %(max)s 张照片。") % {"max": MAX_PHOTOS}})
    now = now or timezone.now()
    before = case.state
    first = case.first_handled_at is None
    case.state = State.HANDLED
    case.result = result
    case.handled_at = now
    if first:
        case.first_handled_at = now
    case.is_overdue = False
    _save(case, "result", "handled_at", "first_handled_at", "is_overdue")
    save_photos(case, photos=photos, kind=CasePhoto.Kind.RESULT, by=by)
    record(case, action="handle", by=by, roles=roles, from_state=before, note=result)
    if first:
        stat_add(
            case,
            handled=1,
            handled_in_time=int(now <= case.handling_due_at and not case.postponed),
            handling_minutes=working_minutes_between(case.created_at, now),
        )
    notify_all(
        supervisors_of(case),
        kind="case_new",
        subject=_("诉求 %(number)s 已办结，请核查") % {"number": case.number},
        body=result[:200],
        url=staff_url(case),
        skip=by,
    )
    return case


@transaction.atomic
def case_verify(*, case: Case, by: User, passed: bool, close: bool = True, note: str = "") -> Case:
    """核查 by the grid leader or staff: passed → closed (or verified, to close later);
    failed → back to the handler (返工) with the reason."""
    case = lock_case(case)
    note = (note or "").strip()
    target = (State.CLOSED if close else State.VERIFIED) if passed else State.REWORK
    roles = authorize("verify", case=case, by=by, target=target)
    if not passed and not note:
        raise ValidationError({"note": _("请填写核查未通过的原因，处置人员会据此返工。")})
    before = case.state
    case.state = target
    fields = []
    if target == State.CLOSED:
        case.closed_at = timezone.now()
        fields.append("closed_at")
    _save(case, *fields)
    record(case, action="verify", by=by, roles=roles, from_state=before, note=note)
    if target == State.CLOSED:
        _tell_closed(case, by)
    elif target == State.REWORK:
        notify_all(
            handlers_of(case),
            kind="case_dispatched",
            subject=_("诉求 %(number)s 核查未通过，请返工") % {"number": case.number},
            body=note,
            url=staff_url(case),
            skip=by,
        )
    return case


@transaction.atomic
def case_close(*, case: Case, by: User, note: str = "") -> Case:
    """结案 after a passed check."""
    case = lock_case(case)
    roles = authorize("close", case=case, by=by)
    before = case.state
    case.state = State.CLOSED
    case.closed_at = timezone.now()
    _save(case, "closed_at")
    record(case, action="close", by=by, roles=roles, from_state=before, note=note.strip())
    _tell_closed(case, by)
    return case


def _tell_closed(case: Case, by: User) -> None:
    notify_public(
        case,
        subject=_("您的诉求 %(number)s 已办结，请评价") % {"number": case.number},
        body=case.result[:200],
        skip=by,
    )


def _reopen(case: Case, *, now: datetime) -> list[str]:
    """不满意 reopens the case once: back to 返工 with a new handling limit from now. Returns
    the fields changed."""
    case.state = State.REWORK
    case.reopened_count = 1
    case.closed_at = None
    _response, case.handling_due_at = deadlines(
        category=case.category, priority=case.priority, start=now
    )
    case.is_overdue = False
    case.warned = False
    case.escalation_level = 0
    return [
        "reopened_count",
        "closed_at",
        "handling_due_at",
        "is_overdue",
        "warned",
        "escalation_level",
    ]


def _tell_reopened(case: Case, *, comment: str) -> None:
    notify_all(
        handlers_of(case)
        if (case.assignee_id or case.assigned_department_id)
        else supervisors_of(case),
        kind="case_dispatched",
        subject=_("诉求 %(number)s 上报人不满意，已重新办理") % {"number": case.number},
        body=comment,
        url=staff_url(case),
    )


def may_rate(case: Case, user) -> bool:
    """The reporter may rate a closed case once per closing, within RATING_DAYS of it."""
    if not user.is_authenticated or case.reporter_id != user.pk or case.state != State.CLOSED:
        return False
    if case.rated_at is not None and case.rated_at >= case.closed_at:
        return False
    return timezone.now() <= case.closed_at + timedelta(days=RATING_DAYS)


@transaction.atomic
def case_rate(
    *, case: Case, by: User, rating: str, comment: str = "", now: datetime | None = None
) -> Case:
    """The reporter rates the handling within 7 days of closing: 满意, 基本满意 or 不满意.
    不满意 reopens the case once (back to the handler, with a new handling limit)."""
    case = lock_case(case)
    roles = authorize("rate", case=case, by=by)
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择满意、基本满意或不满意。")})
    reopen = rating == Rating.DISSATISFIED and case.reopened_count == 0
    now = now or timezone.now()
    if case.rated_at is not None and case.rated_at >= case.closed_at:
        raise ValidationError(_("您已经评价过这件诉求了。"))
    if now > case.closed_at + timedelta(days=RATING_DAYS):
        raise ValidationError(_("评价期限为结案后 %(days)s 天，已经过了。") % {"days": RATING_DAYS})
    previous = case.rating
    before = case.state
    case.rating = rating
    case.rated_at = now
    fields = ["rating", "rated_at"]
    if reopen:
        fields += _reopen(case, now=now)
    _save(case, *fields)
    record(
        case, action="rate", by=by, roles=roles, from_state=before, note=str(Rating(rating).label)
    )
    comment = normalize_newlines(comment or "").strip()[:500]
    if comment:
        # The reporter's own words may identify them: staff see them, the public does not.
        record(
            case,
            action="note",
            by=by,
            roles=roles,
            from_state=case.state,
            note=comment,
            public=False,
        )
    stat_add(
        case,
        rated=0 if previous else 1,
        satisfied=int(rating in SATISFIED) - int(previous in SATISFIED),
    )
    if reopen:
        _tell_reopened(case, comment=comment)
    return case
