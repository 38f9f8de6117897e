from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """The first answer to a create request that carried an `Idempotency-Key` header, kept so
    that a retry (the app lost the connection, the user tapped twice) gets the same answer
    instead of creating a second row. One row per (user, endpoint, key), or per (visitor,
    endpoint, key) for a visitor's survey answer: the unique constraints make concurrent
    identical requests wait for the first one and then read its answer.

    A row belongs to an account or to a visitor (a hash of the app's X-Visitor-Token, never
    the token itself), never both. `visitor` is NULL for accounts' rows, so that the visitor
    constraint does not make every account's rows collide on an empty string."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("用户"),
    )
    visitor = models.CharField(_("访客"), max_length=64, null=True, blank=True)
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
            ),
            models.UniqueConstraint(
                fields=["visitor", "endpoint", "key"], name="api_idempotency_visitor_key_once"
            ),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(visitor__isnull=True))
                | (Q(user__isnull=True) & Q(visitor__isnull=False) & ~Q(visitor="")),
                name="api_idempotency_key_has_one_owner",
            ),
        ]

    def __str__(self):
        owner = self.user_id if self.user_id else f"visitor:{(self.visitor or '')[:8]}"
        return f"{owner} {self.endpoint} {self.key}"
