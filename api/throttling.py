"""Per-token rate limits through Django's cache (Redis in production, so a limit holds across
every worker): settings.API_RATE_LIMIT = (requests, seconds), per session token, else per
account (cookie), else per client address."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from ninja.throttling import BaseThrottle

from api.auth import token_fingerprint, token_of
from portal.ratelimits import client_address, rate_limit_hit

DEFAULT_RATE_LIMIT = (300, 60)


def rate_limit() -> tuple[int, int]:
    return getattr(settings, "API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


class TokenThrottle(BaseThrottle):
    def allow_request(self, request) -> bool:
        limit, period = rate_limit()
        token = token_of(request)
        user = getattr(request, "user", None)
        if token:
            key = "token:" + token_fingerprint(token)
        elif user is not None and user.is_authenticated:
            key = f"user:{user.pk}"
        else:
            try:
                key = "ip:" + client_address(request)
            except PermissionDenied:  # no address at all (allauth refuses to guess)
                key = "ip:unknown"
        return rate_limit_hit(scope="api", key=key, limit=limit, period=period)

    def wait(self) -> float:
        return float(rate_limit()[1])
