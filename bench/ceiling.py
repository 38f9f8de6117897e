"""The machine's ceiling: the cheapest response Django can give through the portal's stack.

A plain function view with no database access and no template. It is routed by Django's
URL resolver and passes through every middleware in settings.MIDDLEWARE (sessions, locale,
CSRF, auth, messages, allauth, redirects) exactly like a page does, so page/ceiling is the
share of the server's capacity a page leaves after the work every request pays for anyway.
"""

from django.http import HttpRequest, HttpResponse

CEILING_PATH = "/__bench__/ceiling/"


def ceiling(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")
