"""Periodic work where no cron runs it (portal.periodic): each app's jobs, run from the request
path at most once per period across processes sharing the cache."""

import pytest

from portal.periodic import periodic_work, run_due_periodic_work

pytestmark = pytest.mark.django_db


def test_every_periodic_job_of_the_apps_is_registered():
    jobs = {work.name: work.every for work in periodic_work()}
    assert jobs == {"cases_sweep": 60, "surveys_announce_due": 60, "exports_purge": 3600}


def test_a_due_job_runs_once_per_period_whoever_asks():
    first = run_due_periodic_work()
    assert set(first) == {"cases_sweep", "surveys_announce_due", "exports_purge"}
    assert first["cases_sweep"].locked  # the sweep ran (its lock was free)
    # A second process (or request) within the period finds every job claimed.
    assert run_due_periodic_work() == {}


def test_a_failing_job_does_not_fail_the_request(client, settings, monkeypatch, caplog):
    from surveys import services

    def broken(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(services, "surveys_announce_due", broken)
    settings.PORTAL_PERIODIC_WORK_ON_REQUEST = True
    assert client.get("/healthz").status_code == 200
    assert "Periodic work surveys_announce_due failed" in caplog.text
