"""Front-end pages of the volunteers app. Views are thin: they read through selectors, check
permissions and call services, which hold the rules."""

from decimal import Decimal

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.audit import audit_log
from portal.exports import csv_response, xlsx_response
from portal.models import Grid
from portal.permissions import is_district_admin
from volunteers import calendar, selectors, services
from volunteers.forms import (
    ApplyForm,
    AppointLeaderForm,
    CheckInForm,
    DecisionForm,
    GridFinderForm,
    ShiftForm,
)
from volunteers.models import Certificate, RosterMembership, ServiceRecord, Shift, SignUp
from volunteers.permissions import (
    can_appoint_leader,
    can_manage_grid,
    can_manage_project,
    can_manage_shift,
)


def _grid_or_404(code: str) -> Grid:
    grid = selectors.grid_for_page(code=code)
    if grid is None:
        raise Http404
    return grid


def _shift_or_404(pk: int) -> Shift:
    shift = selectors.shift_for_page(pk=pk)
    if shift is None:
        raise Http404
    return shift


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Landing, grid finder, grid page -------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """志愿服务: open shifts anyone may join, upcoming patrols and a grid finder."""
    form = GridFinderForm(request.GET or None, initial_grid=None)
    if request.GET.get("grid") and form.is_valid() and form.cleaned_data["grid"]:
        return redirect("volunteers:grid_detail", code=form.cleaned_data["grid"].code)
    if form.is_bound and not request.GET.get("grid"):
        form._errors = {}
    return render(
        request,
        "volunteers/index.html",
        {
            "finder": form,
            "open_shifts": selectors.upcoming_open_shifts(limit=12),
            "patrols": selectors.upcoming_patrols(limit=6),
        },
    )


