"""The rq backend (production with Redis): a request only queues the export job in Redis;
rq's worker (here in-process, in burst mode, as `manage.py rqworker default exports
--job-class django_tasks_rq.Job` runs it) writes the file, once. Runs where REDIS_URL is set
(CI, and developers with Redis); its queues are emptied before and after."""

import os

import pytest
from django_tasks_rq.backend import Job

from portal.models import ExportJob
from tests import factories
from tests.portal.export_helpers import queue_export
from tests.volunteers.factories import make_shift

QUEUES = ["default", "exports"]


@pytest.fixture
def rq_queues(settings, tmp_path):
    if not os.environ.get("REDIS_URL", ""):
        pytest.skip("REDIS_URL is not set")
    import django_rq

    # This worker's own Redis database (portal/settings/test.py), as the "rq" cache's.
    url = settings.CACHES["rq"]["LOCATION"]

    settings.EXPORTS_ROOT = tmp_path / "exports"
    settings.RQ_QUEUES = {name: {"URL": url, "DEFAULT_TIMEOUT": 600} for name in QUEUES}
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": QUEUES},
    }
    queues = [django_rq.get_queue(name, job_class=Job) for name in QUEUES]
    for queue in queues:
        queue.empty()
    yield queues
    for queue in queues:
        queue.empty()


def _work(queues) -> None:
    from rq import SimpleWorker

    class BurstWorker(SimpleWorker):
        """rq's in-process worker without its command channel (remote "stop" or "kill"
        commands, unused here): rq 3.0 listens on it from a thread that waits up to 60 s for
        a message, and unsubscribing at the end of the burst could wait for that thread (the
        test below took 60.1 s now and then, in CI and by hand)."""

        def subscribe(self):
            pass

        def unsubscribe(self):
            pass

    BurstWorker(queues, connection=queues[0].connection, job_class=Job).work(burst=True)


@pytest.mark.django_db
def test_the_worker_writes_a_queued_export_once(
    client, grids, rq_queues, django_capture_on_commit_callbacks
):
    make_shift(grid=grids[0], title="本社区巡查")
    client.force_login(factories.make_community_staff(grids[0].community))
    job_id = queue_export(
        client, "/admin/volunteers/shifts/", "csv", django_capture_on_commit_callbacks
    )

    # The request only queued it: in Redis, on the "exports" queue.
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "queued" and job.file_name == ""
    assert client.get(f"/admin/exports/{job_id}/status/").json()["download_url"] == ""
    exports = rq_queues[1]
    assert [job.func_name for job in exports.get_jobs()] == ["portal.tasks.run_export_job"]
    # ("default" may hold Wagtail's own tasks, e.g. reference-index updates.)

    _work(rq_queues)

    job.refresh_from_db()
    assert (job.status, job.attempt, job.rows_done) == ("done", 1, 1)
    assert exports.count == 0
    status = client.get(f"/admin/exports/{job_id}/status/").json()
    body = b"".join(client.get(status["download_url"]).streaming_content).decode("utf-8-sig")
    assert "本社区巡查" in body

    # The same task queued again (a retry) finds the job finished and leaves it as it is.
    from portal.tasks import run_export_job

    run_export_job.enqueue(job_id=job_id)
    _work(rq_queues)
    again = ExportJob.objects.get(pk=job_id)
    assert (again.attempt, again.file_name) == (1, job.file_name)


@pytest.mark.django_db
def test_a_task_is_queued_in_one_round_trip(rq_queues, settings, monkeypatch):
    """portal.queues.OneTripQueue: the queue's name and the job go to Redis in one pipeline
    (rq alone sends two), and the worker still finds and runs the job. The queues on the
    pooled client, as in production (settings: "USE_REDIS_CACHE")."""
    from redis.client import Pipeline, Redis

    from cases.tasks import notify_new_case

    settings.RQ_QUEUES = {name: {"USE_REDIS_CACHE": "rq"} for name in QUEUES}

    sent = []
    execute, command = Pipeline.execute, Redis.execute_command
    monkeypatch.setattr(
        Pipeline, "execute", lambda self, *a, **k: sent.append("pipeline") or execute(self, *a, **k)
    )
    monkeypatch.setattr(
        Redis, "execute_command", lambda self, *a, **k: sent.append(a[0]) or command(self, *a, **k)
    )
    notify_new_case.enqueue(0, None)  # the first asks the server's version (once a process)
    sent.clear()
    result = notify_new_case.enqueue(-1, None)
    assert sent == ["pipeline"]
    default = rq_queues[0]
    assert result.id in default.job_ids
    _work(rq_queues)
    assert default.count == 0
    assert Job.fetch(result.id, connection=default.connection).return_value() == 0
