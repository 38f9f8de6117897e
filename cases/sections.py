"""What the cases app adds to other pages through portal.registry: 随手拍 in the main
navigation, a home-page section (recent handled cases and the district's handling rate) and
an account section (我的: my reports and the cases I follow)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import selectors, statistics
from cases.permissions import led_grid_ids
from portal import registry

HOME_PERIOD_DAYS = 30


def home_context(request) -> dict | None:
    cases = selectors.recent_handled_cases(limit=4)
    figures = statistics.case_statistics(days=HOME_PERIOD_DAYS, series=False).total
    if not cases and not figures.counts["reported"]:
        return None
    return {"cases": cases, "figures": figures, "days": HOME_PERIOD_DAYS}


def account_context(request) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    return {
        "reported": selectors.my_reported_cases(user=user, limit=20),
        "followed": selectors.my_followed_cases(user=user, limit=20),
        "leads_grid": bool(led_grid_ids(user)),
        "to_verify": selectors.cases_to_verify(user=user, limit=20),
        "now": timezone.now(),
    }


def register() -> None:
    from cases import personal_data

    personal_data.register()
    registry.register_nav_item(name="cases", label=_("随手拍"), url_name="cases:index", order=15)
    registry.register_home_section(
        name="cases", template="cases/includes/home_section.html", context=home_context, order=15
    )
    registry.register_account_section(
        name="cases",
        template="cases/includes/account_section.html",
        context=account_context,
        order=15,
    )
