"""Demo data for the volunteers app: a leader for every grid, a few hundred roster members
across the district, patrols this week and project activities (some full, with a waitlist).
The demo leader (leader@example.cn) leads the first grid, where resident@example.cn lives.
Written with bulk_create; deterministic through ctx.rng."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from portal.models import Grid, User
from portal.permissions import GRID_LEADERS
from projects.models import ServiceProjectPage
from volunteers import services
from volunteers.models import RosterMembership, ServiceRecord, Shift, SignUp

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = [
    "建国",
    "秀兰",
    "海燕",
    "志强",
    "桂英",
    "明",
    "丽",
    "军",
    "红梅",
    "德福",
    "淑珍",
    "伟",
    "小燕",
    "立新",
    "玉兰",
    "国庆",
    "春生",
    "晓东",
    "凤英",
    "卫东",
]
SKILLS = [
    "急救",
    "摄影",
    "法律咨询",
    "心理疏导",
    "垃圾分类宣传",
    "维修",
    "书法",
    "理发",
    "助老陪伴",
    "电脑手机教学",
]
PLACES = ["小区东门集合", "网格服务站", "社区党群服务中心", "楼院中心花园", "沿街商铺一侧"]
PATROL_TITLES = [
    "徒步巡查：楼道堆物和消防通道",
    "徒步巡查：沿街环境卫生",
    "徒步巡查：老旧楼院安全隐患",
    "夜间巡查：路灯和井盖",
]
MEMBERS = 360


def _name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _leaders(ctx, grids, password) -> None:
    """Every grid gets a leader; the first grid's is the demo leader."""
    demo_leader = ctx.users.get("leader")
    missing = [g for g in grids if g.leader_id is None]
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=f"leader-{g.code.lower()}@example.cn",
                password=password,
                display_name=f"网格长 {_name(ctx.rng)}",
                home_grid=g,
                privacy_consent_version="2026-11",
                privacy_consent_at=now,
            )
            for g in missing
        ],
        batch_size=1000,
    )
    for grid, user in zip(missing, users, strict=True):
        grid.leader = user
    Grid.objects.bulk_update(missing, ["leader"], batch_size=1000)
    if demo_leader is not None and grids[0].leader_id != demo_leader.pk:
        grids[0].leader = demo_leader
        grids[0].save(update_fields=["leader"])
    RosterMembership.objects.bulk_create(
        [
            RosterMembership(
                user_id=g.leader_id,
                grid=g,
                role=RosterMembership.Role.LEADER,
                status=RosterMembership.Status.ACTIVE,
                decided_at=now,
            )
            for g in grids
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    Group.objects.get(name=GRID_LEADERS).user_set.add(*{g.leader_id for g in grids})


def _members(ctx, grids, password) -> dict[int, list[User]]:
    """A few hundred members across the district; the first grid gets a full team."""
    rng = ctx.rng
    now = timezone.now()
    first = grids[0]
    others = rng.sample(grids[1:], min(120, len(grids) - 1))
    homes = [first] * 14 + [others[n % len(others)] for n in range(MEMBERS - 14)]
    users = User.objects.bulk_create(
        [
            User(
                email=f"volunteer{n + 1}@example.cn",
                password=password,
                display_name=_name(rng),
                home_grid=grid,
                mobile=f"139{rng.randrange(10**8):08d}",
                mobile_consent_at=now,
                privacy_consent_version="2026-11",
                privacy_consent_at=now,
            )
            for n, grid in enumerate(homes)
        ],
        batch_size=1000,
    )
    memberships = []
    by_grid: dict[int, list[User]] = {}
    for n, (user, grid) in enumerate(zip(users, homes, strict=True)):
        applied = grid == first and n >= 12  # two applications waiting for the demo leader
        memberships.append(
            RosterMembership(
                user=user,
                grid=grid,
                role=RosterMembership.Role.PATROL
                if n % 3 == 0
                else RosterMembership.Role.VOLUNTEER,
                status=RosterMembership.Status.APPLIED
                if applied
                else RosterMembership.Status.ACTIVE,
                availability=rng.choice(["工作日晚上", "周末上午", "周末全天", "工作日白天"]),
                motivation="希望为邻里做点事。" if applied else "",
                created_at=now - timedelta(days=rng.randrange(1, 300)),
                decided_at=None if applied else now,
            )
        )
        if not applied:
            by_grid.setdefault(grid.pk, []).append(user)
    RosterMembership.objects.bulk_create(memberships, batch_size=1000)
    for membership in memberships[:40]:
        membership.skills.add(*rng.sample(SKILLS, 2))
    return by_grid


def _at(day, hour: int, minutes: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minutes)))


