from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

PRIVACY_VERSION_CACHE_KEY = "portal:privacy-version"
EXEMPT_PREFIXES = (
    "/me/consent/",
    "/accounts/logout/",
    "/static/",
    "/media/",
    "/healthz",
    "/jsi18n/",
    "/csrf-token/",
    "/privacy/",
    # The API answers JSON, never a redirect to a page (api/: privacy_consent on /me).
    "/api/",
    "/_allauth/",
)


def current_privacy_version_cached(request) -> str:
    version = cache.get(PRIVACY_VERSION_CACHE_KEY)
    if version is None:
        from portal.selectors import current_privacy_version

        version = current_privacy_version(request)
        cache.set(PRIVACY_VERSION_CACHE_KEY, version, 300)
    return version


class PrivacyConsentMiddleware:
    """When the privacy notice has a new version, a signed-in person is asked to accept it
    before going on (their next request, typically right after logging in)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.method == "GET"
            and not strip_language_prefix(request.path).startswith(EXEMPT_PREFIXES)
            and user.privacy_consent_version != current_privacy_version_cached(request)
        ):
            return redirect(
                f"{reverse('privacy_consent')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)


def language_from_path(path: str) -> str:
    """English under /en/, Chinese everywhere else (i18n_patterns with the default language
    unprefixed)."""
    for code, _name in settings.LANGUAGES:
        if code != settings.LANGUAGE_CODE and (path == f"/{code}" or path.startswith(f"/{code}/")):
            return code
    return settings.LANGUAGE_CODE


def strip_language_prefix(path: str) -> str:
    language = language_from_path(path)
    if language == settings.LANGUAGE_CODE:
        return path
    return path[len(language) + 1 :] or "/"


class ChineseFirstLocaleMiddleware:
    """The language is the URL's: English under /en/, Chinese unprefixed. Neither a cookie
    nor the browser's Accept-Language is read, so a page's answer depends on its URL only
    and can be cached as such (a resident's phone set to English still gets the district's
    site in Chinese first, with a link to the English pages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(language_from_path(request.path_info))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        translation.deactivate()
        return response


class ContentSecurityPolicyMiddleware:
    """Sends the Content-Security-Policy of settings.CONTENT_SECURITY_POLICY (the admin's own
    under /admin/). Django 5.2 has none built in, and the policy is one fixed header (no
    nonces), so a few lines do what django-csp would. A view that set its own keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 500:
            return response  # Django's debug page is made of inline script and style.
        admin = request.path.startswith("/admin/")
        policy = (
            settings.CONTENT_SECURITY_POLICY_ADMIN if admin else settings.CONTENT_SECURITY_POLICY
        )
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


class NullCharacterMiddleware:
    """Answers 400 to a request whose path or query string holds a NUL character.

    No person types one, and PostgreSQL refuses NUL in text: wherever a view filters on a raw
    query parameter the query failed with a 500. Posted forms are left to their fields, which
    refuse NUL with a message next to the field (Django's ProhibitNullCharactersValidator and
    the apps' own clean methods), so nothing typed is lost."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            from django.views.defaults import bad_request

            return bad_request(request, exception=None)
        return self.get_response(request)
