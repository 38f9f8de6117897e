"""One way to tell a person that something concerns them: `notify()`, or `notify_many()` for
the same message to several people at once (a constant number of queries however many), or
`notify_in_chunks()` for an audience too large for one request (everyone a survey is for).

The notification row is written inside the caller's transaction; the email goes out only
after that transaction commits, through a task (portal.tasks.send_notification_emails: in
the request with the immediate backend, on a worker otherwise), and a failure to send is
recorded on the row instead of breaking the action or losing the message. Each email goes out
once: the task sends only rows not emailed yet. Each person chooses per kind: site and email,
site only, or off (NotificationPreference); kinds that no app registers (see
notification_kinds()) default to email.
"""

import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from wagtail import hooks

from portal.models import Notification, NotificationPreference, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotificationKind:
    kind: str
    label: str
    default: str = NotificationPreference.EMAIL


def notification_kinds() -> dict[str, NotificationKind]:
    """Every kind the apps send, in hook order: each app registers
    "portal_notification_kinds" in its wagtail_hooks.py, returning its NotificationKinds."""
    return {
        kind.kind: kind
        for kinds in hooks.get_hooks("portal_notification_kinds")
        for kind in kinds()
    }


def _default_channel(kind: str) -> str:
    known = notification_kinds().get(kind)
    return known.default if known else NotificationPreference.EMAIL


def _email_text(notification: Notification) -> str:
    body = notification.body
    if notification.url:
        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        link = notification.url if notification.url.startswith("http") else base + notification.url
        body = f"{body}\n\n{link}"
    return body


def _record_email_error(notification: Notification, error: Exception) -> None:
    logger.warning("Notification %s: email failed: %s", notification.pk, error)
    Notification.objects.filter(pk=notification.pk).update(email_error=str(error)[:300])


def notification_audiences() -> dict:
    """The audiences a fan-out can name, from every app's "portal_notification_audiences" hook
    ({name: function(**params) -> a QuerySet of users, or None when the event is void})."""
    audiences = {}
    for registered in hooks.get_hooks("portal_notification_audiences"):
        audiences.update(registered())
    return audiences


def _send_emails(notifications: list[Notification]) -> int:
    """Email each of `notifications` over one mail connection. A failure is recorded on its
    row (email_error) and never raised; the rows that went out get emailed_at in one update.
    Returns how many went out."""
    notifications = [n for n in notifications if n.recipient.is_active and n.recipient.email]
    if not notifications:
        return 0
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - any mail failure is recorded, never raised
        for notification in notifications:
            _record_email_error(notification, error)
        return 0
    sent = []
    try:
        for notification in notifications:
            try:
                send_mail(
                    notification.subject,
                    _email_text(notification),
                    None,
                    [notification.recipient.email],
                    fail_silently=False,
                    connection=connection,
                )
            except Exception as error:  # noqa: BLE001 - recorded on the row, the rest go on
                _record_email_error(notification, error)
            else:
                sent.append(notification.pk)
    finally:
        try:
            connection.close()
        except Exception as error:  # noqa: BLE001 - the messages were handed over already
            logger.warning("Notifications: closing the mail connection failed: %s", error)
    if sent:
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return len(sent)


