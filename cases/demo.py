"""Demo content for the cases app: the eight categories with their departments and time
limits, and a few hundred cases in every state across the 19 streets, with their history
and the daily aggregates that the services would have written for them.

The cases are simulated rather than pushed through the services, because the services stamp
every step with the current time: the simulation walks each case through the same loop
(上报 → 受理 → 派遣 → 处置 → 办结 → 核查 → 结案 → 评价) at plausible past moments, in working
time, and counts each step in CaseDailyStat exactly as cases.services.stats.stat_add does.
bench_data.py uses the same simulation for a year at 3,000 cases a day.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.utils import timezone

from cases.models import (
    Case,
    CaseCategory,
    CaseDailyStat,
    CaseEvent,
    CaseFollower,
    CaseTimeLimit,
    Priority,
    Rating,
    Source,
    State,
)
from cases.models.calendar import handling_bucket_field
from cases.permissions import ROLE_LABELS
from cases.services.stats import rebuild_monthly_stats
from cases.working_time import WorkingCalendar, add_working_hours, working_minutes_between
from portal.models import Grid, User
from portal.selectors import current_privacy_version

DEMO_CASES = 360

# (name, code, department, description, response hours, handling hours, examples)
CATEGORIES = [
    (
        "环境卫生",
        "sanitation",
        "城管",
        "垃圾堆放、楼道杂物、卫生死角等。",
        7,
        21,
        [
            "小区门口垃圾桶满溢，周边垃圾堆放多日无人清理，气味很大。",
            "楼道内堆放旧家具和纸箱，影响通行，也有火灾隐患。",
            "老旧楼院后面有卫生死角，建筑垃圾一直没有清运。",
            "早市取缔后路边还有遗留的摊位杂物，请安排清理。",
            "公厕长时间无人打扫，地面积水，居民反映强烈。",
            "绿化带里有大量烟头和塑料袋，希望加强保洁。",
        ],
    ),
    (
        "占道经营",
        "street-vending",
        "城管",
        "马路市场、占路经营、露天烧烤等。",
        4,
        14,
        [
            "晚上有摊贩在路口占道经营，车辆和行人通行困难。",
            "市场周边露天烧烤又出现了，油烟很大，影响楼上住户。",
            "商铺把货物摆到人行道上，盲道被完全占用。",
            "早市摊位扩展到了机动车道，早高峰经常堵车。",
            "流动摊贩在学校门口聚集，放学时孩子过马路不安全。",
        ],
    ),
    (
        "房屋漏雨",
        "roof-leak",
        "住建",
        "屋面、外墙漏雨渗水等房屋维修问题。",
        7,
        35,
        [
            "顶楼住户家中漏雨，下雨时天花板滴水，墙皮大面积脱落。",
            "老旧楼院屋面防水层老化，连续几户反映漏雨，请安排漏雨房屋维修。",
            "外墙渗水，卧室墙面发霉，老人住在里面很不方便。",
            "楼道顶部漏雨，雨天楼梯湿滑，担心老人摔倒。",
            "平房屋顶瓦片破损，一下雨就漏，希望尽快修缮。",
        ],
    ),
    (
        "破损门窗",
        "broken-doors",
        "住建",
        "楼道门窗、单元门破损需要更换。",
        7,
        28,
        [
            "单元门门锁损坏关不上，晚上陌生人随意进出。",
            "楼道窗户玻璃破损，冬天冷风直灌，请安排破损门窗更换。",
            "楼道窗框腐朽松动，大风天有掉落危险。",
            "单元防盗门闭门器坏了，开关门声音很大。",
            "地下室门破损，经常有人在里面堆放杂物。",
        ],
    ),
    (
        "道路设施",
        "roads",
        "市政",
        "路面破损、井盖缺失、路灯不亮等。",
        2,
        14,
        [
            "路口井盖缺失，只用一块木板盖着，晚上很危险。",
            "小区门口路面塌陷，下雨天积水很深。",
            "这一段路灯已经不亮一个多星期了，晚上出行不安全。",
            "人行道地砖松动翘起，老人经过容易绊倒。",
            "道路标线模糊，路口经常有车辆逆行。",
        ],
    ),
    (
        "噪音扰民",
        "noise",
        "环保",
        "施工、商铺、娱乐场所噪音。",
        4,
        14,
        [
            "附近工地夜间施工到凌晨，严重影响休息。",
            "楼下商铺用大音箱招揽顾客，从早到晚不停。",
            "广场舞音响音量过大，晚上十点以后还在播放。",
            "空调外机噪音很大，整夜嗡嗡作响。",
        ],
    ),
    (
        "绿化",
        "greening",
        "园林",
        "树木修剪、绿地破坏、枯死树木等。",
        7,
        35,
        [
            "楼前大树枝叶遮挡窗户，低层住户白天也要开灯，请安排修剪。",
            "绿地被私自开垦种菜，希望恢复绿化。",
            "路边有枯死的行道树，大风天担心倒伏。",
            "小区绿化带缺苗断垄，黄土裸露，起风就扬尘。",
        ],
    ),
    (
        "其他",
        "other",
        "",
        "其他城市治理问题。",
        7,
        21,
        [
            "老旧楼院停车秩序混乱，消防通道经常被堵。",
            "楼院内飞线充电，电动车停放在楼道里。",
            "小区公共健身器材损坏，存在安全隐患。",
            "楼道照明灯坏了很久，晚上上下楼摸黑。",
        ],
    ),
]

RESULTS = {
    "sanitation": "已安排环卫人员清运垃圾并对周边进行冲洗，纳入日常保洁巡查。",
    "street-vending": "已联合市场监管开展整治，引导摊贩进入规范经营点，将持续巡查。",
    "roof-leak": "已对屋面进行防水修缮，雨后回访住户确认不再渗漏。",
    "broken-doors": "已更换破损门窗和门锁，经居民确认可以正常使用。",
    "roads": "已完成维修并设置警示标志，路面恢复通行。",
    "noise": "已约谈相关单位并责令整改，夜间施工已停止。",
    "greening": "已安排园林养护人员完成修剪和补植。",
    "other": "已协调物业和社区完成整改，纳入网格日常巡查。",
}
REJECT_REASONS = ["不属于城市治理范围，已告知相关渠道。", "问题描述不清且无法联系核实。"]


@dataclass
class Simulation:
    """Rows made by simulating cases; `stats` holds CaseDailyStat deltas keyed by
    (date, community id, category id)."""

    cases: list = field(default_factory=list)
    events: list = field(default_factory=list)
    stats: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    street_of: dict = field(default_factory=dict)

    def stat(self, case: Case, **deltas: int) -> None:
        if deltas.get("handled") and "handling_minutes" in deltas:
            deltas[handling_bucket_field(deltas["handling_minutes"])] = deltas["handled"]
        key = (timezone.localdate(case.created_at), case.community_id, case.category_id)
        self.street_of[key] = case.street_id
        row = self.stats[key]
        for name, amount in deltas.items():
            row[name] += amount


def ensure_categories() -> list[CaseCategory]:
    """The demo categories, their handling departments (Wagtail groups with admin access)
    and time limits; existing ones are kept."""
    access_admin = Permission.objects.get(codename="access_admin")
    categories = []
    for order, (name, code, department, description, response, handling, _examples) in enumerate(
        CATEGORIES
    ):
        group = None
        if department:
            group, _created = Group.objects.get_or_create(name=department)
            group.permissions.add(access_admin)
        category, created = CaseCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "department": group,
                "sort_order": (order + 1) * 10,
            },
        )
        if created:
            CaseTimeLimit.objects.create(
                category=category,
                priority=Priority.NORMAL,
                response_hours=response,
                handling_hours=handling,
            )
            CaseTimeLimit.objects.create(
                category=category,
                priority=Priority.URGENT,
                response_hours=max(1, response // 3),
                handling_hours=max(2, handling // 3),
            )
        categories.append(category)
    return categories


def _examples() -> dict[str, list[str]]:
    return {code: examples for _n, code, _d, _s, _r, _h, examples in CATEGORIES}


def _event(case, action, moment, before, after, *, role="", note="", public=True, actor=None):
    return CaseEvent(
        case=case,
        action=action,
        from_state=before,
        to_state=after,
        actor=actor,
        actor_role=str(ROLE_LABELS[role]) if role else "",
        note=note,
        is_public=public,
        created_at=moment,
    )


def simulate_case(
    sim: Simulation,
    *,
    rng: random.Random,
    number: str,
    category: CaseCategory,
    limits: dict,
    grid: Grid,
    reporter: User | None = None,
    reporter_id: int | None = None,
    created_at: datetime,
    now: datetime,
    calendar: WorkingCalendar,
    examples: dict,
    target_state: str | None = None,
) -> Case:
    """One case walked through the loop up to a state that fits its age (or `target_state`),
    with its history rows and its contribution to the daily aggregate."""
    if reporter is not None:
        reporter_id = reporter.pk
    priority = Priority.URGENT if rng.random() < 0.08 else Priority.NORMAL
    response_hours, handling_hours = limits[(category.pk, priority)]
    response_due = add_working_hours(created_at, response_hours, calendar)
    handling_due = add_working_hours(created_at, handling_hours, calendar)
    text = rng.choice(examples[category.code])
    case = Case(
        number=number,
        category=category,
        priority=priority,
        source=Source.PATROL if reporter_id is None else Source.RESIDENT,
        description=text,
        grid=grid,
        community_id=grid.community_id,
        street_id=grid.community.street_id,
        address="",
        reporter_id=reporter_id,
        contact_allowed=reporter_id is not None and rng.random() < 0.6,
        state=State.SUBMITTED,
        response_due_at=response_due,
        handling_due_at=handling_due,
        created_at=created_at,
    )
    events = [
        _event(
            case,
            "report",
            created_at,
            "",
            State.SUBMITTED,
            role="reporter" if reporter_id else "grid_leader",
        )
    ]
    sim.stat(case, reported=1)

    def done():
        case.is_overdue = (case.state == State.SUBMITTED and now > case.response_due_at) or (
            case.state in (State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS, State.REWORK)
            and not case.postponed
            and now > case.handling_due_at
        )
        sim.cases.append(case)
        sim.events.extend(events)
        return case

    stop = target_state
    # 受理 (or not) after a share of the response limit; 5 % late, 3 % rejected.
    late = rng.random() < 0.05
    accept_at = add_working_hours(
        created_at,
        response_hours * (rng.uniform(1.05, 2.0) if late else rng.uniform(0.05, 0.9)),
        calendar,
    )
    if stop == State.SUBMITTED or accept_at > now:
        return done()
    if stop == State.REJECTED or (stop is None and rng.random() < 0.03):
        case.state = State.REJECTED
        case.reject_reason = rng.choice(REJECT_REASONS)
        events.append(
            _event(
                case,
                "reject",
                accept_at,
                State.SUBMITTED,
                State.REJECTED,
                role="community_staff",
                note=case.reject_reason,
            )
        )
        return done()
    case.state = State.ACCEPTED
    case.accepted_at = accept_at
    events.append(
        _event(case, "accept", accept_at, State.SUBMITTED, State.ACCEPTED, role="community_staff")
    )
    sim.stat(case, accepted=1, accepted_in_time=int(accept_at <= response_due), due=1)
    if stop == State.ACCEPTED:
        return done()

    dispatch_at = accept_at + timedelta(minutes=rng.randint(5, 90))
    if dispatch_at > now:
        return done()
    department = category.department
    case.state = State.DISPATCHED
    case.assigned_department = department
    case.dispatched_at = dispatch_at
    events.append(
        _event(
            case,
            "dispatch",
            dispatch_at,
            State.ACCEPTED,
            State.DISPATCHED,
            role="community_staff",
            note=f"派遣至：{department.name if department else '社区网格员'}",
        )
    )
    if stop == State.DISPATCHED:
        return done()
    start_at = dispatch_at + timedelta(minutes=rng.randint(10, 240))
    if start_at > now:
        return done()
    case.state = State.IN_PROGRESS
    events.append(
        _event(case, "start", start_at, State.DISPATCHED, State.IN_PROGRESS, role="handler")
    )
    if stop == State.IN_PROGRESS:
        return done()
    # 办结: 93 % within the handling limit, like the district's "over 90 % in time".
    late = rng.random() < 0.07
    handle_at = add_working_hours(
        created_at,
        handling_hours * (rng.uniform(1.05, 1.8) if late else rng.uniform(0.15, 0.98)),
        calendar,
    )
    handle_at = max(handle_at, start_at + timedelta(minutes=30))
    if handle_at > now:
        return done()
    case.state = State.HANDLED
    case.result = RESULTS.get(category.code, RESULTS["other"])
    case.handled_at = case.first_handled_at = handle_at
    events.append(
        _event(
            case,
            "handle",
            handle_at,
            State.IN_PROGRESS,
            State.HANDLED,
            role="handler",
            note=case.result,
        )
    )
    sim.stat(
        case,
        handled=1,
        handled_in_time=int(handle_at <= handling_due),
        handling_minutes=working_minutes_between(created_at, handle_at, calendar),
    )
    if stop == State.HANDLED:
        return done()
    verify_at = handle_at + timedelta(hours=rng.randint(2, 30))
    if verify_at > now:
        return done()
    if stop == State.VERIFIED:
        case.state = State.VERIFIED
        events.append(
            _event(case, "verify", verify_at, State.HANDLED, State.VERIFIED, role="grid_leader")
        )
        return done()
    if stop == State.REWORK:
        case.state = State.REWORK
        events.append(
            _event(
                case,
                "verify",
                verify_at,
                State.HANDLED,
                State.REWORK,
                role="grid_leader",
                note="现场核查发现问题未彻底解决，请返工。",
            )
        )
        return done()
    case.state = State.CLOSED
    case.closed_at = verify_at
    events.append(
        _event(case, "verify", verify_at, State.HANDLED, State.CLOSED, role="grid_leader")
    )
    if reporter_id is None:
        return done()
    rate_at = verify_at + timedelta(hours=rng.randint(1, 72))
    if rate_at > now or rng.random() < 0.3:
        return done()
    roll = rng.random()
    rating = (
        Rating.SATISFIED
        if roll < 0.8
        else Rating.BASICALLY_SATISFIED
        if roll < 0.93
        else Rating.DISSATISFIED
    )
    case.rating = rating
    case.rated_at = rate_at
    sim.stat(case, rated=1, satisfied=int(rating != Rating.DISSATISFIED))
    if rating == Rating.DISSATISFIED:
        case.state = State.REWORK
        case.reopened_count = 1
        case.closed_at = None
        case.handling_due_at = add_working_hours(rate_at, handling_hours, calendar)
        events.append(
            _event(
                case,
                "rate",
                rate_at,
                State.CLOSED,
                State.REWORK,
                role="reporter",
                note=str(Rating(rating).label),
            )
        )
    else:
        events.append(
            _event(
                case,
                "rate",
                rate_at,
                State.CLOSED,
                State.CLOSED,
                role="reporter",
                note=str(Rating(rating).label),
            )
        )
    return done()


def category_limits(categories) -> dict:
    limits = {}
    for category in categories:
        for priority in Priority.values:
            limits[(category.pk, priority)] = category.limits_for(priority)
    return limits


def save_stats(sim: Simulation, *, rollup: bool = True) -> None:
    """Add the simulated deltas to CaseDailyStat (rows created or added to) and, unless
    `rollup` is False (a caller writing many batches rebuilds it once at the end), rebuild
    the monthly roll-up."""
    existing = {
        (row.date, row.community_id, row.category_id): row
        for row in CaseDailyStat.objects.filter(date__in={key[0] for key in sim.stats})
    }
    new, changed = [], []
    for key, deltas in sim.stats.items():
        row = existing.get(key)
        if row is None:
            new.append(
                CaseDailyStat(
                    date=key[0],
                    community_id=key[1],
                    category_id=key[2],
                    street_id=sim.street_of[key],
                    **deltas,
                )
            )
            continue
        for name, amount in deltas.items():
            setattr(row, name, getattr(row, name) + amount)
        changed.append(row)
    CaseDailyStat.objects.bulk_create(new, batch_size=2000)
    if changed:
        fields = sorted({name for deltas in sim.stats.values() for name in deltas})
        CaseDailyStat.objects.bulk_update(changed, fields, batch_size=2000)
    if rollup:
        rebuild_monthly_stats()


def save_simulation(sim: Simulation, *, rollup: bool = True) -> None:
    """Insert the simulated cases and their history (ids set by the insert)."""
    Case.objects.bulk_create(sim.cases, batch_size=2000)
    if connection.vendor != "postgresql" or any(case.pk is None for case in sim.cases):
        # Only PostgreSQL returns the new ids from a bulk insert; elsewhere read them back.
        ids = dict(
            Case.objects.filter(number__in=[case.number for case in sim.cases]).values_list(
                "number", "pk"
            )
        )
        for case in sim.cases:
            case.pk = ids[case.number]
    for event in sim.events:
        event.case_id = event.case.pk
    CaseEvent.objects.bulk_create(sim.events, batch_size=5000)
    save_stats(sim, rollup=rollup)


# The open states the demo spreads its recent cases over.
OPEN_TARGETS = [
    State.SUBMITTED,
    State.ACCEPTED,
    State.DISPATCHED,
    State.IN_PROGRESS,
    State.HANDLED,
    State.VERIFIED,
    State.REWORK,
]
# The demo staff member's community and the demo leader's grid get this work in hand, so
# 我的待办 and 待核查 show something: (state, hours until the running deadline).
WORKLOAD = [
    (State.SUBMITTED, 1.5),  # due soon: to accept within the warning window
    (State.SUBMITTED, 20),
    (State.ACCEPTED, 30),
    (State.ACCEPTED, 2),  # due soon
    (State.DISPATCHED, 45),
    (State.DISPATCHED, 60),
    (State.IN_PROGRESS, -5),  # overdue
    (State.IN_PROGRESS, 26),
    (State.HANDLED, 40),
    (State.HANDLED, 50),
    (State.VERIFIED, 70),
    (State.REWORK, 14),
]


def _workload(ctx, sim, *, rng, categories, limits, now, calendar) -> None:
    """A dozen open cases in the demo leader's grid (in the demo staff member's community,
    华阳路社区), in every open state, two due soon and one overdue."""
    leader = ctx.users.get("leader")
    grid = (
        Grid.objects.select_related("community").filter(leader=leader).order_by("pk").first()
        if leader is not None
        else None
    )
    if grid is None:
        return
    examples = _examples()
    resident = ctx.users.get("resident")
    for n, (state, due_in_hours) in enumerate(WORKLOAD):
        created_at = now - timedelta(days=0.2 if state == State.SUBMITTED else 4 + n % 3)
        case = simulate_case(
            sim,
            rng=rng,
            number=f"SB{timezone.localtime(created_at):%Y%m%d}-W{n + 1:04d}",
            category=categories[n % len(categories)],
            limits=limits,
            grid=grid,
            reporter=resident if resident is not None and n % 4 == 0 else None,
            created_at=created_at,
            now=now,
            calendar=calendar,
            examples=examples,
            target_state=state,
        )
        # The deadline that runs in this state, set so the inbox shows due-soon and overdue.
        due = now + timedelta(hours=due_in_hours)
        if case.state == State.SUBMITTED:
            case.response_due_at = due
        else:
            case.handling_due_at = due
        case.is_overdue = due < now and case.state not in (State.HANDLED, State.VERIFIED)


# The demo's handling department login: a member of 城管, who handles what is dispatched there.
DEMO_HANDLER = ("handler@example.cn", "城管执法 赵强", "城管")
DEMO_LOGINS = [("城管处置人员 department handler", DEMO_HANDLER[0])]


def _handler(ctx) -> None:
    email, display_name, department = DEMO_HANDLER
    handler = User.objects.create_user(
        email=email,
        password=ctx.password,
        display_name=display_name,
        is_staff=True,
        privacy_consent_version=current_privacy_version(),
        privacy_consent_at=timezone.now(),
    )
    handler.groups.add(Group.objects.get(name=department))
    ctx.users["handler"] = handler


def load(ctx) -> None:
    categories = ensure_categories()
    _handler(ctx)
    calendar = WorkingCalendar()
    limits = category_limits(categories)
    examples = _examples()
    rng = random.Random(ctx.seed + 12)
    grids = list(Grid.objects.select_related("community").order_by("pk"))
    if not grids:
        return
    # One grid per street first, so every street has cases, then grids at random.
    by_street = defaultdict(list)
    for grid in grids:
        by_street[grid.community.street_id].append(grid)
    residents = list(User.objects.filter(is_active=True, is_staff=False).order_by("pk")[:200])
    resident = ctx.users.get("resident")
    now = timezone.now()
    sim = Simulation()
    states = [
        State.SUBMITTED,
        State.ACCEPTED,
        State.REJECTED,
        State.DISPATCHED,
        State.IN_PROGRESS,
        State.HANDLED,
        State.VERIFIED,
        State.REWORK,
        State.CLOSED,
    ]
    streets = list(by_street.values())
    for n in range(DEMO_CASES):
        grid = rng.choice(streets[n % len(streets)])
        # The first cases cover every state; then two in five are still being worked on,
        # recent ones; the rest follow their age (mostly closed).
        if n < len(states) * 3:
            target = states[n % len(states)]
        elif n % 5 < 2:
            target = OPEN_TARGETS[(n // 5) % len(OPEN_TARGETS)]
        else:
            target = None
        if target == State.SUBMITTED:
            age_days = rng.uniform(0.1, 3)
        elif target in OPEN_TARGETS:
            age_days = rng.uniform(0.5, 12)
        else:
            age_days = rng.uniform(0.2, 90)
        created_at = now - timedelta(days=age_days)
        if target == State.SUBMITTED:
            created_at = now - timedelta(hours=rng.uniform(0.5, 5))
        reporter = rng.choice(residents) if residents and rng.random() < 0.8 else None
        if resident is not None and n % 40 == 0:
            reporter = resident
        category = categories[rng.randrange(len(categories))]
        simulate_case(
            sim,
            rng=rng,
            number=f"SB{timezone.localtime(created_at):%Y%m%d}-D{n + 1:05d}",
            category=category,
            limits=limits,
            grid=grid,
            reporter=reporter,
            created_at=created_at,
            now=now,
            calendar=calendar,
            examples=examples,
            target_state=target if target != State.CLOSED else None,
        )
    _workload(ctx, sim, rng=rng, categories=categories, limits=limits, now=now, calendar=calendar)
    save_simulation(sim)
    if resident is not None:
        followed = [case for case in sim.cases if case.reporter_id != resident.pk and case.is_open]
        CaseFollower.objects.bulk_create(
            [CaseFollower(case=case, user=resident) for case in followed[:3]],
            ignore_conflicts=True,
        )
    ctx.log(f"  cases: {len(sim.cases)} with {len(sim.events)} history rows")
