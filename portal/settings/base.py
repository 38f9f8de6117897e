"""Settings shared by every environment. Configuration comes from environment variables,
each listed with its default in README.md."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from portal.settings.object_storage import s3_storages

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "portal",
    "projects",
    "volunteers",
    "surveys",
    "cases",
    "api",
    "ninja",
    "wagtail.api.v2",
    "rest_framework",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "portal.apps.PortalUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks_db",
    "django_rq",
    "django_tasks_rq",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "allauth.usersessions",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "api.middleware.ApiErrorPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.NullCharacterMiddleware",
    # Due periodic work (survey announcements, the case sweep) where no cron runs it, when
    # PORTAL_PERIODIC_WORK_ON_REQUEST is on; before the page cache, so cached pages count too.
    "portal.periodic.PeriodicWorkMiddleware",
    # Anonymous pages: served from the page cache before the session is loaded, and their
    # Cache-Control set after every inner middleware (portal.page_cache).
    "portal.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChineseFirstLocaleMiddleware",
    "api.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.PrivacyConsentMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # The site and the page of a Wagtail URL from the cache (portal.routing).
    "portal.routing.PageRoutingCacheMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.context_processors.site_navigation",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL names another (PostgreSQL in CI and production).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections (a minute) checked before reuse, so a restarted database server
    # costs one failed check, not a failed request.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The same backend with a health check that polls the socket instead of sending
        # SELECT 1 before every request's first query (portal/db/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "portal.db.postgresql"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of
                # failing with "database is locked" halfway through a transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache (and allauth's rate limits) on Redis when REDIS_URL is set, local memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend, keeping its clients (portal.cache).
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal"),
        }
    }
    # Sessions (the site's cookie and the app's X-Session-Token) are read from the shared
    # cache and written to both: one query less on every logged-in request. Only with a
    # shared cache: a per-process cache would keep accepting a session that another process
    # ended (logout, 我的设备) until it expired.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "portal.auth_backends.PortalModelBackend",
    "portal.auth_backends.PortalAllauthBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: email login, Chinese-first forms, the site's own adapter.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_FORMS = {"signup": "portal.forms.SignupForm"}
# The fields of every sign-up, the app's (allauth headless) included: display name, privacy.
ACCOUNT_SIGNUP_FORM_CLASS = "api.signup.SignupFields"
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
}
# The phone app's API (api/): allauth's headless mode at /_allauth/ for logging in, with
# session tokens in the X-Session-Token header ("app") or the session cookie ("browser").
# Links in e-mails (verification, password reset) lead to the site's own allauth pages.
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_SERVE_SPECIFICATION = False
# 我的设备: every login (browser or app token) is a user session that its owner can end.
# Recorded at login only: tracking each request would add queries to every page.
USERSESSIONS_TRACK_ACTIVITY = False
# Requests per period (seconds) for one session token, account or address (api.throttling).
API_RATE_LIMIT = (300, 60)

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "account_home"
# Wagtail's private pages and admin send people to the same allauth login, so allauth's
# rate limits cover the admin too. The admin goes through /admin/login/ (portal.views.admin_login),
# which leads anonymous visitors on to allauth and answers 403 to a logged-in person without
# admin access (allauth would send them straight back to the admin: a redirect loop).
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAILADMIN_LOGIN_URL = "/admin/login/"

# Behind a reverse proxy (HAProxy, nginx, Varnish) that sets X-Forwarded-Proto and appends
# the client's address to X-Forwarded-For: DJANGO_BEHIND_PROXY=1. Only then are those headers
# trusted, for HTTPS detection and for the client address of every rate limit (allauth's and
# the portal's, portal.ratelimits.client_address). Without a proxy a client could forge them.
BEHIND_PROXY = os.environ.get("DJANGO_BEHIND_PROXY", "") == "1"
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The last X-Forwarded-For entry is the one the proxy appended; earlier ones come from
    # the client and prove nothing.
    ALLAUTH_TRUSTED_PROXY_COUNT = 1

# Content-Security-Policy (portal.middleware.ContentSecurityPolicyMiddleware): the site's own
# origin only and no inline script on every public page. Wagtail 8's admin still writes inline
# <script> (date-time pickers, inline panels such as a survey's questions) and style
# attributes, without nonces, so /admin/ (signed-in staff only) allows those two, and still
# no other origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; "
    "frame-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)
CONTENT_SECURITY_POLICY_ADMIN = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "media-src 'self' blob:; object-src 'none'; frame-src 'self'; frame-ancestors 'self'; "
    "base-uri 'self'; form-action 'self'"
)

# Visitor answers to surveys open without login: at most this many per client address and
# survey in the window (seconds). A shared address (a community centre's Wi-Fi) needs room.
SURVEY_VISITOR_RATE_LIMIT = (20, 3600)

# The language is in the URL (i18n_patterns in portal.urls): Chinese unprefixed, English
# under /en/. No language cookie, which would split every cache (README, "Languages and
# caching"); the API picks by Accept-Language (api.middleware).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# How dates read in each language: portal/formats/<locale>/formats.py.
FORMAT_MODULE_PATH = ["portal.formats"]
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Case photos on local disk (portal.storage): <PORTAL_VAR_DIR>/private-media unless set.
if os.environ.get("CASES_PRIVATE_MEDIA_ROOT"):
    CASES_PRIVATE_MEDIA_ROOT = Path(os.environ["CASES_PRIVATE_MEDIA_ROOT"])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Media on S3-compatible object storage when AWS_STORAGE_BUCKET_NAME is set (see
# portal/settings/object_storage.py and docs/deploy.md): public media in the bucket, private
# files (case photos, exports) as private objects served through URLs signed for
# AWS_QUERYSTRING_EXPIRE seconds (300 by default). Local disk otherwise.
STORAGES.update(s3_storages(os.environ))
OBJECT_STORAGE = "cases_private" in STORAGES
if OBJECT_STORAGE:
    # Wagtail checks a document's collection privacy, then redirects to a signed URL.
    WAGTAILDOCS_SERVE_METHOD = "redirect"

# The server-side cache of anonymous pages (portal.page_cache), on by default; the bench
# measures with and without (PORTAL_PAGE_CACHE=off). Shared caches (a CDN, Varnish) may keep
# an anonymous page this many seconds; browsers revalidate every time (max-age=0).
PAGE_CACHE_ENABLED = os.environ.get("PORTAL_PAGE_CACHE", "on") != "off"
PAGE_CACHE_S_MAXAGE = int(os.environ.get("PORTAL_PAGE_CACHE_S_MAXAGE", "30"))
# A form sent without its CSRF token (a page from the cache whose script could not fetch
# one): a page that says so in words, not Django's technical one.
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "共建共治共享 <noreply@example.cn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

WAGTAIL_SITE_NAME = "市北区 · 共建共治共享"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILIMAGES_IMAGE_MODEL = "portal.PortalImage"
WAGTAILDOCS_DOCUMENT_MODEL = "portal.PortalDocument"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Wagtail's autosave is off: it posts the whole edit form, including the hidden inputs that a
# clicked workflow button ("批准") has just added, so one click approved twice at once; the
# second request reverted the published page to a draft or answered 500 (tests/e2e journeys).
WAGTAIL_AUTOSAVE_INTERVAL = 0
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_PASSWORD_RESET_ENABLED = True
WAGTAILADMIN_COMMENTS_ENABLED = True
WAGTAIL_ALLOW_UNICODE_SLUGS = True

# The admin as Chinese staff on closed networks and in mainland China use it: in each
# person's admin language (their Wagtail profile's choice, otherwise the site's language,
# Chinese first), with nothing fetched from or linking to sites they cannot reach.
# Wagtail's own zh_Hans catalogue misses some strings; locale/zh_Hans fills the gaps.
# Menu items and templates that link to guide.wagtail.org are removed in
# portal/wagtail_hooks.py and templates/wagtailadmin/.
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # the default avatar instead of www.gravatar.com
WAGTAIL_ENABLE_UPDATE_CHECK = False  # no request to releases.wagtail.org from the dashboard
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False  # no "What's new in Wagtail" dashboard banner
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]  # one district, one time zone: not 400 English names

# Slow work (notification fan-out and e-mail, staff exports, the personal-data ZIP, search
# indexing, the case SLA sweep with --enqueue) goes through Django's task API (django-tasks,
# the version range Wagtail 8.0 pins). The backend: DJANGO_TASKS_BACKEND when set
# (immediate | database | rq), else rq when REDIS_URL is set, else immediate.
# - immediate: each task runs at once, in the request (`make run` and tests: no worker);
# - rq (django-tasks-rq): tasks go to Redis, `manage.py rqworker default exports
#   --job-class django_tasks_rq.Job` runs them (README, "Background work");
# - database (django-tasks-db): tasks go to a table, `manage.py db_worker` runs them.
# Two queues: "default" (notifications, mail, the sweep) and "exports" (spreadsheets, ZIPs),
# so a long export never holds up the mail.
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}
TASK_QUEUES = ["default", "exports"]
TASKS_BACKEND_NAME = os.environ.get("DJANGO_TASKS_BACKEND", "") or (
    "rq" if REDIS_URL else "immediate"
)
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND_NAME], "QUEUES": TASK_QUEUES}}
# Periodic work (the case SLA sweep, due survey announcements, expired exports: each app's
# "portal_periodic_work" hook) runs from cron in production (docs/deploy.md). Where nothing
# schedules it, the request path runs what is due, at most once a minute per job
# (portal.periodic): by default with the immediate backend, which has no worker (`make run`).
_periodic_on_request = os.environ.get("PORTAL_PERIODIC_WORK_ON_REQUEST", "")
PORTAL_PERIODIC_WORK_ON_REQUEST = (
    _periodic_on_request == "1" if _periodic_on_request else TASKS_BACKEND_NAME == "immediate"
)
# django-rq's queues (used by the rq backend only): both on REDIS_URL; a job may run an hour.
# With REDIS_URL they keep their connections open in a pool of their own (the cache alias
# "rq", portal.cache.RedisCache._client), apart from the cache's: an enqueue then costs a
# few commands on an open connection, not a new connection each.
if REDIS_URL:
    CACHES["rq"] = {"BACKEND": "portal.cache.RedisCache", "LOCATION": REDIS_URL}
RQ_QUEUES = {
    name: (
        {"USE_REDIS_CACHE": "rq", "DEFAULT_TIMEOUT": 3600}
        if REDIS_URL
        else {"URL": "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 3600}
    )
    for name in TASK_QUEUES
}
# Each job enqueued in one round trip to Redis instead of rq's two (portal.queues).
RQ = {"QUEUE_CLASS": "portal.queues.OneTripQueue"}
# Wagtail's database search, with Chinese split into two-character pieces (portal.search).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "portal.search"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The privacy notice's version is kept in the site settings; this is the fallback.
PRIVACY_NOTICE_DEFAULT_VERSION = "2026-11"

PORTAL_NAME = _("共建共治共享")
