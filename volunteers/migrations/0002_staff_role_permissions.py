"""The staff roles' rights on rosters, shifts, sign-ups and service records (see
portal.roles). Changes in the admin go through volunteers.services; community staff are
limited to their communities in every view (portal.viewsets)."""

from django.db import migrations

from portal.roles import grant_permissions

DISTRICT_ADMINS = "区级管理员"
COMMUNITY_STAFF = "社区工作人员"

VIEW = ["view_rostermembership", "view_shift", "view_signup", "view_servicerecord"]
CHANGE = ["change_shift", "change_servicerecord"]


def grant(apps, schema_editor):
    grant_permissions(apps, DISTRICT_ADMINS, "volunteers", VIEW + CHANGE)
    grant_permissions(apps, COMMUNITY_STAFF, "volunteers", VIEW + CHANGE)


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0001_initial"),
        ("portal", "0006_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
