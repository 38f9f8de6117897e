import pytest

from tests.cases.factories import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()
