"""Who may do what with organizations and projects. Roles come from portal.permissions;
NGO members (社会组织成员) are users with an OrganizationMember row."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from wagtail.models import PagePermissionTester

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


# --- Moderation and page rights of community staff -------------------------------------
# Community staff hold their page rights (edit, publish, unpublish, lock) on the project
# index, so Wagtail would let them act on every organization's pages. These functions narrow
# them to the pages that serve one of their communities; district administrators and the
# organization's own members are unaffected. The page permission tester and the workflow
# task (projects.models.moderation) both ask them.


def _content_community_ids(content) -> set[int]:
    ids = (content or {}).get("service_communities") or []
    return {int(pk) for pk in ids if str(pk).isdigit()}


def pages_community_ids(page_ids) -> dict[int, set[int]]:
    """For each page id, the communities the page serves: a project's own service
    communities (as published and as in its latest draft, the one under review), or, when it
    names none, its organization's; an organization page its organization's. Other pages
    serve none. Four queries whatever the number of pages."""
    from projects.models import Organization, OrganizationPage, ServiceProjectPage

    page_ids = {int(pk) for pk in page_ids}
    result: dict[int, set[int]] = {pk: set() for pk in page_ids}
    organization_of: dict[int, int | None] = {}
    projects = ServiceProjectPage.objects.filter(pk__in=page_ids).values_list(
        "pk", "organization_id", "latest_revision__content"
    )
    for pk, organization_id, content in projects:
        organization_of[pk] = organization_id
        result[pk] |= _content_community_ids(content)
    if organization_of:
        through = ServiceProjectPage.service_communities.through
        rows = through.objects.filter(serviceprojectpage_id__in=organization_of).values_list(
            "serviceprojectpage_id", "community_id"
        )
        for pk, community_id in rows:
            result[pk].add(community_id)
    organization_of.update(
        OrganizationPage.objects.filter(pk__in=page_ids).values_list("pk", "organization_id")
    )
    fallback = {pk: org for pk, org in organization_of.items() if org and not result[pk]}
    if fallback:
        through = Organization.service_communities.through
        by_organization: dict[int, set[int]] = {}
        rows = through.objects.filter(organization_id__in=set(fallback.values())).values_list(
            "organization_id", "community_id"
        )
        for organization_id, community_id in rows:
            by_organization.setdefault(organization_id, set()).add(community_id)
        for pk, organization_id in fallback.items():
            result[pk] = by_organization.get(organization_id, set())
    return result


def page_community_ids(page) -> set[int]:
    """The communities one page serves (see pages_community_ids), cached on the object."""
    cached = getattr(page, "_projects_community_ids", None)
    if cached is None:
        cached = pages_community_ids([page.pk]).get(page.pk, set()) if page.pk else set()
        page._projects_community_ids = cached
    return cached


def is_staff_member(user: User | AnonymousUser) -> bool:
    """A member of the community staff group, whether or not communities are assigned."""
    from portal.permissions import COMMUNITY_STAFF

    if not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_projects_is_staff_member", None)
    if cached is None:
        cached = user.groups.filter(name=COMMUNITY_STAFF).exists()
        user._projects_is_staff_member = cached
    return cached


def staff_may_act_on_page(user: User | AnonymousUser, page) -> bool:
    """Whether the staff rights this person holds reach this project or organization page:
    always for district administrators, for community staff only when the page serves one of
    their communities."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or is_district_admin(user):
        return True
    staff_ids = staff_community_ids(user)
    if not staff_ids:
        return False
    return bool(page_community_ids(page) & staff_ids)


def can_moderate_project(user: User | AnonymousUser, page) -> bool:
    """Whether this person may review (approve or send back) a submitted project."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or is_district_admin(user):
        return True
    return is_staff_member(user) and staff_may_act_on_page(user, page)


def _staff_group_ids(user) -> set[int]:
    from django.contrib.auth.models import Group

    from portal.permissions import COMMUNITY_STAFF

    cached = getattr(user, "_projects_staff_group_ids", None)
    if cached is None:
        cached = set(Group.objects.filter(name=COMMUNITY_STAFF).values_list("pk", flat=True))
        user._projects_staff_group_ids = cached
    return cached


class CommunityScopedPagePermissionTester(PagePermissionTester):
    """Wagtail's page permission tester, minus the rights community staff hold through their
    group when the page serves none of their communities. Every admin view (edit, publish,
    unpublish, delete, move, copy, revisions, bulk actions) asks this tester, so the limit
    holds on the server, not only in the buttons."""

    def __init__(self, user, page):
        super().__init__(user, page)
        if (
            user.is_active
            and not user.is_superuser
            and is_staff_member(user)
            and not staff_may_act_on_page(user, page)
        ):
            staff_groups = _staff_group_ids(user)
            self.permissions = {
                perm.permission.codename.rsplit("_", maxsplit=1)[0]
                for perm in self.permission_policy.get_cached_permissions_for_user(user)
                if page.path.startswith(perm.page.path) and perm.group_id not in staff_groups
            }
