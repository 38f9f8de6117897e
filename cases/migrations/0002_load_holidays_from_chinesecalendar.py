from django.db import migrations


def load(apps, schema_editor):
    from cases.holidays import load_holidays

    load_holidays(model=apps.get_model("cases", "WorkingDayOverride"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
