"""knox's own migrations create its ``knox_authtoken`` table although its model is swapped out for
``accounts.ApiToken`` (``KNOX_TOKEN_MODEL``). Django knows nothing of that table, so a flush of the
database (the browser tests on PostgreSQL) could not truncate ``auth_user``, which it references.
The table never holds a row: it is dropped once every knox migration has run."""

from django.db import migrations


def drop(apps, schema_editor):
    table = schema_editor.quote_name("knox_authtoken")
    cascade = " CASCADE" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP TABLE IF EXISTS {table}{cascade}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_accounts_api_tokens"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]
