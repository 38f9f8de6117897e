"""The portal's slow work as tasks of Django's task API (django-tasks): run at once by the
immediate backend (`make run`, tests), by `manage.py rqworker default exports` with the rq
backend, or `manage.py db_worker` with the database backend (README, "Background work").

Every task takes plain ids and texts (they are stored as JSON) and may run twice: a
notification exists once per person and event, an email is sent once, an export job is
finished by the one run that claimed it."""

from django.db import transaction
from django_tasks import task

from portal import export_jobs, notifications
from portal.models import User


@task()
def send_notification_emails(*, notification_ids: list[int]) -> int:
    """Email stored notifications that have not gone out yet."""
    return notifications.send_notification_emails_now(notification_ids)


@task()
def notify_fan_out(
    *,
    audience: str,
    params: dict,
    kind: str,
    subject: str,
    body: str,
    url: str,
    event_key: str,
    chunk_size: int,
) -> int:
    """List an audience's people not yet told of `event_key` and enqueue one notify_chunk per
    `chunk_size` of them; returns the number of chunks."""
    message = {"kind": kind, "subject": subject, "body": body, "url": url, "event_key": event_key}
    return notifications.fan_out_now(
        audience=audience,
        params=params,
        chunk_size=chunk_size,
        enqueue_chunk=lambda ids: notify_chunk.enqueue(user_ids=ids, **message),
        **message,
    )


@task()
def notify_chunk(
    *, user_ids: list[int], kind: str, subject: str, body: str, url: str, event_key: str
) -> int:
    """One chunk of a fan-out: the notifications of these people, in one transaction (their
    emails are a task of their own, after it commits). Returns how many were stored."""
    with transaction.atomic():
        stored = notifications.notify_many(
            recipients=User.objects.filter(pk__in=user_ids),
            kind=kind,
            subject=subject,
            body=body,
            url=url,
            event_key=event_key,
        )
    return len(stored)


@task(queue_name="exports")
def run_export_job(*, job_id: int) -> str:
    """Write an export job's file (a staff table's spreadsheet, a person's data ZIP)."""
    return export_jobs.run(job_id)
