from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """The first answer to a create request that carried an `Idempotency-Key` header, kept so
    that a retry (the app lost the connection, the user tapped twice) gets the same answer
    instead of creating a second row. One row per (user, endpoint, key): the unique constraint
    makes concurrent identical requests wait for the first one and then read its answer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )
    endpoint = models.CharField(_("接口"), max_length=200)
    key = models.CharField(_("幂等键"), max_length=100)
    request_hash = models.CharField(_("请求摘要"), max_length=64)
    status = models.PositiveSmallIntegerField(_("状态码"))
    body = models.TextField(_("响应内容"), blank=True)
    location = models.CharField(_("位置"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "endpoint", "key"], name="api_idempotency_key_once"
            )
        ]

    def __str__(self):
        return f"{self.user_id} {self.endpoint} {self.key}"
