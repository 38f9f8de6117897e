"""One way to tell a person that something concerns them: `notify()`.

The notification row is written inside the caller's transaction; the email goes out only
after that transaction commits, and a failure to send is recorded on the row instead of
breaking the action or losing the message. Each person chooses per kind: site and email,
site only, or off (NotificationPreference); kinds that no app registers (see
notification_kinds()) default to email.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
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


def channel_for(*, user: User, kind: str) -> str:
    preference = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("channel", flat=True)
        .first()
    )
    if preference:
        return preference
    known = notification_kinds().get(kind)
    return known.default if known else NotificationPreference.EMAIL


def _send_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        return
    body = notification.body
    if notification.url:
        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        link = notification.url if notification.url.startswith("http") else base + notification.url
        body = f"{body}\n\n{link}"
    try:
        send_mail(notification.subject, body, None, [recipient.email], fail_silently=False)
    except Exception as error:  # noqa: BLE001 - any mail failure is recorded, never raised
        logger.warning("Notification %s: email failed: %s", notification_id, error)
        Notification.objects.filter(pk=notification_id).update(email_error=str(error)[:300])
    else:
        Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())


def notify(
    *, recipient: User, kind: str, subject: str, body: str = "", url: str = "", email: bool = True
) -> Notification | None:
    """Record a notification for `recipient` and email it after the transaction commits,
    as the recipient's preference for `kind` allows. Returns None when they turned it off.

    `kind` is a short machine name such as "roster_decided" or "waitlist_promoted".
    """
    if not recipient.is_active:
        return None
    channel = channel_for(user=recipient, kind=kind)
    if channel == NotificationPreference.OFF:
        return None
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, subject=str(subject)[:200], body=str(body), url=url
    )
    if email and channel == NotificationPreference.EMAIL:
        transaction.on_commit(lambda: _send_email(notification.pk))
    return notification


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
