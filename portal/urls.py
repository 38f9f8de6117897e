from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.shortcuts import redirect
from django.templatetags.static import static as static_url
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from portal import audit, export_views, views


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the static icon
    (a temporary redirect: the static name carries a hash that changes with the file)."""
    return redirect(static_url("favicon.ico"))


urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Before Wagtail's admin: its site history, scoped to what the person may see.
    path("admin/reports/site-history/", include(audit.site_history_urlpatterns)),
    # One login for the whole site: Wagtail's own login and password reset would bypass
    # allauth's rate limits, so they lead to allauth's (keeping ?next=).
    path("admin/login/", views.admin_login, name="admin_login_redirect"),
    re_path(
        r"^admin/password_reset/",
        RedirectView.as_view(pattern_name="account_reset_password", query_string=False),
        name="admin_password_reset_redirect",
    ),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # The phone app's JSON API (api/) and allauth's headless login for it.
    path("api/", include("api.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    # Open311 GeoReport v2, read-only: the public cases for existing Open311 tools.
    path("open311/v2/", include("api.open311")),
    # A form on a cached page fetches its CSRF token here when it is sent (site.js).
    path("csrf-token/", views.csrf_token, name="csrf_token"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path(
        "geo/<str:level>/",
        views.geo_options,
        name="geo_options",
    ),
    path("sitemap.xml", sitemap),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The pages people read, in Chinese unprefixed and in English under /en/ (the language is
# the URL's: portal.middleware.ChineseFirstLocaleMiddleware, no cookie).
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("search/", views.search, name="search"),
    path("me/", views.account_home, name="account_home"),
    path("me/profile/", views.profile_edit, name="profile_edit"),
    path("me/notifications/", views.notification_list, name="notification_list"),
    path(
        "me/notifications/<id:notification_id>/",
        views.notification_open,
        name="notification_detail",
    ),
    path(
        "me/notifications/settings/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("me/data/", views.data_download, name="data_download"),
    path("me/data/", include(export_views.account_urlpatterns)),
    path("me/delete/", views.account_delete, name="account_delete"),
    path("me/consent/", views.privacy_consent, name="privacy_consent"),
    path("", include("projects.urls")),
    path("", include("volunteers.urls")),
    path("", include("surveys.urls")),
    path("", include("cases.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
