"""portal.rows.load_chain: the same objects as the ORM's select_related, from one statement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.auth_backends import HOME, PortalModelBackend
from portal.models import Grid, User
from portal.rows import load_chain
from tests import factories

pytestmark = pytest.mark.django_db


def _values(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_a_user_comes_with_home_grid_community_and_street_in_one_query(grids):
    grid = grids[1]
    user = factories.make_user(home_grid=grid, display_name="张三")
    orm = User.objects.select_related("home_grid__community__street").get(pk=user.pk)

    with CaptureQueriesContext(connection) as queries:
        loaded = load_chain(User, user.pk, HOME)
        street = loaded.home_grid.community.street
    assert len(queries) == 1
    assert _values(loaded) == _values(orm)
    assert _values(loaded.home_grid) == _values(orm.home_grid)
    assert _values(loaded.home_grid.community) == _values(orm.home_grid.community)
    assert street == grid.community.street and street.name == grid.community.street.name
    # Converted as the ORM converts: aware datetimes (SQLite's raw values are naive strings).
    assert loaded.date_joined.tzinfo is not None
    assert loaded.date_joined == orm.date_joined
    assert loaded._state.adding is False and loaded._state.db == "default"


def test_a_null_foreign_key_ends_the_chain_without_a_query(db):
    user = factories.make_user(home_grid=None)
    loaded = load_chain(User, user.pk, HOME)
    with CaptureQueriesContext(connection) as queries:
        assert loaded.home_grid is None
    assert len(queries) == 0


def test_a_missing_row_is_none(db):
    assert load_chain(User, 987654321, HOME) is None
    assert load_chain(Grid, 987654321, ("community",)) is None


def test_the_backends_skip_inactive_and_unknown_users(grids):
    active = factories.make_user(home_grid=grids[0])
    inactive = factories.make_user(is_active=False)
    backend = PortalModelBackend()
    assert backend.get_user(active.pk) == active
    assert backend.get_user(str(active.pk)).home_grid == grids[0]
    assert backend.get_user(inactive.pk) is None
    assert backend.get_user(987654321) is None
    assert backend.get_user("not-a-number") is None
