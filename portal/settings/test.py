import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
EXPORTS_ROOT = VAR_DIR / "test-private-media" / "exports"  # noqa: F405
ACCOUNT_RATE_LIMITS = False
ACCOUNT_EMAIL_VERIFICATION = "optional"
# The suite keeps the Redis cache when REDIS_URL is set, so CI exercises it; a per-run prefix
# keeps parallel workers and runs apart.
# Tests clear the cache between tests (Redis FLUSHDB), so each pytest-xdist worker gets a
# Redis database of its own: one worker's clear must not empty another's cache mid-test.
if REDIS_URL:  # noqa: F405
    from urllib.parse import urlsplit, urlunsplit

    _worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    _db = int(_worker[2:]) + 2 if _worker[2:].isdigit() else 1
    CACHES["default"]["LOCATION"] = urlunsplit(  # noqa: F405
        urlsplit(REDIS_URL)._replace(path=f"/{_db}")  # noqa: F405
    )
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"  # noqa: F405
    # rq's queues too: their keys carry no prefix, so on a shared database one worker's
    # test could run or empty the other's queued jobs.
    CACHES["rq"]["LOCATION"] = CACHES["default"]["LOCATION"]  # noqa: F405

# Each developer (or helper) may give its own test database name so that runs on one
# PostgreSQL server do not collide.
if DATABASE_URL:  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": "test_portal" + os.environ.get("PORTAL_TEST_DB_SUFFIX", "")
    }
    # A test database is thrown away: commits need not wait for the disk (a busy CI disk
    # made every migration and every transaction=True test wait on fsync).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c synchronous_commit=off"
    )
else:
    DATABASES["default"]["NAME"] = VAR_DIR / "test.sqlite3"  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": None}  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"
# Static files come from the app directories (finders) in tests and browser tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when missing

# Tasks run at once in tests whatever the environment says; tests of the worker backend
# override TASKS themselves.
TASKS = {  # noqa: F405
    "default": {"BACKEND": TASK_BACKENDS["immediate"], "QUEUES": TASK_QUEUES}  # noqa: F405
}
# No periodic work from the request path unless a test turns it on (tests/portal/
# test_periodic_work.py): a case test must not see the SLA sweep run behind its back.
PORTAL_PERIODIC_WORK_ON_REQUEST = False
