"""Large data set for the volunteers app: 12,000 roster members and 30,000 shifts (patrols over
four months around today), with sign-ups and credited hours, written with bulk_create."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from portal.models import Grid, User
from volunteers.models import Certificate, RosterMembership, ServiceRecord, Shift, SignUp

MEMBERS = 12_000
SHIFTS = 30_000
BATCH = 2_000
PLACES = ["小区东门集合", "网格服务站", "社区党群服务中心", "楼院中心花园"]


def generate(ctx) -> None:
    rng = ctx.rng
    grids = list(Grid.objects.order_by("code").values_list("pk", "leader_id"))
    if not grids:
        return
    now = timezone.now()

    wanted = int(MEMBERS * ctx.scale)
    have = RosterMembership.objects.filter(user__email__startswith="bench-").count()
    people = list(
        User.objects.filter(email__startswith="bench-", home_grid__isnull=False)
        .exclude(roster_memberships__isnull=False)
        .order_by("pk")
        .values_list("pk", "home_grid_id")[: max(wanted - have, 0)]
    )
    for start in range(0, len(people), BATCH):
        RosterMembership.objects.bulk_create(
            [
                RosterMembership(
                    user_id=user_id,
                    grid_id=grid_id,
                    status=RosterMembership.Status.ACTIVE,
                    role=RosterMembership.Role.VOLUNTEER,
                    created_at=now,
                )
                for user_id, grid_id in people[start : start + BATCH]
            ]
        )
    ctx.log(f"  roster memberships: {RosterMembership.objects.count()}")

    members_by_grid: dict[int, list[int]] = {}
    for user_id, grid_id in RosterMembership.objects.filter(
        status=RosterMembership.Status.ACTIVE, user__email__startswith="bench-"
    ).values_list("user_id", "grid_id"):
        members_by_grid.setdefault(grid_id, []).append(user_id)

    existing = Shift.objects.filter(title__startswith="巡查（压测）").count()
    todo = max(int(SHIFTS * ctx.scale) - existing, 0)
    made = 0
    while made < todo:
        batch = []
        for n in range(made, min(made + BATCH, todo)):
            grid_id, leader_id = grids[n % len(grids)]
            start = now.replace(minute=0, second=0, microsecond=0) + timedelta(
                hours=rng.randrange(-24 * 60, 24 * 60)
            )
            batch.append(
                Shift(
                    grid_id=grid_id,
                    title=f"巡查（压测）{n}",
                    place=rng.choice(PLACES),
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    signup_deadline=start,
                    capacity=rng.choice([4, 6, 8]),
                    members_only=n % 3 != 0,
                    created_by_id=leader_id,
                )
            )
        shifts = Shift.objects.bulk_create(batch)
        signups, records = [], []
        for shift in shifts:
            team = members_by_grid.get(shift.grid_id, [])
            if not team:
                continue
            chosen = rng.sample(team, min(len(team), rng.randrange(0, shift.capacity + 3)))
            past = shift.ends_at < now
            for position, user_id in enumerate(chosen):
                confirmed = position < shift.capacity
                status = (
                    (SignUp.Status.ATTENDED if past else SignUp.Status.CONFIRMED)
                    if confirmed
                    else SignUp.Status.WAITLISTED
                )
                if past and not confirmed:
                    continue
                signups.append(
                    SignUp(
                        shift=shift,
                        user_id=user_id,
                        status=status,
                        queued_at=shift.starts_at - timedelta(days=2, minutes=-position),
                    )
                )
        SignUp.objects.bulk_create(signups, batch_size=BATCH)
        for signup in signups:
            if signup.status == SignUp.Status.ATTENDED:
                records.append(
                    ServiceRecord(
                        signup=signup,
                        user_id=signup.user_id,
                        shift=signup.shift,
                        grid_id=signup.shift.grid_id,
                        item=signup.shift.title,
                        served_on=timezone.localtime(signup.shift.starts_at).date(),
                        hours=Decimal("2.00"),
                        issuer="市北区社区",
                        credited_at=now,
                    )
                )
        ServiceRecord.objects.bulk_create(records, batch_size=BATCH)
        made += len(batch)
    ctx.log(f"  shifts: {Shift.objects.count()}, sign-ups: {SignUp.objects.count()}")

    if not Certificate.objects.filter(number="BENCH-0001").exists():
        record = ServiceRecord.objects.filter(user__email__startswith="bench-").first()
        if record is not None:
            records = list(ServiceRecord.objects.filter(user_id=record.user_id))
            certificate = Certificate.objects.create(
                number="BENCH-0001",
                user_id=record.user_id,
                holder_name="压测志愿者",
                issuer="市北区社区",
                total_hours=sum((r.hours for r in records), Decimal("0")),
                first_date=min(r.served_on for r in records),
                last_date=max(r.served_on for r in records),
            )
            certificate.records.set(records)


def bench_urls():
    """Public pages: the busiest grid's page, an upcoming shift and a volunteer's (public)
    service record, i.e. the verification page of their certificate."""
    urls = [("volunteers index", "/volunteers/")]
    grid = Grid.objects.order_by("code").first()
    if grid is not None:
        urls.append(("grid page", f"/volunteers/grids/{grid.code}/"))
    shift = (
        Shift.objects.filter(starts_at__gt=timezone.now(), signups__isnull=False)
        .order_by("starts_at")
        .first()
    )
    if shift is not None:
        urls.append(("shift page", shift.get_absolute_url()))
    certificate = Certificate.objects.order_by("pk").first()
    if certificate is not None:
        urls.append(
            ("volunteer record (certificate verification)", certificate.get_verification_url())
        )
    return urls
