"""Reads shared by the volunteers pages, the account area, the home page and exports. Each
runs a fixed number of queries, however many members, shifts or records there are."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from portal.models import Grid, User
from volunteers.models import (
    Certificate,
    RosterMembership,
    ServiceRecord,
    Shift,
    SignUp,
    count_subquery,
)

Status = RosterMembership.Status


def grid_for_page(*, code: str) -> Grid | None:
    """The grid with its community, street, leader and the number of active members."""
    members = RosterMembership.objects.filter(grid=OuterRef("pk"), status=Status.ACTIVE)
    return (
        Grid.objects.select_related("community__street", "leader")
        .annotate(member_count=count_subquery(members, "grid"))
        .filter(code=code)
        .first()
    )


def upcoming_grid_shifts(*, grid: Grid, limit: int = 10) -> list[Shift]:
    shifts = Shift.objects.with_places().filter(grid=grid, ends_at__gt=timezone.now())
    return list(shifts.order_by("starts_at", "pk")[:limit])


def upcoming_project_shifts(*, project_id: int, limit: int = 20) -> list[Shift]:
    shifts = Shift.objects.with_places().filter(project_id=project_id, ends_at__gt=timezone.now())
    return list(shifts.order_by("starts_at", "pk")[:limit])


def upcoming_open_shifts(*, limit: int = 12) -> list[Shift]:
    """Shifts anyone may join whose sign-up is still open, soonest first."""
    return list(
        Shift.objects.with_places()
        .open_for_signup()
        .filter(members_only=False)
        .select_related("grid__community", "project")
        .order_by("starts_at", "pk")[:limit]
    )


def upcoming_patrols(*, limit: int = 6) -> list[Shift]:
    return list(
        Shift.objects.with_places()
        .filter(grid__isnull=False, starts_at__gt=timezone.now())
        .select_related("grid__community")
        .order_by("starts_at", "pk")[:limit]
    )


def shift_for_page(*, pk: int) -> Shift | None:
    return (
        Shift.objects.with_places()
        .filter(pk=pk)
        .select_related("grid__community__street", "grid__leader", "project")
        .first()
    )


def _waitlist_position():
    """A sign-up's place in its shift's waitlist (1 = next), in the order of the queue."""
    ahead = SignUp.objects.filter(shift=OuterRef("shift"), status=SignUp.Status.WAITLISTED).filter(
        Q(queued_at__lt=OuterRef("queued_at"))
        | Q(queued_at=OuterRef("queued_at"), pk__lte=OuterRef("pk"))
    )
    return count_subquery(ahead, "shift")


def user_signup(*, shift: Shift, user: User) -> SignUp | None:
    """The person's sign-up for the shift, with their place in the waitlist (1 = next)."""
    if not user.is_authenticated:
        return None
    return (
        SignUp.objects.filter(shift=shift, user=user)
        .annotate(position=_waitlist_position())
        .first()
    )


def shift_signups(*, shift: Shift) -> list[SignUp]:
    """Everyone signed up, confirmed first, then the waitlist in order (for the managers)."""
    order = dict.fromkeys(SignUp.HOLDS_PLACE, 0) | {
        SignUp.Status.WAITLISTED: 1,
        SignUp.Status.ABSENT: 2,
        SignUp.Status.CANCELLED: 3,
    }
    rows = list(
        SignUp.objects.filter(shift=shift).select_related("user").order_by("queued_at", "pk")
    )
    rows.sort(key=lambda s: order.get(s.status, 9))
    return rows


def is_active_member(*, user: User, grid: Grid | int) -> bool:
    """On the grid's roster now (the grid or its id)."""
    if not user.is_authenticated:
        return False
    return RosterMembership.objects.filter(user=user, grid=grid, status=Status.ACTIVE).exists()


def user_membership(*, user: User, grid: Grid) -> RosterMembership | None:
    if not user.is_authenticated:
        return None
    return (
        RosterMembership.objects.filter(user=user, grid=grid).order_by("-created_at", "-pk").first()
    )


