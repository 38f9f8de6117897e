"""The district administrators' rights on the cases settings they manage in the admin (诉求类别与
时限, 节假日与调休; see portal.roles). Time limits are edited inline with their category and
have no admin of their own. Community staff work cases through 我的待办, not these models."""

from django.db import migrations

from portal.roles import grant_permissions

DISTRICT_ADMINS = "区级管理员"

ADMINS = [
    f"{action}_{model}"
    for model in ("casecategory", "workingdayoverride")
    for action in ("add", "change", "delete", "view")
]


def grant(apps, schema_editor):
    grant_permissions(apps, DISTRICT_ADMINS, "cases", ADMINS)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_inbox_index_of_open_cases"),
        ("portal", "0006_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
