"""Anonymous pages: their HTTP caching headers and the server-side page cache.

An anonymous GET (no session and no messages cookie) of a page whose answer sets no cookie
is answered `Cache-Control: public, max-age=0, s-maxage=…` without `Vary: Cookie`: the same
bytes for every visitor, so a shared cache may keep them. Everything else that a signed-in
person (or a visitor with a session, e.g. one who answered a survey) sees is
`private, no-store`, and so is every answer that sets a cookie.

The server-side cache keeps those public answers of the pages that declare what they show
(`depends_on`, `public_page`, and every Wagtail page through the `before_serve_page` hook)
under the URL (scheme, host, path with its language prefix, query string). Each page is
stored with the versions of the tags it depends on; `purge(tag)` bumps a tag's version, so
every page stored under the old version is stale at once, in every process (the versions
live in the same cache, Redis when REDIS_URL is set). The tags:

- "site": every page (the navigation and footer are on every page). Wagtail's page
  signals (publish, unpublish, move, delete) and the site settings bump it.
- "projects", "volunteers", "cases": the app's public pages and the home page's sections;
  bumped when a model shown on them is saved or deleted (PURGED_BY_MODELS) and by the
  services that change them with bulk updates.
- "survey:<id>": one survey's page and results, bumped with its results version
  (surveys.results_cache.survey_results_changed, on every new or changed answer).

A page whose content changes with the clock (a survey opening, a shift's sign-up
deadline) is kept CLOCK_TTL seconds at most; see README.md, "Languages and caching".
"""

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation.trans_real import parse_accept_lang_header

from portal.cache import bump_versions, current_versions

# Pages purged on every change of what they show: kept at most this long (it bounds memory).
DEFAULT_TTL = 600
# Pages that also change with the clock: a few seconds late is harmless (the POSTs check
# the time themselves), see README.md.
CLOCK_TTL = 10
# The survey pages have a tag each ("survey:<id>"); the lists of surveys change only when a
# survey page is published (and their answer counts rely on the TTL, see README.md).
APP_TAGS = ("projects", "volunteers", "cases")
ALL_TAGS = ("site", *APP_TAGS)
MAX_QUERY_LENGTH = 512
PREFIX = "pagecache"

# Paths never cached nor made public here: each area sets its own headers.
NEVER_PUBLIC_PREFIXES = (
    "/admin/",
    "/api/",
    "/_allauth/",
    "/static/",
    "/media/",
    "/csrf-token/",
    "/accounts/",
    "/en/accounts/",
    "/me/",
    "/en/me/",
    "/__bench__/",
)
MESSAGES_COOKIE = "messages"
# The API's public reads are cached like pages when the caller shows no identity: no cookie
# (above), no session token, no visitor token, no Authorization header. An operation opts in
# with depends_on() like a page; its headers (ETag, Cache-Control: no-cache, Vary) are kept
# as it set them, and its language, which comes from Accept-Language, is part of the key.
API_CACHED_PREFIXES = ("/api/v1/", "/api/v2/")
IDENTITY_HEADERS = ("HTTP_X_SESSION_TOKEN", "HTTP_X_VISITOR_TOKEN", "HTTP_AUTHORIZATION")


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_ENABLED", True)


def _tag_key(tag: str) -> str:
    return f"{PREFIX}:tag:{tag}"


def tag_versions(tags) -> dict:
    """The current version of each tag (a fresh, never-used number for a tag not yet in
    the cache, so that a version lost from the cache is never reused): one round trip on
    Redis (portal.cache.current_versions)."""
    tags = list(tags)
    return dict(zip(tags, current_versions(tag_keys(tags)), strict=True))


def tag_keys(tags) -> list[str]:
    return [_tag_key(tag) for tag in tags]


def purge(*tags: str) -> None:
    """Every cached page that depends on one of `tags` is stale. Bumped now and again after
    the surrounding transaction commits, so that a page rendered meanwhile from the
    uncommitted state is not kept under the new version (one round trip each on Redis).
    Inside `purges_gathered()`, the bump now waits for the end of that block."""
    gathered = _gathered.get()
    if gathered is not None:
        gathered.update(tag_keys(tags))
        return
    bump_now_and_after_commit(tag_keys(tags))


_gathered: ContextVar[set | None] = ContextVar("page_cache_gathered", default=None)


@contextmanager
def purges_gathered():
    """The purges made inside the block (a service's saves, each purging its tags through
    the model signals) are bumped once, at the end of the block, instead of one round trip
    to Redis each: a case report's case, history row and statistics rows each purge
    "cases". For a block that renders no page while it runs (a service, not a view)."""
    if _gathered.get() is not None:  # an outer block gathers them
        yield
        return
    token = _gathered.set(set())
    try:
        yield
    finally:
        keys = _gathered.get()
        _gathered.reset(token)
        if keys:
            bump_now_and_after_commit(sorted(keys))