def roster(*, grid: Grid) -> list[RosterMembership]:
    """Applications and members of a grid with their contacts and skills (2 queries)."""
    rank = {RosterMembership.Role.LEADER: 0, RosterMembership.Role.PATROL: 1}
    rows = list(
        RosterMembership.objects.filter(grid=grid, status__in=[Status.APPLIED, Status.ACTIVE])
        .select_related("user")
        .prefetch_related("skills")
        .order_by("created_at", "pk")
    )
    rows.sort(key=lambda m: (m.status != Status.APPLIED, rank.get(m.role, 2)))
    return rows


def user_records(*, user: User) -> list[ServiceRecord]:
    return list(
        ServiceRecord.objects.filter(user=user)
        .select_related("shift")
        .order_by("-served_on", "-pk")
    )


def user_year_totals(*, user: User) -> list[dict]:
    return list(
        ServiceRecord.objects.filter(user=user)
        .annotate(year=ExtractYear("served_on"))
        .values("year")
        .annotate(hours=Sum("hours"), shifts=Count("pk"))
        .order_by("-year")
    )


def user_total_hours(*, user: User) -> Decimal:
    return ServiceRecord.objects.filter(user=user).aggregate(
        total=Coalesce(Sum("hours"), Decimal("0"))
    )["total"]


def user_certificates(*, user: User, limit: int = 5) -> list[Certificate]:
    return list(Certificate.objects.filter(user=user).order_by("-issued_at")[:limit])


def certificate_for_verification(*, token: str) -> Certificate | None:
    """The certificate whose printed verification address holds `token` (the public check:
    the token is the secret, the number alone finds nothing)."""
    return Certificate.objects.filter(token=token).first()


def mask_name(name: str) -> str:
    """王秀兰 → 王*兰: enough to compare with the paper, not enough to look someone up."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def user_memberships(*, user: User) -> list[RosterMembership]:
    return list(
        RosterMembership.objects.filter(user=user)
        .exclude(status=Status.LEFT)
        .select_related("grid__community__street")
        .order_by("-created_at")[:20]
    )


def user_shifts(*, user: User) -> dict[str, list[SignUp]]:
    """The person's sign-ups: upcoming confirmed, waitlisted (with position) and past."""
    now = timezone.now()
    rows = list(
        SignUp.objects.filter(user=user)
        .exclude(status=SignUp.Status.CANCELLED)
        .filter(shift__ends_at__gt=now - timedelta(days=400))
        .select_related("shift", "service_record")
        .annotate(position=_waitlist_position())
        .order_by("shift__starts_at")[:200]
    )
    result = {"upcoming": [], "waitlisted": [], "past": []}
    for signup in rows:
        if signup.shift.ends_at <= now or signup.status in (
            SignUp.Status.ATTENDED,
            SignUp.Status.ABSENT,
        ):
            result["past"].append(signup)
        elif signup.status == SignUp.Status.WAITLISTED:
            result["waitlisted"].append(signup)
        else:
            result["upcoming"].append(signup)
    result["past"].reverse()
    return result


def calendar_signups(*, user: User) -> list[SignUp]:
    since = timezone.now() - timedelta(days=90)
    return list(
        SignUp.objects.filter(
            user=user,
            status__in=SignUp.HOLDS_PLACE,
            shift__ends_at__gt=since,
        )
        .select_related("shift")
        .order_by("shift__starts_at")[:500]
    )


def grid_numbers(*, grids: QuerySet[Grid]) -> QuerySet[Grid]:
    """Per grid: active members, patrols this month, hours credited this year (one query)."""
    now = timezone.localtime()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    members = RosterMembership.objects.filter(grid=OuterRef("pk"), status=Status.ACTIVE)
    patrols = Shift.objects.filter(
        grid=OuterRef("pk"), starts_at__gte=month_start, starts_at__lt=next_month
    )
    hours = (
        ServiceRecord.objects.filter(grid=OuterRef("pk"), served_on__year=now.year)
        .order_by()
        .values("grid")
        .annotate(total=Sum("hours"))
        .values("total")[:1]
    )
    return grids.select_related("community__street", "leader").annotate(
        member_count=count_subquery(members, "grid"),
        patrols_this_month=count_subquery(patrols, "grid"),
        hours_this_year=Coalesce(Subquery(hours), Decimal("0")),
    )
