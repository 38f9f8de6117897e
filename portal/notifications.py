"""One way to tell a person that something concerns them: `notify()`.

The notification row is written inside the caller's transaction; the email goes out only
after that transaction commits, and a failure to send is recorded on the row instead of
breaking the action or losing the message. Each person chooses per kind: site and email,
site only, or off (NotificationPreference); kinds not listed in KINDS default to email.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Notification, NotificationPreference, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotificationKind:
    kind: str
    label: str
    default: str = NotificationPreference.EMAIL


KINDS: dict[str, NotificationKind] = {}


def register_notification_kind(kind: str, label, default: str = NotificationPreference.EMAIL):
    KINDS[kind] = NotificationKind(kind, label, default)


for _kind, _label, _default in [
    ("roster_decided", _("网格志愿者申请的审核结果"), "email"),
    ("roster_applied", _("有人申请加入我负责的网格"), "email"),
    ("leader_appointed", _("被任命为网格长"), "email"),
    ("waitlist_promoted", _("候补转为正式报名"), "email"),
    ("signup_cancelled", _("报名被取消"), "email"),
    ("shift_changed", _("已报名的活动有变动或取消"), "email"),
    ("hours_credited", _("服务时长已记录"), "site"),
    ("organization_decided", _("社会组织申请的审核结果"), "email"),
    ("organization_invitation", _("邀请加入社会组织"), "email"),
    ("project_moderated", _("项目审核结果"), "email"),
    ("survey_opened", _("有我可以参与的新问卷"), "off"),
]:
    register_notification_kind(_kind, _label, _default)


def channel_for(*, user: User, kind: str) -> str:
    preference = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("channel", flat=True)
        .first()
    )
    if preference:
        return preference
    known = KINDS.get(kind)
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
    for kind, channel in channels.items():
        if kind not in KINDS or not channel or channel not in dict(NotificationPreference.CHANNELS):
            continue
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"channel": channel}
        )
