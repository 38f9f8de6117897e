from django.db import migrations

CATEGORIES = [
    ("养老服务", "elderly"),
    ("助残", "disability"),
    ("青少年与儿童", "youth"),
    ("环境保护", "environment"),
    ("文化体育", "culture-sports"),
    ("法律援助", "legal-aid"),
    ("社区治理", "governance"),
    ("应急与安全", "safety"),
    ("健康", "health"),
    ("其他", "other"),
]


def add_categories(apps, schema_editor):
    Category = apps.get_model("projects", "Category")
    for order, (name, slug) in enumerate(CATEGORIES):
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
