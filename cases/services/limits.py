"""Reports per account per window (settings.CASES_REPORT_RATE_LIMIT = (count, seconds)): one
rule for the site's form and the app's API. The count lives in the cache (Redis in
production), so it holds across workers."""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_REPORT_RATE_LIMIT = (5, 600)


def report_rate_limit() -> tuple[int, int]:
    return getattr(settings, "CASES_REPORT_RATE_LIMIT", DEFAULT_REPORT_RATE_LIMIT)


def _key(user) -> str:
    return f"cases:report-rate:{user.pk}"


def report_rate_check(user) -> None:
    """ValidationError (code "rate_limited") when `user` has used up the window's reports."""
    limit, window = report_rate_limit()
    if (cache.get(_key(user)) or 0) >= limit:
        raise ValidationError(
            _("您提交得太频繁了：每 %(minutes)s 分钟最多上报 %(limit)s 件，请稍后再试。")
            % {"minutes": max(1, window // 60), "limit": limit},
            code="rate_limited",
        )


def report_rate_count(user) -> None:
    """Count one report of `user` in the current window."""
    _limit, window = report_rate_limit()
    key = _key(user)
    # add() starts the window once; incr() counts within it, atomically on Redis.
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window)
