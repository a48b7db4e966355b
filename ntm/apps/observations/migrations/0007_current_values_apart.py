"""Current values apart from history (issue 25): the observations keep one row per cell, changed in
place; every version goes to an append-only history, ``observations_observationversion``."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

HISTORY = "observations_observationversion"
CURRENT = "observations_observation"
# the columns of a version, in both tables
COLUMNS = (
    "id, unit_id, set_code, indicator, period, year, value_text, value_num, assessment, not_applicable, note, "
    "evidence, version, source, batch, created_by_id, created_by_name, created_at"
)


def _reset_sequence(schema_editor, table: str) -> None:
    """PostgreSQL: the table's id sequence continues after the ids copied in with their values."""
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        with conn.cursor() as cur:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) "
                f"FROM {table}"
            )


def copy_every_version(apps, schema_editor):
    """Every row of the observations, current or not, becomes a version of the history, with its id
    (links to an evidence file of an earlier version keep working) and its approval."""
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"INSERT INTO {HISTORY} ({COLUMNS}, is_approved) SELECT {COLUMNS}, is_approved FROM {CURRENT}")
    _reset_sequence(schema_editor, HISTORY)


def keep_current_values(apps, schema_editor):
    """The observations keep their current rows only (the others are in the history)."""
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"DELETE FROM {CURRENT} WHERE is_current = %s", [False])


def restore_every_version(apps, schema_editor):
    """Backwards: the observations hold every version again, the newest of each cell current, the
    approved ones as the history marks them."""
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"DELETE FROM {CURRENT}")
        cur.execute(
            f"INSERT INTO {CURRENT} ({COLUMNS}, is_current, is_approved) SELECT {COLUMNS}, "
            f"version = (SELECT MAX(m.version) FROM {HISTORY} m WHERE m.unit_id = h.unit_id AND "
            f"m.set_code = h.set_code AND m.period = h.period AND m.indicator = h.indicator), is_approved "
            f"FROM {HISTORY} h"
        )
    _reset_sequence(schema_editor, CURRENT)


def room_for_updates_in_place(apps, schema_editor):
    """PostgreSQL: a new version rewrites the current row, changing no indexed column; free room on
    each page lets the new row stay on its page without touching an index (a "HOT" update)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {CURRENT} SET (fillfactor = 70)")


class Migration(migrations.Migration):
    dependencies = [
        ("observations", "0006_fewer_observation_indexes"),
        ("units", "0002_reform_classifications"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ObservationVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("set_code", models.CharField(max_length=64, verbose_name="bộ tiêu chí")),
                ("indicator", models.CharField(max_length=16, verbose_name="chỉ tiêu")),
                ("period", models.CharField(help_text="YYYY, YYYY-MM hoặc YYYY-Qn", max_length=10, verbose_name="kỳ")),
                ("year", models.PositiveSmallIntegerField(verbose_name="năm")),
                ("value_text", models.CharField(blank=True, max_length=200, verbose_name="giá trị (như đã nhập)")),
                ("value_num", models.FloatField(blank=True, null=True, verbose_name="giá trị số")),
                ("assessment", models.BooleanField(blank=True, null=True, verbose_name="đánh giá của cán bộ")),
                ("not_applicable", models.BooleanField(default=False, verbose_name="không đánh giá")),
                ("note", models.TextField(blank=True, verbose_name="ghi chú")),
                ("evidence", models.CharField(blank=True, max_length=500, verbose_name="minh chứng")),
                ("version", models.PositiveIntegerField(default=1, verbose_name="lần sửa")),
                (
                    "source",
                    models.CharField(
                        default="form",
                        help_text="form, import, api, demo, carryover (chép từ kỳ trước, chưa xác nhận)…",
                        max_length=40,
                        verbose_name="nguồn",
                    ),
                ),
                ("batch", models.CharField(blank=True, max_length=64, verbose_name="lô nhập")),
                (
                    "created_by_name",
                    models.CharField(
                        blank=True,
                        help_text="giữ lại khi tài khoản bị xóa",
                        max_length=150,
                        verbose_name="tên người nhập",
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="thời điểm")),
                (
                    "is_approved",
                    models.BooleanField(
                        db_default=False,
                        default=False,
                        help_text="phiên bản được phê duyệt lần gần nhất của chỉ tiêu trong kỳ",
                        verbose_name="đã duyệt",
                    ),
                ),
            ],
            options={
                "verbose_name": "phiên bản số liệu",
                "verbose_name_plural": "lịch sử số liệu",
            },
        ),
        migrations.AddField(
            model_name="observationversion",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="người nhập",
            ),
        ),
        migrations.AddField(
            model_name="observationversion",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="observation_versions",
                to="units.unit",
                verbose_name="đơn vị",
            ),
        ),
        migrations.RunPython(copy_every_version, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="observationversion",
            index=models.Index(
                condition=models.Q(("is_approved", True)),
                fields=["set_code", "period"],
                name="obsv_set_period_approved",
            ),
        ),
        migrations.AddConstraint(
            model_name="observationversion",
            constraint=models.UniqueConstraint(
                fields=("unit", "set_code", "period", "indicator", "version"), name="obsv_version"
            ),
        ),
        migrations.AddConstraint(
            model_name="observationversion",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_approved", True)),
                fields=("unit", "set_code", "period", "indicator"),
                name="obsv_one_approved",
            ),
        ),
        migrations.RunPython(keep_current_values, restore_every_version, elidable=False),
        migrations.RemoveConstraint(
            model_name="observation",
            name="obs_one_current",
        ),
        migrations.RemoveConstraint(
            model_name="observation",
            name="obs_version_unique",
        ),
        migrations.RemoveConstraint(
            model_name="observation",
            name="obs_one_approved",
        ),
        migrations.RemoveIndex(
            model_name="observation",
            name="obs_set_period_approved",
        ),
        migrations.RemoveIndex(
            model_name="observation",
            name="obs_set_period",
        ),
        migrations.RemoveField(
            model_name="observation",
            name="is_approved",
        ),
        migrations.RemoveField(
            model_name="observation",
            name="is_current",
        ),
        migrations.AlterField(
            model_name="observation",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="thời điểm"),
        ),
        migrations.AddIndex(
            model_name="observation",
            index=models.Index(fields=["set_code", "period"], name="obs_set_period"),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=models.UniqueConstraint(fields=("unit", "set_code", "period", "indicator"), name="obs_cell"),
        ),
        migrations.RunPython(room_for_updates_in_place, migrations.RunPython.noop, elidable=False),
    ]
