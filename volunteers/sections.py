"""What the volunteers app adds to other pages: the home page, the account area (我的), the
main navigation and the project page (registered as hooks in wagtail_hooks.py, see
portal.sections)."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from portal.fragments import cached_fragment
from portal.page_cache import CLOCK_TTL
from portal.sections import render_section
from volunteers import selectors


def home_section(request) -> str | None:
    """The same for everyone: rendered once per purge of "volunteers" (and at most
    CLOCK_TTL seconds: shifts start and fill up with the clock)."""

    def render() -> str | None:
        shifts = selectors.upcoming_open_shifts(limit=4) or selectors.upcoming_patrols(limit=4)
        if not shifts:
            return None
        return render_section("volunteers/home_section.html", {"shifts": shifts}, request)

    return cached_fragment("volunteers:home", render, tags=("volunteers",), ttl=CLOCK_TTL)


def account_section(request) -> str | None:
    from volunteers.models import CalendarFeed

    user = request.user
    if not user.is_authenticated:
        return None
    feed = CalendarFeed.objects.filter(user=user).first()
    certificates = selectors.user_certificates(user=user, limit=1)
    context = {
        "memberships": selectors.user_memberships(user=user),
        "shifts": selectors.user_shifts(user=user),
        "total_hours": selectors.user_total_hours(user=user),
        "certificate": certificates[0] if certificates else None,
        "feed": feed,
        "feed_url": request.build_absolute_uri(
            reverse("volunteers:calendar_feed", args=[feed.token])
        )
        if feed
        else "",
    }
    return render_section("volunteers/account_section.html", context, request)


def project_page_section(request, page) -> str:
    """The project's activities on its page (hook "projects_project_page_sections")."""
    from volunteers.permissions import can_manage_project

    def render_shifts() -> str:
        return render_to_string(
            "volunteers/_shift_list.html",
            {
                "shifts": selectors.upcoming_project_shifts(project_id=page.pk),
                "empty_text": _("暂时没有安排活动。"),
            },
        )

    # The list is the same for everyone: kept until a shift or sign-up changes
    # ("volunteers") and CLOCK_TTL seconds at most (a shift leaves it when it ends).
    shifts_html = cached_fragment(
        "volunteers-project-shifts",
        render_shifts,
        tags=("volunteers",),
        vary=(page.pk,),
        ttl=CLOCK_TTL,
    )
    context = {
        "page": page,
        "shifts_html": mark_safe(shifts_html),
        "can_manage": can_manage_project(request.user, page),
    }
    return render_section("volunteers/project_activities.html", context, request)


def nav_item() -> dict:
    return {"title": _("志愿服务"), "url": reverse("volunteers:index")}
