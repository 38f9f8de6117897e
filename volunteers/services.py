"""Every write with rules in the volunteers app. Each service checks who is acting, validates,
writes atomically and raises ValidationError with a sentence a resident understands."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Grid, User
from portal.notifications import notify
from portal.permissions import GRID_LEADERS
from volunteers.models import (
    CalendarFeed,
    Certificate,
    RosterMembership,
    ServiceRecord,
    Shift,
    SignUp,
)
from volunteers.permissions import (
    can_appoint_leader,
    can_manage_grid,
    can_manage_project,
    can_manage_shift,
)

Status = RosterMembership.Status
Role = RosterMembership.Role
MAX_REPEAT_WEEKS = 12
OPEN_SIGNUP = (SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED)


def _fmt(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- Rosters -------------------------------------------------------------------------------


@transaction.atomic
def membership_apply(
    *,
    user: User,
    grid: Grid,
    role: str = Role.VOLUNTEER,
    skills: list[str] | None = None,
    availability: str = "",
    motivation: str = "",
) -> RosterMembership:
    """A resident asks to join a grid's roster as 志愿者 or 巡治员."""
    if not user.is_authenticated:
        raise PermissionDenied
    if role not in (Role.VOLUNTEER, Role.PATROL):
        raise ValidationError(_("请选择“志愿者”或“巡治员”。"))
    existing = RosterMembership.objects.filter(
        user=user, grid=grid, status__in=[Status.APPLIED, Status.ACTIVE]
    ).first()
    if existing is not None:
        if existing.status == Status.ACTIVE:
            raise ValidationError(_("您已经是这个网格名册的成员。"))
        raise ValidationError(_("您已申请加入这个网格，请等待网格长审核。"))
    membership = RosterMembership(
        user=user,
        grid=grid,
        role=role,
        availability=availability.strip(),
        motivation=motivation.strip(),
    )
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:
        raise ValidationError(_("您已申请加入这个网格，请等待网格长审核。")) from error
    if skills:
        membership.skills.set([s.strip()[:100] for s in skills if s.strip()][:10])
    if grid.leader_id:
        notify(
            recipient=grid.leader,
            kind="roster_applied",
            subject=_("%(name)s 申请加入%(grid)s名册")
            % {"name": user.get_display_name(), "grid": grid.name},
            url=f"/volunteers/grids/{grid.code}/roster/",
        )
    return membership


@transaction.atomic
def membership_decide(
    *, membership: RosterMembership, by: User, approve: bool, reason: str = ""
) -> RosterMembership:
    """The grid leader or the community's staff approve or decline an application."""
    membership = (
        RosterMembership.objects.select_for_update()
        .select_related("grid", "user")
        .get(pk=membership.pk)
    )
    if not can_manage_grid(by, membership.grid):
        raise PermissionDenied
    if membership.status != Status.APPLIED:
        raise ValidationError(_("这份申请已经处理过了。"))
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError(_("请填写未通过的原因，申请人会看到它。"))
    membership.status = Status.ACTIVE if approve else Status.DECLINED
    membership.decision_reason = reason
    membership.decided_by = by
    membership.decided_at = timezone.now()
    membership.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    grid = membership.grid
    if approve:
        subject = _("您已加入%(grid)s志愿者名册") % {"grid": grid.name}
    else:
        subject = _("您加入%(grid)s名册的申请未通过") % {"grid": grid.name}
    notify(
        recipient=membership.user,
        kind="roster_decided",
        subject=subject,
        body=reason,
        url=f"/volunteers/grids/{grid.code}/",
    )
    return membership


