"""Names that Wagtail's own migrations create in English and that its admin shows to staff:
the root page ("正在浏览: Root"), the root collection (the collection picker of every image
and document) and the default moderation workflow and its task ("提交给Moderators approval").
Only rows that still carry Wagtail's English default are renamed."""

from django.db import migrations

# (model, field(s), Wagtail's English default, Chinese)
RENAMES = [
    ("Page", ("title", "draft_title"), "Root", "全部站点"),
    ("Collection", ("name",), "Root", "全部图片和文档"),
    ("Workflow", ("name",), "Moderators approval", "审核员审批"),
    ("Task", ("name",), "Moderators approval", "审核员审批"),
]


def _rename(apps, *, forwards: bool):
    for model_name, fields, english, chinese in RENAMES:
        old, new = (english, chinese) if forwards else (chinese, english)
        model = apps.get_model("wagtailcore", model_name)
        rows = model.objects.filter(**{fields[0]: old})
        if model_name in ("Page", "Collection"):
            rows = rows.filter(depth=1)
        rows.update(**dict.fromkeys(fields, new))


def to_chinese(apps, schema_editor):
    _rename(apps, forwards=True)


def to_english(apps, schema_editor):
    _rename(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_notification_preferences"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(to_chinese, to_english)]
