"""志愿服务 — volunteers: the grids of my community and my roster memberships (apply, leave),
shifts with filters and places left, signing up (with Idempotency-Key), cancelling, my
sign-ups, checking in with the leader's code, my hours and certificates, and the calendar
(.ics) links.

Every write is a volunteers service (`volunteers.services`), every read a selector; the site's
forms check the input where the site has one (ApplyForm, CheckInForm)."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from api.auth import AUTH, optional_user
from api.http import idempotent, json_response, shared_list
from api.pagination import PageParams, page_of, paginate
from api.params import MAX_ID, IdempotencyKeyHeader, ObjectId
from api.problems import problem_response
from portal import page_cache
from portal.models import Grid
from portal.page_cache import CLOCK_TTL
from volunteers import calendar, selectors, services
from volunteers.forms import ApplyForm, CheckInForm
from volunteers.models import Certificate, RosterMembership, Shift, SignUp
from volunteers.permissions import can_manage_shift

router = Router(tags=["志愿服务"])

OPEN_SIGNUP = (SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED)
IN_CALENDAR = (SignUp.Status.CONFIRMED, SignUp.Status.ATTENDED)


# --- Grids and memberships -------------------------------------------------------------------


class VolunteerPlaceOut(Schema):
    id: int
    name: str


class GridOut(Schema):
    id: int
    code: str
    name: str
    community: VolunteerPlaceOut
    street: VolunteerPlaceOut
    leader_name: str | None = Field(None, description="网格长的称呼（不含联系方式）")
    member_count: int
    patrols_this_month: int
    hours_this_year: float
    is_home: bool = Field(..., description="是否是我的所在网格")
    my_membership: MembershipStatusOut | None


class MembershipStatusOut(Schema):
    id: int
    role: str = Field(..., description="volunteer 志愿者，patrol 巡治员，leader 网格长")
    status: str = Field(
        ..., description="applied 待审核，active 在册，declined 未通过，left 已退出"
    )


GridOut.model_rebuild()


class GridParams(Schema):
    community: int | None = Field(
        None, ge=1, le=MAX_ID, description="社区；不传则为我所在网格的社区"
    )


def _place(obj) -> dict:
    return {"id": obj.pk, "name": obj.name}


def _membership_status(membership: RosterMembership | None) -> dict | None:
    if membership is None:
        return None
    return {"id": membership.pk, "role": membership.role, "status": membership.status}


@router.get("/grids", response=list[GridOut], summary="我附近的网格（同一社区）")
def volunteer_grids(request, params: Query[GridParams]):
    """The grids of my home grid's community (or of the community asked for), with their
    roster size, patrols this month and hours this year, and my membership in each."""
    user = optional_user(request)
    home_grid_id = getattr(user, "home_grid_id", None)
    community_id = params.community
    if community_id is None and home_grid_id:
        community_id = (
            Grid.objects.filter(pk=home_grid_id).values_list("community_id", flat=True).first()
        )
    if community_id is None:
        return []
    grids = list(
        selectors.grid_numbers(grids=Grid.objects.filter(community_id=community_id)).order_by(
            "code"
        )[:200]
    )
    mine = {}
    if user.is_authenticated and grids:
        for membership in RosterMembership.objects.filter(
            user=user, grid_id__in=[g.pk for g in grids]
        ).order_by("created_at", "pk"):
            mine[membership.grid_id] = membership
    return [
        {
            "id": grid.pk,
            "code": grid.code,
            "name": grid.name,
            "community": _place(grid.community),
            "street": _place(grid.community.street),
            "leader_name": grid.leader.get_display_name() if grid.leader_id else None,
            "member_count": grid.member_count,
            "patrols_this_month": grid.patrols_this_month,
            "hours_this_year": float(grid.hours_this_year),
            "is_home": grid.pk == home_grid_id,
            "my_membership": _membership_status(mine.get(grid.pk)),
        }
        for grid in grids
    ]


class MembershipOut(MembershipStatusOut):
    grid: VolunteerPlaceOut
    community: VolunteerPlaceOut
    street: VolunteerPlaceOut
    decision_reason: str = Field(..., description="未通过的原因（网格长填写）")
    created_at: datetime.datetime


def _membership(membership: RosterMembership) -> dict:
    grid = membership.grid
    return {
        **_membership_status(membership),
        "grid": _place(grid),
        "community": _place(grid.community),
        "street": _place(grid.community.street),
        "decision_reason": membership.decision_reason,
        "created_at": membership.created_at,
    }


@router.get(
    "/memberships", response=list[MembershipOut], auth=AUTH, summary="我的网格名册申请与成员身份"
)
def volunteer_memberships(request):
    return [_membership(m) for m in selectors.user_memberships(user=request.user)]


class ApplyIn(Schema):
    grid_id: int = Field(..., ge=1, le=MAX_ID)
    role: str = Field("volunteer", max_length=20, description="volunteer 志愿者或 patrol 巡治员")
    skills: str = Field("", max_length=200, description="特长，用逗号分隔")
    availability: str = Field("", max_length=200)
    motivation: str = Field("", max_length=500)


@router.post("/memberships", response={201: MembershipOut}, auth=AUTH, summary="申请加入网格名册")
def volunteer_apply(request, payload: ApplyIn):
    """The site's application form checks the input; the service holds the rules (one open
    application or membership per grid)."""
    grid = Grid.objects.select_related("community__street").filter(pk=payload.grid_id).first()
    data = {
        "grid": str(payload.grid_id),
        "role": payload.role,
        "skills": payload.skills,
        "availability": payload.availability,
        "motivation": payload.motivation,
    }
    if grid is not None:
        data["community"] = str(grid.community_id)
        data["street"] = str(grid.community.street_id)
    form = ApplyForm(data)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    membership = services.membership_apply(
        user=request.user,
        grid=form.cleaned_data["grid"],
        role=form.cleaned_data["role"],
        skills=form.skill_list(),
        availability=form.cleaned_data["availability"],
        motivation=form.cleaned_data["motivation"],
    )
    membership.grid = grid
    return Status(201, _membership(membership))


@router.post(
    "/memberships/{membership_id}/leave",
    response=MembershipOut,
    auth=AUTH,
    summary="退出网格名册",
)
def volunteer_leave(request, membership_id: ObjectId):
    """As on the site: the member leaves (or the grid's managers remove them); future sign-ups
    for the grid's members-only shifts are cancelled."""
    membership = get_object_or_404(
        RosterMembership.objects.select_related("grid__community__street"), pk=membership_id
    )
    services.membership_leave(membership=membership, by=request.user)
    membership.refresh_from_db(fields=["status"])
    return _membership(membership)


# --- Shifts ------------------------------------------------------------------------------------


class ProjectRefOut(Schema):
    id: int
    title: str


class ShiftOut(Schema):
    id: int
    kind: Literal["patrol", "activity"] = Field(
        ..., description="patrol 网格巡查，activity 项目活动"
    )
    title: str
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    signup_deadline: datetime.datetime
    capacity: int
    confirmed_count: int
    waitlist_count: int
    places_left: int = Field(..., description="剩余名额（名额已满时为 0，可报名候补）")
    members_only: bool = Field(..., description="仅限本网格名册成员报名")
    signup_open: bool = Field(..., description="报名是否仍开放（未过截止时间、未开始）")
    grid: VolunteerPlaceOut | None
    community: VolunteerPlaceOut | None
    project: ProjectRefOut | None


def _shift(shift: Shift, now) -> dict:
    grid = shift.grid if shift.grid_id else None
    return {
        "id": shift.pk,
        "kind": "patrol" if shift.grid_id else "activity",
        "title": shift.title,
        "place": shift.place,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "signup_deadline": shift.signup_deadline,
        "capacity": shift.capacity,
        "confirmed_count": shift.confirmed_count,
        "waitlist_count": shift.waitlist_count,
        "places_left": shift.places_left,
        "members_only": shift.members_only and grid is not None,
        "signup_open": shift.signup_open(now),
        "grid": _place(grid) if grid else None,
        "community": _place(grid.community) if grid else None,
        "project": {"id": shift.project_id, "title": shift.project.title}
        if shift.project_id
        else None,
    }


class ShiftParams(Schema):
    grid: int | None = Field(None, ge=1, le=MAX_ID, description="网格")
    project: int | None = Field(None, ge=1, le=MAX_ID, description="服务项目")
    date: datetime.date | None = Field(
        None,
        ge=datetime.date(2000, 1, 1),
        le=datetime.date(2999, 12, 31),
        description="开始日期（北京时间），如 2026-12-05",
    )
    open_only: bool = Field(False, description="只列出仍可报名的班次")


@router.get("/shifts", response={200: page_of(ShiftOut), 304: None}, summary="班次列表")
def volunteer_shifts(request, page: Query[PageParams], filters: Query[ShiftParams]):
    """Patrols and project activities that have not ended (or those starting on `date`),
    soonest first, with confirmed and waitlisted counts and places left."""
    page_cache.depends_on(request, "volunteers", ttl=CLOCK_TTL)
    return shared_list(
        request,
        page_of(ShiftOut),
        lambda: _shift_page(page, filters),
        tags=["volunteers"],
        ttl=CLOCK_TTL,
    )


def _shift_page(page: PageParams, filters: ShiftParams) -> dict:
    now = timezone.now()
    shifts = Shift.objects.all()
    if filters.grid is not None:
        shifts = shifts.filter(grid_id=filters.grid)
    if filters.project is not None:
        shifts = shifts.filter(project_id=filters.project)
    if filters.date is not None:
        start = timezone.make_aware(datetime.datetime.combine(filters.date, datetime.time.min))
        shifts = shifts.filter(
            starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1)
        )
    else:
        shifts = shifts.filter(ends_at__gt=now)
    if filters.open_only:
        shifts = shifts.open_for_signup(now)
    queryset = (
        shifts.with_places()
        .select_related("grid__community", "project")
        .order_by("starts_at", "pk")
    )
    result = paginate(queryset, page, count=shifts.count())
    result["items"] = [_shift(s, now) for s in result["items"]]
    return result


