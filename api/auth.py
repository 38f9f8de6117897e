"""Who is calling: an app with allauth's session token, or a browser with its session cookie.

Apps log in through allauth's headless API (/_allauth/app/v1/auth/login) and send the session
token it returns in the `X-Session-Token` header; `session_token_auth` resolves that token to
the account, exactly as allauth's own endpoints do. Browsers (the site's own pages calling the
API) are recognised by their session cookie, and their writes need the CSRF token
(`cookie_auth`, ninja's SessionAuth). AUTH lists both; an operation that works for visitors
too calls `optional_user(request)` instead of declaring `auth`. AUTH_OR_VISITOR is for writes
that the site accepts from visitors too (answering a survey that does not require login): a
caller with neither a token nor a logged-in session passes as a visitor (`request.auth` is
VISITOR), identified by the `X-Visitor-Token` header the operation declares.
"""

from __future__ import annotations

import hashlib
import re

from allauth.core.internal.sessionkit import get_session_user
from allauth.headless import app_settings as headless_settings
from allauth.headless.internal import sessionkit
from allauth.headless.tokens.strategies.sessions import SessionTokenStrategy
from allauth.usersessions.internal import usersessionkit
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import APIKeyHeader, SessionAuth

TOKEN_HEADER = "X-Session-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Django session keys (allauth's session tokens) are 32 lower-case letters and digits; anything
# else is not looked up at all (a NUL in a header must not reach the database).
TOKEN_PATTERN = re.compile(r"^[a-z0-9]{32}$")


def token_of(request: HttpRequest) -> str:
    token = request.headers.get(TOKEN_HEADER, "")
    return token if TOKEN_PATTERN.match(token) else ""


def token_fingerprint(token: str) -> str:
    """A short hash of a token, for cache keys (the token itself is a secret)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _user_for_token(request: HttpRequest, token: str):
    cached = getattr(request, "_api_token_user", None)
    if cached is not None and cached[0] == token:
        return cached[1]
    user = None
    strategy = headless_settings.TOKEN_STRATEGY
    if type(strategy) is SessionTokenStrategy:
        # The token is the session key: one query (the strategy's own lookup makes two).
        session = sessionkit.lookup_session(token)
    else:
        session = strategy.lookup_session(token)
    found = get_session_user(session) if session is not None else None
    if found is not None and found.is_active:
        user = found
        usersessionkit.track_activity(request, user=user, session=session)
        request.api_session_key = session.session_key
    request._api_token_user = (token, user)
    return user


class SessionTokenAuth(APIKeyHeader):
    """allauth headless session token in the X-Session-Token header."""

    param_name = TOKEN_HEADER

    def authenticate(self, request: HttpRequest, key: str | None):
        token = key if key and TOKEN_PATTERN.match(key) else ""
        if not token:
            return None
        user = _user_for_token(request, token)
        if user is None:
            return None
        request.user = user
        return user


class CookieAuth(SessionAuth):
    """The site's session cookie; unsafe methods need the CSRF token (X-CSRFToken).

    CSRF protects a logged-in browser session: a request without one (no cookie login, no
    valid token) has nothing to protect and is answered 401 like any anonymous call, not
    with a CSRF 403."""

    def _get_key(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.api_session_key = request.session.session_key
            return user
        return None


class _Visitor:
    """`request.auth` of a caller who passed as a visitor."""

    def __repr__(self):
        return "VISITOR"


VISITOR = _Visitor()


class VisitorPass:
    """Lets a caller without an account through, for operations that visitors may use. Not
    a security scheme of the schema (the operation declares the X-Visitor-Token header).
    A request with a session token, right or wrong, is left to the token's check (a wrong
    token is a 401, not a visitor), and a logged-in browser to the cookie's (with CSRF).
    A visitor's write must be JSON (`Content-Type: application/json`): another site's page
    cannot send that without a CORS preflight, which this API never grants, so it cannot
    make its visitors' browsers answer surveys (the CSRF protection of a request that has no
    session to protect)."""

    def __call__(self, request: HttpRequest):
        if request.headers.get(TOKEN_HEADER):
            return None
        if request.method not in SAFE_METHODS and request.content_type != "application/json":
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return VISITOR


session_token_auth = SessionTokenAuth()
cookie_auth = CookieAuth()
visitor_pass = VisitorPass()
AUTH = [session_token_auth, cookie_auth]
AUTH_OR_VISITOR = [session_token_auth, visitor_pass, cookie_auth]


def optional_user(request: HttpRequest):
    """The caller's account (by token, else by session cookie), or AnonymousUser, for
    operations that visitors may use too. A wrong token counts as no token."""
    token = token_of(request)
    if token:
        user = _user_for_token(request, token)
        if user is not None:
            request.user = user
            return user
        return AnonymousUser()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else AnonymousUser()
