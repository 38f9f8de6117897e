"""The sections this app adds to the home page and to the account area (我的), registered as
hooks in wagtail_hooks.py (see portal.sections)."""

from django.utils import timezone

from portal.fragments import cached_fragment
from portal.page_cache import CLOCK_TTL
from portal.sections import render_section
from surveys import permissions, selectors
from surveys.models import SurveyIndexPage


def home_section(request) -> str | None:
    """Open surveys, those a signed-in person may still answer first: personal for them
    (rendered on every request), the same for every visitor (rendered once until a page is
    published, and at most CLOCK_TTL seconds: surveys open and close with the clock)."""

    def render() -> str | None:
        surveys = selectors.open_surveys_for(user=request.user, limit=4)
        if not surveys:
            return None
        # The (one) index page by its key: ordered by tree path, PostgreSQL walks the pages
        # of the tree until it meets it (3 ms at the bench's size, on every home page).
        index = SurveyIndexPage.objects.live().only("url_path").order_by("pk").first()
        context = {"surveys": surveys, "index": index}
        return render_section("surveys/includes/home_section.html", context, request)

    if request.user.is_authenticated:
        return render()
    return cached_fragment("surveys:home", render, ttl=CLOCK_TTL)


def account_section(request) -> str | None:
    if not request.user.is_authenticated:
        return None
    now = timezone.now()
    responses = selectors.my_responses(user=request.user)
    for response in responses:
        response.can_edit = response.survey.status(now) == "open"
        response.results_visible = permissions.can_view_results(request.user, response.survey, now)
    context = {"responses": responses}
    return render_section("surveys/includes/account_section.html", context, request)
