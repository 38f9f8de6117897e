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
from collections.abc import Iterable

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


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


def bump_versions(keys: Iterable[str]) -> None:
    """Give each version key a new number. A key missing from the cache (never set, or
    evicted) starts from the clock in nanoseconds, so that a number once used is never used
    again: whatever was stored under an old version stays unreachable. One round trip on
    Redis for all the keys."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
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
