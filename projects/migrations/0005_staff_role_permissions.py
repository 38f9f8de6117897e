"""The staff roles' rights on organizations and project categories (see portal.roles); the
page rights on the project index are given when the index is set up
(projects.services.project_index_setup)."""

from django.db import migrations

from portal.roles import grant_permissions

DISTRICT_ADMINS = "区级管理员"
COMMUNITY_STAFF = "社区工作人员"

STAFF = ["view_organization", "review_organization", "view_category"]
ADMINS = STAFF + ["change_organization", "add_category", "change_category", "delete_category"]


def grant(apps, schema_editor):
    grant_permissions(apps, COMMUNITY_STAFF, "projects", STAFF)
    grant_permissions(apps, DISTRICT_ADMINS, "projects", ADMINS)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_project_review_task_scoped_to_communities"),
        ("portal", "0006_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