@transaction.atomic
def membership_leave(*, membership: RosterMembership, by: User) -> RosterMembership:
    """A member leaves (or staff remove them). Their future sign-ups for this grid's
    members-only shifts are cancelled and the places go to the waitlist."""
    membership = (
        RosterMembership.objects.select_for_update()
        .select_related("grid", "user")
        .get(pk=membership.pk)
    )
    if by.pk != membership.user_id and not can_manage_grid(by, membership.grid):
        raise PermissionDenied
    if not membership.is_open:
        raise ValidationError(_("您已不在这个网格的名册中。"))
    membership.status = Status.LEFT
    membership.left_at = timezone.now()
    membership.save(update_fields=["status", "left_at"])
    grid = membership.grid
    if grid.leader_id == membership.user_id:
        Grid.objects.filter(pk=grid.pk).update(leader=None)
        _sync_leader_group([membership.user_id])
    future = SignUp.objects.filter(
        user_id=membership.user_id,
        shift__grid_id=grid.pk,
        shift__members_only=True,
        shift__starts_at__gt=timezone.now(),
        status__in=OPEN_SIGNUP,
    ).order_by("shift_id")
    for signup in future:
        _cancel(signup=signup, notify_owner=False)
    return membership


def _sync_leader_group(user_ids) -> None:
    """The 网格长 group holds exactly the people who lead a grid (it carries no admin rights;
    it lets staff find the leaders in the user list)."""
    group, _created = Group.objects.get_or_create(name=GRID_LEADERS)
    for user_id in {u for u in user_ids if u}:
        if Grid.objects.filter(leader_id=user_id).exists():
            group.user_set.add(user_id)
        else:
            group.user_set.remove(user_id)


@transaction.atomic
def grid_appoint_leader(*, grid: Grid, user: User, by: User) -> RosterMembership:
    """Community staff appoint a grid's leader (网格长) from the grid's active roster members:
    sets Grid.leader and makes the membership a leader's. The previous leader stays on the
    roster as 巡治员. The only way a grid gets a leader, in the admin as on the roster page."""
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    if not can_appoint_leader(by, grid):
        raise PermissionDenied
    if not user.is_active:
        raise ValidationError(_("这个账号已停用，不能任命为网格长。"))
    membership = (
        RosterMembership.objects.select_for_update()
        .filter(grid=grid, user=user, status=Status.ACTIVE)
        .first()
    )
    if membership is None:
        raise ValidationError(
            _("只能从这个网格的在册成员中任命网格长。请先让这位居民申请加入名册并通过审核。")
        )
    previous = grid.leader_id
    if previous and previous != user.pk:
        RosterMembership.objects.filter(
            grid=grid, user_id=previous, role=Role.LEADER, status=Status.ACTIVE
        ).update(role=Role.PATROL)
    grid.leader = user
    grid.save(update_fields=["leader"])
    membership.role = Role.LEADER
    membership.decided_by = by
    membership.decided_at = timezone.now()
    membership.save(update_fields=["role", "decided_by", "decided_at"])
    _sync_leader_group([previous, user.pk])
    notify(
        recipient=user,
        kind="leader_appointed",
        subject=_("您已被任命为%(grid)s网格长") % {"grid": grid.full_name},
        url=f"/volunteers/grids/{grid.code}/roster/",
    )
    return membership


# --- Shifts --------------------------------------------------------------------------------


def _validate_times(*, starts_at, ends_at, signup_deadline, capacity) -> None:
    errors = {}
    if ends_at <= starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间。")
    elif ends_at - starts_at > timedelta(hours=24):
        errors["ends_at"] = _("一个班次不能超过24小时。")
    if starts_at <= timezone.now():
        errors["starts_at"] = _("开始时间必须在将来。")
    if signup_deadline > starts_at:
        errors["signup_deadline"] = _("报名截止时间不能晚于开始时间。")
    if capacity < 1:
        errors["capacity"] = _("名额至少为1人。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def shift_create(
    *,
    by: User,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    grid: Grid | None = None,
    project=None,
    signup_deadline: datetime | None = None,
    members_only: bool = True,
    description: str = "",
    repeat_weeks: int = 1,
) -> list[Shift]:
    """A grid leader publishes a patrol (optionally the same slot weekly for N weeks), or an
    organization member publishes an activity of their service project."""
    if (grid is None) == (project is None):
        raise ValidationError(_("班次必须属于一个网格或一个服务项目。"))
    if grid is not None and not can_manage_grid(by, grid):
        raise PermissionDenied
    if project is not None and not can_manage_project(by, project):
        raise PermissionDenied
    if not 1 <= repeat_weeks <= MAX_REPEAT_WEEKS:
        raise ValidationError(
            {"repeat_weeks": _("重复周数须在1到%(n)d之间。") % {"n": MAX_REPEAT_WEEKS}}
        )
    deadline = signup_deadline or starts_at
    _validate_times(
        starts_at=starts_at, ends_at=ends_at, signup_deadline=deadline, capacity=capacity
    )
    series = uuid.uuid4() if repeat_weeks > 1 else None
    shifts = []
    for week in range(repeat_weeks):
        offset = timedelta(weeks=week)
        shift = Shift(
            grid=grid,
            project=project,
            title=title.strip(),
            place=place.strip(),
            description=description.strip(),
            starts_at=starts_at + offset,
            ends_at=ends_at + offset,
            signup_deadline=deadline + offset,
            capacity=capacity,
            members_only=members_only if grid is not None else False,
            series=series,
            created_by=by,
        )
        shift.full_clean()
        shifts.append(shift)
    return Shift.objects.bulk_create(shifts)


@transaction.atomic
def shift_update(*, shift: Shift, by: User, **fields) -> list[str]:
    """Change a shift's details. Returns warnings for the staff: a capacity lowered below the
    number of confirmed people keeps everyone confirmed (nobody is dropped silently); a
    capacity raised promotes people from the waitlist."""
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if not can_manage_shift(by, shift):
        raise PermissionDenied
    if shift.is_past:
        raise ValidationError(_("班次已结束，不能再修改。"))
    allowed = {
        "title",
        "place",
        "description",
        "starts_at",
        "ends_at",
        "capacity",
        "signup_deadline",
        "members_only",
    }
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(name)
        setattr(shift, name, value)
    errors = {}
    if shift.ends_at <= shift.starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间。")
    if shift.signup_deadline > shift.starts_at:
        errors["signup_deadline"] = _("报名截止时间不能晚于开始时间。")
    if shift.capacity < 1:
        errors["capacity"] = _("名额至少为1人。")
    if errors:
        raise ValidationError(errors)
    shift.save()
    warnings = []
    confirmed = shift.signups.filter(status=SignUp.Status.CONFIRMED).count()
    if confirmed > shift.capacity:
        warnings.append(
            _(
                "名额已改为%(capacity)d人，但已有%(confirmed)d人确认报名。已确认的志愿者都保留名额，"
                "如需减少人数，请与他们沟通后由本人取消。"
            )
            % {"capacity": shift.capacity, "confirmed": confirmed}
        )
    elif confirmed < shift.capacity:
        promoted = _promote(shift=shift, places=shift.capacity - confirmed)
        if promoted:
            warnings.append(_("已有%(n)d位候补志愿者转为确认报名。") % {"n": len(promoted)})
    return warnings


def find_clash(*, user: User, shift: Shift) -> SignUp | None:
    """The person's confirmed sign-up for another shift at an overlapping time, if any."""
    return (
        SignUp.objects.filter(
            user=user,
            status=SignUp.Status.CONFIRMED,
            shift__starts_at__lt=shift.ends_at,
            shift__ends_at__gt=shift.starts_at,
        )
        .exclude(shift_id=shift.pk)
        .select_related("shift")
        .first()
    )


def _is_active_member(*, user: User, grid_id: int) -> bool:
    return RosterMembership.objects.filter(
        user=user, grid_id=grid_id, status=Status.ACTIVE
    ).exists()


def shift_sign_up(*, shift: Shift, user: User) -> SignUp:
    """Sign a person up: confirmed while places remain, otherwise on the waitlist in order.

    The shift row is locked (SELECT ... FOR UPDATE) so that concurrent sign-ups queue up and
    the confirmed count never exceeds the capacity on PostgreSQL; the person's row is locked
    next, so one person's sign-ups for two overlapping shifts cannot both pass the clash check.
    """
    if not user.is_authenticated:
        raise PermissionDenied
    with transaction.atomic():
        shift = Shift.objects.select_for_update().get(pk=shift.pk)
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        now = timezone.now()
        if now > shift.signup_deadline or now >= shift.starts_at:
            raise ValidationError(_("报名已截止。"))
        existing = SignUp.objects.filter(shift=shift, user=user).first()
        if existing is not None and existing.status != SignUp.Status.CANCELLED:
            raise ValidationError(_("您已经报名了这个班次。"))
        members_only = shift.members_only and shift.grid_id is not None
        if members_only and not _is_active_member(user=user, grid_id=shift.grid_id):
            raise ValidationError(_("这个班次仅限本网格名册中的志愿者报名，请先申请加入网格名册。"))
        clash = find_clash(user=user, shift=shift)
        if clash is not None:
            error = ValidationError(
                _("您在同一时间已报名“%(title)s”（%(start)s 至 %(end)s），不能重复报名。")
                % {
                    "title": clash.shift.title,
                    "start": _fmt(clash.shift.starts_at),
                    "end": _fmt(clash.shift.ends_at),
                },
                code="clash",
            )
            error.clash_shift = clash.shift
            raise error
        confirmed = SignUp.objects.filter(shift=shift, status=SignUp.Status.CONFIRMED).count()
        status = SignUp.Status.CONFIRMED if confirmed < shift.capacity else SignUp.Status.WAITLISTED
        if existing is not None:
            existing.status = status
            existing.queued_at = now
            existing.cancelled_at = None
            existing.save(update_fields=["status", "queued_at", "cancelled_at"])
            return existing
        return SignUp.objects.create(shift=shift, user=user, status=status, queued_at=now)


def _promote(*, shift: Shift, places: int) -> list[SignUp]:
    """Move the first waitlisted people without a clash onto confirmed places. The caller
    holds the shift's row lock."""
    promoted = []
    if places <= 0:
        return promoted
    waiting = (
        SignUp.objects.filter(shift=shift, status=SignUp.Status.WAITLISTED)
        .select_related("user")
        .order_by("queued_at", "pk")
    )
    for candidate in waiting:
        if len(promoted) >= places:
            break
        if find_clash(user=candidate.user, shift=shift) is not None:
            continue
        candidate.status = SignUp.Status.CONFIRMED
        candidate.save(update_fields=["status"])
        promoted.append(candidate)
        notify(
            recipient=candidate.user,
            kind="waitlist_promoted",
            subject=_("候补成功：您已获得“%(title)s”的名额") % {"title": shift.title},
            body=_("时间：%(start)s 至 %(end)s，地点：%(place)s。如不能参加，请及时取消。")
            % {"start": _fmt(shift.starts_at), "end": _fmt(shift.ends_at), "place": shift.place},
            url=shift.get_absolute_url(),
        )
    return promoted


def _cancel(*, signup: SignUp, notify_owner: bool) -> SignUp:
    shift = Shift.objects.select_for_update().get(pk=signup.shift_id)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.status not in OPEN_SIGNUP:
        raise ValidationError(_("这个报名已经取消或已结束。"))
    was_confirmed = signup.status == SignUp.Status.CONFIRMED
    signup.status = SignUp.Status.CANCELLED
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["status", "cancelled_at"])
    if was_confirmed:
        confirmed = SignUp.objects.filter(shift=shift, status=SignUp.Status.CONFIRMED).count()
        _promote(shift=shift, places=shift.capacity - confirmed)
    if notify_owner:
        notify(
            recipient=signup.user,
            kind="signup_cancelled",
            subject=_("您在“%(title)s”的报名已被取消") % {"title": shift.title},
            url=shift.get_absolute_url(),
        )
    return signup


def shift_cancel(*, signup: SignUp, by: User) -> SignUp:
    """Cancel a sign-up (the person, or the shift's managers). A freed confirmed place goes to
    the first person on the waitlist, who is told by notification and email."""
    with transaction.atomic():
        shift = (
            Shift.objects.select_for_update(of=("self",))
            .select_related("grid")
            .get(pk=signup.shift_id)
        )
        is_owner = by.pk == signup.user_id
        if not is_owner and not can_manage_shift(by, shift):
            raise PermissionDenied
        if shift.has_started:
            raise ValidationError(_("班次已经开始，不能再取消报名。"))
        return _cancel(signup=signup, notify_owner=not is_owner)