class _BumpAfterCommit:
    """The after-commit half of a purge; knows its keys, so that a transaction that purges
    the same tags again (a case and its history row, each saved) bumps them once."""

    def __init__(self, keys: list[str]):
        self.keys = frozenset(keys)

    def __call__(self):
        bump_versions(self.keys)


def bump_now_and_after_commit(keys: list[str]) -> None:
    bump_versions(keys)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    # Once per transaction after its commit, however many of its saves purged the same tags
    # (a callback of a savepoint rolled back is gone from this list, so is not counted).
    pending = (entry[1] for entry in connection.run_on_commit)
    if not any(isinstance(f, _BumpAfterCommit) and f.keys >= set(keys) for f in pending):
        transaction.on_commit(_BumpAfterCommit(keys))


def depends_on(request, *tags: str, ttl: int = DEFAULT_TTL) -> None:
    """Declare that the page being served shows what `tags` stand for ("site" is always
    added): its anonymous answer may be kept in the page cache. The versions are read now,
    before the page is rendered, so that a purge during rendering is not missed."""
    if not enabled() or not getattr(request, "_page_cache_candidate", False):
        return
    versions = getattr(request, "_page_cache_versions", {})
    wanted = [tag for tag in ("site", *tags) if tag not in versions]
    if wanted:
        versions.update(tag_versions(wanted))
    request._page_cache_versions = versions
    request._page_cache_ttl = min(ttl, getattr(request, "_page_cache_ttl", ttl))


def public_page(*tags: str, ttl: int = DEFAULT_TTL):
    """View decorator: the page's anonymous answer may be cached (see depends_on)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            depends_on(request, *tags, ttl=ttl)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def survey_tag(survey_id: int) -> str:
    return f"survey:{survey_id}"


def _is_api(request) -> bool:
    return request.path.startswith(API_CACHED_PREFIXES)


def _is_candidate(request) -> bool:
    """A request whose answer is the same for every visitor: a GET without a session or
    messages cookie, outside the areas that set their own headers; under the API, one that
    carries no token either."""
    if not (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and len(request.META.get("QUERY_STRING", "")) <= MAX_QUERY_LENGTH
    ):
        return False
    if _is_api(request):
        return not any(header in request.META for header in IDENTITY_HEADERS)
    return not request.path.startswith(NEVER_PUBLIC_PREFIXES)


def _first_language(request) -> str:
    """The language an API caller ranks first (Accept-Language, as api.middleware ranks it):
    callers who rank the same language first get the same answer."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:255]
    try:
        ranked = parse_accept_lang_header(header)
    except ValueError:
        ranked = ()
    return ranked[0][0].lower() if ranked else ""


def _page_key(request) -> str:
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    if _is_api(request):
        url += f"#lang={_first_language(request)}"
    return f"{PREFIX}:page:" + hashlib.sha256(url.encode()).hexdigest()


def etag_matches(request, etag: str) -> bool:
    """Whether the request's If-None-Match names `etag` (weak comparison, or `*`)."""
    wanted = request.headers.get("If-None-Match", "")
    if not etag or not wanted:
        return False
    candidates = {tag.strip() for tag in wanted.split(",")}
    weak = {tag.removeprefix("W/") for tag in candidates}
    return "*" in candidates or etag in candidates or etag.removeprefix("W/") in weak


def _not_modified(request, headers: dict):
    """A 304 for a cached answer whose ETag the caller already has (If-None-Match)."""
    if etag_matches(request, headers.get("ETag", "")):
        response = HttpResponseNotModified()
        for name in ("ETag", "Vary", "Content-Language", "Cache-Control"):
            if name in headers:
                response.headers[name] = headers[name]
        response.headers["X-Page-Cache"] = "hit"
        return response
    return None


def _cached_response(request):
    try:
        key = _page_key(request)
    except Exception:  # a disallowed host: let Django answer it
        return None
    entry = cache.get(key)
    if entry is None:
        return None
    versions, status, headers, content = entry
    if tag_versions(versions) != versions:
        return None
    not_modified = _not_modified(request, dict(headers))
    if not_modified is not None:
        return not_modified
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value
    response.headers["X-Page-Cache"] = "hit"
    return response


def _store(request, response) -> None:
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in ("set-cookie", "x-page-cache")
    ]
    entry = (request._page_cache_versions, response.status_code, headers, response.content)
    cache.set(_page_key(request), entry, request._page_cache_ttl)


def _is_public(request, response, candidate: bool) -> bool:
    user = getattr(request, "user", None)
    return (
        candidate
        and response.status_code == 200
        and not response.cookies
        and not response.streaming
        and "Cache-Control" not in response.headers
        and not (user is not None and user.is_authenticated)
    )


def _drop_vary_cookie(response) -> None:
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    kept = [v for v in vary if v.lower() != "cookie"]
    if kept:
        response.headers["Vary"] = ", ".join(kept)
    elif "Vary" in response.headers:
        del response.headers["Vary"]


