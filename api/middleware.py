from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

API_PREFIXES = ("/api/", "/_allauth/")


def api_language(request) -> str:
    """English only when the app asks for it first (`Accept-Language: en`, `en-US, zh;q=0.5`);
    Chinese otherwise, whatever else the header lists, like the site (Chinese first)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    try:
        ranked = parse_accept_lang_header(header[:255])
    except ValueError:
        ranked = ()
    if ranked and ranked[0][0].lower().startswith("en"):
        return "en"
    return settings.LANGUAGE_CODE


class ApiLanguageMiddleware:
    """The API's language comes from Accept-Language (apps have no language cookie); the
    site's pages keep ChineseFirstLocaleMiddleware's rule. Goes after that middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIXES):
            return self.get_response(request)
        language = api_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers["Content-Language"] = language
        return response


class ApiErrorPageMiddleware:
    """Under /api/, an error page that Django or the site's middleware wrote in HTML (the NUL
    character 400, a CSRF failure, a disallowed host) becomes a problem document with the
    same status: apps read JSON only. Goes first, so it sees every other middleware's answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            400 <= response.status_code < 500
            and request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            from api.problems import problem_response

            # Headers that belong to the status stay: a 405 names the allowed methods.
            kept = {name: response[name] for name in ("Allow", "Retry-After") if name in response}
            return problem_response(response.status_code, code="http_error", headers=kept)
        return response
