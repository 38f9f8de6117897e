"""The staff roles as groups with their model permissions, created by data migrations (as
Wagtail creates its own groups), so that `migrate` alone gives a working install:

- 区级管理员 (district administrators): everything district-wide;
- 社区工作人员 (community staff): their communities' data (`User.staff_communities`);
- 网格长 (grid leaders): follows `Grid.leader`; no admin rights (their screens are the
  roster pages).

Each app's migration grants its own models' permissions with `grant_permissions`; the
helpers take the migration's historical `apps`. Page permissions (which need pages) are given
when the pages are set up. People get a role with `manage.py grant_role`."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from portal.models import Community, User
from portal.permissions import COMMUNITY_STAFF, DISTRICT_ADMINS, GRID_LEADERS

ROLE_GROUPS = (DISTRICT_ADMINS, COMMUNITY_STAFF, GRID_LEADERS)


def ensure_groups(apps) -> None:
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def _permission(apps, app_label: str, codename: str):
    """The permission `app_label.codename` (`<action>_<model>`), created if the post-migrate
    signal has not made it yet (it has not, in a fresh database)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    action, model_name = codename.split("_", 1)
    model = apps.get_model(app_label, model_name)
    content_type, _created = ContentType.objects.get_or_create(
        app_label=app_label, model=model._meta.model_name
    )
    name = f"Can {action} {model._meta.verbose_name_raw}"
    for custom, label in model._meta.permissions:
        if custom == codename:
            name = label
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": str(name)[:255]}
    )
    return permission


def grant_permissions(apps, group_name: str, app_label: str, codenames) -> None:
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name=group_name)
    group.permissions.add(*[_permission(apps, app_label, codename) for codename in codenames])


def grant_admin_access(apps, group_name: str) -> None:
    """Wagtail's own migration creates `wagtailadmin.access_admin`."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=group_name)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )


# --- Granting a role to a person (manage.py grant_role) ------------------------------------

ROLE_NAMES = {"district_admin": DISTRICT_ADMINS, "community_staff": COMMUNITY_STAFF}


@transaction.atomic
def staff_role_grant(*, email: str, role: str, community_codes=()) -> tuple:
    """Put the account with this email address in a staff role; community staff also get
    the communities they work for (added to those they already have). Returns the user and
    the communities added. Raises ValidationError with what is wrong."""
    if role not in ROLE_NAMES:
        raise ValidationError(
            "Unknown role %(role)s: use district_admin or community_staff.",
            params={"role": role},
        )
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise ValidationError(
            "No account has the email address %(email)s. The person signs up first "
            "(or an administrator creates the account in the admin).",
            params={"email": email},
        )
    if not user.is_active:
        raise ValidationError("The account %(email)s is deactivated.", params={"email": email})
    codes = list(dict.fromkeys(code.strip() for code in community_codes if code.strip()))
    communities = []
    if role == "district_admin":
        if codes:
            raise ValidationError(
                "District administrators work for the whole district: leave out --community."
            )
    else:
        if not codes:
            raise ValidationError(
                "Community staff need at least one community: --community CODE (repeatable)."
            )
        communities = list(Community.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {c.code for c in communities})
        if unknown:
            raise ValidationError(
                "No community has the code(s) %(codes)s; nothing was changed.",
                params={"codes": ", ".join(unknown)},
            )
    group = Group.objects.filter(name=ROLE_NAMES[role]).first()
    if group is None:
        raise ValidationError(
            "The group %(group)s is missing: run manage.py migrate first.",
            params={"group": ROLE_NAMES[role]},
        )
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if communities:
        user.staff_communities.add(*communities)
    return user, communities
