from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.models import Page

from portal import registry, selectors, services
from portal.forms import ProfileForm, SearchForm

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


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Site search over every public page, Chinese words found inside longer text."""
    form = SearchForm(request.GET)
    query = ""
    page_obj = None
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
    if query:
        results = Page.objects.live().public().specific().search(query, operator="and")
        paginator = Paginator(results, SEARCH_PAGE_SIZE)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
    return render(
        request,
        "portal/search.html",
        {"form": form, "query": query, "page_obj": page_obj},
    )


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    """我的 — the resident's own space: profile and what each app adds."""
    user = selectors.user_with_home(user_id=request.user.pk)
    return render(
        request,
        "portal/account_home.html",
        {"profile": user, "sections": registry.render_account_sections(request)},
    )


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = selectors.user_with_home(user_id=request.user.pk)
    if request.method == "POST" and "refresh" not in request.POST:
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            services.user_update_profile(
                user=user,
                display_name=form.cleaned_data["display_name"],
                mobile=form.cleaned_data["mobile"],
                mobile_consent=form.cleaned_data["mobile_consent"],
                home_grid=form.cleaned_data["grid"],
            )
            messages.success(request, _("个人资料已保存。"))
            return redirect("account_home")
    elif request.method == "POST":
        # "Update choices" without JavaScript: redisplay with narrowed selects, no errors.
        form = ProfileForm(request.POST, instance=user)
        form._errors = {}
    else:
        form = ProfileForm(instance=user)
    return render(request, "portal/profile_edit.html", {"form": form})


@require_GET
def geo_options(request: HttpRequest, level: str) -> JsonResponse:
    """Options for the linked street → community → grid selects."""
    try:
        parent_id = int(request.GET.get("parent", ""))
    except ValueError:
        return JsonResponse({"options": []})
    if level == "communities":
        rows = selectors.communities_of_street(street_id=parent_id)
    else:
        rows = selectors.grids_of_community(community_id=parent_id)
    return JsonResponse({"options": [{"value": r.pk, "label": r.name} for r in rows]})
