"""Load the programme targets shipped in ntm/data/targets.yaml (QĐ 263/QĐ-TTg, 2025)."""

from django.db import migrations


def load(apps, schema_editor):
    from ntm.apps.plans.targets import load_programme_targets

    load_programme_targets(apps.get_model("plans", "ProgrammeTarget"))


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
