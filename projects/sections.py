"""Sections this app adds to the home page and the account area (registered as hooks in
wagtail_hooks.py, see portal.sections)."""

from django.http import HttpRequest

from portal.fragments import cached_fragment
from portal.page_cache import CLOCK_TTL
from portal.sections import render_section
from projects import selectors
from projects.models import ProjectIndexPage


def home_section(request: HttpRequest) -> str | None:
    """Recruiting projects near the resident's community; the whole district for visitors.
    Kept per community (the same for everyone living there) until "projects" is purged; one
    query (the user's community) when cached, four at most otherwise."""
    community_id = None
    user = request.user
    if user.is_authenticated and user.home_grid_id:
        from portal.models import Grid

        community_id = (
            Grid.objects.filter(pk=user.home_grid_id).values_list("community_id", flat=True).first()
        )

    def render() -> str | None:
        near = community_id
        projects = selectors.recruiting_projects_near(community_id=near)
        if near and not projects:
            projects = selectors.recruiting_projects_near(community_id=None)
            near = None
        if not projects:
            return None
        # The (one) index page by its key: ordered by tree path, PostgreSQL walks the pages
        # of the tree until it meets it (3 ms at the bench's size, on every home page).
        index = (
            ProjectIndexPage.objects.live().only("url_path", "path", "depth").order_by("pk").first()
        )
        context = {"projects": projects, "near_me": bool(near), "index": index}
        return render_section("projects/includes/home_section.html", context, request)

    return cached_fragment(
        "projects:home", render, tags=("projects",), vary=(community_id,), ttl=CLOCK_TTL
    )


def account_section(request: HttpRequest) -> str | None:
    user = request.user
    if not user.is_authenticated:
        return None
    context = {"memberships": selectors.my_organizations(user=user)}
    return render_section("projects/includes/account_section.html", context, request)
