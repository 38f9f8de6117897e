"""随手拍 · 诉求 — cases: categories, the similar-cases check, reporting (multipart with up to
3 photos, Idempotency-Key), my cases and the cases I follow, a case's public page and its
public timeline, following (我也遇到), rating after closing, the public list (ETag) and the
handling statistics.

What the public sees is what the public case pages show: no reporter, no contact, no internal
note, only the photos staff made public. The site's forms check the input (ReportForm,
RatingForm, PublicCaseFilterSet, StatisticsForm) and cases.services hold the rules."""

from __future__ import annotations

import datetime
import hashlib
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from api.auth import AUTH, optional_user
from api.http import idempotent, json_response, shared_list, with_etag
from api.pagination import PageParams, page_of, paginate
from api.params import MAX_ID, IdempotencyKeyHeader
from cases import selectors, services, statistics
from cases.forms import (
    PublicCaseFilterSet,
    RatingForm,
    ReportForm,
    StatisticsForm,
    active_categories,
)
from cases.models import Case, CaseFollower
from cases.permissions import may_report_as_patrol
from portal import page_cache

router = Router(tags=["随手拍"])

CaseNumber = Annotated[
    str, Path(..., min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$", description="诉求编号")
]
StateName = Literal[
    "submitted",
    "accepted",
    "dispatched",
    "in_progress",
    "rework",
    "handled",
    "verified",
    "closed",
]


class CaseCategoryOut(Schema):
    id: int
    code: str
    name: str
    description: str


@router.get("/categories", response={200: list[CaseCategoryOut], 304: None}, summary="问题类别")
def case_categories(request):
    """The categories a report can choose, in the report form's order (with an ETag)."""
    page_cache.depends_on(request, "cases")
    return with_etag(request, list[CaseCategoryOut], list(active_categories()))


# --- Cards -----------------------------------------------------------------------------------


class CaseCardOut(Schema):
    number: str
    category: str
    community: str
    state: str
    state_label: str
    description: str
    created_at: datetime.datetime
    handled_at: datetime.datetime | None
    closed_at: datetime.datetime | None


class PublicCaseCardOut(CaseCardOut):
    street: str
    grid: str
    is_overdue: bool


def _card(case: Case) -> dict:
    return {
        "number": case.number,
        "category": case.category.name,
        "community": case.community.name,
        "state": case.state,
        "state_label": str(case.get_state_display()),
        "description": case.description,
        "created_at": case.created_at,
        "handled_at": case.handled_at,
        "closed_at": case.closed_at,
    }


def _public_card(case: Case) -> dict:
    return {
        **_card(case),
        "street": case.street.name,
        "grid": case.grid.name,
        "is_overdue": case.is_overdue,
    }


class CaseFilterParams(Schema):
    street: int | None = Field(None, ge=1, le=MAX_ID)
    community: int | None = Field(None, ge=1, le=MAX_ID)
    category: int | None = Field(None, ge=1, le=MAX_ID)
    state: StateName | None = None


@router.get(
    "",
    response={200: page_of(PublicCaseCardOut), 304: None},
    summary="诉求公开列表",
)
def case_list(request, page: Query[PageParams], filters: Query[CaseFilterParams]):
    """The public list (every case but the rejected ones), newest first, with the site's
    filters. The count stops at 10,000 as on the site."""
    page_cache.depends_on(request, "cases")
    return shared_list(
        request,
        page_of(PublicCaseCardOut),
        lambda: _public_page(page, filters),
        tags=["cases"],
    )


def _public_page(page: PageParams, filters: CaseFilterParams) -> dict:
    data = {k: str(v) for k, v in filters.dict().items() if v is not None}
    filterset = PublicCaseFilterSet(data or None, queryset=selectors.public_cases())
    if filterset.is_bound and not filterset.is_valid():
        raise ValidationError(filterset.form.errors.as_data())
    cases = filterset.qs.order_by("-created_at", "-pk")
    result = paginate(cases, page, count=selectors.capped_count(cases))
    result["items"] = [_public_card(c) for c in result["items"]]
    return result


def _mine(cases, page: PageParams) -> dict:
    return {
        "limit": page.limit,
        "offset": page.offset,
        "count": cases.count(),
        "items": [_card(c) for c in cases[page.offset : page.offset + page.limit]],
    }


@router.get("/mine", response=page_of(CaseCardOut), auth=AUTH, summary="我上报的诉求")
def case_mine(request, page: Query[PageParams]):
    return _mine(selectors.my_reported_cases(request.user), page)


@router.get("/followed", response=page_of(CaseCardOut), auth=AUTH, summary="我关注的诉求")
def case_followed(request, page: Query[PageParams]):
    return _mine(selectors.my_followed_cases(request.user), page)


class SimilarParams(Schema):
    grid: int = Field(..., ge=1, le=MAX_ID, description="问题所在的网格")
    category: int = Field(..., ge=1, le=MAX_ID, description="问题类别")


class SimilarOut(Schema):
    number: str
    state: str
    state_label: str
    description: str
    created_at: datetime.datetime
    followed: bool = Field(..., description="我已关注")
    own: bool = Field(..., description="是我自己上报的")


@router.get("/similar", response=list[SimilarOut], summary="上报前：同一网格同类的未结诉求")
def case_similar(request, params: Query[SimilarParams]):
    """Open cases of the category in the grid from the last 30 days, as the report form
    offers them: follow one (我也遇到) instead of reporting the same problem again."""
    user = optional_user(request)
    similar = list(
        selectors.similar_open_cases(grid_id=params.grid, category_id=params.category)[:10]
    )
    followed = set()
    if user.is_authenticated and similar:
        followed = set(
            CaseFollower.objects.filter(user=user, case_id__in=[c.pk for c in similar]).values_list(
                "case_id", flat=True
            )
        )
    return [
        {
            "number": c.number,
            "state": c.state,
            "state_label": str(c.get_state_display()),
            "description": c.description,
            "created_at": c.created_at,
            "followed": c.pk in followed,
            "own": user.is_authenticated and c.reporter_id == user.pk,
        }
        for c in similar
    ]


# --- Statistics --------------------------------------------------------------------------------


class FiguresOut(Schema):
    label: str
    reported: int
    daily_reported: float
    accepted_in_time: int
    due: int
    postponed: int
    handled: int
    handled_in_time: int
    rated: int
    satisfied: int
    acceptance_rate: float | None = Field(..., description="受理率（0–1）")
    on_time_rate: float | None = Field(..., description="按期办结率（0–1）")
    satisfaction_rate: float | None = Field(..., description="满意率（0–1）")
    median_hours: float | None = Field(..., description="办结用时中位数（工作小时）")
    p90_hours: float | None = Field(..., description="办结用时 P90（工作小时）")


class DefinitionOut(Schema):
    name: str
    definition: str


class StatisticsOut(Schema):
    scope: str
    first_day: datetime.date
    last_day: datetime.date
    days: int
    monthly: bool = Field(..., description="时间序列按月（true）或按日")
    total: FiguresOut
    by_category: list[FiguresOut]
    series: list[FiguresOut]
    definitions: list[DefinitionOut]


class StatisticsParams(Schema):
    street: int | None = Field(None, ge=1, le=MAX_ID)
    community: int | None = Field(None, ge=1, le=MAX_ID)
    days: int = Field(
        statistics.DEFAULT_PERIOD, ge=1, le=366, description="统计期（天）：30、90 或 365"
    )


def _figures(figures) -> dict:
    counts = figures.counts
    return {
        "label": figures.label,
        "reported": counts.get("reported", 0),
        "daily_reported": round(figures.daily_reported, 4),
        "accepted_in_time": counts.get("accepted_in_time", 0),
        "due": counts.get("due", 0),
        "postponed": counts.get("postponed", 0),
        "handled": counts.get("handled", 0),
        "handled_in_time": counts.get("handled_in_time", 0),
        "rated": counts.get("rated", 0),
        "satisfied": counts.get("satisfied", 0),
        "acceptance_rate": figures.acceptance_rate,
        "on_time_rate": figures.on_time_rate,
        "satisfaction_rate": figures.satisfaction_rate,
        "median_hours": figures.median_hours,
        "p90_hours": figures.p90_hours,
    }


@router.get("/statistics", response={200: StatisticsOut, 304: None}, summary="办理情况统计")
def case_statistics(request, params: Query[StatisticsParams]):
    """The statistics page's figures for the district, a street or a community: in total, by
    category and over time, with the definitions the page states."""
    page_cache.depends_on(request, "cases")
    data = {k: str(v) for k, v in params.dict().items() if v is not None}
    form = StatisticsForm(data)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    street, community = form.cleaned_data.get("street"), form.cleaned_data.get("community")
    days = form.cleaned_data.get("days") or statistics.DEFAULT_PERIOD

    def compute() -> dict:
        stats = statistics.case_statistics_cached(street=street, community=community, days=days)
        return {
            "scope": community.name if community else (street.name if street else _("全区")),
            "first_day": stats.first_day,
            "last_day": stats.last_day,
            "days": stats.days,
            "monthly": stats.monthly,
            "total": _figures(stats.total),
            "by_category": [_figures(f) for f in stats.by_category],
            "series": [_figures(f) for f in stats.series],
            "definitions": [
                {"name": str(name), "definition": str(text)}
                for name, text in statistics.RATE_DEFINITIONS
            ],
        }

    # The same body for every caller (the figures up to today): kept like the public lists.
    return shared_list(
        request, StatisticsOut, compute, tags=("cases",), vary=(timezone.localdate(),)
    )


# --- Reporting ---------------------------------------------------------------------------------


class ReportIn(Schema):
    category: int = Field(..., ge=1, le=MAX_ID, description="问题类别")
    grid: int = Field(..., ge=1, le=MAX_ID, description="问题所在的网格")
    description: str = Field(..., max_length=4000, description="问题描述（不超过 1000 字）")
    address: str = Field("", max_length=1000, description="详细地址（可选）")
    latitude: str = Field("", max_length=64, description="纬度（WGS84，可选）")
    longitude: str = Field("", max_length=64, description="经度（WGS84，可选）")
    contact_allowed: bool = Field(False, description="同意工作人员通过我的账号联系方式联系我")
    source: Literal["resident", "patrol"] = Field(
        "resident", description="patrol：巡查中发现（网格长、社区工作人员）"
    )


class PhotoOut(Schema):
    id: int
    kind: str = Field(..., description="report 上报照片，result 处置照片")
    url: str


class CaseMeOut(Schema):
    is_reporter: bool
    following: bool
    can_follow: bool
    can_rate: bool
    rating: str | None = Field(None, description="我的评价（仅上报人可见）")


class CaseOut(PublicCaseCardOut):
    category_id: int
    address: str
    due_at: datetime.datetime | None = Field(None, description="当前期限（受理或办结）")
    postponed: bool
    result: str = Field(..., description="处置结果")
    followers: int
    photos: list[PhotoOut] = Field(..., description="工作人员确认可公开的照片")
    me: CaseMeOut


def _case_or_404(number: str) -> Case:
    try:
        return selectors.public_case(number)
    except Case.DoesNotExist as error:
        raise Http404 from error


def _case(request, case: Case, user) -> dict:
    is_reporter = user.is_authenticated and case.reporter_id == user.pk
    following = user.is_authenticated and CaseFollower.objects.filter(case=case, user=user).exists()
    photos = case.photos.filter(is_public=True).only("pk", "kind", "case_id")
    return {
        **_public_card(case),
        "category_id": case.category_id,
        "address": case.address,
        "due_at": case.current_due_at,
        "postponed": case.postponed,
        "result": case.result,
        "followers": case.followers.count(),
        "photos": [
            {
                "id": photo.pk,
                "kind": photo.kind,
                "url": request.build_absolute_uri(
                    reverse("cases:photo", args=[case.number, photo.pk])
                ),
            }
            for photo in photos
        ],
        "me": {
            "is_reporter": is_reporter,
            "following": following,
            "can_follow": user.is_authenticated and not is_reporter and case.is_open,
            "can_rate": services.may_rate(case, user),
            "rating": (case.rating or None) if is_reporter else None,
        },
    }


def _report_fingerprint(request) -> str:
    """The multipart request's fields and files, for the Idempotency-Key check."""
    digest = hashlib.sha256()
    for key in sorted(request.POST):
        for value in request.POST.getlist(key):
            digest.update(f"{key}={value}\n".encode())
    for key in sorted(request.FILES):
        for uploaded in request.FILES.getlist(key):
            digest.update(f"{key}:{uploaded.size}:".encode())
            for chunk in uploaded.chunks():
                digest.update(chunk)
            uploaded.seek(0)
    return digest.hexdigest()


@router.post(
    "",
    response={201: CaseOut},
    auth=AUTH,
    summary="随手拍：上报诉求（multipart，最多 3 张照片）",
)
def case_report(
    request,
    payload: Form[ReportIn],
    photos: File[list[UploadedFile]] = None,
    idempotency_key: IdempotencyKeyHeader = None,
):
    """The site's report form checks the fields and photos (JPEG or PNG, at most 3, 10 MB
    each); case_report files the case and strips the photos' EXIF. The same rate limit as
    the site (a 429 problem). With an Idempotency-Key a retry returns the first case."""
    user = request.user

    def produce():
        form = ReportForm(request.POST, request.FILES, patrol_allowed=may_report_as_patrol(user))
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        case = services.case_report_within_limit(by=user, fields=form.cleaned_data)
        case = selectors.public_case(case.number)
        return json_response(
            CaseOut,
            _case(request, case, user),
            status=201,
            headers={"Location": reverse("api:case_detail", args=[case.number])},
        )

    return idempotent(
        request,
        key=idempotency_key,
        endpoint="cases:report",
        produce=produce,
        fingerprint=_report_fingerprint(request),
    )


# --- One case ----------------------------------------------------------------------------------


@router.get("/{number}", response=CaseOut, summary="诉求详情（公开信息）")
def case_detail(request, number: CaseNumber):
    user = optional_user(request)
    return _case(request, _case_or_404(number), user)


class EventOut(Schema):
    action: str
    label: str
    actor_role: str = Field(..., description="操作人的身份（如 网格长），不含姓名")
    state: str = Field(..., description="这一步之后的状态")
    note: str
    created_at: datetime.datetime


@router.get(
    "/{number}/timeline",
    response={200: list[EventOut], 304: None},
    summary="诉求的公开办理进展",
)
def case_timeline(request, number: CaseNumber):
    """The public history of the case page: every public step with the role that took it
    (never the name); the report's own text is the case's description. With an ETag: an app
    that polls a case it follows gets a 304 until the next public step."""
    page_cache.depends_on(request, "cases")
    case = _case_or_404(number)
    events = [
        {
            "action": event.action,
            "label": event.label,
            "actor_role": event.actor_role,
            "state": event.to_state,
            "note": "" if event.action == "report" else event.note,
            "created_at": event.created_at,
        }
        for event in selectors.public_events(case).only(
            "action", "actor_role", "to_state", "note", "created_at", "case_id"
        )[:500]
    ]
    return with_etag(request, list[EventOut], events)


class FollowOut(Schema):
    following: bool
    followers: int


def _follow_state(case: Case, user) -> dict:
    return {
        "following": CaseFollower.objects.filter(case=case, user=user).exists(),
        "followers": case.followers.count(),
    }


@router.post("/{number}/follow", response=FollowOut, auth=AUTH, summary="我也遇到：关注诉求")
def case_follow(request, number: CaseNumber):
    case = _case_or_404(number)
    services.case_follow(case=case, by=request.user)
    return _follow_state(case, request.user)


@router.delete("/{number}/follow", response=FollowOut, auth=AUTH, summary="取消关注")
def case_unfollow(request, number: CaseNumber):
    case = _case_or_404(number)
    services.case_unfollow(case=case, by=request.user)
    return _follow_state(case, request.user)


class RatingIn(Schema):
    rating: Literal["satisfied", "basically", "dissatisfied"] = Field(
        ..., description="satisfied 满意，basically 基本满意，dissatisfied 不满意（退回重办一次）"
    )
    comment: str = Field("", max_length=2000, description="补充意见（仅工作人员可见）")


@router.post(
    "/{number}/rating", response=CaseOut, auth=AUTH, summary="评价办理结果（结案后 7 天内）"
)
def case_rate(request, number: CaseNumber, payload: RatingIn):
    """Only the reporter rates; 不满意 reopens the case once (the service's rules)."""
    case = _case_or_404(number)
    form = RatingForm({"rating": payload.rating, "comment": payload.comment})
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    services.case_rate(
        case=case,
        by=request.user,
        rating=form.cleaned_data["rating"],
        comment=form.cleaned_data["comment"],
    )
    return Status(200, _case(request, _case_or_404(number), request.user))
