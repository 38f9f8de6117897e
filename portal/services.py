"""Writes with rules for the portal's own models (users, geography)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.formats import date_shown
from portal.models import Grid, HomeGridChange, User
from portal.ratelimits import rate_limit_exceeded, rate_limit_hit

# Wrong passwords allowed on the account deletion page per account and window (seconds).
ACCOUNT_DELETE_PASSWORD_ATTEMPTS = 5
ACCOUNT_DELETE_PASSWORD_WINDOW = 15 * 60

# A resident may choose a new home grid once in this period; staff corrections are exempt.
HOME_GRID_CHANGE_INTERVAL = datetime.timedelta(days=30)


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
    update_fields = ["display_name", "mobile", "mobile_consent_at"]
    if home_grid != user.home_grid:
        _home_grid_change(user=user, grid=home_grid, by=user, by_staff=False)
        update_fields += ["home_grid", "home_grid_set_at"]
    user.full_clean(exclude=["password"])
    user.save(update_fields=update_fields)
    return user


def home_grid_next_change_at(*, user: User) -> datetime.datetime | None:
    """When the resident may choose another home grid themselves (None: now)."""
    last = (
        HomeGridChange.objects.filter(user=user, by_staff=False)
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )
    if last is None or last + HOME_GRID_CHANGE_INTERVAL <= timezone.now():
        return None
    return last + HOME_GRID_CHANGE_INTERVAL


def _home_grid_change(*, user: User, grid: Grid | None, by: User, by_staff: bool) -> None:
    now = timezone.now()
    if not by_staff:
        # Locks the user's row, so two tabs cannot both slip under the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        next_at = home_grid_next_change_at(user=user)
        if next_at is not None:
            raise ValidationError(
                {
                    "grid": _(
                        "所在网格每 30 天只能修改一次。您可以在%(date)s之后再修改；"
                        "如果网格填错了，请联系所在社区的工作人员更正。"
                    )
                    % {"date": date_shown(next_at, "DATETIME_FORMAT")}
                },
                code="home_grid_change_too_soon",
            )
    HomeGridChange.objects.create(
        user=user,
        old_grid=user.home_grid,
        new_grid=grid,
        changed_at=now,
        changed_by=by,
        by_staff=by_staff,
    )
    user.home_grid = grid
    # A grid confirmed by staff counts for every survey; one the resident chose counts only
    # for surveys that open after it was chosen (surveys.services.survey_check_can_answer).
    user.home_grid_set_at = None if by_staff else now


def can_correct_home_grid(*, staff: User, user: User, grid: Grid | None) -> bool:
    """District administrators, and the community staff of the old or the new grid."""
    from portal.permissions import is_community_staff, is_district_admin

    if is_district_admin(staff):
        return True
    communities = {g.community_id for g in (user.home_grid, grid) if g is not None}
    return any(is_community_staff(staff, community) for community in communities)


@transaction.atomic
def user_correct_home_grid(*, user: User, grid: Grid | None, by: User) -> User:
    """A staff correction of a resident's home grid: not limited to one in 30 days, recorded
    with who made it, and trusted for area-restricted surveys."""
    if not can_correct_home_grid(staff=by, user=user, grid=grid):
        raise PermissionDenied(_("只有区级管理员或该网格所在社区的工作人员可以更正所在网格。"))
    if grid == user.home_grid and user.home_grid_set_at is None:
        return user
    _home_grid_change(user=user, grid=grid, by=by, by_staff=True)
    user.save(update_fields=["home_grid", "home_grid_set_at"])
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


def account_data_archive(*, user: User, actor: User | None = None, progress=None) -> bytes:
    """A ZIP with one JSON file (and a CSV for tabular data) per kind of record linked to
    `user`, from every app that registered personal data. Written to the audit log.
    `progress(done, total)` is told after each app's records (the task's progress bar)."""
    import io
    import json
    import zipfile

    from django.core.serializers.json import DjangoJSONEncoder

    from portal.audit import audit_log
    from portal.personal_data import all_exports, archive_readme, local_times

    buffer = io.BytesIO()
    summary = {}
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, exported in all_exports(user, progress=progress).items():
            rows = local_times(list(exported))
            summary[name] = len(rows)
            archive.writestr(
                f"{name}.json",
                json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            )
            if rows:
                archive.writestr(f"{name}.csv", _csv_bytes(rows))
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
    from portal.personal_data import all_deletion_blockers

    return all_deletion_blockers(user)


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Delete an account: personal data blanked, future commitments cancelled (each app's
    erase step), log-in made impossible, the email free to register again. Anonymous
    aggregates (survey counts, hours totals) stay."""
    from allauth.account.models import EmailAddress
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from portal.audit import audit_log
    from portal.personal_data import erase_all

    throttle = {"scope": "account-delete-password", "key": str(user.pk)}
    if rate_limit_exceeded(**throttle, limit=ACCOUNT_DELETE_PASSWORD_ATTEMPTS):
        raise ValidationError(
            {"password": _("密码输错的次数太多。为了保护您的账号，请 15 分钟后再试。")},
            code="too_many_attempts",
        )
    if not user.check_password(password):
        # Counted per account in the cache (Redis in production, so across every worker):
        # a stolen session must not become an unlimited password oracle.
        rate_limit_hit(
            **throttle,
            limit=ACCOUNT_DELETE_PASSWORD_ATTEMPTS,
            period=ACCOUNT_DELETE_PASSWORD_WINDOW,
        )
        raise ValidationError({"password": _("密码不正确。")})
    blockers = account_deletion_blockers(user=user)
    if blockers:
        raise ValidationError(blockers)
    user_id = user.pk
    erase_all(user)
    audit_log(actor=None, action="portal.account_deleted", instance=user, data={"id": user_id})
    EmailAddress.objects.filter(user=user).delete()
    user.email = f"deleted-{user_id}@deleted.invalid"
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.mobile = ""
    user.mobile_consent_at = None
    user.home_grid = None
    user.home_grid_set_at = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()  # also ends every session (the session hash changes)
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    user.staff_communities.clear()
