"""The per-grid numbers report in the Wagtail admin (members, patrols this month, hours)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.exports import csv_response, xlsx_response
from portal.filters import AreaFilterForm
from portal.models import Community, Grid, Street
from portal.permissions import is_district_admin, staff_community_ids
from volunteers import selectors


def grid_report(request):
    user = request.user
    admin = is_district_admin(user)
    scope = staff_community_ids(user)
    if not admin and not scope:
        raise PermissionDenied
    grids = Grid.objects.all()
    communities = Community.objects.select_related("street")
    if not admin:
        grids = grids.filter(community_id__in=scope)
        communities = communities.filter(pk__in=scope)
    area = AreaFilterForm(request.GET)
    street = community = None
    if area.is_valid():
        street, community = area.cleaned_data["street"], area.cleaned_data["community"]
    else:
        messages.warning(request, _("筛选条件无效，已显示全部网格。"))
    if street:
        grids = grids.filter(community__street_id=street)
    if community:
        grids = grids.filter(community_id=community)
    rows = selectors.grid_numbers(grids=grids).order_by("code")
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        header = [
            _("街道"),
            _("社区"),
            _("网格编码"),
            _("网格"),
            _("网格长"),
            _("名册人数"),
            _("本月巡查"),
            _("本年服务时长"),
        ]
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
        return respond(filename="grid-report", header=header, rows=data)
    page_obj = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/admin/grid_report.html",
        {
            "page_obj": page_obj,
            "streets": Street.objects.all()
            if admin
            else Street.objects.filter(communities__pk__in=scope).distinct(),
            "communities": communities,
            "street": str(street or ""),
            "community": str(community or ""),
            "query": request.GET.urlencode(),
        },
    )
