"""Factories for the cases tests: a small world of two communities, with a leader, staff,
a department and a reporter in the first one."""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission

from cases import services
from cases.models import Case, CaseCategory, CaseTimeLimit, Priority
from portal.models import Grid, User
from tests import factories


def make_category(*, department: Group | None = None, response=7, handling=21, **fields):
    n = CaseCategory.objects.count() + 1
    fields.setdefault("name", f"环境卫生{n}")
    fields.setdefault("code", f"env-{n}")
    category = CaseCategory.objects.create(department=department, **fields)
    CaseTimeLimit.objects.create(
        category=category,
        priority=Priority.NORMAL,
        response_hours=response,
        handling_hours=handling,
    )
    CaseTimeLimit.objects.create(
        category=category, priority=Priority.URGENT, response_hours=2, handling_hours=7
    )
    return category


def make_department(name: str = "城管") -> Group:
    group, _ = Group.objects.get_or_create(name=f"{name}部门")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    return group


def make_handler(department: Group, **fields) -> User:
    user = factories.make_user(is_staff=True, **fields)
    user.groups.add(department)
    return user


@dataclass
class World:
    grid: Grid
    other_grid: Grid
    category: CaseCategory
    department: Group
    leader: User
    staff: User
    other_staff: User
    handler: User
    reporter: User
    stranger: User
    admin: User

    def report(self, **fields) -> Case:
        fields.setdefault("by", self.reporter)
        fields.setdefault("category", self.category)
        fields.setdefault("grid", self.grid)
        fields.setdefault("description", "小区门口垃圾堆放多日无人清理")
        return services.case_report(**fields)


def make_world() -> World:
    grids = factories.make_geography(streets=1, communities=2, grids=1)
    grid, other_grid = grids
    department = make_department()
    leader = factories.make_user(display_name="网格长", home_grid=grid)
    grid.leader = leader
    grid.save()
    return World(
        grid=grid,
        other_grid=other_grid,
        category=make_category(department=department),
        department=department,
        leader=leader,
        staff=factories.make_community_staff(grid.community),
        other_staff=factories.make_community_staff(other_grid.community),
        handler=make_handler(department),
        reporter=factories.make_user(home_grid=grid),
        stranger=factories.make_user(),
        admin=factories.make_district_admin(),
    )
