from django.core.cache import cache
from wagtail.models import Page, Site

from portal import registry
from portal.models import Notification

MENU_CACHE_KEY = "portal:menu:{site_id}"


def menu_pages(request) -> list[dict]:
    """The home page's children marked "show in menus", cached until a page changes."""
    site = Site.find_for_request(request)
    if site is None:
        return []
    key = MENU_CACHE_KEY.format(site_id=site.pk)
    pages = cache.get(key)
    if pages is None:
        pages = [
            {"title": page.title, "url": page.relative_url(site)}
            for page in Page.objects.child_of(site.root_page)
            .live()
            .public()
            .in_menu()
            .specific(defer=True)
            .only("title", "url_path", "path", "depth")
        ]
        cache.set(key, pages, 300)
    return pages


def site_navigation(request):
    """The main navigation: menu pages plus the links the apps register, and the signed-in
    person's unread notifications (one query)."""
    context = {"nav_items": menu_pages(request) + registry.nav_items()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if not hasattr(request, "_unread_notifications"):
            request._unread_notifications = Notification.objects.filter(
                recipient=user, read_at__isnull=True
            ).count()
        context["unread_notifications"] = request._unread_notifications
    return context


def clear_menu_cache() -> None:
    for site_id in Site.objects.values_list("pk", flat=True):
        cache.delete(MENU_CACHE_KEY.format(site_id=site_id))
