"""Who a person is to a case, and which cases staff see.

Roles (a person can hold several):
- reporter (上报人): the person who reported the case;
- grid leader (网格长): leader of the case's grid;
- community staff (社区工作人员): staff of the case's community;
- handler (处置人): the person the case is dispatched to, or a member of the department
  (a Wagtail group such as 城管 or 住建) it is dispatched to;
- district administrator (区级管理员): every case.

What each role may do in each state is in cases.transitions, nowhere else.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from portal.models import User
from portal.permissions import is_district_admin, staff_community_ids

REPORTER = "reporter"
GRID_LEADER = "grid_leader"
COMMUNITY_STAFF = "community_staff"
HANDLER = "handler"
DISTRICT_ADMIN = "district_admin"

ROLE_LABELS = {
    REPORTER: _("上报人"),
    GRID_LEADER: _("网格长"),
    COMMUNITY_STAFF: _("社区工作人员"),
    HANDLER: _("处置人员"),
    DISTRICT_ADMIN: _("区级管理员"),
}


def group_ids(user: User | AnonymousUser) -> set[int]:
    """The ids of the person's groups (departments among them), cached on the user object."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_cases_group_ids", None)
    if cached is None:
        cached = set(user.groups.values_list("pk", flat=True))
        user._cases_group_ids = cached
    return cached


def led_grid_ids(user: User | AnonymousUser) -> set[int]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_cases_led_grid_ids", None)
    if cached is None:
        from portal.models import Grid

        cached = set(Grid.objects.filter(leader=user).values_list("pk", flat=True))
        user._cases_led_grid_ids = cached
    return cached


def may_report_as_patrol(user: User | AnonymousUser) -> bool:
    """District administrators, community staff and grid leaders report what they find on
    patrol (巡治员上报)."""
    return bool(is_district_admin(user) or staff_community_ids(user) or led_grid_ids(user))


def handling_departments() -> QuerySet:
    """The groups a case may be dispatched to (处置部门): those named as the department of a
    category. Role groups (Editors, 网格长, 社区工作人员, 社会组织：…) are never departments."""
    from django.contrib.auth.models import Group

    from cases.models import CaseCategory

    named = CaseCategory.objects.filter(department__isnull=False).values("department_id")
    return Group.objects.filter(pk__in=named).order_by("name")


def case_roles(user: User | AnonymousUser, case: Case) -> set[str]:
    """Every role `user` holds for `case` (empty for strangers and inactive accounts)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    roles = set()
    if case.reporter_id is not None and case.reporter_id == user.pk:
        roles.add(REPORTER)
    if is_district_admin(user):
        roles.add(DISTRICT_ADMIN)
    if case.community_id in staff_community_ids(user):
        roles.add(COMMUNITY_STAFF)
    if case.grid_id in led_grid_ids(user):
        roles.add(GRID_LEADER)
    if (case.assignee_id is not None and case.assignee_id == user.pk) or (
        case.assigned_department_id is not None and case.assigned_department_id in group_ids(user)
    ):
        roles.add(HANDLER)
    return roles


def is_case_staff(user: User | AnonymousUser) -> bool:
    """Whether the person has any staff role for cases at all (the 我的待办 menu item)."""
    if not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_cases_is_staff", None)
    if cached is None:
        cached = _is_case_staff(user)
        user._cases_is_staff = cached
    return cached


def _is_case_staff(user: User) -> bool:
    if is_district_admin(user) or staff_community_ids(user) or led_grid_ids(user):
        return True
    from cases.models import CaseCategory

    # A department is any group that a category routes to or a case is dispatched to.
    groups = group_ids(user)
    if groups and (
        CaseCategory.objects.filter(department_id__in=groups).exists()
        or Case.objects.filter(assigned_department_id__in=groups).exists()
    ):
        return True
    return Case.objects.filter(assignee=user).exists()


def cases_for_staff(user: User | AnonymousUser, queryset: QuerySet | None = None) -> QuerySet:
    """The cases a staff member works on: district admins all; others those of their
    communities, of the grids they lead, and those dispatched to them or their departments.
    Every staff view starts from this queryset, so a case outside it is a 404."""
    queryset = Case.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_district_admin(user):
        return queryset
    scope = Q(assignee_id=user.pk)
    if communities := staff_community_ids(user):
        scope |= Q(community_id__in=communities)
    if grids := led_grid_ids(user):
        scope |= Q(grid_id__in=grids)
    if groups := group_ids(user):
        scope |= Q(assigned_department_id__in=groups)
    return queryset.filter(scope)
