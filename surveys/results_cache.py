"""The version of a survey's cached results: every new or changed response bumps it (the
services), and the cached results are kept under it (the selectors)."""

import time

from django.core.cache import cache
from django.db import connection

from portal import page_cache


def cache_prefix(survey_id: int) -> str:
    # The database name keeps test databases (and several sites on one Redis) apart.
    return f"surveys:{connection.settings_dict['NAME']}:{survey_id}"


def survey_results_version(*, survey_id: int) -> int:
    key = cache_prefix(survey_id) + ":version"
    version = cache.get(key)
    if version is None:
        # A fresh, never-used number: a version lost from the cache is never reused.
        cache.add(key, time.time_ns(), timeout=None)
        version = cache.get(key)
    return version


def survey_results_changed(*, survey_id: int) -> None:
    """Called when a response is stored or changed: the cached results are stale, and so
    are the survey's page and results in the page cache (the counts on the survey index and
    the home page are left to their short TTL, see README "Languages and caching"). Both
    versions are bumped together (one round trip on Redis), now and again after commit, so
    that results computed from the uncommitted state are not kept under the new version."""
    page_cache.bump_now_and_after_commit(
        [
            cache_prefix(survey_id) + ":version",
            *page_cache.tag_keys([page_cache.survey_tag(survey_id)]),
        ]
    )
