"""Migration 0007 (current values apart from history): every version is kept in the history with its id
and approval, the observations keep one current row per cell, and the way back restores the table of
every version as it was — on either database."""

from __future__ import annotations

from django.db import connection

from .test_migration_indexes import _migrate, outside_transactions  # noqa: F401  (the fixture)

BEFORE = [("observations", "0006_fewer_observation_indexes")]
AFTER = [("observations", "0007_current_values_apart")]
COLUMNS = ("id", "unit_id", "set_code", "indicator", "period", "value_text", "version")


def _versions(apps, unit, indicator, texts, approved):
    Observation = apps.get_model("observations", "Observation")
    for version, text in enumerate(texts, start=1):
        Observation.objects.filter(unit=unit, period="2031-07", indicator=indicator, is_current=True).update(
            is_current=False
        )
        Observation.objects.create(
            unit=unit,
            set_code="xa-ntm-2021",
            indicator=indicator,
            period="2031-07",
            year=2031,
            value_text=text,
            version=version,
            is_current=True,
            is_approved=version == approved,
        )


def test_every_version_goes_to_the_history_and_one_current_row_stays(outside_transactions):  # noqa: F811
    apps = _migrate(BEFORE)
    unit = apps.get_model("units", "Unit").objects.get(uid="xa:13570@2024")
    _versions(apps, unit, "2.1", ["đạt", "chưa đạt", "đạt"], approved=2)
    _versions(apps, unit, "17.1", ["chưa đạt"], approved=None)
    Old = apps.get_model("observations", "Observation")
    before = sorted(Old.objects.filter(period="2031-07").values_list(*COLUMNS, "is_current", "is_approved"))
    assert len(before) == 4

    apps = _migrate(AFTER)
    Observation = apps.get_model("observations", "Observation")
    Version = apps.get_model("observations", "ObservationVersion")
    # the history: every version with its id (an evidence link to an old version still works) and approval
    history = sorted(Version.objects.filter(period="2031-07").values_list(*COLUMNS, "is_approved"))
    assert history == [(*row[:-2], row[-1]) for row in before]
    # the current values: one row per cell, the newest version, with the id it had
    current = sorted(Observation.objects.filter(period="2031-07").values_list(*COLUMNS))
    assert current == [row[:-2] for row in before if row[-2]]
    assert sorted((r[3], r[5], r[6]) for r in current) == [("17.1", "chưa đạt", 1), ("2.1", "đạt", 3)]
    approved = Version.objects.filter(period="2031-07", is_approved=True)
    assert list(approved.values_list("indicator", "version")) == [("2.1", 2)]
    # a new version after the migration gets an id above every copied one (PostgreSQL: the sequence moved)
    top = max(r[0] for r in history)
    made = Version.objects.create(
        unit_id=unit.pk, set_code="xa-ntm-2021", indicator="2.1", period="2031-07", year=2031, version=4
    )
    assert made.pk > top
    made.delete()
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, "observations_observation")
    assert {"obs_cell", "obs_set_period"} <= set(found)
    assert not {"obs_one_current", "obs_version_unique"} & set(found)

    # and back: the table of every version again, the newest of each cell current, the approval kept
    apps = _migrate(BEFORE)
    Old = apps.get_model("observations", "Observation")
    assert sorted(Old.objects.filter(period="2031-07").values_list(*COLUMNS, "is_current", "is_approved")) == before
