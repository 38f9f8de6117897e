"""Grid pages and rosters: the volunteers landing page with its grid finder, a grid's public
page, applying to and leaving a roster, and the roster of applications and members for the
grid's leader and staff (decisions, leader appointment, export)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import page_cache
from portal.audit import audit_log
from portal.forms import add_service_errors, redisplayed_form
from portal.fragments import cached_fragment
from portal.models import Grid
from volunteers import selectors, services
from volunteers.forms import ApplyForm, AppointLeaderForm, DecisionForm, GridFinderForm
from volunteers.models import RosterMembership
from volunteers.permissions import can_appoint_leader, can_manage_grid
from volunteers.views.common import contacts_export, error_text, grid_or_404, managed_grid_or_403


@require_GET
@page_cache.public_page("volunteers", ttl=page_cache.CLOCK_TTL)
def index(request: HttpRequest) -> HttpResponse:
    """志愿服务: open shifts anyone may join, upcoming patrols and a grid finder."""
    if request.GET.get("grid"):
        form = GridFinderForm(request.GET)
        if form.is_valid():
            return redirect("volunteers:grid_detail", code=form.cleaned_data["grid"].code)
    else:
        # Street or community chosen only: show the narrowed selects, no errors yet.
        form = redisplayed_form(GridFinderForm, request.GET)

    def render_sections() -> str:
        return render_to_string(
            "volunteers/_index_sections.html",
            {
                "finder": form,
                "open_shifts": selectors.upcoming_open_shifts(limit=12),
                "patrols": selectors.upcoming_patrols(limit=6),
            },
        )

    # The finder and the lists are the same for everyone with the same query string, signed
    # in or not: kept until a shift, sign-up or roster changes ("volunteers") and CLOCK_TTL
    # seconds at most, like the page (a shift leaves the lists when it starts).
    sections = cached_fragment(
        "volunteers-index",
        render_sections,
        tags=("volunteers",),
        vary=sorted(request.GET.lists()),
        ttl=page_cache.CLOCK_TTL,
    )
    return render(request, "volunteers/index.html", {"sections": mark_safe(sections)})


@require_GET
@page_cache.public_page("volunteers", ttl=page_cache.CLOCK_TTL)
def grid_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Public grid page: leader's name, roster size, upcoming patrols. No contacts."""
    grid = grid_or_404(code)

    def render_shifts() -> str:
        return render_to_string(
            "volunteers/_shift_list.html",
            {
                "shifts": selectors.upcoming_grid_shifts(grid=grid, limit=10),
                "empty_text": _("近期没有巡查安排。"),
            },
        )

    # The grid's shifts are the same for everyone: kept until a shift or sign-up changes
    # ("volunteers") and CLOCK_TTL seconds at most, like the page.
    shifts_html = cached_fragment(
        "volunteers-grid-shifts",
        render_shifts,
        tags=("volunteers",),
        vary=(grid.pk,),
        ttl=page_cache.CLOCK_TTL,
    )
    return render(
        request,
        "volunteers/grid_detail.html",
        {
            "grid": grid,
            "shifts_html": mark_safe(shifts_html),
            "membership": selectors.user_membership(user=request.user, grid=grid),
            "can_manage": can_manage_grid(request.user, grid),
            "can_appoint": can_appoint_leader(request.user, grid),
        },
    )


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    """Ask to join a grid's roster; the grid defaults to the person's home grid."""
    initial_grid = None
    grid_code = request.GET.get("grid")
    if grid_code:
        initial_grid = Grid.objects.select_related("community").filter(code=grid_code).first()
    if initial_grid is None and request.user.home_grid_id:
        initial_grid = Grid.objects.select_related("community").get(pk=request.user.home_grid_id)
    if request.method == "POST" and "refresh" not in request.POST:
        form = ApplyForm(request.POST)
        if form.is_valid():
            grid = form.cleaned_data["grid"]
            try:
                services.membership_apply(
                    user=request.user,
                    grid=grid,
                    role=form.cleaned_data["role"],
                    skills=form.skill_list(),
                    availability=form.cleaned_data["availability"],
                    motivation=form.cleaned_data["motivation"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("申请已提交，网格长审核后会通知您。"))
                return redirect("volunteers:grid_detail", code=grid.code)
    elif request.method == "POST":
        # "Update choices" without JavaScript: redisplay with narrowed selects, no errors.
        form = redisplayed_form(ApplyForm, request.POST)
    else:
        form = ApplyForm(initial_grid=initial_grid)
    return render(request, "volunteers/apply.html", {"form": form})


@login_required
@require_POST
def membership_leave(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(RosterMembership.objects.select_related("grid"), pk=pk)
    try:
        services.membership_leave(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if membership.user_id == request.user.pk:
            messages.success(request, _("您已退出网格名册。"))
        else:
            messages.success(request, _("已将其移出名册。"))
    if membership.user_id == request.user.pk:
        return redirect("volunteers:grid_detail", code=membership.grid.code)
    return redirect("volunteers:roster", code=membership.grid.code)


@login_required
def roster(request: HttpRequest, code: str) -> HttpResponse:
    """Applications and members with contacts, for those allowed to see them."""
    grid = managed_grid_or_403(request, code)
    rows = selectors.roster(grid=grid)
    audit_log(
        actor=request.user,
        action="portal.view_contacts",
        instance=grid,
        data={"list": "roster", "grid": grid.code},
    )
    return render(
        request,
        "volunteers/roster.html",
        {
            "grid": grid,
            "applications": [m for m in rows if m.status == RosterMembership.Status.APPLIED],
            # The export holds the same rows as this page: applications and members.
            "export_scope": {"kind": "grid", "count": len(rows), "names": grid.full_name},
            "members": [m for m in rows if m.status == RosterMembership.Status.ACTIVE],
            "can_appoint": can_appoint_leader(request.user, grid),
            "appoint_form": AppointLeaderForm(grid=grid),
        },
    )


@login_required
@require_GET
def roster_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    grid = managed_grid_or_403(request, code)
    header = [
        _("姓名"),
        _("角色"),
        _("状态"),
        _("手机号码"),
        _("电子邮箱"),
        _("特长"),
        _("可服务时间"),
        _("申请时间"),
    ]
    rows = (
        [
            m.user.get_display_name(),
            m.get_role_display(),
            m.get_status_display(),
            m.user.mobile,
            m.user.email,
            "，".join(t.name for t in m.skills.all()),
            m.availability,
            timezone.localtime(m.created_at).strftime("%Y-%m-%d %H:%M"),
        ]
        for m in selectors.roster(grid=grid)
    )
    return contacts_export(
        request,
        fmt=fmt,
        instance=grid,
        filename=f"roster-{grid.code}",
        header=header,
        rows=rows,
        data={"export": "roster", "grid": grid.code},
    )


@login_required
@require_POST
def membership_decide(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(RosterMembership.objects.select_related("grid"), pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        services.membership_decide(
            membership=membership,
            by=request.user,
            approve=approve,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已通过申请。") if approve else _("已拒绝申请。"))
    return redirect("volunteers:roster", code=membership.grid.code)


@login_required
@require_POST
def appoint_leader(request: HttpRequest, code: str) -> HttpResponse:
    grid = grid_or_404(code)
    if not can_appoint_leader(request.user, grid):
        raise PermissionDenied
    form = AppointLeaderForm(request.POST, grid=grid)
    if form.is_valid():
        services.grid_appoint_leader(
            grid=grid, user=form.cleaned_data["membership"].user, by=request.user
        )
        messages.success(request, _("已任命新的网格长。"))
    else:
        messages.error(request, _("请选择一位名册成员。"))
    return redirect("volunteers:roster", code=grid.code)
