"""Entries in Wagtail's audit log for reads of personal data: staff exports, views of contact
lists, a person's own data download and account deletion (PIPL: who looked, and when)."""

from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

ACTIONS = {
    "portal.export": (_("导出数据"), _("导出了数据")),
    "portal.view_contacts": (_("查看联系方式"), _("查看了联系方式")),
    "portal.personal_data_download": (_("下载本人数据"), _("下载了本人数据")),
    "portal.account_deleted": (_("注销账号"), _("注销了账号")),
}


def audit_log(*, actor, action: str, instance, data: dict | None = None) -> None:
    """Record that `actor` did `action` (one of ACTIONS) on `instance`, with details."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}")
    log(instance=instance, action=action, user=actor, data=data or {})
