"""PostgreSQL only: the current observations in the order of the CSV export.

The export sorts by unit, then set, period and indicator codes in byte order (``COLLATE "C"``, the
order SQLite sorts in, so that both databases write the same file) and version. The other indexes
use the database's collation, so PostgreSQL had to sort every exported row; with this index the
national export reads the rows in order. On SQLite ``obs_version_unique`` already has that order.
Not a ``Meta.indexes`` entry: SQLite has no "C" collation, and Django would create it there too.
"""

from django.db import migrations

INDEX = "obs_export_order"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON observations_observation '
            '(unit_id, set_code COLLATE "C", period COLLATE "C", indicator COLLATE "C", version) WHERE is_current'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("observations", "0002_submission_workflow")]

    operations = [migrations.RunPython(create, drop)]
