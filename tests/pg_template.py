"""A migrated PostgreSQL database that the test databases are copied from.

Each pytest-xdist worker creates its own test database, and migrating one from nothing takes
a minute or two on a busy 2-core machine, the same work for every worker and every run.
`migrated_template()` keeps one migrated database per digest of the migrations and the
installed packages (`test_template_<digest>`, the same digest as the cluster's template,
cluster.run.migrations_digest): the first run builds it, once, under an advisory lock so that
the workers do not build it twice; every test database is then `CREATE DATABASE ... TEMPLATE`
of it (a second or so), and Django's migrate finds nothing left to apply. A change to a
migration or a package makes a new digest: the next run builds a new template and drops the
old ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cluster.run import migrations_digest

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "test_template_"
LOCK = 72_450_014  # pg_advisory_lock key: one builder at a time on the server
MIGRATE_TIMEOUT = 1200


def _url(database_url: str, name: str) -> str:
    return urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))


def migrated_template(database_url: str) -> str:
    """The name of the migrated template database on DATABASE_URL's server (built if
    missing)."""
    import psycopg

    name = f"{PREFIX}{migrations_digest()}"
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", [LOCK])
        try:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if exists is None:
                _build(connection, database_url, name)
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
    return name


def migrate(**environ: str) -> None:
    """`manage.py migrate` under the test settings in a subprocess, with `environ` (the
    database to migrate) in place of this process's DATABASE_URL and pytest's variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"))
    }
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.test", **environ)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=MIGRATE_TIMEOUT,
    )


def _build(connection, database_url: str, name: str) -> None:
    building = f"{name}_building"
    connection.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    connection.execute(f'CREATE DATABASE "{building}"')
    migrate(DATABASE_URL=_url(database_url, building))
    connection.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    old = connection.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
        [PREFIX.replace("_", "\\_") + "%", name],
    ).fetchall()
    for (stale,) in old:
        connection.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
