"""On the day and after: the check-in code with its QR image, checking in, and confirming
attendance with the hours to credit."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.forms import add_service_errors
from volunteers import selectors, services
from volunteers.forms import AttendanceFormSet, AttendanceReasonForm, CheckInForm
from volunteers.models import SignUp
from volunteers.views.common import managed_shift_or_403, shift_or_404


@login_required
@require_GET
def shift_code(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in code and a QR image of the check-in address, for the leader to show."""
    shift = managed_shift_or_403(request, pk)
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
    shift = shift_or_404(pk)
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
    shift = managed_shift_or_403(request, pk)
    signups = [
        s
        for s in selectors.shift_signups(shift=shift)
        if s.status in (SignUp.Status.CONFIRMED, SignUp.Status.ATTENDED, SignUp.Status.ABSENT)
    ]
    data = request.POST if request.method == "POST" else None
    formset = AttendanceFormSet(data, signups=signups, default_hours=shift.duration_hours)
    reason_form = AttendanceReasonForm(data)
    if data is not None and formset.is_valid() and reason_form.is_valid():
        try:
            records = services.shift_confirm_attendance(
                shift=shift,
                by=request.user,
                attended=formset.attended(),
                hours=formset.hours(),
                reason=reason_form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(reason_form, error, field=None, joined=True)
        else:
            messages.success(
                request, _("已确认出勤，%(n)d人的服务时长已记录。") % {"n": len(records)}
            )
            return redirect("volunteers:shift_detail", pk=shift.pk)
    return render(
        request,
        "volunteers/attendance.html",
        {"shift": shift, "formset": formset, "reason_form": reason_form},
    )
