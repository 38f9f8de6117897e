"""The staff roles exist after `migrate`, without demo data: groups for district
administrators, community staff and grid leaders, admin access, and the geography rights
(district administrators edit streets, communities and grids; community staff see them and
rename their own communities' grids)."""

from django.db import migrations

from portal.roles import ensure_groups, grant_admin_access, grant_permissions

DISTRICT_ADMINS = "区级管理员"
COMMUNITY_STAFF = "社区工作人员"

ADMIN_GEOGRAPHY = [
    f"{action}_{model}"
    for model in ("street", "community", "grid")
    for action in ("add", "change", "view")
]
STAFF_GEOGRAPHY = ["view_street", "view_community", "view_grid", "change_grid"]


def create_roles(apps, schema_editor):
    ensure_groups(apps)
    grant_admin_access(apps, DISTRICT_ADMINS)
    grant_admin_access(apps, COMMUNITY_STAFF)
    grant_permissions(apps, DISTRICT_ADMINS, "portal", ADMIN_GEOGRAPHY)
    grant_permissions(apps, COMMUNITY_STAFF, "portal", STAFF_GEOGRAPHY)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_wagtail_defaults_in_chinese"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
