"""Reports per account per window (settings.CASES_REPORT_RATE_LIMIT = (count, seconds)): one
rule for the site's form and the app's API. The count lives in the cache (Redis in
production), so it holds across workers."""

from contextlib import contextmanager, suppress

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.cache import count_in_window

DEFAULT_REPORT_RATE_LIMIT = (5, 600)


def report_rate_limit() -> tuple[int, int]:
    return getattr(settings, "CASES_REPORT_RATE_LIMIT", DEFAULT_REPORT_RATE_LIMIT)


def _key(user) -> str:
    return f"cases:report-rate:{user.pk}"


@contextmanager
def report_rate_slot(user):
    """One of the window's reports for `user`, for the report made inside the block: taken
    before it (one round trip on Redis that counts and reads at once, so two reports sent at
    the same moment cannot both take the last place), and given back when the block raises
    (a report refused for its content does not count). ValidationError (code "rate_limited")
    when the window's reports are used up."""
    limit, window = report_rate_limit()
    key = _key(user)
    if count_in_window(key, period=window) > limit:
        _give_back(key)
        raise ValidationError(
            _("您提交得太频繁了：每 %(minutes)s 分钟最多上报 %(limit)s 件，请稍后再试。")
            % {"minutes": max(1, window // 60), "limit": limit},
            code="rate_limited",
        )
    try:
        yield
    except BaseException:
        _give_back(key)
        raise


def _give_back(key: str) -> None:
    with suppress(ValueError):  # the window ended meanwhile
        cache.decr(key)
