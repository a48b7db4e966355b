"""The current values rewritten on their own page (issue 25): the author's column loses its index in
both tables — no page reads the values by author, and it was the one indexed column a new version
changes, so PostgreSQL had to write every index of the current row again — and, on PostgreSQL, the
current values' new pages are filled to half, room for one new version of every row on the page.

Pages written before keep their fill until the table is rewritten (``VACUUM FULL``; the deployment
guide says when): a row on a full page moves to a new one at its next version, as before."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CURRENT = "observations_observation"


def half_full(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {CURRENT} SET (fillfactor = 50)")


def as_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {CURRENT} SET (fillfactor = 70)")


def _author(**extra):
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
        verbose_name="người nhập",
        **extra,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("observations", "0007_current_values_apart"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(model_name="observation", name="created_by", field=_author(db_index=False)),
        migrations.AlterField(model_name="observationversion", name="created_by", field=_author(db_index=False)),
        migrations.RunPython(half_full, as_before),
    ]
