"""With the database task backend (production: DJANGO_TASKS_BACKEND=database), a report only
stores the notification task; `manage.py db_worker` tells the supervisors afterwards. With
the immediate backend (make run, tests) the same task runs at once."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

import portal.tasks  # noqa: F401 - see below
from portal.models import Notification
from tests.cases.factories import make_world

# The test's backend has the default queue only. A task module imported first while it is
# set (portal.tasks, by the notification e-mails) would refuse its own queue ("exports"):
# imported above, while the suite's own backend is set.
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_a_report_leaves_the_fan_out_to_the_worker(settings):
    world = make_world()
    settings.TASKS = DATABASE_BACKEND
    case = world.report()
    # The request stored the task and told nobody yet.
    assert not Notification.objects.filter(kind="case_new").exists()
    queued = DBTaskResult.objects.filter(task_path="cases.tasks.notify_new_case")
    assert queued.count() == 1
    assert queued.get().args_kwargs["args"] == [case.pk, world.reporter.pk]

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert queued.get().status == "SUCCESSFUL", queued.get().traceback
    recipients = set(
        Notification.objects.filter(kind="case_new").values_list("recipient", flat=True)
    )
    assert recipients == {world.leader.pk, world.staff.pk}
    # A second worker pass finds nothing left to do and tells nobody twice.
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert Notification.objects.filter(kind="case_new").count() == 2


def test_without_a_worker_the_task_runs_at_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.report()
    assert Notification.objects.filter(kind="case_new").count() == 2
    assert not DBTaskResult.objects.exists()
