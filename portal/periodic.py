"""Periodic work (the case SLA sweep, due survey announcements, expired exports) run where no
scheduler runs it.

Each app registers its jobs with the "portal_periodic_work" hook: a function returning
`PeriodicWork(name, every, run)`. In production cron runs each job's own management command
(docs/deploy.md). Under `make run` there is no cron and the immediate task backend cannot
defer a task, so `PeriodicWorkMiddleware` runs the jobs that are due from the request path
when settings.PORTAL_PERIODIC_WORK_ON_REQUEST is on: at most once per job and `every`
seconds across the processes sharing the cache (a `cache.add` claims the run), and without
touching the cache more than once a few seconds per process. Every job is idempotent (and
the SLA sweep locked), so a run by cron and one from a request at the same time change
nothing twice."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from wagtail import hooks

logger = logging.getLogger(__name__)

CACHE_PREFIX = "portal:periodic:"
# Seconds between two looks at the cache by one process: the middleware's cost on the
# requests in between is one clock reading.
LOCAL_CHECK_EVERY = 5.0


@dataclass(frozen=True)
class PeriodicWork:
    """One job: `run()` does a pass and returns a short summary; `every` in seconds."""

    name: str
    every: int
    run: Callable[[], object]


def periodic_work() -> list[PeriodicWork]:
    return [register() for register in hooks.get_hooks("portal_periodic_work")]


def run_due_periodic_work() -> dict[str, object]:
    """Run every job whose period has passed since its last run by any process (claimed by
    `cache.add`, so one process runs it); returns {name: summary} of the jobs run. A job
    that fails is logged and tried again a period later: the request goes on."""
    done = {}
    for work in periodic_work():
        if not cache.add(CACHE_PREFIX + work.name, True, timeout=work.every):
            continue
        try:
            done[work.name] = work.run()
        except Exception:  # noqa: BLE001 - logged; the page is still served
            logger.exception("Periodic work %s failed", work.name)
    return done


class PeriodicWorkMiddleware:
    """Runs the due periodic work after a response, when PORTAL_PERIODIC_WORK_ON_REQUEST is
    on (the default of `make run`'s settings, portal.settings.dev)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.next_check = 0.0

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(settings, "PORTAL_PERIODIC_WORK_ON_REQUEST", False):
            now = time.monotonic()
            if now >= self.next_check:
                self.next_check = now + LOCAL_CHECK_EVERY
                run_due_periodic_work()
        return response
