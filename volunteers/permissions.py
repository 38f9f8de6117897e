"""Who may manage what in the volunteers app. Grid matters (roster, patrols, attendance) belong
to the grid's leader, its community's staff and district administrators; project activities to
whoever manages the project (projects.permissions)."""

from django.contrib.auth.models import AnonymousUser

from portal.models import Grid, User
from portal.permissions import can_see_grid_contacts, is_community_staff, is_district_admin
from projects.permissions import can_manage_project
from volunteers.models import Shift

# A project's activities are managed by whoever manages the project (projects.permissions):
# the organization's members, the staff of its service communities, district administrators.
__all__ = ["can_appoint_leader", "can_manage_grid", "can_manage_project", "can_manage_shift"]


def can_manage_grid(user: User | AnonymousUser, grid: Grid) -> bool:
    """Approve roster applications, publish patrols, confirm attendance, see contacts."""
    return can_see_grid_contacts(user, grid)


def can_appoint_leader(user: User | AnonymousUser, grid: Grid) -> bool:
    return is_district_admin(user) or is_community_staff(user, grid.community_id)


def can_manage_shift(user: User | AnonymousUser, shift: Shift) -> bool:
    if not user.is_authenticated:
        return False
    if shift.grid_id is not None:
        return can_manage_grid(user, shift.grid)
    return can_manage_project(user, shift.project)
