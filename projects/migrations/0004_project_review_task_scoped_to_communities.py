"""The "项目审核" workflow's group approval task becomes a CommunityApprovalTask in place: the
task keeps its id, so workflows, in-progress reviews and their history stay as they are."""

from django.db import migrations

WORKFLOW_NAME = "项目审核"
TASK_NAME = "社区工作人员审核"


def _convert(apps, schema_editor, *, source: str, target: str):
    Task = apps.get_model("wagtailcore", "Task")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    ContentType = apps.get_model("contenttypes", "ContentType")
    source_model = apps.get_model(*source.split("."))
    target_model = apps.get_model(*target.split("."))
    task_ids = WorkflowTask.objects.filter(
        workflow__name=WORKFLOW_NAME, task__name=TASK_NAME
    ).values_list("task_id", flat=True)
    content_type, _created = ContentType.objects.get_or_create(
        app_label=target_model._meta.app_label, model=target_model._meta.model_name
    )
    quote = schema_editor.quote_name
    for task in source_model.objects.filter(pk__in=list(task_ids)):
        group_ids = list(task.groups.values_list("pk", flat=True))
        converted = target_model(
            task_ptr_id=task.pk,
            name=task.name,
            active=task.active,
            content_type_id=content_type.pk,
        )
        # raw: write the subclass row only; the shared Task row (and its id) stays.
        converted.save_base(raw=True)
        converted.groups.set(group_ids)
        Task.objects.filter(pk=task.pk).update(content_type_id=content_type.pk)
        task.groups.clear()
        # Delete the old subclass row alone (a model delete would cascade to the Task).
        schema_editor.execute(
            f"DELETE FROM {quote(source_model._meta.db_table)} WHERE {quote('task_ptr_id')} = %s",
            [task.pk],
        )


def forwards(apps, schema_editor):
    _convert(
        apps,
        schema_editor,
        source="wagtailcore.GroupApprovalTask",
        target="projects.CommunityApprovalTask",
    )


def backwards(apps, schema_editor):
    _convert(
        apps,
        schema_editor,
        source="projects.CommunityApprovalTask",
        target="wagtailcore.GroupApprovalTask",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("projects", "0003_community_approval_task"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