# --- Check-in and hours --------------------------------------------------------------------


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
    if signup is None or signup.status not in (SignUp.Status.CONFIRMED, SignUp.Status.ATTENDED):
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
    project = shift.project.specific
    organization = getattr(project, "organization", None)
    if organization is not None:
        return organization.name
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
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("grid__community__street", "project")
        .get(pk=shift.pk)
    )
    if not can_manage_shift(by, shift):
        raise PermissionDenied
    if not shift.has_started:
        raise ValidationError(_("班次开始后才能确认出勤。"))
    if shift.attendance_confirmed_at is not None:
        raise ValidationError(_("这个班次的出勤已经确认过了。"))
    hours = hours or {}
    reason = reason.strip()
    default = shift.duration_hours
    signups = list(
        SignUp.objects.select_for_update()
        .filter(shift=shift, status=SignUp.Status.CONFIRMED)
        .select_related("user")
    )
    issuer = record_issuer(shift)
    now = timezone.now()
    records = []
    parsed = {}
    for signup in signups:
        if signup.pk in attended:
            given = hours.get(signup.pk)
            value = default if given in (None, "") else _parse_hours(given)
            if value != default and not reason:
                raise ValidationError(_("修改了服务时长，请填写原因（例如：提前离开、延长服务）。"))
            parsed[signup.pk] = value
    for signup in signups:
        if signup.pk in parsed:
            signup.status = SignUp.Status.ATTENDED
            value = parsed[signup.pk]
            records.append(
                ServiceRecord(
                    signup=signup,
                    user=signup.user,
                    shift=shift,
                    grid=shift.grid,
                    item=shift.title,
                    served_on=timezone.localtime(shift.starts_at).date(),
                    hours=value,
                    issuer=issuer,
                    adjustment_reason=reason if value != default else "",
                    credited_by=by,
                    credited_at=now,
                )
            )
        else:
            signup.status = SignUp.Status.ABSENT
        signup.save(update_fields=["status"])
    ServiceRecord.objects.bulk_create(records)
    shift.attendance_confirmed_at = now
    shift.attendance_confirmed_by = by
    shift.save(update_fields=["attendance_confirmed_at", "attendance_confirmed_by"])
    for record in records:
        notify(
            recipient=record.user,
            kind="hours_credited",
            subject=_("“%(item)s”的%(hours)s小时服务时长已记录")
            % {"item": record.item, "hours": record.hours},
            url="/volunteers/me/record/",
            email=False,
        )
    return records


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


# --- Certificates and calendar -------------------------------------------------------------


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


__all__ = [
    "calendar_feed_for",
    "calendar_feed_reset",
    "certificate_issue",
    "find_clash",
    "grid_appoint_leader",
    "membership_apply",
    "membership_decide",
    "membership_leave",
    "record_issuer",
    "service_record_adjust",
    "shift_cancel",
    "shift_check_in",
    "shift_confirm_attendance",
    "shift_create",
    "shift_sign_up",
    "shift_update",
]


@transaction.atomic
def volunteer_erase(*, user: User) -> None:
    """Account deletion: cancel future sign-ups (places go to the waitlist), leave every roster,
    drop the calendar feed and certificates. Credited hours stay as anonymous totals."""
    future = SignUp.objects.filter(
        user=user, status__in=OPEN_SIGNUP, shift__starts_at__gt=timezone.now()
    ).order_by("shift_id")
    for signup in future:
        _cancel(signup=signup, notify_owner=False)
    RosterMembership.objects.filter(user=user, status__in=[Status.APPLIED, Status.ACTIVE]).update(
        status=Status.LEFT, left_at=timezone.now()
    )
    RosterMembership.objects.filter(user=user).update(
        availability="", motivation="", decision_reason=""
    )
    CalendarFeed.objects.filter(user=user).delete()
    Certificate.objects.filter(user=user).delete()
