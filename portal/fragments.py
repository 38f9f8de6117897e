"""Shared parts of pages rendered once and reused: the home page's sections, the header's
navigation, the site and the route to a page.

A fragment is stored under its name, the language, what else it varies by (`vary`, e.g. a
community) and the versions of the page-cache tags it depends on (portal.page_cache, "site"
always included). A purge of one of those tags (publishing a page, saving a case, a
service's bulk update) changes the key, so a stale fragment is never read again, in any
process; it expires after its TTL. The versions are read before rendering, so a change made
during rendering is not kept under the new version.

Only what is the same for everyone who shares the key may go in a fragment: a signed-in
person's own data (their account menu, unread notifications, answered surveys) stays out
or is keyed by the person.
"""

import hashlib
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.utils.translation import get_language

from portal.page_cache import DEFAULT_TTL, tag_versions

PREFIX = "fragment"


def version_signature(tags: Iterable[str] = ()) -> str:
    """The current versions of `tags` and "site", as one string: part of a fragment's key,
    so that a purge of any of them gives the fragment a new key (also for Django's
    `{% cache %}` tag, through portal_tags.fragment_version)."""
    versions = tag_versions(("site", *tags))
    return "|".join(f"{tag}={versions[tag]}" for tag in sorted(versions))


def fragment_key(name: str, *, tags: Iterable[str] = (), vary: Iterable = ()) -> str:
    """The cache key of a fragment at the current versions of its tags."""
    signature = version_signature(tags)
    parts = "|".join(str(part) for part in vary)
    digest = hashlib.sha256(f"{signature}#{parts}".encode()).hexdigest()[:32]
    return f"{PREFIX}:{name}:{get_language()}:{digest}"


def cached_fragment(
    name: str,
    render: Callable[[], str | None],
    *,
    tags: Iterable[str] = (),
    vary: Iterable = (),
    ttl: int = DEFAULT_TTL,
) -> str | None:
    """`render()`'s HTML (or None: nothing to show), from the cache when a process has
    rendered it since the last purge of `tags` and less than `ttl` seconds ago."""
    key = fragment_key(name, tags=tags, vary=vary)
    entry = cache.get(key)
    if entry is not None:
        return entry[0]
    html = render()
    cache.set(key, (html,), ttl)
    return html
