"""Sections this app adds to the home page and the account area (portal.registry)."""

from django.http import HttpRequest

from projects import selectors
from projects.models import ProjectIndexPage


def home_section_context(request: HttpRequest) -> dict | None:
    """Recruiting projects near the resident's community; the whole district for visitors.
    Three queries at most: the user's community, the projects, their renditions."""
    community_id = None
    user = request.user
    if user.is_authenticated and user.home_grid_id:
        from portal.models import Grid

        community_id = (
            Grid.objects.filter(pk=user.home_grid_id).values_list("community_id", flat=True).first()
        )
    projects = selectors.recruiting_projects_near(community_id=community_id)
    if community_id and not projects:
        projects = selectors.recruiting_projects_near(community_id=None)
        community_id = None
    if not projects:
        return None
    index = ProjectIndexPage.objects.live().only("url_path", "path", "depth").first()
    return {
        "projects": projects,
        "near_me": bool(community_id),
        "index": index,
    }


def account_section_context(request: HttpRequest) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    return {"memberships": selectors.my_organizations(user=user)}
