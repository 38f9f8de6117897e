"""What the portal app itself holds about a person, for the data download and deletion."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from portal.models import HomeGridChange, Notification, NotificationPreference, User


def local_times(value):
    """Every datetime in `value` (rows of dicts, lists) as local time with its offset,
    2026-12-02T09:30:00+08:00, so a consent given on 12月2日 reads 12-02 in the file too."""
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            return value.isoformat(timespec="seconds")
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dict):
        return {key: local_times(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [local_times(item) for item in value]
    return value


def archive_readme(*, user: User, summary: dict[str, int], generated_at) -> str:
    """The README of the data download, in the language of the request that asked for it."""
    lines = [
        _("市北区共建共治共享平台：本人数据副本"),
        "",
        _(
            "这个压缩包含有平台保存的与您本人有关的全部记录，每类记录一个 JSON 文件，"
            "有记录时另附一个 CSV 文件（可用表格软件打开）。"
        ),
        _("文件中的时间都是北京时间（UTC+08:00），例如 2026-12-02T09:30:00+08:00。"),
        "",
        _("用户编号：%(id)s") % {"id": user.pk},
        _("生成时间：%(time)s") % {"time": local_times(generated_at)},
        "",
        _("各类记录的条数："),
    ]
    lines += [
        _("%(file)s：%(count)s 条") % {"file": f"{name}.json", "count": count}
        for name, count in summary.items()
    ]
    lines += ["", _("如需更正或删除这些数据，请在“我的”页面修改资料或注销账号。")]
    return "\n".join(lines) + "\n"


def export_profile(user: User) -> list[dict]:
    grid = user.home_grid
    return [
        {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "mobile": user.mobile,
            "home_grid": grid.full_name if grid else "",
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        }
    ]


def export_consents(user: User) -> list[dict]:
    rows = [
        {
            "consent": _("隐私政策"),
            "version": user.privacy_consent_version,
            "given_at": user.privacy_consent_at,
        }
    ]
    if user.mobile_consent_at:
        rows.append(
            {"consent": _("手机号码使用"), "version": "", "given_at": user.mobile_consent_at}
        )
    return rows


def export_notifications(user: User) -> list[dict]:
    return list(
        Notification.objects.filter(recipient=user).values(
            "kind", "subject", "body", "url", "created_at", "read_at", "emailed_at"
        )
    )


def export_notification_preferences(user: User) -> list[dict]:
    return list(NotificationPreference.objects.filter(user=user).values("kind", "channel"))


def erase_notifications(user: User) -> None:
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()


def export_home_grid_changes(user: User) -> list[dict]:
    return [
        {
            "old_grid": change.old_grid.full_name if change.old_grid else "",
            "new_grid": change.new_grid.full_name if change.new_grid else "",
            "changed_at": change.changed_at,
            "by_staff": change.by_staff,
        }
        for change in HomeGridChange.objects.filter(user=user).select_related(
            "old_grid__community__street", "new_grid__community__street"
        )
    ]


def erase_home_grid_changes(user: User) -> None:
    HomeGridChange.objects.filter(user=user).delete()


def erase_grid_leadership(user: User) -> None:
    user.led_grids.update(leader=None)


def personal_data_export(user: User) -> dict[str, list[dict]]:
    return {
        "profile": export_profile(user),
        "consents": export_consents(user),
        "notifications": export_notifications(user),
        "notification_preferences": export_notification_preferences(user),
        "home_grid_changes": export_home_grid_changes(user),
    }


def personal_data_erase(user: User) -> None:
    erase_home_grid_changes(user)
    erase_grid_leadership(user)
    erase_notifications(user)


# Every app's personal data (PIPL Art. 45 copy, Art. 47 deletion), gathered through hooks
# that each app registers in its wagtail_hooks.py:
# - "portal_personal_data_exporters": `personal_data_export(user) -> {name: rows}`, one
#   file per name in the download, rows of plain values;
# - "portal_account_deletion_blockers": `deletion_blockers(user) -> [sentence]`, what
#   blocks deletion (e.g. "last owner of X");
# - "portal_personal_data_erasers": `personal_data_erase(user)`, removes personal data and
#   future commitments while keeping anonymous aggregates. Erasers run in hook order inside
#   one transaction; portal registers its own last (order 100), after the apps'.


def all_exports(user: User, progress=None) -> dict[str, list[dict]]:
    """Every app's records of `user`; `progress(done, total)` after each app's."""
    exporters = hooks.get_hooks("portal_personal_data_exporters")
    exports = {}
    for done, exporter in enumerate(exporters, start=1):
        exports.update(exporter(user))
        if progress is not None:
            progress(done, len(exporters))
    return exports


def all_deletion_blockers(user: User) -> list[str]:
    blockers = []
    for check in hooks.get_hooks("portal_account_deletion_blockers"):
        blockers.extend(str(message) for message in check(user))
    return blockers


def erase_all(user: User) -> None:
    for erase in hooks.get_hooks("portal_personal_data_erasers"):
        erase(user)
