"""The per-grid numbers report in the Wagtail admin (members, patrols this month, hours)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.exports import csv_response, xlsx_response
from portal.filters import AreaFilterForm, ExportFormatForm
from portal.models import Community, Grid, Street
from portal.permissions import is_district_admin, staff_community_ids
from volunteers import selectors

GRID_REPORT_HEADER = [
    _("街道"),
    _("社区"),
    _("网格编码"),
    _("网格"),
    _("网格长"),
    _("名册人数"),
    _("本月巡查"),
    _("本年服务时长"),
]


def _scoped_areas(user):
    """The grids, communities and streets this person may report on; 403 for others."""
    admin = is_district_admin(user)
    scope = staff_community_ids(user)
    if not admin and not scope:
        raise PermissionDenied
    if admin:
        return Grid.objects.all(), Community.objects.select_related("street"), Street.objects.all()
    return (
        Grid.objects.filter(community_id__in=scope),
        Community.objects.select_related("street").filter(pk__in=scope),
        Street.objects.filter(communities__pk__in=scope).distinct(),
    )


def _area_filter(request):
    """The chosen (street id, community id); a bad value shows all grids with a warning."""
    area = AreaFilterForm(request.GET)
    if area.is_valid():
        return area.cleaned_data["street"], area.cleaned_data["community"]
    messages.warning(request, _("筛选条件无效，已显示全部网格。"))
    return None, None


def _grid_report_export(rows, fmt: str):
    data = (
        [
            g.community.street.name,
            g.community.name,
            g.code,
            g.name,
            g.leader.get_display_name() if g.leader else "",
            g.member_count,
            g.patrols_this_month,
            float(g.hours_this_year),
        ]
        for g in rows.iterator(chunk_size=500)
    )
    respond = xlsx_response if fmt == "xlsx" else csv_response
    return respond(filename="grid-report", header=GRID_REPORT_HEADER, rows=data)


def grid_report(request):
    grids, communities, streets = _scoped_areas(request.user)
    street, community = _area_filter(request)
    if street:
        grids = grids.filter(community__street_id=street)
    if community:
        grids = grids.filter(community_id=community)
    rows = selectors.grid_numbers(grids=grids).order_by("code")
    fmt = ExportFormatForm(request.GET).format_or_none()
    if fmt:
        return _grid_report_export(rows, fmt)
    page_obj = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/admin/grid_report.html",
        {
            "page_obj": page_obj,
            "streets": streets,
            "communities": communities,
            "street": str(street or ""),
            "community": str(community or ""),
            "query": request.GET.urlencode(),
        },
    )
