"""The cache's hot paths: counters and version numbers in one round trip to Redis.

Every API write counts a rate limit and bumps the versions of what it changed (the page
cache's tags, a survey's results); through Django's cache API each of those is two or three
round trips (`incr` is EXISTS then INCRBY) and builds a new redis client every time. Here
they are one pipeline each on Redis, with the same meaning on the local-memory cache.

`RedisCache` is Django's Redis backend keeping one client per connection pool instead of
building one (with its table of ~170 response callbacks) for every cache call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from contextvars import ContextVar
from typing import Generic, TypeVar

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.signals import request_finished, request_started


class _ReusingClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient

    @property
    def _client(self):
        """The cache's pooled client, which django-rq takes for its queues when RQ_QUEUES
        names this cache in `USE_REDIS_CACHE` (settings, the alias "rq"): otherwise
        django-rq builds a new Redis client, and so opens a new connection, for every task
        enqueued (one per case report)."""
        return self._cache.get_client(write=True)


def _redis_backend() -> DjangoRedisCache | None:
    backend = caches["default"]
    return backend if isinstance(backend, DjangoRedisCache) else None


def count_in_window(key: str, *, period: int) -> int:
    """Add one to the counter `key`, which starts at 0 and is dropped `period` seconds after
    its first count (a fixed window); returns the new count. Atomic across processes on
    Redis (SET NX EX then INCR, in one round trip)."""
    backend = _redis_backend()
    if backend is None:
        if cache.add(key, 1, timeout=period):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.add(key, 1, timeout=period)
            return 1
    stored = backend.make_and_validate_key(key)
    pipe = backend._cache.get_client(stored, write=True).pipeline(transaction=False)  # noqa: SLF001
    pipe.set(stored, 0, ex=period, nx=True)
    pipe.incr(stored)
    return pipe.execute()[1]


# The version numbers read during the current request, so that a request that asks twice
# (a case report: its form's category, then its deadlines, both from the SLA table) pays one
# round trip. None outside a request (commands, tasks, the sweep): every read goes to the
# cache. This process's own bump forgets them, so a request reads its own changes.
_read_this_request: ContextVar[dict | None] = ContextVar("versions_read", default=None)


def _request_started(**kwargs) -> None:
    _read_this_request.set({})


def _request_finished(**kwargs) -> None:
    _read_this_request.set(None)


request_started.connect(_request_started, dispatch_uid="portal_cache_versions_started")
request_finished.connect(_request_finished, dispatch_uid="portal_cache_versions_finished")


def bump_versions(keys: Iterable[str]) -> None:
    """Give each version key a new number. A key missing from the cache (never set, or
    evicted) starts from the clock in nanoseconds, so that a number once used is never used
    again: whatever was stored under an old version stays unreachable. One round trip on
    Redis for all the keys."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    read = _read_this_request.get()
    if read:
        read.clear()
    backend = _redis_backend()
    if backend is None:
        for key in keys:
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, time.time_ns(), timeout=None)
        return
    pipe = backend._cache.get_client(write=True).pipeline(transaction=False)  # noqa: SLF001
    for key in keys:
        stored = backend.make_and_validate_key(key)
        pipe.set(stored, time.time_ns(), nx=True)
        pipe.incr(stored)
    pipe.execute()


def current_versions(keys: list[str]) -> tuple[int, ...]:
    """The number of each version key, a key missing from the cache first set from the clock
    (as `bump_versions` would): one round trip on Redis, once a request for the same keys."""
    read = _read_this_request.get()
    if read is not None:
        found = read.get(ident := tuple(keys))
        if found is None:
            found = read[ident] = _current_versions(keys)
        return found
    return _current_versions(keys)


def _current_versions(keys: list[str]) -> tuple[int, ...]:
    backend = _redis_backend()
    if backend is None:
        found = cache.get_many(keys)
        if len(found) < len(keys):
            for key in keys:
                if key not in found:
                    cache.add(key, time.time_ns(), timeout=None)
            found = cache.get_many(keys)
        return tuple(found.get(key) for key in keys)
    stored = [backend.make_and_validate_key(key) for key in keys]
    pipe = backend._cache.get_client(write=True).pipeline(transaction=False)  # noqa: SLF001
    for key in stored:
        pipe.set(key, time.time_ns(), nx=True)
    for key in stored:
        pipe.get(key)
    return tuple(int(value) for value in pipe.execute()[len(stored) :])


T = TypeVar("T")


class LocalCopies(Generic[T]):
    """Objects built from the database and kept in this process while the version keys they
    were built under keep their numbers (one round trip to the cache checks them), and
    `ttl` seconds at most: a safety net for a change that bumps no version (an SQL update).
    Whoever changes what an object was built from bumps one of its keys, now and after the
    commit (`page_cache.bump_now_and_after_commit`). The objects are shared by every
    request and thread of the process: callers copy one before they change it."""

    def __init__(self, *, ttl: float, max_entries: int = 256):
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[tuple, float, T]] = {}

    def get(self, ident: Hashable, version_keys: list[str], build: Callable[[], T | None]):
        """The object kept for `ident`, or a new one from `build()` (None is not kept)."""
        versions = current_versions(version_keys)
        entry = self._entries.get(ident)
        now = time.monotonic()
        if entry is not None and entry[0] == versions and now < entry[1]:
            return entry[2]
        value = build()
        if value is not None:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[ident] = (versions, now + self.ttl, value)
        return value

    def clear(self) -> None:
        self._entries.clear()
