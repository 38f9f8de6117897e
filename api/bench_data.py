"""The API's public lists for bench/run.py, each next to the HTML page that shows the same
list (issue #14: "the public list endpoints serve at least as fast as the corresponding HTML
pages"). The API adds no data of its own: it reads what the other apps' generators made.

Each name is "API <the HTML page's name>" (so `bench/run.py --only "cases list"` measures the
page and its API list together) and asks for the page's own page size, so that both serve
the same rows. Registered as the hook "portal_bench_urls" after the apps (order 50).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

# The HTML pages' page sizes (cases.views.pages.PAGE_SIZE, projects.selectors.INDEX_PAGE_SIZE,
# SurveyIndexPage.paginate_by, NewsIndexPage.paginate_by, the volunteers index's 12 open shifts).
CASES_PAGE = 20
PROJECTS_PAGE = 12
SURVEYS_PAGE = 10
NEWS_PAGE = 10
OPEN_SHIFTS = 12


def _url(name: str, **query) -> str:
    url = reverse(name)
    return url + "?" + urlencode(query) if query else url


def bench_urls() -> list[tuple[str, str]]:
    from cases.models import Case, State
    from portal.models import Grid, NewsPage

    urls = [
        ("API project index", _url("api:project_list", limit=PROJECTS_PAGE)),
        (
            "API project index, filtered",
            _url(
                "api:project_list",
                limit=PROJECTS_PAGE,
                category="elderly",
                status="recruiting",
                tag="助老",
            ),
        ),
        ("API survey index", _url("api:survey_list", limit=SURVEYS_PAGE)),
        (
            "API volunteers index (open shifts)",
            _url("api:volunteer_shifts", limit=OPEN_SHIFTS, open_only="true"),
        ),
    ]
    grid = Grid.objects.order_by("code").only("pk").first()
    if grid is not None:
        urls.append(("API grid page (its shifts)", _url("api:volunteer_shifts", grid=grid.pk)))
    urls += [
        ("API cases list", _url("api:case_list", limit=CASES_PAGE)),
        ("API cases statistics 30 days", _url("api:case_statistics")),
        ("API cases statistics year", _url("api:case_statistics", days=365)),
        ("API cases list (Open311 requests.json)", _url("open311:requests", page_size=CASES_PAGE)),
    ]
    case = (
        Case.objects.exclude(state=State.REJECTED).order_by("-created_at").only("street_id").first()
    )
    if case is not None:
        urls.append(
            (
                "API cases list by street",
                _url("api:case_list", limit=CASES_PAGE, street=case.street_id),
            )
        )
    if NewsPage.objects.live().exists():
        urls.append(
            (
                "API news index (Wagtail API v2)",
                _url(
                    "wagtailapi:pages:listing",
                    type="portal.NewsPage",
                    fields="date,summary",
                    order="-first_published_at",
                    limit=NEWS_PAGE,
                ),
            )
        )
    return urls