class MySignUpOut(Schema):
    id: int
    status: str = Field(
        ...,
        description="confirmed 已确认，waitlisted 候补，cancelled 已取消，attended 已出勤，"
        "absent 缺席",
    )
    position: int | None = Field(None, description="候补顺位（1 为下一位）")
    checked_in_at: datetime.datetime | None
    created_at: datetime.datetime
    ics_url: str | None = Field(None, description="这个班次的日历文件（.ics，需登录）")


class ShiftDetailMeOut(Schema):
    signup: MySignUpOut | None
    is_member: bool | None = Field(
        None, description="仅限名册成员的班次：我是否在这个网格的名册中（未登录为 null）"
    )
    can_manage: bool


class ShiftDetailOut(ShiftOut):
    description: str
    duration_hours: float
    checkin_open: bool = Field(..., description="现在是否可以签到（开始前 30 分钟至结束）")
    me: ShiftDetailMeOut


def _signup(signup: SignUp) -> dict:
    return {
        "id": signup.pk,
        "status": signup.status,
        "position": getattr(signup, "position", None)
        if signup.status == SignUp.Status.WAITLISTED
        else None,
        "checked_in_at": signup.checked_in_at,
        "created_at": signup.created_at,
        "ics_url": reverse("api:volunteer_signup_ics", args=[signup.pk])
        if signup.status in IN_CALENDAR
        else None,
    }


