"""Writes announce what they change (observations.signals) and never call the evaluator: a listener
hears the cells, indicators and source of a save inside its transaction, and the approval of a
sheet; the evaluation app, listening, stores the new result."""

from __future__ import annotations

import pytest
from django.db import connection

from ntm.apps.evaluations.models import Result, ResultAll
from ntm.apps.observations.models import ObservationVersion
from ntm.apps.observations.services import EditConflict, Entry, record_many
from ntm.apps.observations.signals import cells_approved, cells_changed
from ntm.apps.observations.workflow import transition

pytestmark = pytest.mark.django_db

CELL = ("xa-ntm-2021", "2023-07")


@pytest.fixture
def heard():
    got: list[dict] = []

    def listen(sender, **kwargs):
        got.append({**kwargs, "in_transaction": connection.in_atomic_block})

    cells_changed.connect(listen, dispatch_uid="test-heard-changed")
    cells_approved.connect(listen, dispatch_uid="test-heard-approved")
    yield got
    cells_changed.disconnect(dispatch_uid="test-heard-changed")
    cells_approved.disconnect(dispatch_uid="test-heard-approved")


def test_a_save_announces_its_cell_and_the_evaluation_stores_its_result(users, seeded, heard):
    entries = [Entry(seeded, *CELL, code, assessment=True, expected_version=1) for code in ("17.1", "17.2")]
    record_many(entries, user=users["xa"], source="api")
    (said,) = heard
    change = said["change"]
    assert set(change.cells) == {(seeded.pk, *CELL)} and change.indicators == {"17.1", "17.2"}
    assert change.source == "api" and change.user == users["xa"] and said["in_transaction"]
    # the evaluation listened: the working figures now count criterion 17 as met (18/19 before)
    assert ResultAll.objects.get(unit=seeded, set_code=CELL[0], period=CELL[1]).criteria_met == 19
    assert change.results[(seeded.pk, *CELL)].criteria_met == 19


def test_a_refused_save_announces_nothing(users, seeded, heard):
    with pytest.raises(EditConflict):
        record_many([Entry(seeded, *CELL, "17.1", assessment=True, expected_version=7)], user=users["xa"])
    assert heard == []


def test_an_approval_announces_the_cell_and_publishes_its_figures(users, seeded, heard):
    transition(seeded, *CELL, "submit", users["xa"])
    assert not Result.objects.filter(unit=seeded, set_code=CELL[0], period=CELL[1]).exists()
    transition(seeded, *CELL, "approve", users["huyen"])
    (said,) = heard
    assert (said["unit"], said["set_code"], said["period"].key) == (seeded, *CELL) and said["in_transaction"]
    assert ObservationVersion.objects.filter(unit=seeded, is_approved=True).count() == 57
    assert Result.objects.get(unit=seeded, set_code=CELL[0], period=CELL[1]).criteria_met == 18