class PageCacheMiddleware:
    """Goes before the session middleware: a cached answer is sent without loading the
    session or the user, and the answer's headers are set after every inner middleware
    (the session's `Vary: Cookie` included) has had its say."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _storable_api_answer(request, response, candidate: bool) -> bool:
        """An API answer for a caller without identity, from an operation that declared what
        it shows (depends_on), with nothing personal in it."""
        user = getattr(request, "user", None)
        return (
            candidate
            and enabled()
            and bool(getattr(request, "_page_cache_versions", None))
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
            and not (user is not None and user.is_authenticated)
        )

    def __call__(self, request):
        candidate = _is_candidate(request)
        request._page_cache_candidate = candidate
        if candidate and enabled():
            cached = _cached_response(request)
            if cached is not None:
                return cached
        response = self.get_response(request)
        if request.path.startswith(NEVER_PUBLIC_PREFIXES[:6]):
            if _is_api(request) and self._storable_api_answer(request, response, candidate):
                _store(request, response)
                response.headers["X-Page-Cache"] = "miss"
            return response
        if _is_public(request, response, candidate):
            _drop_vary_cookie(response)
            patch_cache_control(
                response, public=True, max_age=0, s_maxage=settings.PAGE_CACHE_S_MAXAGE
            )
            if enabled() and getattr(request, "_page_cache_versions", None):
                _store(request, response)
                response.headers["X-Page-Cache"] = "miss"
        else:
            user = getattr(request, "user", None)
            personal = (user is not None and user.is_authenticated) or response.cookies
            if "Cache-Control" not in response.headers:
                add_never_cache_headers(response)
            elif personal:
                patch_cache_control(response, private=True, no_store=True)
        return response


# What bumps which tag. Models saved or deleted outside a bulk update; the services that
# use bulk updates call purge() themselves.
PURGED_BY_MODELS = {
    # A site's host, port or root page: every page (and every cached route, portal.routing).
    "wagtailcore.Site": "site",
    # Who may see a page: the menus and lists that leave private pages out.
    "wagtailcore.PageViewRestriction": "site",
    "volunteers.Shift": "volunteers",
    "volunteers.SignUp": "volunteers",
    "volunteers.RosterMembership": "volunteers",
    "volunteers.ServiceRecord": "volunteers",
    "volunteers.Certificate": "volunteers",
    "portal.Grid": "volunteers",
    "projects.Organization": "projects",
    "projects.Category": "projects",
    "cases.Case": "cases",
    "cases.CaseCategory": "cases",
    "cases.CaseEvent": "cases",
    "cases.CasePhoto": "cases",
    "cases.CaseFollower": "cases",
}


def _page_tags(page) -> tuple:
    specific_class = page.specific_class or type(page)
    tags = getattr(specific_class, "page_cache_tags", None)
    if callable(tags):
        return tuple(tags(page))
    return APP_TAGS if tags is None else tuple(tags)


def before_serve_page(page, request, serve_args, serve_kwargs):
    """Wagtail hook: every Wagtail page may be cached, with the tags its class declares
    (`page_cache_tags`, a tuple or a function of the page; every app by default)."""
    ttl = getattr(page.specific_class or type(page), "page_cache_ttl", CLOCK_TTL)
    depends_on(request, *_page_tags(page), ttl=ttl)


def _on_page_change(sender, **kwargs):
    purge("site")


def _on_page_saved_or_deleted(sender, instance, **kwargs):
    """A page saved without publishing (scripts, tests, Wagtail's own bookkeeping) or
    deleted: Wagtail has no deletion signal of its own."""
    from wagtail.models import Page

    if isinstance(instance, Page):
        purge("site")


def _on_site_settings_saved(sender, created=False, **kwargs):
    """The district's name, hotline and footer text are in every page's header and footer.
    A row just created holds the defaults the pages showed already (SiteSettings.for_site
    creates it on first use, while a page is being rendered)."""
    if not created:
        purge("site")


def connect_signals() -> None:
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(_on_page_change, dispatch_uid="page_cache_published")
    page_unpublished.connect(_on_page_change, dispatch_uid="page_cache_unpublished")
    post_page_move.connect(_on_page_change, dispatch_uid="page_cache_moved")
    post_save.connect(_on_page_saved_or_deleted, dispatch_uid="page_cache_page_saved")
    post_delete.connect(_on_page_saved_or_deleted, dispatch_uid="page_cache_page_deleted")
    post_save.connect(
        _on_site_settings_saved,
        sender=apps.get_model("portal.SiteSettings"),
        dispatch_uid="page_cache_site_settings",
    )
    for label, tag in PURGED_BY_MODELS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue

        def changed(sender, _tag=tag, **kwargs):
            purge(_tag)

        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"pc_s_{label}")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"pc_d_{label}")
