"""Shift.project pointed at any Wagtail page; it now points at projects.ServiceProjectPage.
The column keeps its values (a service project page's id is its page id); the check first
refuses to migrate if a shift points at a page of another type, rather than losing it."""

import django.db.models.deletion
from django.db import migrations, models


def check_projects(apps, schema_editor):
    Shift = apps.get_model("volunteers", "Shift")
    ServiceProjectPage = apps.get_model("projects", "ServiceProjectPage")
    project_ids = ServiceProjectPage.objects.values("pk")
    strays = list(
        Shift.objects.filter(project__isnull=False)
        .exclude(project_id__in=project_ids)
        .values_list("pk", flat=True)[:20]
    )
    if strays:
        raise RuntimeError(
            "These shifts point at pages that are not service projects; move them to a "
            f"projects.ServiceProjectPage or delete them first: {strays}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_staff_role_permissions"),
        ("volunteers", "0002_staff_role_permissions"),
    ]

    operations = [
        migrations.RunPython(check_projects, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="shift",
            name="project",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="volunteer_shifts",
                to="projects.serviceprojectpage",
                verbose_name="服务项目",
            ),
        ),
    ]
