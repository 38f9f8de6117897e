"""Reads shared by portal pages, the account area and exports."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from wagtail.models import Site

from portal.models import Community, Grid, Notification, NotificationPreference, SiteSettings, User


def site_settings(request=None) -> SiteSettings | None:
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return None
    return SiteSettings.for_site(site)


def current_privacy_version(request=None) -> str:
    current = site_settings(request)
    if current is None:
        return settings.PRIVACY_NOTICE_DEFAULT_VERSION
    return current.privacy_notice_version


def communities_of_street(*, street_id: int) -> QuerySet[Community]:
    return Community.objects.filter(street_id=street_id).only("pk", "name")


def grids_of_community(*, community_id: int) -> QuerySet[Grid]:
    return Grid.objects.filter(community_id=community_id).only("pk", "name")


def user_with_home(*, user_id: int) -> User:
    return User.objects.select_related("home_grid__community__street").get(pk=user_id)


def notifications_of(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).only(
        "pk", "subject", "created_at", "read_at", "kind"
    )


def notification_channels(*, user: User) -> dict[str, str]:
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))


RESTRICTED_PATHS_CACHE_KEY = "portal:restricted-page-paths"


def restricted_page_paths() -> list[str]:
    """Tree paths of pages with a view restriction (login, password, groups), cached until a
    restriction changes (portal.signals). Lists of public pages exclude everything below."""
    from wagtail.models import PageViewRestriction

    paths = cache.get(RESTRICTED_PATHS_CACHE_KEY)
    if paths is None:
        paths = sorted(PageViewRestriction.objects.values_list("page__path", flat=True))
        cache.set(RESTRICTED_PATHS_CACHE_KEY, paths, 3600)
    return paths


def alias_pages_exist() -> bool:
    """Whether any page is an alias of another (they take their source's view
    restrictions), cached until a page changes (the page-cache tag "site")."""
    from wagtail.models import Page

    from portal.page_cache import DEFAULT_TTL, tag_versions

    key = f"portal:alias-pages-exist:{tag_versions(['site'])['site']}"
    exists = cache.get(key)
    if exists is None:
        exists = Page.objects.filter(alias_of__isnull=False).exists()
        cache.set(key, exists, DEFAULT_TTL)
    return exists


def public_pages(queryset):
    """`queryset.public()` without a query per call: the same exclusion of privately viewable
    pages, from the cached list of restricted paths."""
    paths = restricted_page_paths()
    if not paths:
        return queryset
    private = Q()
    for path in paths:
        private |= Q(path__startswith=path)
    return queryset.exclude(private)
