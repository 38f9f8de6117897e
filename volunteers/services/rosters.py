"""Grid rosters (网格志愿者名册): applying, the leader's or staff's decision, leaving, and
appointing the grid leader (网格长)."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Grid, User
from portal.notifications import notify
from portal.permissions import GRID_LEADERS
from volunteers.models import RosterMembership, SignUp
from volunteers.permissions import can_appoint_leader, can_manage_grid
from volunteers.services.shifts import signup_cancel_and_promote

Status = RosterMembership.Status
Role = RosterMembership.Role


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
            url=reverse("volunteers:roster", args=[grid.code]),
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
        url=reverse("volunteers:grid_detail", args=[grid.code]),
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
        status__in=SignUp.OPEN,
    ).order_by("shift_id")
    for signup in future:
        signup_cancel_and_promote(signup=signup, notify_owner=False)
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
        url=reverse("volunteers:roster", args=[grid.code]),
    )
    return membership
