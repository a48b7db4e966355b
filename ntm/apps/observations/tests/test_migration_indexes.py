"""Migration 0006 (fewer indexes on the observations) keeps every row, and the current values of a cell
and of a set and period read the same before and after it, on either database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("observations", "0005_approved_entry_help")]
AFTER = [("observations", "0006_fewer_observation_indexes")]
LATEST = [("observations", "0007_current_values_apart")]  # where a test of the migrations leaves the database


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _indexes() -> set[str]:
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, "observations_observation")
    return {name for name, c in found.items() if (c["index"] or c["unique"]) and not c["primary_key"]}


@pytest.fixture
def outside_transactions(django_db_setup, django_db_blocker):
    """The test database in autocommit (a migration's schema changes cannot run inside the test's
    transaction on SQLite), without the flush that ends a transactional test (it would remove the
    units the session loaded once): the test removes what it writes and ends on the latest state."""
    with django_db_blocker.unblock():
        yield
        _migrate(LATEST)
        with connection.cursor() as cur:
            for table in ("observations_observation", "observations_observationversion"):
                cur.execute(f"DELETE FROM {table} WHERE period = %s", ["2031-07"])


def test_the_migration_keeps_every_version_and_reads_the_same(outside_transactions):
    apps = _migrate(BEFORE)
    Unit = apps.get_model("units", "Unit")
    Observation = apps.get_model("observations", "Observation")
    unit = Unit.objects.get(uid="xa:13570@2024")
    for version, text in ((1, "đạt"), (2, "chưa đạt"), (3, "đạt")):
        Observation.objects.filter(unit=unit, period="2031-07", indicator="2.1", is_current=True).update(
            is_current=False
        )
        Observation.objects.create(
            unit=unit,
            set_code="xa-ntm-2021",
            indicator="2.1",
            period="2031-07",
            year=2031,
            value_text=text,
            version=version,
            is_current=True,
            is_approved=version == 2,
        )
    columns = ("unit_id", "set_code", "indicator", "period", "value_text", "version", "is_current", "is_approved")
    rows = sorted(Observation.objects.filter(period="2031-07").values_list(*columns))
    assert "obs_cell_current" in _indexes()

    apps = _migrate(AFTER)
    Observation = apps.get_model("observations", "Observation")
    assert sorted(Observation.objects.filter(period="2031-07").values_list(*columns)) == rows
    current = Observation.objects.filter(unit_id=unit.pk, set_code="xa-ntm-2021", period="2031-07", is_current=True)
    assert list(current.values_list("value_text", "version")) == [("đạt", 3)]
    by_set = Observation.objects.filter(set_code="xa-ntm-2021", period="2031-07", is_current=True)
    assert by_set.count() == 1
    indexes = _indexes()
    assert "obs_cell_current" not in indexes and "obs_set_period" in indexes
    assert {"obs_one_current", "obs_version_unique", "obs_one_approved", "obs_set_period_approved"} <= indexes
    # and back: the reverse migration restores the indexes, the rows untouched
    apps = _migrate(BEFORE)
    assert "obs_cell_current" in _indexes()
    assert (
        sorted(apps.get_model("observations", "Observation").objects.filter(period="2031-07").values_list(*columns))
        == rows
    )
