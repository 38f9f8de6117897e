from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

PRIVACY_VERSION_CACHE_KEY = "portal:privacy-version"
EXEMPT_PREFIXES = (
    "/me/consent/",
    "/accounts/logout/",
    "/static/",
    "/media/",
    "/healthz",
    "/i18n/",
    "/jsi18n/",
    "/privacy/",
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
            and not request.path.startswith(EXEMPT_PREFIXES)
            and user.privacy_consent_version != current_privacy_version_cached(request)
        ):
            return redirect(
                f"{reverse('privacy_consent')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)


class ChineseFirstLocaleMiddleware:
    """Chinese unless the person chose English with the language switcher (the cookie that
    django.views.i18n.set_language writes). Browsers' Accept-Language is deliberately not
    used: a resident's phone set to English still gets the district's site in Chinese first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        translation.deactivate()
        return response
