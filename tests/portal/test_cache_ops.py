"""portal.cache: rate-limit windows and version bumps, on the suite's cache (local memory in
the newcomer's pass, Redis in CI's second pass)."""

import threading
import time

import pytest
from django.core.cache import cache, caches

from portal.cache import (
    LocalCopies,
    RedisCache,
    bump_versions,
    count_in_window,
    current_versions,
)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_window_counts_from_one_and_ends_with_its_period():
    assert [count_in_window("w:a", period=1) for _ in range(3)] == [1, 2, 3]
    assert count_in_window("w:b", period=1) == 1  # another key, another window
    assert cache.get("w:a") == 3
    time.sleep(1.2)
    assert count_in_window("w:a", period=1) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_counts_are_never_lost():
    counts, barrier = [], threading.Barrier(8)

    def hit():
        barrier.wait()
        counts.extend(count_in_window("w:hot", period=60) for _ in range(25))

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One counter for every thread: each count given out once (on Redis for every process).
    assert sorted(counts) == list(range(1, 201))


def test_versions_move_forward_and_a_lost_version_is_never_reused():
    bump_versions(["v:a", "v:b", "v:a"])
    first = cache.get_many(["v:a", "v:b"])
    assert set(first) == {"v:a", "v:b"}
    assert first["v:a"] > time.time_ns() - 60 * 10**9  # from the clock, not from 1
    bump_versions(["v:a"])
    assert cache.get("v:a") == first["v:a"] + 1
    assert cache.get("v:b") == first["v:b"]
    cache.delete("v:a")  # evicted
    bump_versions(["v:a"])
    assert cache.get("v:a") > first["v:a"] + 1
    bump_versions([])


def test_the_redis_backend_keeps_its_client():
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("the suite's cache is local memory (no REDIS_URL)")
    backend = caches["default"]
    assert backend._cache.get_client(write=True) is backend._cache.get_client(write=False)


def test_current_versions_start_from_the_clock_and_follow_bumps():
    first = current_versions(["v:a", "v:b"])
    assert all(isinstance(n, int) and n > 1_700_000_000 * 10**9 for n in first)
    assert current_versions(["v:a", "v:b"]) == first  # reading sets nothing new
    bump_versions(["v:b"])
    again = current_versions(["v:a", "v:b"])
    assert again[0] == first[0] and again[1] == first[1] + 1


def test_local_copies_are_rebuilt_when_a_key_moves_or_their_time_is_up(monkeypatch):
    builds = []

    def build():
        builds.append(len(builds) + 1)
        return {"built": len(builds)}

    kept = LocalCopies(ttl=60)
    assert kept.get(1, ["v:x"], build) == {"built": 1}
    assert kept.get(1, ["v:x"], build) is kept.get(1, ["v:x"], build)  # kept, not rebuilt
    assert builds == [1]
    bump_versions(["v:x"])
    assert kept.get(1, ["v:x"], build) == {"built": 2}
    cache.clear()  # the versions lost: new ones from the clock, never an old number
    assert kept.get(1, ["v:x"], build) == {"built": 3}
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 61)
    assert kept.get(1, ["v:x"], build) == {"built": 4}
    # Nothing found is not kept: it is looked for again next time.
    assert kept.get(2, ["v:x"], lambda: None) is None
    assert kept.get(2, ["v:x"], build) == {"built": 5}


@pytest.mark.django_db  # request_started closes old database connections
def test_a_request_reads_each_version_once_and_sees_its_own_bumps(monkeypatch):
    """Inside a request the same version keys are read from the cache once (a case report
    asks the SLA table twice); a bump by this process is seen at once; outside a request
    every read goes to the cache."""
    from django.core.signals import request_finished, request_started

    import portal.cache

    reads = []
    real = portal.cache._current_versions
    monkeypatch.setattr(
        portal.cache, "_current_versions", lambda keys: reads.append(keys) or real(keys)
    )
    first = current_versions(["v:a"])
    request_started.send(sender=None)
    try:
        assert current_versions(["v:a"]) == first
        cache.incr("v:a")  # another process's bump, in the middle of this request
        assert current_versions(["v:a"]) == first  # the request's own reading holds
        assert len(reads) == 2
        bump_versions(["v:a"])  # this process's own change
        assert current_versions(["v:a"]) == (first[0] + 2,)
        assert len(reads) == 3
    finally:
        request_finished.send(sender=None)
    current_versions(["v:a"])
    current_versions(["v:a"])
    assert len(reads) == 5
