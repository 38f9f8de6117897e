"""The volunteer's service record, certificates (issue, print, public verification) and the
iCalendar feed."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import page_cache
from portal.permissions import is_district_admin
from volunteers import calendar, selectors, services
from volunteers.models import CalendarFeed, Certificate, ServiceRecord
from volunteers.views.common import error_text


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
        messages.error(request, error_text(error))
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


@require_GET
@page_cache.public_page("volunteers", ttl=page_cache.DEFAULT_TTL)
def certificate_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the printed certificate can check that it is genuine."""
    certificate = selectors.certificate_for_verification(token=token)
    return render(
        request,
        "volunteers/certificate_verify.html",
        {
            "certificate": certificate,
            "masked_name": selectors.mask_name(certificate.holder_name) if certificate else "",
        },
        status=200 if certificate else 404,
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:

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
