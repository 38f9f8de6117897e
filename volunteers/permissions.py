"""Who may manage what in the volunteers app. Grid matters (roster, patrols, attendance) belong
to the grid's leader, its community's staff and district administrators; project activities to
the organization's members (projects.permissions) and district administrators."""

from django.contrib.auth.models import AnonymousUser

from portal.models import Grid, User
from portal.permissions import can_see_grid_contacts, is_community_staff, is_district_admin


def can_manage_grid(user: User | AnonymousUser, grid: Grid) -> bool:
    """Approve roster applications, publish patrols, confirm attendance, see contacts."""
    return can_see_grid_contacts(user, grid)


def can_appoint_leader(user: User | AnonymousUser, grid: Grid) -> bool:
    return is_district_admin(user) or is_community_staff(user, grid.community_id)


def can_manage_project(user: User | AnonymousUser, project) -> bool:
    """Members of the project's organization (projects.permissions, once it exists) and
    district administrators."""
    if not user.is_authenticated:
        return False
    if is_district_admin(user):
        return True
    try:
        from projects.permissions import can_manage_project as projects_can_manage
    except ImportError:
        return False
    specific = getattr(project, "specific", project)
    return bool(projects_can_manage(user, specific))


def can_manage_shift(user: User | AnonymousUser, shift) -> bool:
    if not user.is_authenticated:
        return False
    if shift.grid_id is not None:
        return can_manage_grid(user, shift.grid)
    return can_manage_project(user, shift.project)
