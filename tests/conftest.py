import os

import pytest
from django.db import connection

from tests import factories

# pytest-django's live_server runs Django in a thread next to Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Each worker's test database is a copy of one migrated template instead of being
    migrated from nothing: on PostgreSQL `CREATE DATABASE ... TEMPLATE` (tests/pg_template.py),
    on SQLite a file copied from the template file (tests/sqlite_template.py) and kept by Django
    (django_db_keepdb below) in this worker's temporary folder."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql") and os.environ.get("DATABASE_URL"):
        from tests.pg_template import migrated_template

        database.setdefault("TEST", {})["TEMPLATE"] = migrated_template(os.environ["DATABASE_URL"])
    elif database["ENGINE"].endswith("sqlite3"):
        use_sqlite_template(database, tmp_path_factory)


def use_sqlite_template(database: dict, tmp_path_factory) -> None:
    """Point the SQLite test database at a migrated copy of the template, in a file."""
    from tests.sqlite_template import migrated_copy

    copy = migrated_copy(tmp_path_factory.mktemp("db") / "test.sqlite3")
    database.setdefault("TEST", {})["NAME"] = str(copy)
    database["TEST"]["COPIED_FROM_TEMPLATE"] = True


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    """Django keeps (does not recreate) a test database copied from the migrated template;
    the copy is this run's own, in its temporary folder."""
    from django.conf import settings

    test = settings.DATABASES["default"].get("TEST", {})
    return bool(request.config.getvalue("reuse_db") or test.get("COPIED_FROM_TEMPLATE"))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached menus, settings and restriction lists
    must not leak from one test's (rolled back) data into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def make_user(db):
    return factories.make_user


@pytest.fixture
def grids(db):
    """8 grids: 2 streets × 2 communities × 2 grids."""
    return factories.make_geography()


@pytest.fixture
def home_page(db):
    return factories.make_home_page()


@pytest.fixture
def resident(db, grids):
    return factories.make_user(home_grid=grids[0])


@pytest.fixture
def district_admin(db):
    return factories.make_district_admin()


@pytest.fixture
def community_staff(db, grids):
    return factories.make_community_staff(grids[0].community)


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def require_postgres():
    """Row locks and real concurrency need PostgreSQL; SQLite serialises writers."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the concurrency tests on PostgreSQL (set DATABASE_URL).")
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI does)")
