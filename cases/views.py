"""Public and resident-facing pages of cases (随手拍): the report form, the public list and
case pages, following, rating, the statistics and the open data. Nothing here names the
reporter or shows a photo that staff have not made public. Views parse input and call the
services in cases.services, which hold the rules."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import services, statistics
from cases.forms import (
    LeaderVerifyForm,
    PublicCaseFilterSet,
    RatingForm,
    ReportForm,
    ReportStartForm,
    StatisticsForm,
)
from cases.models import Case, CaseCategory, CaseFollower, CasePhoto, State
from cases.permissions import GRID_LEADER, case_roles, led_grid_ids
from cases.selectors import public_case, public_cases, public_events, similar_open_cases
from cases.services.workflow import RATING_DAYS
from portal.exports import csv_response
from portal.forms import add_service_errors
from portal.models import Community, Street
from portal.permissions import is_district_admin, staff_community_ids

PAGE_SIZE = 20
# The public list counts at most this many matches: past a few hundred pages nobody pages
# on, and COUNT(*) over a year of cases would cost more than the rest of the page.
LIST_COUNT_CAP = 10_000
# Reports per account per window (CASES_REPORT_RATE_LIMIT = (count, seconds)).
DEFAULT_REPORT_RATE_LIMIT = (5, 600)


class CappedPaginator(Paginator):
    @cached_property
    def count(self):
        return self.object_list[:LIST_COUNT_CAP].count()


def _case_or_404(number: str) -> Case:
    try:
        return public_case(number)
    except Case.DoesNotExist as error:
        raise Http404 from error


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The public list and case page --------------------------------------------------------


@require_GET
def case_list(request):
    """随手拍: the public list of cases with filters, newest first."""
    filterset = PublicCaseFilterSet(request.GET or None, queryset=public_cases())
    valid = filterset.is_valid() if filterset.is_bound else True
    cases = filterset.qs if valid else public_cases().none()
    page_obj = CappedPaginator(cases.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cases/case_list.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "count_capped": page_obj.paginator.count >= LIST_COUNT_CAP,
            "streets": Street.objects.all(),
            "communities": Community.objects.only("pk", "name", "street_id"),
            "categories": CaseCategory.objects.all(),
            "states": [choice for choice in State.choices if choice[0] != State.REJECTED],
        },
        status=200 if valid else 400,
    )


def _can_rate(case: Case, user) -> bool:
    if not user.is_authenticated or case.reporter_id != user.pk or case.state != State.CLOSED:
        return False
    if case.rated_at is not None and case.rated_at >= case.closed_at:
        return False
    return timezone.now() <= case.closed_at + timedelta(days=RATING_DAYS)


@require_GET
def case_detail(request, number: str):
    """The anonymised public page of a case: what, where, its state, public updates and the
    photos staff made public. The reporter sees the rating form; others can follow."""
    case = _case_or_404(number)
    return _render_case_page(request, case)


def _can_verify(case: Case, user) -> bool:
    """The leader of the case's grid verifies a handled case on its public page (网格长核查);
    staff do it in 我的待办. The service checks the same again."""
    return case.state == State.HANDLED and GRID_LEADER in case_roles(user, case)


def _render_case_page(request, case: Case, *, rating_form=None, verify_form=None, status=200):
    user = request.user
    following = user.is_authenticated and CaseFollower.objects.filter(case=case, user=user).exists()
    if rating_form is None and _can_rate(case, user):
        rating_form = RatingForm()
    if verify_form is None and _can_verify(case, user):
        verify_form = LeaderVerifyForm(prefix="verify")
    return render(
        request,
        "cases/case_page.html",
        {
            "case": case,
            "events": public_events(case),
            "photos": case.photos.filter(is_public=True).only("pk", "kind", "case_id"),
            "followers": case.followers.count(),
            "following": following,
            "is_reporter": user.is_authenticated and case.reporter_id == user.pk,
            "rating_form": rating_form,
            "rating_days": RATING_DAYS,
            "verify_form": verify_form,
        },
        status=status,
    )


@login_required
@require_POST
def case_verify(request, number: str):
    """网格长核查: the leader of the case's grid passes a handled case (closing it, or leaving
    it to be closed later) or sends it back for rework with a reason."""
    case = _case_or_404(number)
    if GRID_LEADER not in case_roles(request.user, case):
        raise PermissionDenied
    form = LeaderVerifyForm(request.POST, prefix="verify")
    if form.is_valid():
        outcome = form.cleaned_data["outcome"]
        try:
            case = services.case_verify(
                case=case,
                by=request.user,
                passed=outcome != LeaderVerifyForm.FAIL,
                close=outcome == LeaderVerifyForm.PASS_CLOSE,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error, joined=True)
        else:
            messages.success(
                request,
                _("核查结果已记录，诉求现为“%(state)s”。") % {"state": case.get_state_display()},
            )
            return redirect(case.get_absolute_url())
    case = _case_or_404(number)
    return _render_case_page(request, case, verify_form=form, status=400)


@require_GET
def case_photo(request, number: str, photo_id: int):
    """A photo staff made public, streamed from the private storage; 404 for any other."""
    try:
        photo = CasePhoto.objects.get(
            pk=photo_id,
            case__number=number,
            is_public=True,
            case__state__in=[s for s in State.values if s != State.REJECTED],
        )
    except CasePhoto.DoesNotExist as error:
        raise Http404 from error
    try:
        handle = photo.image.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _next_url(request, fallback: str) -> str:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


@login_required
@require_POST
def case_follow(request, number: str):
    """我也遇到: follow a case and get its public updates."""
    case = _case_or_404(number)
    try:
        services.case_follow(case=case, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已关注这件诉求，有进展时会通知您。"))
    return redirect(_next_url(request, case.get_absolute_url()))


@login_required
@require_POST
def case_unfollow(request, number: str):
    case = _case_or_404(number)
    services.case_unfollow(case=case, by=request.user)
    messages.success(request, _("已取消关注。"))
    return redirect(_next_url(request, case.get_absolute_url()))


@login_required
@require_POST
def case_rate(request, number: str):
    """The reporter's rating (评价); 不满意 reopens the case once."""
    case = _case_or_404(number)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            case = services.case_rate(
                case=case,
                by=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except PermissionDenied:
            raise
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            if case.state == State.REWORK:
                messages.success(request, _("感谢您的评价。诉求已退回重新办理，进展会通知您。"))
            else:
                messages.success(request, _("感谢您的评价。"))
            return redirect(case.get_absolute_url())
    return _render_case_page(request, case, rating_form=form, status=400)


# --- Reporting ----------------------------------------------------------------------------


def _rate_limit() -> tuple[int, int]:
    return getattr(settings, "CASES_REPORT_RATE_LIMIT", DEFAULT_REPORT_RATE_LIMIT)


def _rate_key(user) -> str:
    return f"cases:report-rate:{user.pk}"


def _rate_limited(user) -> bool:
    limit, _window = _rate_limit()
    return (cache.get(_rate_key(user)) or 0) >= limit


def _count_report(user) -> None:
    _limit, window = _rate_limit()
    key = _rate_key(user)
    # add() starts the window once; incr() counts within it, atomically on Redis.
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window)


