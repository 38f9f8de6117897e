"""What the volunteers app adds to other pages: the home page, the account area (我的), the
main navigation and the project page (through portal.registry)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import registry
from volunteers import selectors


def home_context(request):
    shifts = selectors.upcoming_open_shifts(limit=4) or selectors.upcoming_patrols(limit=4)
    if not shifts:
        return None
    return {"shifts": shifts}


def account_context(request):
    from volunteers.models import CalendarFeed

    user = request.user
    if not user.is_authenticated:
        return None
    feed = CalendarFeed.objects.filter(user=user).first()
    certificates = selectors.user_certificates(user=user, limit=1)
    return {
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


def project_context(request, page=None, **kwargs):
    from volunteers.permissions import can_manage_project

    if page is None:
        return None
    return {
        "page": page,
        "shifts": selectors.upcoming_project_shifts(project_id=page.pk),
        "can_manage": can_manage_project(request.user, page),
    }


def register() -> None:
    from volunteers import personal_data

    registry.register_personal_data(
        name="volunteering",
        export=personal_data.export_volunteering,
        erase=personal_data.erase_volunteering,
        order=50,
    )
    registry.register_nav_item(
        name="volunteers", label=_("志愿服务"), url_name="volunteers:index", order=30
    )
    registry.register_home_section(
        name="volunteers", template="volunteers/home_section.html", context=home_context, order=30
    )
    registry.register_account_section(
        name="volunteers",
        template="volunteers/account_section.html",
        context=account_context,
        order=30,
    )
    registry.register_slot_section(
        slot="service_project_page",
        name="activities",
        template="volunteers/project_activities.html",
        context=project_context,
    )
