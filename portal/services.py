"""Writes with rules for the portal's own models (users, geography)."""

from django.db import transaction
from django.utils import timezone

from portal.models import Grid, User


@transaction.atomic
def user_update_profile(
    *,
    user: User,
    display_name: str,
    mobile: str,
    mobile_consent: bool,
    home_grid: Grid | None,
) -> User:
    """Save the resident's own profile. A mobile number is kept only with its own consent;
    withdrawing the consent removes the number."""
    user.display_name = display_name.strip()
    if mobile and mobile_consent:
        user.mobile = mobile
        if user.mobile_consent_at is None:
            user.mobile_consent_at = timezone.now()
    else:
        user.mobile = ""
        user.mobile_consent_at = None
    user.home_grid = home_grid
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "mobile", "mobile_consent_at", "home_grid"])
    return user


def user_accept_privacy_notice(*, user: User, version: str) -> User:
    user.privacy_consent_version = version
    user.privacy_consent_at = timezone.now()
    user.save(update_fields=["privacy_consent_version", "privacy_consent_at"])
    return user


# --- The person's own data: download (PIPL Art. 45) and deletion (Art. 47) ------------------


def _csv_bytes(rows: list[dict]) -> bytes:
    import csv
    import io

    from portal.exports import safe_cell

    buffer = io.StringIO()
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def account_data_archive(*, user: User, actor: User | None = None) -> bytes:
    """A ZIP with one JSON file (and a CSV for tabular data) per kind of record linked to
    `user`, from every app that registered personal data. Written to the audit log."""
    import io
    import json
    import zipfile

    from django.core.serializers.json import DjangoJSONEncoder

    from portal import registry
    from portal.audit import audit_log
    from portal.personal_data import archive_readme, local_times

    buffer = io.BytesIO()
    summary = {}
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in registry.personal_data():
            if entry.export is None:
                continue
            rows = local_times(list(entry.export(user)))
            summary[entry.name] = len(rows)
            archive.writestr(
                f"{entry.name}.json",
                json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            )
            if rows:
                archive.writestr(f"{entry.name}.csv", _csv_bytes(rows))
        archive.writestr(
            "README.txt",
            archive_readme(user=user, summary=summary, generated_at=timezone.now()),
        )
    audit_log(
        actor=actor or user, action="portal.personal_data_download", instance=user, data=summary
    )
    return buffer.getvalue()


def account_deletion_blockers(*, user: User) -> list[str]:
    """Sentences explaining why the account cannot be deleted yet (empty when it can)."""
    from portal import registry

    blockers = []
    for entry in registry.personal_data():
        if entry.check is not None:
            blockers.extend(str(message) for message in entry.check(user))
    return blockers


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Delete an account: personal data blanked, future commitments cancelled (each app's
    erase step), log-in made impossible, the email free to register again. Anonymous
    aggregates (survey counts, hours totals) stay."""
    from allauth.account.models import EmailAddress
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from portal import registry
    from portal.audit import audit_log

    if not user.check_password(password):
        raise ValidationError({"password": _("密码不正确。")})
    blockers = account_deletion_blockers(user=user)
    if blockers:
        raise ValidationError(blockers)
    user_id = user.pk
    for entry in sorted(registry.personal_data(), key=lambda p: -p.order):
        if entry.erase is not None:
            entry.erase(user)
    audit_log(actor=None, action="portal.account_deleted", instance=user, data={"id": user_id})
    EmailAddress.objects.filter(user=user).delete()
    user.email = f"deleted-{user_id}@deleted.invalid"
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.mobile = ""
    user.mobile_consent_at = None
    user.home_grid = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()  # also ends every session (the session hash changes)
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    user.staff_communities.clear()
