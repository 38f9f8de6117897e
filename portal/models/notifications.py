from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A message to one person about something that concerns them (roster decision,
    waitlist promotion, organization verified, ...). Shown in 我的; also emailed unless the
    person turned that kind off. Written by portal.notifications.notify()."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=50)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_error = models.CharField(_("邮件发送错误"), max_length=300, blank=True)
    # The event a fan-out tells people about ("survey_opened:12"): one notification per person
    # and event, however often the task that writes them runs (a retried or repeated task).
    event_key = models.CharField(_("事件"), max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"],
                condition=~models.Q(event_key=""),
                name="notification_once_per_event",
            )
        ]

    def __str__(self):
        return self.subject


class NotificationPreference(models.Model):
    """How a person wants to hear about one kind of event: in the site, by email too, or not
    at all. Without a row, the kind's default applies (portal.notifications.notification_kinds)."""

    SITE = "site"
    EMAIL = "email"
    OFF = "off"
    CHANNELS = [
        (EMAIL, _("站内消息和邮件")),
        (SITE, _("仅站内消息")),
        (OFF, _("不接收")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("类型"), max_length=50)
    channel = models.CharField(_("接收方式"), max_length=10, choices=CHANNELS)

    class Meta:
        verbose_name = _("消息设置")
        verbose_name_plural = _("消息设置")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once"),
            models.CheckConstraint(
                condition=models.Q(channel__in=["site", "email", "off"]),
                name="notification_preference_channel_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {self.channel}"
