"""Shared parts of pages rendered once and reused: the home page's sections, the header's
navigation, the site and the route to a page.

A fragment is stored under its name, the language and what else it varies by (`vary`, e.g.
a community), with the versions of the page-cache tags it depends on (portal.page_cache,
"site" always included) at which it was rendered. A purge of one of those tags (publishing
a page, saving a case, a service's bulk update) changes a version, so a stale fragment is
never used again, in any process; it expires after its TTL. The versions are read before
rendering, so a change made during rendering is not kept under the new version. Django's
`{% cache %}` fragments put the versions in their key instead (version_signature).

Only what is the same for everyone who shares the key may go in a fragment: a signed-in
person's own data (their account menu, unread notifications, answered surveys) stays out
or is keyed by the person.
"""

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language

from portal.page_cache import DEFAULT_TTL, tag_keys, tag_versions

PREFIX = "fragment"


def version_signature(tags: Iterable[str] = ()) -> str:
    """The current versions of `tags` and "site", as one string: part of a fragment's key,
    so that a purge of any of them gives the fragment a new key (also for Django's
    `{% cache %}` tag, through portal_tags.fragment_version)."""
    versions = tag_versions(("site", *tags))
    return "|".join(f"{tag}={versions[tag]}" for tag in sorted(versions))


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
    return cached_value(name, render, tags=tags, vary=vary, ttl=ttl)


def cached_value(
    name: str,
    compute: Callable[[], Any],
    *,
    tags: Iterable[str] = (),
    vary: Iterable = (),
    ttl: int = DEFAULT_TTL,
) -> Any:
    """`compute()`'s result (anything picklable: HTML, figures), kept like a fragment.

    It is stored under its name, language and `vary` with the versions of its tags it was
    computed at; the entry and the current versions are read in one round trip (a
    multi-get) and the entry is used only when the versions are still the same. A new
    result replaces the stale entry instead of adding a key per version."""
    tags = sorted({"site", *tags})
    parts = "|".join(str(part) for part in vary)
    digest = hashlib.sha256(parts.encode()).hexdigest()[:32]
    key = f"{PREFIX}:{name}:{get_language()}:{digest}"
    version_keys = tag_keys(tags)
    found = cache.get_many([key, *version_keys])
    if all(version_key in found for version_key in version_keys):
        versions = [found[version_key] for version_key in version_keys]
    else:  # a tag never purged yet: give it its first version
        current = tag_versions(tags)
        versions = [current[tag] for tag in tags]
    entry = found.get(key)
    if entry is not None and entry[0] == versions:
        return entry[1]
    value = compute()
    cache.set(key, (versions, value), ttl)
    return value
