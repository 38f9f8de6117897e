from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.models import Page

from portal import notifications, page_cache, selectors, services
from portal.filters import parse_id
from portal.forms import (
    AccountDeleteForm,
    NotificationPreferencesForm,
    PrivacyConsentForm,
    ProfileForm,
    SearchForm,
    add_service_errors,
    redisplayed_form,
)
from portal.models import Notification
from portal.sections import render_account_sections

SEARCH_PAGE_SIZE = 10


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers: 200 "ok" or 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
@require_GET
def csrf_token(request: HttpRequest) -> JsonResponse:
    """The CSRF token for a form on a cached page, fetched by site.js when the form is sent
    (the answer sets the csrftoken cookie; the page itself set none)."""
    return JsonResponse({"token": get_token(request)})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token: most often a page from the cache whose
    script could not fetch the token (scripts off, a network error). Said in words, with
    the way back to the form."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    response = render(request, "portal/csrf_failure.html", {"back": back}, status=403)
    add_never_cache_headers(response)
    return response


@require_GET
@page_cache.public_page(*page_cache.APP_TAGS, ttl=page_cache.CLOCK_TTL)
def search(request: HttpRequest) -> HttpResponse:
    """Site search over every public page, Chinese words found inside longer text."""
    form = SearchForm(request.GET)
    query = ""
    page_obj = None
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
    if query:
        results = (
            selectors.public_pages(Page.objects.live()).specific().search(query, operator="and")
        )
        paginator = Paginator(results, SEARCH_PAGE_SIZE)
        page_obj = paginator.get_page(request.GET.get("page", 1))
    return render(
        request,
        "portal/search.html",
        {"form": form, "query": query, "page_obj": page_obj},
    )


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    """我的 — the resident's own space: profile and what each app adds."""
    # The auth backend loaded the user with home grid, community and street.
    user = request.user
    return render(
        request,
        "portal/account_home.html",
        {"profile": user, "sections": render_account_sections(request)},
    )


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = selectors.user_with_home(user_id=request.user.pk)
    if request.method == "POST" and "refresh" not in request.POST:
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            try:
                services.user_update_profile(
                    user=user,
                    display_name=form.cleaned_data["display_name"],
                    mobile=form.cleaned_data["mobile"],
                    mobile_consent=form.cleaned_data["mobile_consent"],
                    home_grid=form.cleaned_data["grid"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("个人资料已保存。"))
                return redirect("account_home")
    elif request.method == "POST":
        # "Update choices" without JavaScript: redisplay with narrowed selects, no errors.
        form = redisplayed_form(ProfileForm, request.POST, instance=user)
    else:
        form = ProfileForm(instance=user)
    return render(request, "portal/profile_edit.html", {"form": form})


@require_GET
def geo_options(request: HttpRequest, level: str) -> JsonResponse:
    """Options for the linked street → community → grid selects."""
    parent_id = parse_id(request.GET.get("parent", ""))
    if parent_id is None:
        return JsonResponse({"options": [], "error": _("上级区域的编号无效。")}, status=400)
    if level == "communities":
        rows = selectors.communities_of_street(street_id=parent_id)
    else:
        rows = selectors.grids_of_community(community_id=parent_id)
    return JsonResponse({"options": [{"value": r.pk, "label": r.name} for r in rows]})


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """站内消息: newest first, unread marked; opening one marks it read."""
    if request.method == "POST":
        notifications.notification_mark_read(user=request.user)
        messages.success(request, _("已全部标为已读。"))
        return redirect("notification_list")
    paginator = Paginator(selectors.notifications_of(user=request.user), 20)
    page_obj = paginator.get_page(request.GET.get("page", 1))
    return render(request, "portal/notification_list.html", {"page_obj": page_obj})


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    if request.method == "POST":
        notifications.notification_mark_read(user=request.user, notification_id=notification.pk)
        if notification.url and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()}
        ):
            return redirect(notification.url)
        return redirect("notification_detail", notification_id=notification.pk)
    if notification.read_at is None:
        notifications.notification_mark_read(user=request.user, notification_id=notification.pk)
    return render(request, "portal/notification_detail.html", {"notification": notification})


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    kinds = list(notifications.notification_kinds().values())
    current = selectors.notification_channels(user=request.user)
    form = NotificationPreferencesForm(request.POST or None, kinds=kinds, current=current)
    if request.method == "POST" and form.is_valid():
        notifications.notification_preferences_save(user=request.user, channels=form.cleaned_data)
        messages.success(request, _("消息设置已保存。"))
        return redirect("notification_list")
    return render(request, "portal/notification_preferences.html", {"form": form})


@login_required
def data_download(request: HttpRequest) -> HttpResponse:
    """下载我的数据: a page that explains; its POST queues the ZIP (a task writes it), and the
    page then shows its progress and, when ready, the download (kept for a day)."""
    from portal import export_jobs, export_views

    if request.method == "POST":
        export_jobs.personal_data_request(user=request.user)
        return redirect("data_download")
    job = export_views.latest_personal_data_job(request.user)
    context = {"job": job}
    if job is not None:
        context["status_url"] = reverse("data_download_status", args=[job.pk])
        context["download_url"] = reverse("data_download_file", args=[job.pk])
    return render(request, "portal/data_download.html", context)


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    blockers = services.account_deletion_blockers(user=request.user)
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and not blockers and form.is_valid():
        try:
            services.account_delete(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_service_errors(form, error)
            else:
                blockers = error.messages
        else:
            logout(request)
            messages.success(request, _("您的账号已注销，个人信息已删除。感谢您的参与。"))
            return redirect("/")
    return render(request, "portal/account_delete.html", {"form": form, "blockers": blockers})


@login_required
def privacy_consent(request: HttpRequest) -> HttpResponse:
    from portal.middleware import current_privacy_version_cached

    version = current_privacy_version_cached(request)
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    form = PrivacyConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_accept_privacy_notice(user=request.user, version=version)
        return redirect(next_url)
    return render(
        request,
        "portal/privacy_consent.html",
        {"form": form, "next": next_url, "settings_obj": selectors.site_settings(request)},
    )


def admin_login(request: HttpRequest) -> HttpResponse:
    """One login for the whole site: Wagtail's own login would bypass allauth's rate limits,
    so /admin/login/ leads to allauth's (keeping ?next=). A person who is already logged in
    and still lands here has no admin access: Wagtail sends them to the login page, and
    allauth would send them straight back, so they get the 403 page instead of a loop."""
    if request.user.is_authenticated:
        raise PermissionDenied
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("account_login") + (f"?{query}" if query else ""))
