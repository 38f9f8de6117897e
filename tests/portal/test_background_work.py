"""Slow work off the request (portal.tasks, portal.export_jobs, portal.notifications), with
the immediate backend the tests run: staff exports from the admin to the download, scoped
like their listing; the export files' expiry; notification fan-out in chunks, once per person
and event (survey opened, shift changed)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks.signals import task_enqueued

from portal.export_jobs import export_storage
from portal.models import ExportJob, Notification, NotificationPreference, User
from portal.tasks import run_export_job
from tests import factories
from tests.portal.export_helpers import export_through_job, queue_export
from tests.surveys.factories import make_survey
from tests.volunteers.factories import make_shift

pytestmark = pytest.mark.django_db

SHIFTS = "/admin/volunteers/shifts/"


@pytest.fixture(autouse=True)
def _private_exports(settings, tmp_path):
    settings.EXPORTS_ROOT = tmp_path / "exports"


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def shifts(grids):
    mine, other = grids[0], grids[4]  # another street's community
    make_shift(grid=mine, title="本社区巡查")
    make_shift(grid=mine, title="=HYPERLINK(1)")
    make_shift(grid=other, title="外社区巡查")
    return mine, other


def test_an_export_goes_from_the_admin_to_the_download_scoped_like_the_list(
    client, shifts, django_capture_on_commit_callbacks
):
    mine, other = shifts
    staff = factories.make_community_staff(mine.community)
    client.force_login(staff)
    response = export_through_job(client, SHIFTS, "csv", django_capture_on_commit_callbacks)
    assert response["Content-Disposition"].startswith('attachment; filename="volunteers-shifts-')
    titles = {row[0] for row in _csv_rows(response)[1:]}
    # The staff member's community only, and formula-safe.
    assert titles == {"本社区巡查", "'=HYPERLINK(1)"}

    job = ExportJob.objects.get()
    assert (job.requested_by, job.status, job.rows_done, job.rows_total) == (staff, "done", 2, 2)
    assert job.scope["communities"] == [mine.community_id]
    assert job.expires_at > timezone.now() + timedelta(hours=23)
    assert export_storage().exists(job.file_name)
    page = client.get(f"/admin/exports/{job.pk}/").content.decode()
    assert f"/admin/exports/{job.pk}/download/" in page and "<progress" in page
    assert "volunteers_shifts" not in client.get("/admin/exports/").content.decode()
    assert f"/admin/exports/{job.pk}/" in client.get("/admin/exports/").content.decode()

    # Another community's staff (and a district administrator who did not ask) get 404 for
    # the job's page, status and file, as if it did not exist.
    for outsider in (
        factories.make_community_staff(other.community),
        factories.make_district_admin(),
    ):
        client.force_login(outsider)
        for suffix in ("", "status/", "download/"):
            assert client.get(f"/admin/exports/{job.pk}/{suffix}").status_code == 404
    # A superuser may fetch it.
    client.force_login(factories.make_user(is_superuser=True, is_staff=True))
    assert client.get(f"/admin/exports/{job.pk}/download/").status_code == 200
    # An unknown id is a 404 too, never a 500.
    assert client.get("/admin/exports/99999999999999999999999/status/").status_code == 404


def test_an_export_keeps_the_lists_filters(client, shifts, django_capture_on_commit_callbacks):
    mine, other = shifts
    client.force_login(factories.make_district_admin())
    everything = export_through_job(client, SHIFTS, "csv", django_capture_on_commit_callbacks)
    assert {row[0] for row in _csv_rows(everything)[1:]} == {
        "本社区巡查",
        "'=HYPERLINK(1)",
        "外社区巡查",
    }
    filtered = export_through_job(
        client,
        SHIFTS,
        "xlsx",
        django_capture_on_commit_callbacks,
        grid__community=str(other.community_id),
    )
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(filtered.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["外社区巡查"]
    assert ExportJob.objects.filter(scope__communities=None).count() == 2


def test_people_without_the_listing_may_not_ask_for_its_export(client, shifts, resident):
    client.force_login(factories.make_community_staff(shifts[0].community))
    assert client.get("/admin/exports/new/", {"source": "nope", "format": "csv"}).status_code == 404
    assert (
        client.get("/admin/exports/new/", {"source": "volunteers_shifts", "format": "pdf"})
    ).status_code == 404
    client.force_login(resident)
    response = client.post("/admin/exports/new/", {"source": "volunteers_shifts", "format": "csv"})
    assert response.status_code in (302, 403) and not ExportJob.objects.exists()


def test_an_export_job_run_twice_is_finished_once(
    client, shifts, django_capture_on_commit_callbacks
):
    client.force_login(factories.make_community_staff(shifts[0].community))
    job_id = queue_export(client, SHIFTS, "csv", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "done" and job.attempt == 1
    assert run_export_job.call(job_id=job_id) == "skipped"
    again = ExportJob.objects.get(pk=job_id)
    assert (again.attempt, again.file_name, again.finished_at) == (
        1,
        job.file_name,
        job.finished_at,
    )


def test_jobs_whose_worker_died_are_queued_again_and_written_once(
    client, shifts, settings, django_capture_on_commit_callbacks
):
    """A job left running without progress for EXPORTS_STALE_AFTER (its worker was killed)
    is queued again by `exports_resume` and finished by the new run; a job still making
    progress is left to its run."""
    settings.EXPORTS_STALE_AFTER = 60
    client.force_login(factories.make_community_staff(shifts[0].community))
    dead, alive = (
        ExportJob.objects.get(
            pk=queue_export(client, SHIFTS, fmt, django_capture_on_commit_callbacks)
        )
        for fmt in ("csv", "xlsx")
    )
    now = timezone.now()
    ExportJob.objects.filter(pk=dead.pk).update(
        status="running", file_name="", heartbeat_at=now - timedelta(seconds=61)
    )
    ExportJob.objects.filter(pk=alive.pk).update(
        status="running", file_name="", heartbeat_at=now - timedelta(seconds=30)
    )
    out = io.StringIO()
    call_command("exports_resume", stdout=out)  # the immediate backend runs it at once
    assert "queued 1 export(s) again" in out.getvalue()
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.attempt) == ("done", 2)
    assert export_storage().exists(dead.file_name)
    assert (alive.status, alive.attempt) == ("running", 1)


def test_expired_exports_are_purged_with_their_files(
    client, shifts, django_capture_on_commit_callbacks
):
    client.force_login(factories.make_community_staff(shifts[0].community))
    old = ExportJob.objects.get(
        pk=queue_export(client, SHIFTS, "csv", django_capture_on_commit_callbacks)
    )
    new = ExportJob.objects.get(
        pk=queue_export(client, SHIFTS, "xlsx", django_capture_on_commit_callbacks)
    )
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()
    call_command("exports_purge", stdout=out)
    assert "purged 1" in out.getvalue()
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [new.pk]
    assert not export_storage().exists(old.file_name)
    assert export_storage().exists(new.file_name)
    assert client.get(f"/admin/exports/{old.pk}/download/").status_code == 404


# --- The personal data ZIP ------------------------------------------------------------------


def test_the_data_zip_is_its_owners_only(
    client, resident, home_page, django_capture_on_commit_callbacks
):
    from tests.portal.data_download import download_archive

    client.force_login(resident)
    assert "profile.json" in download_archive(client, django_capture_on_commit_callbacks).namelist()
    job = ExportJob.objects.get(requested_by=resident)
    assert (job.source, job.status, job.percent) == ("personal_data", "done", 100)
    status = client.get(f"/me/data/{job.pk}/status/").json()
    assert status["download_url"] == f"/me/data/{job.pk}/file/"
    # Nobody else, a superuser included, and not through the staff download either.
    for other in (factories.make_user(), factories.make_user(is_superuser=True, is_staff=True)):
        client.force_login(other)
        assert client.get(f"/me/data/{job.pk}/file/").status_code == 404
        assert client.get(f"/me/data/{job.pk}/status/").status_code == 404
    assert client.get(f"/admin/exports/{job.pk}/download/").status_code == 404


# --- Notifications fanned out in chunks -------------------------------------------------------


@pytest.fixture
def chunk_tasks():
    """The names of the portal's tasks enqueued while the test runs (Wagtail's own, such as
    search indexing, left out)."""
    seen = []

    def record(sender, task_result, **kwargs):
        if task_result.task.module_path.startswith("portal.tasks."):
            seen.append(task_result.task.name)

    task_enqueued.connect(record)
    yield seen
    task_enqueued.disconnect(record)


def _opted_in(user, channel=NotificationPreference.EMAIL):
    NotificationPreference.objects.create(user=user, kind="survey_opened", channel=channel)
    return user


def test_a_survey_opened_for_a_street_is_announced_in_chunks_once(
    settings, grids, home_page, chunk_tasks, django_capture_on_commit_callbacks
):
    from surveys.models import SurveyIndexPage

    settings.NOTIFY_CHUNK_SIZE = 2
    street = grids[0].community.street
    inside = [g for g in grids if g.community.street_id == street.pk]
    outside = [g for g in grids if g.community.street_id != street.pk]
    told = [_opted_in(factories.make_user(home_grid=inside[i % len(inside)])) for i in range(4)] + [
        _opted_in(factories.make_user(home_grid=inside[0]), NotificationPreference.SITE)
    ]
    _opted_in(factories.make_user(home_grid=outside[0]))  # outside the audience
    factories.make_user(home_grid=inside[0])  # never turned "survey_opened" on (default off)
    off = _opted_in(factories.make_user(home_grid=inside[1]), NotificationPreference.OFF)
    index = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    survey = make_survey(index, audience="selected", audience_streets=[street])

    with django_capture_on_commit_callbacks(execute=True):
        survey.save_revision().publish()

    notes = Notification.objects.filter(kind="survey_opened")
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(u.pk for u in told)
    assert off.pk not in notes.values_list("recipient_id", flat=True)
    assert set(notes.values_list("event_key", flat=True)) == {f"survey_opened:{survey.pk}"}
    # 5 people in chunks of 2: one fan-out, 3 chunks, and an email task after each chunk
    # with someone to email (4 of the 5 chose email).
    assert chunk_tasks.count("notify_fan_out") == 1
    assert chunk_tasks.count("notify_chunk") == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in told[:4])
    assert notes.filter(emailed_at__isnull=False).count() == 4

    # Published again: nobody is told twice, no email goes out twice, no chunk is made.
    chunk_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        survey.save_revision().publish()
    assert notes.count() == 5 and len(mail.outbox) == 4
    assert chunk_tasks == ["notify_fan_out"]


def test_a_chunk_run_twice_tells_each_person_once(grids):
    from portal.tasks import notify_chunk

    people = [factories.make_user(home_grid=grids[0]) for _ in range(3)]
    message = {
        "user_ids": [p.pk for p in people],
        "kind": "shift_changed",
        "subject": "变动",
        "body": "",
        "url": "",
        "event_key": "shift_changed:1:1",
    }
    assert notify_chunk.call(**message) == 3
    assert notify_chunk.call(**message) == 0
    assert Notification.objects.filter(event_key="shift_changed:1:1").count() == 3


def test_a_changed_shift_tells_the_people_signed_up(
    grids, chunk_tasks, django_capture_on_commit_callbacks
):
    from volunteers import services
    from volunteers.models import SignUp

    shift = make_shift(grid=grids[0], members_only=False)
    confirmed, waiting, cancelled = (factories.make_user(home_grid=grids[0]) for _ in range(3))
    SignUp.objects.create(shift=shift, user=confirmed, status=SignUp.Status.CONFIRMED)
    SignUp.objects.create(shift=shift, user=waiting, status=SignUp.Status.WAITLISTED)
    SignUp.objects.create(shift=shift, user=cancelled, status=SignUp.Status.CANCELLED)
    staff = factories.make_community_staff(grids[0].community)

    with django_capture_on_commit_callbacks(execute=True):
        services.shift_update(shift=shift, by=staff, place="新地点：社区广场")
    notes = Notification.objects.filter(kind="shift_changed")
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(
        [confirmed.pk, waiting.pk]
    )
    assert "新地点：社区广场" in notes.first().body
    # "shift_changed" is emailed by default (the waiting person was also promoted: a place
    # was free).
    assert sum("有变动" in m.subject for m in mail.outbox) == 2

    # A change of something people are not told about (the capacity) tells nobody.
    chunk_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_update(shift=shift, by=staff, capacity=20)
    assert notes.count() == 2 and chunk_tasks == []


def test_emails_go_out_once_however_often_their_task_runs(resident):
    from portal.notifications import notify
    from portal.tasks import send_notification_emails

    note = notify(recipient=resident, kind="roster_decided", subject="审核结果", email=True)
    assert mail.outbox == []  # after the commit, through a task
    assert send_notification_emails.call(notification_ids=[note.pk]) == 1
    assert send_notification_emails.call(notification_ids=[note.pk]) == 0
    assert len(mail.outbox) == 1
    assert User.objects.get(pk=resident.pk).notifications.get().emailed_at is not None