@require_GET
def grid_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Public grid page: leader's name, roster size, upcoming patrols. No contacts."""
    grid = _grid_or_404(code)
    return render(
        request,
        "volunteers/grid_detail.html",
        {
            "grid": grid,
            "shifts": selectors.upcoming_grid_shifts(grid=grid, limit=10),
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
                form.add_error(None, error)
            else:
                messages.success(request, _("申请已提交，网格长审核后会通知您。"))
                return redirect("volunteers:grid_detail", code=grid.code)
    elif request.method == "POST":
        form = ApplyForm(request.POST)
        form._errors = {}
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
        messages.error(request, _error_text(error))
    else:
        if membership.user_id == request.user.pk:
            messages.success(request, _("您已退出网格名册。"))
        else:
            messages.success(request, _("已将其移出名册。"))
    if membership.user_id == request.user.pk:
        return redirect("volunteers:grid_detail", code=membership.grid.code)
    return redirect("volunteers:roster", code=membership.grid.code)


# --- Roster (leader, community staff, district admins) -------------------------------------


def _require_grid_manager(request, code: str) -> Grid:
    grid = _grid_or_404(code)
    if not can_manage_grid(request.user, grid):
        raise PermissionDenied
    return grid


@login_required
def roster(request: HttpRequest, code: str) -> HttpResponse:
    """Applications and members with contacts, for those allowed to see them."""
    grid = _require_grid_manager(request, code)
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
    grid = _require_grid_manager(request, code)
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
    filename = f"roster-{grid.code}"
    audit_log(
        actor=request.user,
        action="portal.export",
        instance=grid,
        data={"export": "roster", "grid": grid.code, "format": fmt},
    )
    if fmt == "xlsx":
        return xlsx_response(filename=filename, header=header, rows=rows)
    return csv_response(filename=filename, header=header, rows=rows)


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
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已通过申请。") if approve else _("已拒绝申请。"))
    return redirect("volunteers:roster", code=membership.grid.code)


@login_required
@require_POST
def appoint_leader(request: HttpRequest, code: str) -> HttpResponse:
    grid = _grid_or_404(code)
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


# --- Shifts --------------------------------------------------------------------------------


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
    grid = _require_grid_manager(request, code)
    if request.method == "POST":
        form = ShiftForm(request.POST)
        if form.is_valid():
            try:
                shifts = _shift_form_save(request, form, grid=grid)
            except ValidationError as error:
                form.add_error(None, error)
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
    from wagtail.models import Page

    project = get_object_or_404(Page.objects.specific(), pk=project_id)
    if project.specific_class.__name__ != "ServiceProjectPage":
        raise Http404
    if not can_manage_project(request.user, project):
        raise PermissionDenied
    if request.method == "POST":
        form = ShiftForm(request.POST, for_project=True)
        if form.is_valid():
            try:
                shifts = _shift_form_save(request, form, project=project)
            except ValidationError as error:
                form.add_error(None, error)
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
    shift = _shift_or_404(pk)
    if not can_manage_shift(request.user, shift):
        raise PermissionDenied
    fields = [
        "title",
        "place",
        "description",
        "starts_at",
        "ends_at",
        "signup_deadline",
        "capacity",
        "members_only",
    ]
    if request.method == "POST":
        form = ShiftForm(request.POST, for_project=not shift.is_patrol, editing=True)
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k in fields}
            if not changes.get("signup_deadline"):
                changes["signup_deadline"] = changes["starts_at"]
            try:
                warnings = services.shift_update(shift=shift, by=request.user, **changes)
            except ValidationError as error:
                form.add_error(None, error)
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
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Public shift page; the sign-up list with contacts only for its managers."""
    shift = _shift_or_404(pk)
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
    now = timezone.now()
    closed = now > shift.signup_deadline or now >= shift.starts_at
    is_member = None
    if shift.members_only and shift.grid_id and user.is_authenticated and signup is None:
        is_member = selectors.is_active_member(user=user, grid=shift.grid)
    return render(
        request,
        "volunteers/shift_detail.html",
        {
            "shift": shift,
            "signup": signup,
            "signup_open": signup is not None
            and signup.status in (SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED),
            "places_left": max(shift.capacity - shift.confirmed_count, 0),
            "over_capacity": shift.confirmed_count > shift.capacity,
            "closed": closed,
            "is_member": is_member,
            "can_manage": can_manage,
            "signups": signups,
            "export_scope": {"kind": "shift", "count": len(signups)} if can_manage else None,
            "checkin_open": shift.checkin_open(now),
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
        messages.error(request, _error_text(error))
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
            status__in=(SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED),
        )
        shift = _shift_or_404(signup.shift_id)
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
        messages.error(request, _error_text(error))
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
        status__in=(SignUp.Status.CONFIRMED, SignUp.Status.ATTENDED),
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
    shift = _shift_or_404(pk)
    if not can_manage_shift(request.user, shift):
        raise PermissionDenied
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
    filename = f"shift-{shift.pk}-signups"
    audit_log(
        actor=request.user,
        action="portal.export",
        instance=shift,
        data={"export": "shift_signups", "shift": shift.pk, "format": fmt},
    )
    if fmt == "xlsx":
        return xlsx_response(filename=filename, header=header, rows=rows)
    return csv_response(filename=filename, header=header, rows=rows)


# --- Check-in and attendance ---------------------------------------------------------------


@login_required
@require_GET
def shift_code(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in code and a QR image of the check-in address, for the leader to show."""
    shift = _shift_or_404(pk)
    if not can_manage_shift(request.user, shift):
        raise PermissionDenied
    url = request.build_absolute_uri(
        reverse("volunteers:shift_check_in", args=[shift.pk]) + f"?code={shift.checkin_code}"
    )
    qr = segno.make(url, error="m").svg_inline(scale=6, title=_("签到二维码"))
    return render(
        request,
        "volunteers/shift_code.html",
        {"shift": shift, "checkin_url": url, "qr_svg": mark_safe(qr)},  # noqa: S308 - segno output
    )


@login_required
def shift_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift_or_404(pk)
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                services.shift_check_in(
                    shift=shift, user=request.user, code=form.cleaned_data["code"]
                )
            except ValidationError as error:
                form.add_error("code", error)
            else:
                messages.success(request, _("签到成功，感谢您的服务！"))
                return redirect("volunteers:shift_detail", pk=shift.pk)
    else:
        form = CheckInForm(initial={"code": request.GET.get("code", "")})
    return render(request, "volunteers/check_in.html", {"shift": shift, "form": form})


@login_required
def shift_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """After the shift: tick who came (checked-in people are pre-ticked), adjust hours."""
    shift = _shift_or_404(pk)
    if not can_manage_shift(request.user, shift):
        raise PermissionDenied
    signups = [
        s
        for s in selectors.shift_signups(shift=shift)
        if s.status in (SignUp.Status.CONFIRMED, SignUp.Status.ATTENDED, SignUp.Status.ABSENT)
    ]
    error = None
    reason = ""
    if request.method == "POST":
        attended = set()
        hours = {}
        for signup in signups:
            if request.POST.get(f"attended-{signup.pk}"):
                attended.add(signup.pk)
            hours[signup.pk] = request.POST.get(f"hours-{signup.pk}", "").strip()
        reason = request.POST.get("reason", "")[:300]
        try:
            records = services.shift_confirm_attendance(
                shift=shift, by=request.user, attended=attended, hours=hours, reason=reason
            )
        except ValidationError as exc:
            error = _error_text(exc)
            for signup in signups:
                signup.form_checked = signup.pk in attended
                signup.form_hours = hours.get(signup.pk) or shift.duration_hours
        else:
            messages.success(
                request, _("已确认出勤，%(n)d人的服务时长已记录。") % {"n": len(records)}
            )
            return redirect("volunteers:shift_detail", pk=shift.pk)
    else:
        for signup in signups:
            signup.form_checked = signup.checked_in_at is not None
            signup.form_hours = shift.duration_hours
    return render(
        request,
        "volunteers/attendance.html",
        {"shift": shift, "signups": signups, "error": error, "reason": reason},
    )


# --- Service record, certificates, calendar ------------------------------------------------


@login_required
@require_GET
def my_record(request: HttpRequest) -> HttpResponse:
    """The volunteer's own service record: every credited shift and totals per year."""
    records = selectors.user_records(user=request.user)
    totals = selectors.user_year_totals(user=request.user)
    return render(
        request,
        "volunteers/record.html",
        {
            "records": records,
            "year_totals": totals,
            "total_hours": sum((t["hours"] for t in totals), Decimal("0")),
            "certificates": selectors.user_certificates(user=request.user),
        },
    )


@login_required
@require_POST
def certificate_issue(request: HttpRequest) -> HttpResponse:
    try:
        certificate = services.certificate_issue(user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("volunteers:my_record")
    return redirect(certificate.get_absolute_url())


def _certificate_items(certificate: Certificate) -> list[dict]:
    """Records grouped by service item and issuer, so the certificate fits one A4 page."""
    return list(
        ServiceRecord.objects.filter(pk__in=certificate.records.values("pk"))
        .values("item", "issuer")
        .annotate(count=Count("pk"), hours=Sum("hours"))
        .order_by("-hours", "item")[:15]
    )


@login_required
@require_GET
def certificate_detail(request: HttpRequest, number: str) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.select_related("user"), number=number)
    if certificate.user_id != request.user.pk and not is_district_admin(request.user):
        raise PermissionDenied
    return render(
        request,
        "volunteers/certificate.html",
        {
            "certificate": certificate,
            "items": _certificate_items(certificate),
            "verify_url": request.build_absolute_uri(certificate.get_verification_url()),
        },
    )


def mask_name(name: str) -> str:
    """王秀兰 → 王*兰: enough to compare with the paper, not enough to look someone up."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@require_GET
def certificate_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the printed certificate can check that it is genuine."""
    certificate = Certificate.objects.filter(token=token).first()
    return render(
        request,
        "volunteers/certificate_verify.html",
        {
            "certificate": certificate,
            "masked_name": mask_name(certificate.holder_name) if certificate else "",
        },
        status=200 if certificate else 404,
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    from volunteers.models import CalendarFeed

    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    body = calendar.calendar_for(
        selectors.calendar_signups(user=feed.user), name=_("我的志愿服务"), request=request
    )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@login_required
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_reset(user=request.user)
    messages.success(request, _("已生成新的日历订阅地址，旧地址已失效。"))
    return redirect("account_home")
