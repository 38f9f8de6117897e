"""One way to tell a person that something concerns them: `notify()`, or `notify_many()` for
the same message to several people at once (a constant number of queries however many).

The notification row is written inside the caller's transaction; the email goes out only
after that transaction commits, and a failure to send is recorded on the row instead of
breaking the action or losing the message. Each person chooses per kind: site and email,
site only, or off (NotificationPreference); kinds that no app registers (see
notification_kinds()) default to email.
"""

import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
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


def _send_emails(notifications: list[Notification]) -> None:
    """Email each of `notifications` over one mail connection. A failure is recorded on its
    row (email_error) and never raised; the rows that went out get emailed_at in one update."""
    notifications = [n for n in notifications if n.recipient.is_active and n.recipient.email]
    if not notifications:
        return
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - any mail failure is recorded, never raised
        for notification in notifications:
            _record_email_error(notification, error)
        return
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


def notify_many(
    *, recipients, kind: str, subject: str, body: str = "", url: str = "", email: bool = True
) -> list[Notification]:
    """The same message to each of `recipients` (users; inactive ones and repeats skipped),
    as each one's preference for `kind` allows: one query for the preferences (none extra
    when `recipients` is a QuerySet: they are read with it) and one insert for the rows,
    inside the caller's transaction; the emails go out after it commits, over one mail
    connection. Returns the notifications stored (none for those who turned `kind`
    off), in the order of `recipients`."""
    people: dict[int, User] = {}
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
            recipient=person, kind=kind, subject=subject, body=body, url=url
        )
        notifications.append(notification)
        if email and channel == NotificationPreference.EMAIL:
            to_email.append(notification)
    if notifications:
        Notification.objects.bulk_create(notifications)
    if to_email:
        transaction.on_commit(partial(_send_emails, to_email))
    return notifications


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
