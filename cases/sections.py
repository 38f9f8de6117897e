"""What the cases app adds to other pages (registered as hooks in wagtail_hooks.py, see
portal.sections): 随手拍 in the main navigation, a home-page section (recent handled cases
and the district's handling rate) and an account section (我的: my reports and the cases I
follow)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import selectors, statistics
from cases.permissions import led_grid_ids
from portal.fragments import cached_fragment
from portal.page_cache import CLOCK_TTL
from portal.sections import render_section

HOME_PERIOD_DAYS = 30
ACCOUNT_ROWS = 20  # of each list on 我的; the rest on 我的随手拍 (cases:mine)


def home_section(request) -> str | None:
    """The same for everyone: rendered once per purge of "cases" (and at most CLOCK_TTL
    seconds, the period moves with the clock)."""

    def render() -> str | None:
        cases = selectors.recent_handled_cases(limit=4)
        figures = statistics.case_statistics(days=HOME_PERIOD_DAYS, series=False).total
        if not cases and not figures.counts["reported"]:
            return None
        context = {"cases": cases, "figures": figures, "days": HOME_PERIOD_DAYS}
        return render_section("cases/includes/home_section.html", context, request)

    return cached_fragment("cases:home", render, tags=("cases",), ttl=CLOCK_TTL)


def account_section(request) -> str | None:
    user = request.user
    if not user.is_authenticated:
        return None
    # One row more than shown tells whether 我的随手拍 has more (a link, no count query).
    reported = list(selectors.my_reported_cases(user)[: ACCOUNT_ROWS + 1])
    followed = list(selectors.my_followed_cases(user)[: ACCOUNT_ROWS + 1])
    to_verify = list(selectors.cases_to_verify(user)[: ACCOUNT_ROWS + 1])
    context = {
        "reported": reported[:ACCOUNT_ROWS],
        "followed": followed[:ACCOUNT_ROWS],
        "leads_grid": bool(led_grid_ids(user)),
        "to_verify": to_verify[:ACCOUNT_ROWS],
        "more": {
            "reported": len(reported) > ACCOUNT_ROWS,
            "followed": len(followed) > ACCOUNT_ROWS,
            "verify": len(to_verify) > ACCOUNT_ROWS,
        },
        "now": timezone.now(),
    }
    return render_section("cases/includes/account_section.html", context, request)


def nav_item() -> dict:
    return {"title": _("随手拍"), "url": reverse("cases:index")}
