from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from volunteers.models import RosterMembership, Shift


def make_shift(*, grid, hours_from_now: float = 48, duration: float = 2, **fields) -> Shift:
    start = timezone.now() + timedelta(hours=hours_from_now)
    fields.setdefault("title", "徒步巡查")
    fields.setdefault("place", "网格服务站")
    fields.setdefault("capacity", 10)
    fields.setdefault("members_only", True)
    fields.setdefault("signup_deadline", start)
    return Shift.objects.create(
        grid=grid, starts_at=start, ends_at=start + timedelta(hours=duration), **fields
    )


def make_member(*, grid, user=None, role=RosterMembership.Role.VOLUNTEER, **user_fields):
    user = user or factories.make_user(home_grid=grid, **user_fields)
    RosterMembership.objects.create(
        user=user, grid=grid, role=role, status=RosterMembership.Status.ACTIVE
    )
    return user


@pytest.fixture
def grid(grids):
    return grids[0]


@pytest.fixture
def leader(grid):
    user = factories.make_user(display_name="网格长老李", mobile="13800001111", home_grid=grid)
    grid.leader = user
    grid.save()
    RosterMembership.objects.create(
        user=user,
        grid=grid,
        role=RosterMembership.Role.LEADER,
        status=RosterMembership.Status.ACTIVE,
    )
    return user


@pytest.fixture
def volunteer(grid):
    return make_member(grid=grid, display_name="志愿者小王", mobile="13912345678")


@pytest.fixture
def patrol(grid, leader):
    return make_shift(grid=grid, capacity=2)