def send_notification_emails_now(notification_ids: list[int]) -> int:
    """Email the notifications of `notification_ids` that have not been emailed (nor failed)
    yet; returns how many were handed to the mail server. The rows are locked while they are
    sent (rows another worker is sending are skipped), so a task run twice sends once."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=notification_ids, emailed_at__isnull=True, email_error="")
            .select_related("recipient")
            .order_by("pk")
        )
        return _send_emails(rows)


def _enqueue_emails(notification_ids: list[int]) -> None:
    from portal.tasks import send_notification_emails

    send_notification_emails.enqueue(notification_ids=notification_ids)


def notify_many(
    *,
    recipients,
    kind: str,
    subject: str,
    body: str = "",
    url: str = "",
    email: bool = True,
    event_key: str = "",
) -> list[Notification]:
    """The same message to each of `recipients` (users; inactive ones and repeats skipped),
    as each one's preference for `kind` allows: one query for the preferences (none extra
    when `recipients` is a QuerySet: they are read with it) and one insert for the rows,
    inside the caller's transaction; the emails go out after it commits, through a task.
    Returns the notifications stored (none for those who turned `kind` off), in the order of
    `recipients`.

    With an `event_key` ("survey_opened:12") each person hears of the event once: people who
    already have its notification are left out, and a concurrent run's rows are not
    duplicated (a unique constraint; the rows are inserted with ON CONFLICT DO NOTHING)."""
    people: dict[int, User] = {}
    if event_key and isinstance(recipients, QuerySet):
        recipients = recipients.exclude(
            Exists(Notification.objects.filter(recipient=OuterRef("pk"), event_key=event_key))
        )
    elif event_key:
        recipients = list(recipients)
        told = set(
            Notification.objects.filter(
                event_key=event_key, recipient__in=[p.pk for p in recipients]
            ).values_list("recipient_id", flat=True)
        )
        recipients = [person for person in recipients if person.pk not in told]
    if isinstance(recipients, QuerySet):
        # The people and their preference for `kind` in one query.
        rows = recipients.filter(is_active=True).annotate(
            notification_channel=Subquery(
                NotificationPreference.objects.filter(user=OuterRef("pk"), kind=kind).values(
                    "channel"
                )[:1]
            )
        )
        chosen = {}
        for person in rows:
            people.setdefault(person.pk, person)
            chosen[person.pk] = person.notification_channel
    else:
        for person in recipients:
            if person.is_active and person.pk not in people:
                people[person.pk] = person
        chosen = (
            dict(
                NotificationPreference.objects.filter(
                    kind=kind, user_id__in=list(people)
                ).values_list("user_id", "channel")
            )
            if people
            else {}
        )
    if not people:
        return []
    default = _default_channel(kind)
    subject, body = str(subject)[:200], str(body)
    notifications, to_email = [], []
    for pk, person in people.items():
        channel = chosen.get(pk) or default
        if channel == NotificationPreference.OFF:
            continue
        notification = Notification(
            recipient=person, kind=kind, subject=subject, body=body, url=url, event_key=event_key
        )
        notifications.append(notification)
        if email and channel == NotificationPreference.EMAIL:
            to_email.append(notification)
    if not notifications:
        return []
    if event_key:
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
        # ON CONFLICT DO NOTHING gives no ids back: read those to email (with the rows of an
        # earlier run that stopped before its emails went out).
        email_ids = list(
            Notification.objects.filter(
                event_key=event_key,
                recipient__in=[n.recipient_id for n in to_email],
                emailed_at__isnull=True,
                email_error="",
            ).values_list("pk", flat=True)
        )
    else:
        Notification.objects.bulk_create(notifications)
        email_ids = [n.pk for n in to_email]
    if email_ids:
        transaction.on_commit(partial(_enqueue_emails, email_ids))
    return notifications


# Recipients per task of a fan-out: one chunk is one notify_many (a few queries and one
# insert) and, after it, one email task.
NOTIFY_CHUNK_SIZE = 500


def notify_in_chunks(
    *,
    audience: str,
    params: dict,
    kind: str,
    subject: str,
    body: str = "",
    url: str = "",
    event_key: str,
) -> None:
    """Tell a whole audience (`audience` names a "portal_notification_audiences" function,
    called with `params` when the task runs) about one event, off the request: after the
    caller's transaction commits, a task lists the people not told yet and hands them on in
    chunks of NOTIFY_CHUNK_SIZE, each chunk a task of its own (portal.tasks). `event_key`
    makes every run after the first a no-op for the people already told. Nothing here is
    deferred to a later time (the immediate backend of `make run` cannot defer): an event
    due later is announced by periodic work when it is due (portal.periodic)."""
    if audience not in notification_audiences():
        raise ValueError(f"Unknown notification audience: {audience}")
    message = {
        "audience": audience,
        "params": params,
        "kind": kind,
        "subject": str(subject)[:200],
        "body": str(body),
        "url": url,
        "event_key": event_key,
        "chunk_size": getattr(settings, "NOTIFY_CHUNK_SIZE", NOTIFY_CHUNK_SIZE),
    }

    def enqueue():
        from portal.tasks import notify_fan_out

        notify_fan_out.enqueue(**message)

    transaction.on_commit(enqueue)


def fan_out_now(
    *, audience, params, kind, subject, body, url, event_key, chunk_size, enqueue_chunk
) -> int:
    """The fan-out task's work: the audience's people not told of `event_key` yet, in id
    order, handed to `enqueue_chunk(user_ids)` chunk by chunk. Returns the number of chunks
    (0 when the event is void by now: the survey was unpublished, the shift deleted)."""
    people = notification_audiences()[audience](**params)
    if people is None:
        return 0
    people = people.filter(is_active=True).exclude(
        Exists(Notification.objects.filter(recipient=OuterRef("pk"), event_key=event_key))
    )
    if _default_channel(kind) == NotificationPreference.OFF:
        # Most people never turn such a kind on: read only those who did.
        people = people.filter(
            Exists(
                NotificationPreference.objects.filter(
                    user=OuterRef("pk"),
                    kind=kind,
                    channel__in=[NotificationPreference.SITE, NotificationPreference.EMAIL],
                )
            )
        )
    chunks, chunk = 0, []
    for pk in people.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=2000):
        chunk.append(pk)
        if len(chunk) >= chunk_size:
            enqueue_chunk(chunk)
            chunks, chunk = chunks + 1, []
    if chunk:
        enqueue_chunk(chunk)
        chunks += 1
    return chunks


def notify(
    *, recipient: User, kind: str, subject: str, body: str = "", url: str = "", email: bool = True
) -> Notification | None:
    """Record a notification for `recipient` and email it after the transaction commits,
    as the recipient's preference for `kind` allows. Returns None when they turned it off.

    `kind` is a short machine name such as "roster_decided" or "waitlist_promoted".
    """
    stored = notify_many(
        recipients=[recipient], kind=kind, subject=subject, body=body, url=url, email=email
    )
    return stored[0] if stored else None


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, every) unread notification of `user` as read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notification_preferences_save(*, user: User, channels: dict[str, str]) -> None:
    kinds = notification_kinds()
    for kind, channel in channels.items():
        if kind not in kinds or not channel or channel not in dict(NotificationPreference.CHANNELS):
            continue
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"channel": channel}
        )
