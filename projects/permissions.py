"""Who may do what with organizations and projects. Roles come from portal.permissions;
NGO members (社会组织成员) are users with an OrganizationMember row."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from portal.models import User
from portal.permissions import is_district_admin, staff_community_ids


def user_organization_ids(user: User | AnonymousUser) -> set[int]:
    """The VERIFIED organizations this person is a member of (owner or editor)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_projects_organization_ids", None)
    if cached is None:
        from projects.models import Organization, OrganizationMember

        cached = set(
            OrganizationMember.objects.filter(
                user=user, organization__status=Organization.Status.VERIFIED
            ).values_list("organization_id", flat=True)
        )
        user._projects_organization_ids = cached
    return cached


def is_organization_owner(user: User | AnonymousUser, organization) -> bool:
    if not user.is_authenticated:
        return False
    from projects.models import OrganizationMember

    return OrganizationMember.objects.filter(
        organization=organization, user=user, role=OrganizationMember.Role.OWNER
    ).exists()


def can_manage_project(user: User | AnonymousUser, project) -> bool:
    """A member of the project's (verified) organization, the staff of one of the project's
    service communities, or a district administrator."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_district_admin(user):
        return True
    if project.organization_id and project.organization_id in user_organization_ids(user):
        return True
    staff_ids = staff_community_ids(user)
    if not staff_ids:
        return False
    community_ids = {c.pk for c in project.service_communities.all()}
    return bool(community_ids & staff_ids)


def reviewable_organizations(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """The organizations whose applications this person reviews: all for district
    administrators, those serving one of their communities for community staff."""
    if is_district_admin(user):
        return queryset
    staff_ids = staff_community_ids(user)
    if not staff_ids:
        return queryset.none()
    from projects.models import Organization

    through = Organization.service_communities.through
    return queryset.filter(
        pk__in=through.objects.filter(community_id__in=staff_ids).values("organization_id")
    )


def can_review_organization(user: User | AnonymousUser, organization) -> bool:
    from projects.models import Organization

    return reviewable_organizations(user, Organization.objects.filter(pk=organization.pk)).exists()
