"""Migration 0006 (fewer indexes on the observations) keeps every row, and the current values of a cell
and of a set and period read the same before and after it, on either database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("observations", "0005_approved_entry_help")]
AFTER = [("observations", "0006_fewer_observation_indexes")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _indexes() -> set[str]:
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, "observations_observation")
    return {name for name, c in found.items() if (c["index"] or c["unique"]) and not c["primary_key"]}


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_version_and_reads_the_same():
    apps = _migrate(BEFORE)
    Unit = apps.get_model("units", "Unit")
    Observation = apps.get_model("observations", "Observation")
    unit = Unit.objects.get(uid="xa:13570@2024")
    for version, text in ((1, "đạt"), (2, "chưa đạt"), (3, "đạt")):
        Observation.objects.filter(unit=unit, indicator="2.1", is_current=True).update(is_current=False)
        Observation.objects.create(
            unit=unit,
            set_code="xa-ntm-2021",
            indicator="2.1",
            period="2023-07",
            year=2023,
            value_text=text,
            version=version,
            is_current=True,
            is_approved=version == 2,
        )
    columns = ("unit_id", "set_code", "indicator", "period", "value_text", "version", "is_current", "is_approved")
    rows = sorted(Observation.objects.values_list(*columns))
    assert "obs_cell_current" in _indexes()

    apps = _migrate(AFTER)
    Observation = apps.get_model("observations", "Observation")
    assert sorted(Observation.objects.values_list(*columns)) == rows
    current = Observation.objects.filter(unit_id=unit.pk, set_code="xa-ntm-2021", period="2023-07", is_current=True)
    assert list(current.values_list("value_text", "version")) == [("đạt", 3)]
    by_set = Observation.objects.filter(set_code="xa-ntm-2021", period="2023-07", is_current=True)
    assert by_set.count() == 1
    indexes = _indexes()
    assert "obs_cell_current" not in indexes and "obs_set_period" in indexes
    assert {"obs_one_current", "obs_version_unique", "obs_one_approved", "obs_set_period_approved"} <= indexes
    # and back: the reverse migration restores the indexes, the rows untouched
    apps = _migrate(BEFORE)
    assert "obs_cell_current" in _indexes()
    assert sorted(apps.get_model("observations", "Observation").objects.values_list(*columns)) == rows
    _migrate(AFTER)
