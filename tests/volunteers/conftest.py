import pytest

from tests import factories
from tests.volunteers.factories import make_member, make_shift
from volunteers.models import RosterMembership


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
