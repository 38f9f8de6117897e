"""The kinds of notification the cases app sends, registered with portal's notify()."""

from django.utils.translation import gettext_lazy as _

from portal.notifications import register_notification_kind

KINDS = [
    ("case_new", _("我负责的网格或社区有新诉求"), "email"),
    ("case_dispatched", _("有诉求派遣给我或我的部门"), "email"),
    ("case_update", _("我上报或关注的诉求有新进展"), "email"),
    ("case_warning", _("我负责的诉求即将超期"), "email"),
    ("case_escalated", _("超期诉求督办"), "email"),
    ("case_extension", _("延期或缓办申请与审批"), "site"),
]


def register() -> None:
    for kind, label, default in KINDS:
        register_notification_kind(kind, label, default)