def _shift_or_404(shift_id: int) -> Shift:
    shift = selectors.shift_for_page(pk=shift_id)
    if shift is None:
        raise Http404
    return shift


@router.get("/shifts/{shift_id}", response=ShiftDetailOut, summary="班次详情与剩余名额")
def volunteer_shift_detail(request, shift_id: ObjectId):
    user = optional_user(request)
    shift = _shift_or_404(shift_id)
    now = timezone.now()
    signup = selectors.user_signup(shift=shift, user=user)
    is_member = None
    if shift.members_only and shift.grid_id and user.is_authenticated:
        is_member = selectors.is_active_member(user=user, grid=shift.grid)
    return {
        **_shift(shift, now),
        "description": shift.description,
        "duration_hours": float(shift.duration_hours),
        "checkin_open": shift.checkin_open(now),
        "me": {
            "signup": _signup(signup) if signup is not None else None,
            "is_member": is_member,
            "can_manage": can_manage_shift(user, shift),
        },
    }


class SignUpOut(MySignUpOut):
    shift: ShiftOut


def _signup_with_shift(signup: SignUp, now) -> dict:
    shift = _shift_or_404(signup.shift_id)
    return {**_signup(signup), "shift": _shift(shift, now)}


@router.post(
    "/shifts/{shift_id}/signups",
    response={201: SignUpOut},
    auth=AUTH,
    summary="报名（名额满时进入候补）",
)
def volunteer_sign_up(request, shift_id: ObjectId, idempotency_key: IdempotencyKeyHeader = None):
    """Confirmed while places remain, otherwise on the waitlist in order (the service locks
    the shift). With an Idempotency-Key, a retry returns the first answer instead of
    "您已经报名了这个班次"."""

    def produce():
        # The service reads and locks the shift itself (no shift: a 404, and the key's row
        # rolls back with it); its answer carries the locked shift with its counts and the
        # waitlist position: nothing is read again.
        try:
            signup = services.shift_sign_up(shift=Shift(pk=shift_id), user=request.user)
        except Shift.DoesNotExist:
            raise Http404 from None
        body = {**_signup(signup), "shift": _shift(signup.shift, timezone.now())}
        return json_response(SignUpOut, body, status=201)

    # A sign-up is rows in this database only: the key's row goes in after it, with the
    # answer (one statement), and a duplicate rolls back whole (api.http.idempotent).
    return idempotent(
        request,
        key=idempotency_key,
        endpoint=f"volunteers:{shift_id}:signup",
        produce=produce,
        claim_first=False,
    )


