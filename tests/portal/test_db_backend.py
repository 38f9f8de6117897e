"""The PostgreSQL backend's health check (portal/db/postgresql): an idle connection that the
server has not spoken on is reused without a round trip; one the server has terminated is
found before a request uses it, and replaced."""

import time

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql import base as django_base

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_postgresql_engine_is_the_portals(require_postgres):
    assert connection.settings_dict["ENGINE"] == "portal.db.postgresql"
    assert connection.vendor == "postgresql"


def test_an_idle_connection_is_usable_without_a_query(require_postgres, monkeypatch):
    connection.ensure_connection()
    full_checks = []

    def full_check(self):
        full_checks.append(self)
        return True

    monkeypatch.setattr(django_base.DatabaseWrapper, "is_usable", full_check)
    assert connection.is_usable()
    assert full_checks == []


def test_a_terminated_connection_is_found_and_replaced(require_postgres):
    connection.ensure_connection()
    old_pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    deadline = time.monotonic() + 10
    while connection.is_usable():  # the server's goodbye arrives a moment later
        assert time.monotonic() < deadline, "a terminated connection still passed the check"
        time.sleep(0.05)
    connection.health_check_enabled = True
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid
