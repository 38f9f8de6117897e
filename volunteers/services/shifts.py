"""Shifts (班次): publishing and changing them, signing up with capacity and waitlist, and
cancelling. The capacity rule itself (who holds a place, places left) is the model's:
Shift.confirmed_count, places_left, is_full and Shift.objects.with_places()."""

import uuid
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import page_cache
from portal.locks import lock_row
from portal.models import Grid, User
from portal.notifications import notify, notify_in_chunks
from portal.prepared import Prepared
from projects.models import ServiceProjectPage
from volunteers import selectors
from volunteers.models import Shift, SignUp, validate_repeat_weeks
from volunteers.permissions import can_manage_grid, can_manage_project, can_manage_shift

# What shift_update may change (the front-end and admin edit forms show these fields).
SHIFT_EDITABLE_FIELDS = (
    "title",
    "place",
    "description",
    "starts_at",
    "ends_at",
    "signup_deadline",
    "capacity",
    "members_only",
)


def _format_moment(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _check_times(
    *, starts_at, ends_at, signup_deadline, capacity, must_start_in_future: bool
) -> None:
    """The rules of a shift's times and capacity, on creation and on every change."""
    errors = {}
    if ends_at <= starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间。")
    elif ends_at - starts_at > Shift.MAX_DURATION:
        errors["ends_at"] = _("一个班次不能超过%(hours)d小时。") % {
            "hours": int(Shift.MAX_DURATION.total_seconds() // 3600)
        }
    if must_start_in_future and starts_at <= timezone.now():
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
    project: ServiceProjectPage | None = None,
    signup_deadline: datetime | None = None,
    members_only: bool = True,
    description: str = "",
    repeat_weeks: int = 1,
) -> list[Shift]:
    """A grid leader publishes a patrol (optionally the same slot weekly for N weeks), or an
    organization member publishes an activity of their service project. Sign-up closes at
    the start unless an earlier deadline is given."""
    _check_publisher(by=by, grid=grid, project=project)
    _check_repeat_weeks(repeat_weeks)
    deadline = signup_deadline or starts_at
    _check_times(
        starts_at=starts_at,
        ends_at=ends_at,
        signup_deadline=deadline,
        capacity=capacity,
        must_start_in_future=True,
    )
    same = {
        "grid": grid,
        "project": project,
        "title": title.strip(),
        "place": place.strip(),
        "description": description.strip(),
        "capacity": capacity,
        "members_only": members_only if grid is not None else False,
        "series": uuid.uuid4() if repeat_weeks > 1 else None,
        "created_by": by,
    }
    times = {"starts_at": starts_at, "ends_at": ends_at, "signup_deadline": deadline}
    shifts = [_week_later(same, times, weeks=week) for week in range(repeat_weeks)]
    created = Shift.objects.bulk_create(shifts)
    # bulk_create sends no post_save: the public volunteer pages list the new shifts now.
    page_cache.purge("volunteers")
    return created


def _week_later(same: dict, times: dict, *, weeks: int) -> Shift:
    """One shift of a weekly series: the same details, the times `weeks` weeks later."""
    shift = Shift(**same, **{name: time + timedelta(weeks=weeks) for name, time in times.items()})
    shift.full_clean()
    return shift


def _check_repeat_weeks(repeat_weeks: int) -> None:
    try:
        validate_repeat_weeks(repeat_weeks)
    except ValidationError as error:
        raise ValidationError({"repeat_weeks": error}) from error


def _check_publisher(*, by: User, grid: Grid | None, project: ServiceProjectPage | None) -> None:
    """A shift belongs to a grid (its managers publish) or a project (its managers publish)."""
    if (grid is None) == (project is None):
        raise ValidationError(_("班次必须属于一个网格或一个服务项目。"))
    if grid is not None and not can_manage_grid(by, grid):
        raise PermissionDenied
    if project is not None and not can_manage_project(by, project):
        raise PermissionDenied


@transaction.atomic
def shift_update(*, shift: Shift, by: User, **fields) -> list[str]:
    """Change a shift's details (SHIFT_EDITABLE_FIELDS) under the rules of shift_create: an
    empty sign-up deadline means the start, and a shift that has not started yet cannot be
    moved into the past (one under way keeps its start and may be corrected until it ends).

    Returns warnings for the staff: a capacity lowered below the number of confirmed people
    keeps everyone confirmed (nobody is dropped silently); a capacity raised promotes people
    from the waitlist."""
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if not can_manage_shift(by, shift):
        raise PermissionDenied
    if shift.is_past:
        raise ValidationError(_("班次已结束，不能再修改。"))
    unknown = sorted(set(fields) - set(SHIFT_EDITABLE_FIELDS))
    if unknown:
        raise TypeError(", ".join(unknown))
    had_started = shift.has_started
    before = {name: getattr(shift, name) for name in SHIFT_CHANGE_NOTIFIED}
    for name, value in fields.items():
        setattr(shift, name, value)
    shift.signup_deadline = shift.signup_deadline or shift.starts_at
    _check_times(
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        signup_deadline=shift.signup_deadline,
        capacity=shift.capacity,
        must_start_in_future=not had_started,
    )
    shift.save()
    if any(getattr(shift, name) != value for name, value in before.items()):
        _announce_change(shift)
    return _capacity_changed(shift)


# The details a signed-up volunteer is told about when they change ("shift_changed").
SHIFT_CHANGE_NOTIFIED = ("title", "place", "starts_at", "ends_at")


def shift_signed_up_people(*, shift_id: int):
    """The people with an open sign-up (confirmed or waitlisted) for a shift: the audience
    of "shift_changed" (portal.notifications.notify_in_chunks)."""
    return User.objects.filter(
        shift_signups__shift_id=shift_id, shift_signups__status__in=SignUp.OPEN
    ).distinct()


def _announce_change(shift: Shift) -> None:
    """Tell everyone signed up that the shift changed, after the change commits, in chunks;
    once per person and change (the key carries the change's time)."""
    changed_at = timezone.now()
    notify_in_chunks(
        audience="volunteers.shift_signups",
        params={"shift_id": shift.pk},
        kind="shift_changed",
        subject=_("您报名的“%(title)s”有变动") % {"title": shift.title},
        body=_("现在的时间：%(start)s 至 %(end)s，地点：%(place)s。如不能参加，请及时取消。")
        % {
            "start": _format_moment(shift.starts_at),
            "end": _format_moment(shift.ends_at),
            "place": shift.place,
        },
        url=shift.get_absolute_url(),
        event_key=f"shift_changed:{shift.pk}:{changed_at.timestamp():.6f}",
    )


def _capacity_changed(shift: Shift) -> list[str]:
    """After a change: warn about people over the capacity, or fill the free places."""
    if shift.over_capacity:
        return [
            _(
                "名额已改为%(capacity)d人，但已有%(confirmed)d人确认报名。已确认的志愿者都保留名额，"
                "如需减少人数，请与他们沟通后由本人取消。"
            )
            % {"capacity": shift.capacity, "confirmed": shift.confirmed_count}
        ]
    promoted = _promote(shift=shift, places=shift.places_left)
    if promoted:
        return [_("已有%(n)d位候补志愿者转为确认报名。") % {"n": len(promoted)}]
    return []


def _clashes(shift: Shift) -> Q:
    """Confirmed sign-ups for another shift at a time overlapping `shift`'s."""
    return _clashes_with(shift_id=shift.pk, starts_at=shift.starts_at, ends_at=shift.ends_at)


def _clashes_with(*, shift_id: int, starts_at: datetime, ends_at: datetime) -> Q:
    return Q(
        status=SignUp.Status.CONFIRMED,
        shift__starts_at__lt=ends_at,
        shift__ends_at__gt=starts_at,
    ) & ~Q(shift_id=shift_id)


def find_clash(*, user: User, shift: Shift) -> SignUp | None:
    """The person's confirmed sign-up for another shift at an overlapping time, if any."""
    return (
        SignUp.objects.filter(_clashes(shift), user=user)
        .select_related("shift")
        .order_by("pk")
        .first()
    )


def _clash_error(clash: SignUp) -> ValidationError:
    error = ValidationError(
        _("您在同一时间已报名“%(title)s”（%(start)s 至 %(end)s），不能重复报名。")
        % {
            "title": clash.shift.title,
            "start": _format_moment(clash.shift.starts_at),
            "end": _format_moment(clash.shift.ends_at),
        },
        code="clash",
    )
    error.clash_shift = clash.shift
    return error


# What a sign-up reads of the locked shift and what its answer shows (the API's shift and its
# grid, community and project): only these columns, which keeps the locking query small (a
# project is a Wagtail page with dozens of columns).
SIGNUP_SHIFT_FIELDS = (
    "grid_id",
    "project_id",
    "title",
    "place",
    "starts_at",
    "ends_at",
    "capacity",
    "signup_deadline",
    "members_only",
    "grid__name",
    "grid__community__name",
    "grid__community__street_id",
    "project__title",
)


# The two reads of every sign-up, compiled once per process (portal.prepared): the shift,
# locked, with what the answer shows of it; and the person's sign-up for it or for a shift at
# an overlapping time.
_locked_shift_for_sign_up = Prepared(
    lambda pk: (
        Shift.objects.select_for_update(of=("self",))
        .select_related("grid__community", "project")
        .only(*SIGNUP_SHIFT_FIELDS)
        .filter(pk=pk)
    ),
    pk=int,
)
_own_and_clashing_sign_ups = Prepared(
    lambda shift_id, starts_at, ends_at, user_id: SignUp.objects.filter(
        Q(shift_id=shift_id)
        | _clashes_with(shift_id=shift_id, starts_at=starts_at, ends_at=ends_at),
        user_id=user_id,
    ).order_by("pk"),
    shift_id=int,
    starts_at=datetime,
    ends_at=datetime,
    user_id=int,
)


def shift_sign_up(*, shift: Shift, user: User) -> SignUp:
    """Sign a person up: confirmed while places remain, otherwise on the waitlist in order.

    The shift row is locked (SELECT ... FOR UPDATE) so that concurrent sign-ups queue up and
    the confirmed count never exceeds the capacity on PostgreSQL; the person's row is locked
    next, so one person's sign-ups for two overlapping shifts cannot both pass the clash check.
    The sign-up returned carries the locked shift (`signup.shift`, with its grid, community and
    project) with its counts after the sign-up, and a waitlisted sign-up its `position`.

    Inside a caller's transaction (the API's, with its idempotency key) this adds no
    savepoint: a refusal is decided before anything is written and raised after the block,
    so the caller's transaction stays usable (and is the caller's to roll back).
    """
    if not user.is_authenticated:
        raise PermissionDenied
    with transaction.atomic(savepoint=False):
        locked = _locked_shift_for_sign_up.first(pk=shift.pk)
        if locked is None:
            refusal = Shift.DoesNotExist(f"No shift {shift.pk}.")
        else:
            lock_row(User, user.pk)
            now = timezone.now()
            refusal, existing = _sign_up_refusal(shift=locked, user=user, now=now)
            if refusal is None:
                signup = _sign_up_locked(shift=locked, user=user, existing=existing, now=now)
    if refusal is not None:
        raise refusal
    return signup


def _sign_up_refusal(*, shift: Shift, user: User, now) -> tuple[ValidationError | None, SignUp]:
    """Why this person may not sign up for the locked shift (or None), and their earlier
    sign-up for it (cancelled, or None). Reads only."""
    if not shift.signup_open(now):
        return ValidationError(_("报名已截止。")), None
    # The person's sign-up for this shift and any clashing one: one query (a clashing
    # sign-up's shift is read only for the error message).
    mine = _own_and_clashing_sign_ups(
        shift_id=shift.pk, starts_at=shift.starts_at, ends_at=shift.ends_at, user_id=user.pk
    )
    existing = next((row for row in mine if row.shift_id == shift.pk), None)
    if existing is not None and existing.status != SignUp.Status.CANCELLED:
        return ValidationError(_("您已经报名了这个班次。")), existing
    members_only = shift.members_only and shift.grid_id is not None
    if members_only and not selectors.is_active_member(user=user, grid=shift.grid_id):
        return ValidationError(
            _("这个班次仅限本网格名册中的志愿者报名，请先申请加入网格名册。")
        ), existing
    clash = next((row for row in mine if row.shift_id != shift.pk), None)
    if clash is not None:
        return _clash_error(clash), existing
    return None, existing


def _sign_up_locked(*, shift: Shift, user: User, existing: SignUp | None, now) -> SignUp:
    """The sign-up itself, with the shift's row lock held."""
    shift.count_places()
    status = SignUp.Status.WAITLISTED if shift.is_full else SignUp.Status.CONFIRMED
    if existing is not None:
        signup = existing
        signup.status = status
        signup.queued_at = now
        signup.cancelled_at = None
        signup.save(update_fields=["status", "queued_at", "cancelled_at"])
    else:
        signup = SignUp.objects.create(shift=shift, user=user, status=status, queued_at=now)
    signup.shift = shift
    if status == SignUp.Status.CONFIRMED:
        shift.confirmed_count += 1
    else:
        shift.waitlist_count += 1
        signup.position = shift.waitlist_count  # queued now, with the lock held: the last
    return signup


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
            % {
                "start": _format_moment(shift.starts_at),
                "end": _format_moment(shift.ends_at),
                "place": shift.place,
            },
            url=shift.get_absolute_url(),
        )
    return promoted


def signup_cancel_and_promote(*, signup: SignUp, notify_owner: bool) -> SignUp:
    """Cancel an open sign-up and give a freed place to the waitlist. For the services
    (shift_cancel, leaving a roster, erasing an account) inside their transaction."""
    shift = Shift.objects.select_for_update().get(pk=signup.shift_id)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.status not in SignUp.OPEN:
        raise ValidationError(_("这个报名已经取消或已结束。"))
    was_confirmed = signup.status == SignUp.Status.CONFIRMED
    signup.status = SignUp.Status.CANCELLED
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["status", "cancelled_at"])
    if was_confirmed:
        _promote(shift=shift, places=shift.places_left)
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
        return signup_cancel_and_promote(signup=signup, notify_owner=not is_owner)