class MySignUpsOut(Schema):
    upcoming: list[SignUpOut]
    waitlisted: list[SignUpOut]
    past: list[SignUpOut]


@router.get("/signups", response=MySignUpsOut, auth=AUTH, summary="我的报名")
def volunteer_my_signups(request):
    """Upcoming confirmed places, the waitlist (with my position) and the past year."""
    now = timezone.now()
    groups = selectors.user_shifts(user=request.user)
    shift_ids = {s.shift_id for rows in groups.values() for s in rows}
    shifts = {
        s.pk: s
        for s in Shift.objects.filter(pk__in=shift_ids)
        .with_places()
        .select_related("grid__community", "project")
    }
    return {
        name: [{**_signup(s), "shift": _shift(shifts[s.shift_id], now)} for s in rows]
        for name, rows in groups.items()
    }


@router.post("/signups/{signup_id}/cancel", response=SignUpOut, auth=AUTH, summary="取消报名")
def volunteer_cancel(request, signup_id: ObjectId):
    """The person (or the shift's managers) cancels; a freed place goes to the waitlist."""
    signup = get_object_or_404(SignUp, pk=signup_id)
    signup = services.shift_cancel(signup=signup, by=request.user)
    return _signup_with_shift(signup, timezone.now())


# Keyed by the number, as ninja keys `response={200: None}`: a "200" string key was a second
# "200" in the served JSON, which Swagger UI at /api/v1/docs refused to render.
CALENDAR_RESPONSE = {
    200: {
        "description": "iCalendar 文件",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/signups/{signup_id}/calendar.ics",
    response={200: None},
    auth=AUTH,
    summary="班次的日历文件（.ics）",
    openapi_extra={"responses": CALENDAR_RESPONSE},
)
def volunteer_signup_ics(request, signup_id: ObjectId):
    """Only a confirmed (or attended) place of my own, as on the site."""
    signup = get_object_or_404(
        SignUp.objects.select_related("shift"),
        pk=signup_id,
        user=request.user,
        status__in=IN_CALENDAR,
    )
    body = calendar.calendar_for([signup], name=signup.shift.title, request=request)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="shift-{signup.shift_id}.ics"'
    return response


class CheckInIn(Schema):
    code: str = Field(..., max_length=12, description="网格长在现场出示的签到码")


@router.post("/shifts/{shift_id}/check-in", response=SignUpOut, auth=AUTH, summary="用签到码签到")
def volunteer_check_in(request, shift_id: ObjectId, payload: CheckInIn):
    shift = _shift_or_404(shift_id)
    form = CheckInForm({"code": payload.code})
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    try:
        signup = services.shift_check_in(
            shift=shift, user=request.user, code=form.cleaned_data["code"]
        )
    except ValidationError as error:
        raise ValidationError({"code": error.messages}) from error
    return {**_signup(signup), "shift": _shift(shift, timezone.now())}


# --- Hours, certificates, calendar feed ------------------------------------------------------


class YearOut(Schema):
    year: int
    hours: float
    shifts: int


class RecordOut(Schema):
    id: int
    item: str
    served_on: datetime.date
    hours: float
    issuer: str
    adjustment_reason: str


class HoursOut(Schema):
    total_hours: float
    years: list[YearOut]
    records: list[RecordOut] = Field(..., description="最近的服务记录（按 limit/offset）")
    record_count: int


@router.get("/me/hours", response=HoursOut, auth=AUTH, summary="我的服务时长")
def volunteer_my_hours(request, page: Query[PageParams]):
    totals = selectors.user_year_totals(user=request.user)
    records = selectors.user_records(user=request.user)
    return {
        "total_hours": float(sum((t["hours"] for t in totals), 0)),
        "years": [
            {"year": t["year"], "hours": float(t["hours"]), "shifts": t["shifts"]} for t in totals
        ],
        "records": [
            {
                "id": r.pk,
                "item": r.item,
                "served_on": r.served_on,
                "hours": float(r.hours),
                "issuer": r.issuer,
                "adjustment_reason": r.adjustment_reason,
            }
            for r in records[page.offset : page.offset + page.limit]
        ],
        "record_count": len(records),
    }


class CertificateOut(Schema):
    number: str
    holder_name: str
    issuer: str
    total_hours: float
    first_date: datetime.date
    last_date: datetime.date
    issued_at: datetime.datetime
    verify_url: str = Field(..., description="核验地址（印在证明上，任何人可查）")


def _certificate(request, certificate: Certificate) -> dict:
    return {
        "number": certificate.number,
        "holder_name": certificate.holder_name,
        "issuer": certificate.issuer,
        "total_hours": float(certificate.total_hours),
        "first_date": certificate.first_date,
        "last_date": certificate.last_date,
        "issued_at": certificate.issued_at,
        "verify_url": request.build_absolute_uri(certificate.get_verification_url()),
    }


@router.get("/me/certificates", response=list[CertificateOut], auth=AUTH, summary="我的服务证明")
def volunteer_certificates(request):
    return [
        _certificate(request, c) for c in selectors.user_certificates(user=request.user, limit=50)
    ]


@router.post(
    "/me/certificates",
    response={201: CertificateOut},
    auth=AUTH,
    summary="开具服务证明（汇总目前所有服务记录）",
)
def volunteer_certificate_issue(request, idempotency_key: IdempotencyKeyHeader = None):
    def produce():
        certificate = services.certificate_issue(user=request.user)
        return json_response(CertificateOut, _certificate(request, certificate), status=201)

    return idempotent(
        request, key=idempotency_key, endpoint="volunteers:certificates", produce=produce
    )


class CertificateCheckOut(Schema):
    number: str
    account_name: str = Field(..., description="注册账户名称（已打码，如 王*兰）")
    first_date: datetime.date
    last_date: datetime.date
    total_hours: float
    issuer: str
    issued_on: datetime.date
    statement: str = Field(..., description="核验结论（与网站核验页相同）")


CertificateToken = Annotated[
    str,
    Path(
        ...,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="核验码：证明上核验地址 /volunteers/verify/<核验码>/ 的最后一段",
    ),
]


@router.get(
    "/certificates/verify/{token}",
    response=CertificateCheckOut,
    summary="核验志愿服务证明（公开）",
)
def volunteer_certificate_check(request, token: CertificateToken):
    """The site's public check of a printed certificate (/volunteers/verify/<token>/), for
    anyone holding it: what that page shows, the holder's account name masked. By the
    verification code printed with it, never by the number alone (numbers can be guessed)."""
    certificate = selectors.certificate_for_verification(token=token)
    if certificate is None:
        return problem_response(404, _("没有找到这份证明，请核对核验地址。"), code="not_found")
    masked = selectors.mask_name(certificate.holder_name)
    return {
        "number": certificate.number,
        "account_name": masked,
        "first_date": certificate.first_date,
        "last_date": certificate.last_date,
        "total_hours": float(certificate.total_hours),
        "issuer": certificate.issuer,
        "issued_on": timezone.localtime(certificate.issued_at).date(),
        "statement": _(
            "这份证明由本平台出具：所列服务时长已由服务组织确认，证明属于本平台注册账户"
            "“%(name)s”。账户名称由本人填写，本平台没有核验其身份。"
        )
        % {"name": masked},
    }


class CalendarFeedOut(Schema):
    feed_url: str | None = Field(
        None, description="我的志愿服务日历订阅地址（.ics，地址本身即密钥；未开通时为 null）"
    )


def _feed_url(request, feed) -> str | None:
    if feed is None:
        return None
    return request.build_absolute_uri(reverse("volunteers:calendar_feed", args=[feed.token]))


@router.get("/me/calendar", response=CalendarFeedOut, auth=AUTH, summary="我的日历订阅地址")
def volunteer_calendar(request):
    from volunteers.models import CalendarFeed

    return {"feed_url": _feed_url(request, CalendarFeed.objects.filter(user=request.user).first())}


@router.post(
    "/me/calendar/reset",
    response=CalendarFeedOut,
    auth=AUTH,
    summary="生成新的日历订阅地址（旧地址失效）",
)
def volunteer_calendar_reset(request):
    return {"feed_url": _feed_url(request, services.calendar_feed_reset(user=request.user))}
