"""Shifts: publishing patrols and project activities, editing them, the public shift page,
signing up and cancelling, and the sign-up list export for the shift's managers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import page_cache
from portal.audit import audit_log
from portal.forms import add_service_errors
from projects.models import ServiceProjectPage
from volunteers import calendar, selectors, services
from volunteers.forms import ShiftForm
from volunteers.models import Shift, SignUp
from volunteers.permissions import can_manage_project, can_manage_shift
from volunteers.views.common import (
    contacts_export,
    error_text,
    managed_grid_or_403,
    managed_shift_or_403,
    shift_or_404,
)


def _shift_form_save(request, form, **target):
    data = form.cleaned_data
    return services.shift_create(
        by=request.user,
        title=data["title"],
        place=data["place"],
        description=data["description"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        signup_deadline=data.get("signup_deadline"),
        capacity=data["capacity"],
        members_only=data.get("members_only", False),
        repeat_weeks=data.get("repeat_weeks") or 1,
        **target,
    )


@login_required
def patrol_create(request: HttpRequest, code: str) -> HttpResponse:
    grid = managed_grid_or_403(request, code)
    if request.method == "POST":
        form = ShiftForm(request.POST)
        if form.is_valid():
            try:
                shifts = _shift_form_save(request, form, grid=grid)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已发布%(n)d个巡查班次。") % {"n": len(shifts)})
                return redirect("volunteers:grid_detail", code=grid.code)
    else:
        form = ShiftForm(initial={"title": _("徒步巡查"), "place": grid.name})
    return render(
        request, "volunteers/shift_form.html", {"form": form, "grid": grid, "creating": True}
    )


@login_required
def activity_create(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(ServiceProjectPage, pk=project_id)
    if not can_manage_project(request.user, project):
        raise PermissionDenied
    if request.method == "POST":
        form = ShiftForm(request.POST, for_project=True)
        if form.is_valid():
            try:
                shifts = _shift_form_save(request, form, project=project)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已发布%(n)d个活动班次。") % {"n": len(shifts)})
                return redirect("volunteers:shift_detail", pk=shifts[0].pk)
    else:
        form = ShiftForm(for_project=True, initial={"title": project.title})
    return render(
        request,
        "volunteers/shift_form.html",
        {"form": form, "project": project, "creating": True},
    )


@login_required
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    shift = managed_shift_or_403(request, pk)
    fields = services.SHIFT_EDITABLE_FIELDS
    if request.method == "POST":
        form = ShiftForm(request.POST, for_project=not shift.is_patrol, editing=True)
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k in fields}
            try:
                warnings = services.shift_update(shift=shift, by=request.user, **changes)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                for warning in warnings:
                    messages.warning(request, warning)
                messages.success(request, _("班次已更新。"))
                return redirect("volunteers:shift_detail", pk=shift.pk)
    else:
        form = ShiftForm(
            for_project=not shift.is_patrol,
            editing=True,
            initial={name: getattr(shift, name) for name in fields},
        )
    return render(request, "volunteers/shift_form.html", {"form": form, "shift": shift})


@require_GET
@page_cache.public_page("volunteers", ttl=page_cache.CLOCK_TTL)
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Public shift page; the sign-up list with contacts only for its managers."""
    shift = shift_or_404(pk)
    user = request.user
    can_manage = can_manage_shift(user, shift)
    if can_manage:
        audit_log(
            actor=user,
            action="portal.view_contacts",
            instance=shift,
            data={"list": "shift_signups", "shift": shift.pk},
        )
    signup = selectors.user_signup(shift=shift, user=user)
    signups = selectors.shift_signups(shift=shift) if can_manage else None
    is_member = None
    if shift.members_only and shift.grid_id and user.is_authenticated and signup is None:
        is_member = selectors.is_active_member(user=user, grid=shift.grid)
    return render(
        request,
        "volunteers/shift_detail.html",
        {
            "shift": shift,
            "signup": signup,
            "signup_open": signup is not None and signup.status in SignUp.OPEN,
            "closed": not shift.signup_open(),
            "is_member": is_member,
            "can_manage": can_manage,
            "signups": signups,
            "export_scope": {"kind": "shift", "count": len(signups)} if can_manage else None,
            "checkin_open": shift.checkin_open(),
        },
    )


@login_required
@require_POST
def shift_sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    try:
        signup = services.shift_sign_up(shift=shift, user=request.user)
    except ValidationError as error:
        # A clash names the other shift and its times (ValidationError.clash_shift).
        messages.error(request, error_text(error))
    else:
        if signup.status == SignUp.Status.CONFIRMED:
            messages.success(request, _("报名成功，您的名额已确认。"))
        else:
            messages.warning(
                request, _("名额已满，您已进入候补名单，有人取消时会按顺序递补并通知您。")
            )
    return redirect("volunteers:shift_detail", pk=shift.pk)


@login_required
@require_http_methods(["GET", "POST"])
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks the person to confirm (a page, so it works without JavaScript); POST cancels."""
    if request.method == "GET":
        signup = get_object_or_404(
            SignUp,
            pk=pk,
            user=request.user,
            status__in=SignUp.OPEN,
        )
        shift = shift_or_404(signup.shift_id)
        return render(
            request,
            "volunteers/signup_cancel.html",
            {
                "signup": signup,
                "shift": shift,
                "gives_place_away": signup.status == SignUp.Status.CONFIRMED
                and shift.waitlist_count > 0,
            },
        )
    signup = get_object_or_404(SignUp, pk=pk)
    try:
        services.shift_cancel(signup=signup, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已取消报名。"))
    if request.POST.get("next") == "account":
        return redirect("account_home")
    return redirect("volunteers:shift_detail", pk=signup.shift_id)


@login_required
@require_GET
def signup_ics(request: HttpRequest, pk: int) -> HttpResponse:
    # Only a confirmed place goes into a calendar: a waitlisted person has no place yet.
    signup = get_object_or_404(
        SignUp.objects.select_related("shift"),
        pk=pk,
        user=request.user,
        status__in=SignUp.HOLDS_PLACE,
    )
    body = calendar.calendar_for([signup], name=signup.shift.title, request=request)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="shift-{signup.shift_id}.ics"'
    return response


@login_required
@require_GET
def shift_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    shift = managed_shift_or_403(request, pk)
    header = [_("姓名"), _("手机号码"), _("电子邮箱"), _("状态"), _("报名时间"), _("签到时间")]
    rows = (
        [
            s.user.get_display_name(),
            s.user.mobile,
            s.user.email,
            s.get_status_display(),
            timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(s.checked_in_at).strftime("%Y-%m-%d %H:%M")
            if s.checked_in_at
            else "",
        ]
        for s in selectors.shift_signups(shift=shift)
    )
    return contacts_export(
        request,
        fmt=fmt,
        instance=shift,
        filename=f"shift-{shift.pk}-signups",
        header=header,
        rows=rows,
        data={"export": "shift_signups", "shift": shift.pk},
    )