def _patrol_allowed(user) -> bool:
    return bool(is_district_admin(user) or staff_community_ids(user) or led_grid_ids(user))


@login_required
def report(request):
    """随手拍 in two steps. Step 1 (GET): category and grid, the home grid by default.
    Step 2: the open cases of that category in that grid from the last 30 days, each with
    「我也遇到」, and the details form (POST), which calls case_report."""
    user = request.user
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, patrol_allowed=_patrol_allowed(user))
        category = grid = None
        if form.is_valid():
            category, grid = form.cleaned_data["category"], form.cleaned_data["grid"]
            if _rate_limited(user):
                limit, window = _rate_limit()
                form.add_error(
                    None,
                    _("您提交得太频繁了：每 %(minutes)s 分钟最多上报 %(limit)s 件，请稍后再试。")
                    % {"minutes": max(1, window // 60), "limit": limit},
                )
            else:
                try:
                    case = services.case_report(
                        by=user,
                        category=category,
                        grid=grid,
                        description=form.cleaned_data["description"],
                        address=form.cleaned_data["address"],
                        latitude=form.cleaned_data["latitude"] or None,
                        longitude=form.cleaned_data["longitude"] or None,
                        contact_allowed=form.cleaned_data["contact_allowed"],
                        source=form.cleaned_data.get("source") or "resident",
                        photos=form.cleaned_data["photos"],
                    )
                except ValidationError as error:
                    field = "photos" if form.cleaned_data["photos"] else None
                    add_service_errors(form, error, field=field, joined=True)
                else:
                    _count_report(user)
                    messages.success(
                        request,
                        _("已提交，编号 %(number)s。受理后会通知您，您也可以在“我的”中查看进展。")
                        % {"number": case.number},
                    )
                    return redirect(case.get_absolute_url())
        else:
            category = form.cleaned_data.get("category")
            grid = form.cleaned_data.get("grid")
        if category is None or grid is None:
            # Step 1 data did not survive (a category was switched off meanwhile, or the
            # hidden fields were changed): the page comes back with the field to choose
            # again, and what the resident typed is kept.
            form.show_choice_fields()
        return _render_step2(request, form, category, grid, status=400)

    start = ReportStartForm(request.GET or None, initial_grid=user.home_grid)
    if start.is_bound and start.is_valid():
        category, grid = start.cleaned_data["category"], start.cleaned_data["grid"]
        form = ReportForm(
            initial={"category": category.pk, "grid": grid.pk},
            patrol_allowed=_patrol_allowed(user),
        )
        return _render_step2(request, form, category, grid)
    return render(
        request,
        "cases/report_start.html",
        {"form": start},
        status=400 if start.is_bound else 200,
    )


def _render_step2(request, form, category, grid, *, status=200):
    if category is None or grid is None:
        similar = []
        start_url = reverse("cases:report")
        if grid is not None:
            grid = type(grid).objects.select_related("community__street").get(pk=grid.pk)
    else:
        grid = type(grid).objects.select_related("community__street").get(pk=grid.pk)
        similar = list(similar_open_cases(grid_id=grid.pk, category_id=category.pk)[:10])
        start_url = reverse("cases:report") + "?" + _start_query(category, grid)
    followed = set(
        CaseFollower.objects.filter(
            user=request.user, case_id__in=[case.pk for case in similar]
        ).values_list("case_id", flat=True)
    )
    for case in similar:
        case.followed = case.pk in followed
        case.own = case.reporter_id == request.user.pk
    return render(
        request,
        "cases/report_details.html",
        {
            "form": form,
            "category": category,
            "grid": grid,
            "similar": similar,
            "change_url": start_url,
            "report_url": start_url,
            "photos_lost": form.is_bound and bool(request.FILES),
        },
        status=status,
    )


def _start_query(category, grid) -> str:
    from django.utils.http import urlencode

    return urlencode(
        {
            "category": category.pk,
            "street": grid.community.street_id,
            "community": grid.community_id,
            "grid": grid.pk,
        }
    )


# --- Statistics and open data -------------------------------------------------------------


def _statistics_scope(request):
    form = StatisticsForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None, None, statistics.DEFAULT_PERIOD, False
    data = form.cleaned_data if form.is_bound else {}
    return (
        form,
        data.get("street"),
        data.get("community"),
        data.get("days") or statistics.DEFAULT_PERIOD,
        True,
    )


@require_GET
def statistics_page(request):
    """办理情况统计 of the district, a street or a community: rates in total, by category and
    over time, as SVG charts with the same numbers in tables."""
    form, street, community, days, valid = _statistics_scope(request)
    stats = statistics.case_statistics(street=street, community=community, days=days)
    series = stats.series
    labels = [point.label for point in series]
    context = {
        "form": form,
        "street": street,
        "community": community,
        "scope_name": community.name if community else (street.name if street else _("全区")),
        "stats": stats,
        "definitions": statistics.RATE_DEFINITIONS,
        "periods": statistics.PERIODS,
        "streets": Street.objects.all(),
        "communities": Community.objects.only("pk", "name", "street_id"),
        "reported_chart": statistics.bar_chart(
            [(point.label, point.counts.get("reported", 0)) for point in series]
        ),
        "rates_chart": statistics.line_chart(
            labels,
            [
                (_("受理率"), "accepted", [p.acceptance_rate for p in series]),
                (_("按期办结率"), "on-time", [p.on_time_rate for p in series]),
                (_("满意率"), "satisfied", [p.satisfaction_rate for p in series]),
            ],
        ),
        "category_chart": statistics.bar_chart(
            [(figures.label, figures.counts.get("reported", 0)) for figures in stats.by_category]
        ),
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "cases/statistics.html", context, status=200 if valid else 400)


def _percent(value):
    return "" if value is None else round(value * 100, 1)


def _hours(value):
    return "" if value is None else round(value, 1)


STATISTICS_HEADER = [
    "范围",
    "类别",
    "开始日期",
    "结束日期",
    "上报",
    "日均上报",
    "按时受理",
    "受理率(%)",
    "应办结",
    "缓办",
    "按期办结",
    "按期办结率(%)",
    "评价",
    "满意与基本满意",
    "满意率(%)",
    "办结",
    "办结用时中位数(工作小时)",
    "办结用时P90(工作小时)",
]


@require_GET
def statistics_csv(request):
    """Open data: the statistics of the chosen scope and period, by category and in total."""
    _form, street, community, days, valid = _statistics_scope(request)
    if not valid:
        raise Http404
    stats = statistics.case_statistics(street=street, community=community, days=days)
    scope = community.name if community else (street.name if street else "全区")

    def rows():
        for figures in [*stats.by_category, stats.total]:
            yield [
                scope,
                figures.label,
                stats.first_day.isoformat(),
                stats.last_day.isoformat(),
                figures.counts["reported"],
                round(figures.daily_reported, 2),
                figures.counts["accepted_in_time"],
                _percent(figures.acceptance_rate),
                figures.counts["due"],
                figures.counts["postponed"],
                figures.counts["handled_in_time"],
                _percent(figures.on_time_rate),
                figures.counts["rated"],
                figures.counts["satisfied"],
                _percent(figures.satisfaction_rate),
                figures.counts["handled"],
                _hours(figures.median_hours),
                _hours(figures.p90_hours),
            ]

    return csv_response(filename="case-statistics", header=STATISTICS_HEADER, rows=rows())


@require_GET
def cases_csv(request):
    """Open data: the public cases matching the list's filters, without the reporter, the
    description's photos or anything staff-only. Streamed in chunks."""
    filterset = PublicCaseFilterSet(request.GET or None, queryset=public_cases())
    if filterset.is_bound and not filterset.is_valid():
        raise Http404
    cases = filterset.qs.order_by("-created_at", "-pk")
    labels = dict(State.choices)

    def rows():
        for case in cases.values_list(
            "number",
            "category__name",
            "street__name",
            "community__name",
            "grid__name",
            "state",
            "description",
            "created_at",
            "handled_at",
            "closed_at",
        ).iterator(chunk_size=2000):
            number, category, street, community, grid, state, description, *times = case
            yield [
                number,
                category,
                street,
                community,
                grid,
                str(labels.get(state, state)),
                description,
                *[timezone.localtime(moment).isoformat() if moment else "" for moment in times],
            ]

    return csv_response(
        filename="cases",
        header=[
            "编号",
            "类别",
            "街道",
            "社区",
            "网格",
            "状态",
            "问题描述",
            "上报时间",
            "办结时间",
            "结案时间",
        ],
        rows=rows(),
    )
