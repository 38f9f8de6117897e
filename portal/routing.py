"""The site and the page of a request from the cache instead of the page tree.

Wagtail finds the site of every request with a query, then walks the page tree from the
site's root, two queries per level of the URL (the child by its slug, then its specific
row): five queries for a news page before it is rendered. Both answers change only when a
page or a site changes, and every such change bumps the page-cache tag "site"
(portal.page_cache), so they are kept under that tag's version:

- the site of a host and port, with the URL path of its root page;
- the page a URL path leads to (its model, id and how many path components it took; the
  rest goes to the page's own `route()`, e.g. a survey's results).

A cached route costs one query (the page itself). The page is still checked as Wagtail
checks it: `route()` answers 404 for a page that is not live, and the view restrictions
and `before_serve_page` hooks run as usual.
"""

import hashlib

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import Http404
from django.http.request import split_domain_port
from wagtail import views as wagtail_views
from wagtail.models import Page, Site

from portal.page_cache import DEFAULT_TTL, tag_versions

PREFIX = "routing"


def _host_and_port(request) -> tuple[str, int] | None:
    try:
        request.get_host()  # only hosts in ALLOWED_HOSTS fill the cache
    except DisallowedHost:
        return None
    return split_domain_port(request._get_raw_host())[0], request.get_port()


def _keys(request, path: str | None = None) -> tuple[str, str | None] | None:
    host_port = _host_and_port(request)
    if host_port is None:
        return None
    version = tag_versions(["site"])["site"]
    host = f"{host_port[0]}:{host_port[1]}"
    site_key = f"{PREFIX}:site:{version}:{host}"
    route_key = None
    if path is not None:
        digest = hashlib.sha256(f"{host}/{path}".encode()).hexdigest()
        route_key = f"{PREFIX}:route:{version}:{digest}"
    return site_key, route_key


def _site_entry(request) -> tuple[Site | None, str]:
    """(The request's site, its root page's URL path), found the way Wagtail finds it."""
    site = Site._find_for_request(request)
    root_url_path = ""
    if site is not None:
        root_url_path = (
            Page.objects.filter(pk=site.root_page_id).values_list("url_path", flat=True).first()
            or ""
        )
    return site, root_url_path


def site_for_request(request) -> Site | None:
    """Wagtail's Site.find_for_request, from the cache when it can."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    keys = _keys(request)
    if keys is None:
        return Site.find_for_request(request)
    entry = cache.get(keys[0])
    if entry is None:
        entry = _site_entry(request)
        cache.set(keys[0], entry, DEFAULT_TTL)
    request._wagtail_site = entry[0]
    return entry[0]


def _path_components(path: str) -> list[str]:
    return [component for component in path.split("/") if component]


class PageRoutingCacheMiddleware:
    """Before Wagtail's serve view runs, fills Wagtail's own per-request answers
    (`request._wagtail_site`, `request._wagtail_route_for_request`) from the cache; after
    it, keeps the route Wagtail found."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        pending = getattr(request, "_portal_route_to_store", None)
        if pending is not None:
            self._store(request, *pending)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is not wagtail_views.serve or not view_args:
            return None
        path = view_args[0]
        keys = _keys(request, path)
        if keys is None:
            return None
        site_key, route_key = keys
        found = cache.get_many([site_key, route_key])
        entry = found.get(site_key)
        if entry is None:
            entry = _site_entry(request)
            cache.set(site_key, entry, DEFAULT_TTL)
        site, root_url_path = entry
        request._wagtail_site = site
        if site is None:
            return None
        components = _path_components(path)
        route = found.get(route_key)
        if route is not None:
            label, pk, taken = route
            model = apps.get_model(label)
            page = model._default_manager.filter(pk=pk).first()
            if page is not None:
                try:
                    request._wagtail_route_for_request = page.route(request, components[taken:])
                except Http404:
                    request._wagtail_route_for_request = None
                return None
        request._portal_route_to_store = (route_key, root_url_path, components)
        return None

    @staticmethod
    def _store(request, route_key: str, root_url_path: str, components: list[str]) -> None:
        """Keep the page Wagtail's route() reached, when it lies on the requested path."""
        result = getattr(request, "_wagtail_route_for_request", None)
        if not result or not root_url_path:
            return
        page = result[0]
        taken = len(_path_components(page.url_path)) - len(_path_components(root_url_path))
        expected = root_url_path + "".join(f"{component}/" for component in components[:taken])
        if taken < 0 or page.url_path != expected:
            return
        cache.set(route_key, (page._meta.label, page.pk, taken), DEFAULT_TTL)
