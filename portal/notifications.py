"""One way to tell a person that something concerns them: `notify()`.

The notification row is written inside the caller's transaction; the email goes out only
after that transaction commits, and a failure to send is recorded on the row instead of
breaking the action or losing the message.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from portal.models import Notification, User

logger = logging.getLogger(__name__)


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
) -> Notification:
    """Record a notification for `recipient` and email it after the transaction commits.

    `kind` is a short machine name such as "roster_decided" or "waitlist_promoted"; per-kind
    preferences decide whether it is shown and emailed.
    """
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, subject=str(subject)[:200], body=str(body), url=url
    )
    if email:
        transaction.on_commit(lambda: _send_email(notification.pk))
    return notification
