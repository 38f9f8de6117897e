"""Fixed-window rate limits in Django's cache (Redis in production, so that a limit holds
across every gunicorn worker and host), for the portal's own forms. Logins, sign-ups and
password resets are limited by allauth itself."""

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.http import HttpRequest

from portal.cache import count_in_window


def client_address(request: HttpRequest) -> str:
    """The client's IP address: REMOTE_ADDR, or the address the reverse proxy appended to
    X-Forwarded-For when settings.BEHIND_PROXY says there is one (the same rule allauth's rate
    limits use, through ALLAUTH_TRUSTED_PROXY_COUNT)."""
    return get_adapter(request).get_client_ip(request)


def rate_limit_hit(*, scope: str, key: str, limit: int, period: int) -> bool:
    """Count one attempt for (scope, key) and answer whether it is still within `limit`
    attempts per `period` seconds. The count is atomic on Redis (one round trip), so
    concurrent requests cannot both slip under the limit."""
    return count_in_window(f"ratelimit:{scope}:{key}", period=period) <= limit


def rate_limit_exceeded(*, scope: str, key: str, limit: int) -> bool:
    """Whether (scope, key) has already used up its attempts, without counting one."""
    count = cache.get(f"ratelimit:{scope}:{key}")
    return count is not None and count >= limit


def rate_limit_clear(*, scope: str, key: str) -> None:
    cache.delete(f"ratelimit:{scope}:{key}")
