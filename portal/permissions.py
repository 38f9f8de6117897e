"""Who may do what, in one place. Roles:

- district administrator (区级管理员): superuser, or member of the group DISTRICT_ADMINS;
- community staff (社区工作人员): member of COMMUNITY_STAFF with `staff_communities`;
- grid leader (网格长): `Grid.leader` (mirrored in the group GRID_LEADERS);
- NGO member: see projects.permissions.
"""

from django.contrib.auth.models import AnonymousUser

from portal.models import Community, Grid, User

DISTRICT_ADMINS = "区级管理员"
COMMUNITY_STAFF = "社区工作人员"
# Membership follows Grid.leader (volunteers.services); the group itself grants nothing.
GRID_LEADERS = "网格长"


def _group_names(user) -> set[str]:
    # Cached on the user object: permission checks run many times per request.
    names = getattr(user, "_portal_group_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True)) if user.pk else set()
        user._portal_group_names = names
    return names


def is_district_admin(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or DISTRICT_ADMINS in _group_names(user)


def staff_community_ids(user: User | AnonymousUser) -> set[int]:
    """The communities whose data this person may see as staff (empty for non-staff)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_portal_staff_community_ids", None)
    if cached is None:
        if COMMUNITY_STAFF in _group_names(user):
            cached = set(user.staff_communities.values_list("pk", flat=True))
        else:
            cached = set()
        user._portal_staff_community_ids = cached
    return cached


def is_community_staff(user: User | AnonymousUser, community: Community | int) -> bool:
    community_id = community if isinstance(community, int) else community.pk
    return community_id in staff_community_ids(user)


def can_see_grid_contacts(user: User | AnonymousUser, grid: Grid) -> bool:
    """Phone numbers and emails of a grid's roster: its leader, its community's staff and
    district administrators only."""
    if not user.is_authenticated:
        return False
    if is_district_admin(user):
        return True
    if grid.leader_id is not None and grid.leader_id == user.pk:
        return True
    return is_community_staff(user, grid.community_id)


def can_see_full_mobile(viewer: User | AnonymousUser, person: User) -> bool:
    """The full mobile number: the person themselves, district administrators, and the staff
    of the community of the person's home grid."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == person.pk or is_district_admin(viewer):
        return True
    if person.home_grid_id is None:
        return False
    home_community = person.home_grid.community_id
    return is_community_staff(viewer, home_community)
