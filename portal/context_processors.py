from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from wagtail.models import Page, Site

from portal.models import Notification, SiteSettings
from portal.routing import site_for_request

MENU_CACHE_KEY = "portal:menu:{site_id}:{language}"
SITE_SETTINGS_CACHE_KEY = "portal:site-settings:{site_id}"


def cached_site_settings(request) -> dict:
    """The district name, hotline and footer text for the header and footer, cached until
    the settings are saved (see portal.signals)."""
    site = site_for_request(request)
    if site is None:
        return {}
    key = SITE_SETTINGS_CACHE_KEY.format(site_id=site.pk)
    values = cache.get(key)
    if values is None:
        current = SiteSettings.for_site(site)
        values = {
            "district_name": current.district_name,
            "hotline": current.hotline,
            "footer_text": current.footer_text,
        }
        cache.set(key, values, 300)
    return values


def menu_pages(request) -> list[dict]:
    """The home page's children marked "show in menus", cached until a page changes."""
    site = site_for_request(request)
    if site is None:
        return []
    # The URLs carry the language prefix (/en/ for English).
    key = MENU_CACHE_KEY.format(site_id=site.pk, language=get_language())
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
    """The header's and footer's site settings, and the signed-in person's unread
    notifications (one query). The navigation's links are a cached fragment
    (portal_tags.main_navigation)."""
    context = {"site_settings": cached_site_settings(request)}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if not hasattr(request, "_unread_notifications"):
            request._unread_notifications = Notification.objects.filter(
                recipient=user, read_at__isnull=True
            ).count()
        context["unread_notifications"] = request._unread_notifications
    return context


def clear_menu_cache() -> None:
    cache.delete_many(
        [
            MENU_CACHE_KEY.format(site_id=site_id, language=code)
            for site_id in Site.objects.values_list("pk", flat=True)
            for code, _name in settings.LANGUAGES
        ]
    )


def clear_site_settings_cache() -> None:
    for site_id in Site.objects.values_list("pk", flat=True):
        cache.delete(SITE_SETTINGS_CACHE_KEY.format(site_id=site_id))