def _patrols(ctx, grids, by_grid) -> None:
    rng = ctx.rng
    today = timezone.localdate()
    now = timezone.now()
    first = grids[0]
    shifts = []
    # The first grid: one patrol going on now (check-in demo), one finished yesterday, and the
    # rest of the week, one of them full with a waitlist.
    local_now = timezone.localtime(now)
    start_now = local_now.replace(minute=0, second=0, microsecond=0) - timedelta(minutes=30)
    plan = [
        (start_now, 2, 6, "徒步巡查：楼道堆物和消防通道"),
        (_at(today - timedelta(days=1), 9), 2, 6, "徒步巡查：沿街环境卫生"),
    ] + [
        (
            _at(today + timedelta(days=d), rng.choice([9, 14, 19])),
            2,
            4 if d == 2 else 8,
            PATROL_TITLES[d % len(PATROL_TITLES)],
        )
        for d in range(1, 7)
    ]
    for start, hours, capacity, title in plan:
        shifts.append(
            Shift(
                grid=first,
                title=title,
                place=rng.choice(PLACES),
                starts_at=start,
                ends_at=start + timedelta(hours=hours),
                signup_deadline=start,
                capacity=capacity,
                members_only=True,
                created_by_id=first.leader_id,
            )
        )
    for grid in grids[1:]:
        if grid.pk not in by_grid and rng.random() > 0.25:
            continue
        day = today + timedelta(days=rng.randrange(0, 7))
        start = _at(day, rng.choice([9, 10, 14, 15, 19]))
        shifts.append(
            Shift(
                grid=grid,
                title=rng.choice(PATROL_TITLES),
                place=rng.choice(PLACES),
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                signup_deadline=start,
                capacity=rng.choice([4, 6, 8]),
                members_only=rng.random() < 0.7,
                created_by_id=grid.leader_id,
            )
        )
    shifts = Shift.objects.bulk_create(shifts, batch_size=1000)

    signups = []
    first_members = by_grid.get(first.pk, [])
    for shift in shifts:
        team = by_grid.get(shift.grid_id, [])
        if not team:
            continue
        if shift.grid_id == first.pk:
            wanted = len(team) if shift.capacity == 4 else rng.randrange(2, min(6, len(team)) + 1)
            people = team[:wanted] if shift.capacity == 4 else rng.sample(team, wanted)
        else:
            people = rng.sample(team, min(len(team), rng.randrange(0, shift.capacity + 2)))
        for position, user in enumerate(people):
            signups.append(
                SignUp(
                    shift=shift,
                    user=user,
                    queued_at=now - timedelta(minutes=500 - position),
                    status=SignUp.Status.CONFIRMED
                    if position < shift.capacity
                    else SignUp.Status.WAITLISTED,
                )
            )
    SignUp.objects.bulk_create(signups, batch_size=1000)

    # Yesterday's patrol in the first grid: attendance confirmed, hours credited.
    yesterday = shifts[1]
    attended = set(
        SignUp.objects.filter(shift=yesterday).values_list("pk", flat=True)[
            : max(len(first_members) - 1, 0)
        ]
    )
    leader = User.objects.get(pk=first.leader_id)
    services.shift_confirm_attendance(shift=yesterday, by=leader, attended=attended)
    # Older service for a longer record: a monthly patrol for the last year.
    history = []
    issuer = services.record_issuer(
        Shift.objects.select_related("grid__community__street").get(pk=yesterday.pk)
    )
    for user in first_members[:6]:
        for month in range(1, 13):
            history.append(
                ServiceRecord(
                    user=user,
                    item="徒步巡查",
                    served_on=today - timedelta(days=30 * month),
                    hours=Decimal("2.00"),
                    issuer=issuer,
                    grid=first,
                    credited_by=leader,
                )
            )
    ServiceRecord.objects.bulk_create(history)
    if first_members:
        services.certificate_issue(user=first_members[0])
    ctx.log(f"  patrols: {len(shifts)}, sign-ups: {len(signups)}")


def _activities(ctx, by_grid) -> None:
    projects = list(ServiceProjectPage.objects.live().order_by("pk")[:8])
    if not projects:
        return
    rng = ctx.rng
    today = timezone.localdate()
    now = timezone.now()
    volunteers = [u for team in by_grid.values() for u in team]
    shifts = []
    for n, project in enumerate(projects):
        for k in range(2):
            day = today + timedelta(days=1 + n % 5 + k * 7)
            start = _at(day, rng.choice([9, 14]))
            shifts.append(
                Shift(
                    project=project,
                    title=f"{project.title}（第{k + 1}场）",
                    place=rng.choice(PLACES),
                    starts_at=start,
                    ends_at=start + timedelta(hours=3),
                    # Sign-up closes at 18:00 the evening before, a time a person would set.
                    signup_deadline=_at(day - timedelta(days=1), 18),
                    capacity=5 if k == 0 else 12,
                    members_only=False,
                )
            )
    shifts = Shift.objects.bulk_create(shifts)
    signups = []
    for shift in shifts:
        people = rng.sample(volunteers, min(len(volunteers), 8 if shift.capacity == 5 else 4))
        for position, user in enumerate(people):
            signups.append(
                SignUp(
                    shift=shift,
                    user=user,
                    queued_at=now - timedelta(minutes=100 - position),
                    status=SignUp.Status.CONFIRMED
                    if position < shift.capacity
                    else SignUp.Status.WAITLISTED,
                )
            )
    SignUp.objects.bulk_create(signups, ignore_conflicts=True)
    ctx.log(f"  project activities: {len(shifts)}")


def load(ctx) -> None:
    grids = list(Grid.objects.order_by("code"))
    if not grids:
        return
    password = make_password(ctx.password)
    _leaders(ctx, grids, password)
    grids = list(Grid.objects.order_by("code"))
    by_grid = _members(ctx, grids, password)
    _patrols(ctx, grids, by_grid)
    _activities(ctx, by_grid)
    ctx.log(
        f"  volunteers: {RosterMembership.objects.count()} roster memberships, "
        f"{Shift.objects.count()} shifts"
    )
