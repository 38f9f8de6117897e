"""Settings of the live server that tests/api/test_schema_fuzz_live.py fuzzes: the test
settings (DEBUG off, fast password hashing, tasks at once) with the rate limits out of the way,
so generated requests reach the operations instead of a 429."""

from portal.settings.test import *  # noqa: F403

API_RATE_LIMIT = (1_000_000, 60)
SURVEY_VISITOR_RATE_LIMIT = (1_000_000, 3600)
CASES_REPORT_RATE_LIMIT = (1_000_000, 3600)

# A throwaway database: commits need not wait for the disk.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] = (  # noqa: F405
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=ON;"
    )
# While the demo data loads, pages are indexed for search once at the end (update_index),
# not on each of their several saves.
if os.environ.get("PORTAL_FUZZ_SETUP") == "1":  # noqa: F405
    WAGTAILSEARCH_BACKENDS = {  # noqa: F405
        "default": {**WAGTAILSEARCH_BACKENDS["default"], "AUTO_UPDATE": False}  # noqa: F405
    }
# One cache key prefix for all of gunicorn's workers (the test settings' prefix holds the
# process id): an ended session is ended for every worker, as in production.
if REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = os.environ.get("PORTAL_FUZZ_CACHE_PREFIX", "fuzz")  # noqa: F405
