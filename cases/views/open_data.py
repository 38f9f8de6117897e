"""办理情况统计 and the open data: the statistics page with its charts, the statistics as CSV
and the public cases as CSV, without the reporter or anything staff-only."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import charts, statistics
from cases.forms import PublicCaseFilterSet, StatisticsForm
from cases.models import State
from cases.selectors import public_cases
from portal import page_cache
from portal.exports import csv_response
from portal.fragments import cached_fragment
from portal.models import Community, Street


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
@page_cache.public_page("cases", ttl=page_cache.CLOCK_TTL)
def statistics_page(request):
    """办理情况统计 of the district, a street or a community: rates in total, by category and
    over time, as SVG charts with the same numbers in tables.

    The content is the same for everyone who asks for the same scope and period on the same
    day, signed in or not: a fragment kept until the next purge of "cases" (every change of a
    case, and so of the daily figures, cases.services.stats), rendered again for a new day."""
    form, street, community, days, valid = _statistics_scope(request)
    scope_name = community.name if community else (street.name if street else _("全区"))

    def render_body() -> str:
        return render_to_string(
            "cases/includes/statistics_body.html",
            _statistics_context(form, street, community, days, scope_name),
        )

    if valid:
        scope = (getattr(street, "pk", None), getattr(community, "pk", None), days)
        body = cached_fragment(
            "cases-statistics",
            render_body,
            tags=("cases",),
            vary=(*scope, timezone.localdate()),
        )
    else:
        body = render_body()
    return render(
        request,
        "cases/statistics.html",
        {"scope_name": scope_name, "body": mark_safe(body)},
        status=200 if valid else 400,
    )


def _statistics_context(form, street, community, days, scope_name) -> dict:
    stats = statistics.case_statistics_cached(street=street, community=community, days=days)
    series = stats.series
    labels = [point.label for point in series]
    return {
        "form": form,
        "street": street,
        "community": community,
        "scope_name": scope_name,
        "stats": stats,
        "definitions": statistics.RATE_DEFINITIONS,
        "periods": statistics.PERIODS,
        "streets": Street.objects.all(),
        "communities": Community.objects.only("pk", "name", "street_id"),
        "reported_chart": charts.bar_chart(
            [(point.label, point.counts.get("reported", 0)) for point in series]
        ),
        "rates_chart": charts.line_chart(
            labels,
            [
                (_("受理率"), "accepted", [p.acceptance_rate for p in series]),
                (_("按期办结率"), "on-time", [p.on_time_rate for p in series]),
                (_("满意率"), "satisfied", [p.satisfaction_rate for p in series]),
            ],
        ),
        "category_chart": charts.bar_chart(
            [(figures.label, figures.counts.get("reported", 0)) for figures in stats.by_category]
        ),
        # From the scope, not the request's own query string: the fragment is shared by
        # every request for this scope.
        "csv_query": urlencode(
            {
                name: value
                for name, value in (
                    ("street", getattr(street, "pk", None)),
                    ("community", getattr(community, "pk", None)),
                    ("days", days if days != statistics.DEFAULT_PERIOD else None),
                )
                if value is not None
            }
        ),
    }


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


CASES_HEADER = [
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
]
CASES_COLUMNS = (
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
)


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
        for case in cases.values_list(*CASES_COLUMNS).iterator(chunk_size=2000):
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

    return csv_response(filename="cases", header=CASES_HEADER, rows=rows())
