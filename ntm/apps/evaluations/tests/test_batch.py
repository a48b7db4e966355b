"""The batch path (one SELECT → NumPy → bulk upsert) stores what the single-unit path stores, and the
stored roll-ups it rebuilds equal roll-ups computed from the results."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ntm.apps.evaluations import batch
from ntm.apps.evaluations.models import ResultAll, RollupResultAll, RollupStateAll
from ntm.apps.evaluations.services import compute, computed_rollup, evaluate_unit, explanation, rollup_for
from ntm.apps.observations.services import Entry, record_many
from ntm.apps.units.services import communes_at, resolve_unit
from ntm.core.catalog import Kind, default_catalog
from ntm.core.evaluation.model import LETTER_STATUS
from ntm.core.periods import Period
from ntm.core.values import Measure, measure_of


@pytest.fixture(autouse=True)
def _reading_what_saves_write():
    """A save and the batch path write the figures including unapproved data (``ResultAll``); the
    approved ones are written the same way on approval (see test_approved.py). Readers here read those."""
    from ntm.apps.evaluations import dataview

    with dataview.reading(dataview.ALL):
        yield


pytestmark = pytest.mark.django_db

SETS = ("xa-ntm-2021", "xa-nang-cao-2021")
PERIOD = "2023-Q3"
FIELDS = (
    "criteria_met",
    "criteria_total",
    "indicators_met",
    "indicators_total",
    "standard_met",
    "unmet_criteria",
    "unmet_indicators",
    "conflicts",
    "catalog_version",
    "year",
)


def varied_entries(unit, set_code, rng):
    """Every kind of input: assessments, values deciding against a threshold, booleans with values that
    contradict the assessment (conflicts), not applicable, and indicators left without data."""
    cs = default_catalog().get(set_code)
    out = []
    good = rng.random() < 0.5  # some communes meet everything
    for ind in cs.indicators:
        roll = rng.random()
        if not good and roll < 0.06:
            continue  # no data
        if not good and roll < 0.09:
            out.append(Entry(unit, set_code, PERIOD, ind.code, not_applicable=True))
            continue
        met = good or rng.random() < 0.8
        value = None
        if good:
            value = True if ind.kind == Kind.BOOLEAN and roll < 0.3 else None
        elif ind.kind == Kind.BOOLEAN and rng.random() < 0.3:
            value = met if rng.random() < 0.8 else not met
        elif ind.kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT) and rng.random() < 0.7:
            value = f"{rng.uniform(60, 100):.1f}".replace(".", ",")
        elif ind.kind in (Kind.MIN_AMOUNT, Kind.MAX_AMOUNT) and rng.random() < 0.7:
            value = round(rng.uniform(1, 80), 1)
            if measure_of(ind) == Measure.COUNT:  # houses, villages: whole numbers
                value = round(value)
        assessment = None if (value is not None and rng.random() < 0.3) else met
        out.append(Entry(unit, set_code, PERIOD, ind.code, value=value, assessment=assessment))
    return out


@pytest.fixture
def communes():
    """Eight xã of Lý Nhân and one of Bình Liêu (TDMNPB), one flagged ĐBKK, with varied observations
    recorded without evaluation (as an import does before a full re-evaluation)."""
    date = Period.parse(PERIOD).end
    units = [u for u in communes_at(resolve_unit("Hà Nam/Lý Nhân", date), date) if u.type == "Xã"][:8]
    units.append(next(u for u in communes_at(resolve_unit("Quảng Ninh/Bình Liêu", date), date) if u.type == "Xã"))
    from ntm.apps.units.classifications import Row, save

    save([Row(units[1], "special", "", dt.date(2018, 1, 1), None, "1/QĐ (thử)", dt.date(2018, 1, 1), "thử")])
    rng = random.Random(6)
    for u in units:
        for s in SETS:
            record_many(varied_entries(u, s, rng), reevaluate=False)
    return units


def stored(units, set_code):
    rows = ResultAll.objects.filter(unit__in=units, set_code=set_code, period=PERIOD)
    return {r.unit_id: {f: getattr(r, f) for f in FIELDS} for r in rows}


def test_batch_stores_the_same_results_as_the_single_unit_path(communes):
    stats = batch.evaluate_period(PERIOD, list(SETS))
    assert [s.set_code for s in stats] == ["xa-ntm-2021", "xa-nang-cao-2021"]  # prerequisite first
    assert stats[0].units == len(communes) and stats[0].observations > 40 * len(communes)
    from_batch = {s: stored(communes, s) for s in SETS}
    batch_rows = {(r.unit_id, r.set_code): r for r in ResultAll.objects.filter(unit__in=communes)}
    assert all(r.detail["mode"] == "batch" for r in batch_rows.values())

    for u in communes:
        for s in SETS:  # (a save re-evaluates nâng cao only when the NTM standard moves)
            evaluate_unit(u, s, PERIOD)
    from_single = {s: stored(communes, s) for s in SETS}
    assert from_batch == from_single
    # both kinds of outcome are exercised
    ntm = from_single["xa-ntm-2021"].values()
    assert any(r["standard_met"] for r in ntm) and not all(r["standard_met"] for r in ntm)
    assert any(r["conflicts"] for r in ntm)

    # both paths keep the same status letters, which expand to the unit's full explanation
    for (uid, s), r in batch_rows.items():
        single = ResultAll.objects.select_related("unit").get(unit_id=uid, set_code=s, period=PERIOD)
        assert (r.detail["mode"], single.detail["mode"]) == ("batch", "unit")
        assert r.detail["statuses"] == single.detail["statuses"]
        full = compute(single.unit, s, PERIOD).to_dict()
        assert explanation(r) == explanation(single) == full
        assert [LETTER_STATUS[c] for c in r.detail["statuses"]] == [i["status"] for i in full["indicator_results"]]


def test_batch_rebuilds_rollups_equal_to_computed_ones(communes):
    batch.evaluate_period(PERIOD, list(SETS))
    p = Period.parse(PERIOD)
    cat = default_catalog()
    for s in SETS:
        state = RollupStateAll.objects.get(set_code=s, period=PERIOD)
        assert state.edition == "2024"
        # every parent of the 2024 hierarchy has a row: root, 63 provinces, the districts
        assert RollupResultAll.objects.filter(set_code=s, period=PERIOD, generation=state.generation).count() > 700
        for ref in ("vn", "Hà Nam", "Hà Nam/Lý Nhân", "Quảng Ninh/Bình Liêu", "Quảng Ninh", "Hà Nội"):
            unit = resolve_unit(ref, p.end)
            want = computed_rollup(unit, cat.get(s), p, p.end)
            assert rollup_for(unit, s, PERIOD) == want
    assert rollup_for(resolve_unit("Hà Nam/Lý Nhân", p.end), "xa-ntm-2021", PERIOD).units_with_results == 8


def test_batch_within_one_province_leaves_the_others(communes):
    batch.evaluate_period(PERIOD, list(SETS), within=resolve_unit("Hà Nam", "2023-07-01"))
    assert ResultAll.objects.filter(period=PERIOD).count() == 2 * 8
    assert not ResultAll.objects.filter(unit=communes[-1]).exists()  # Bình Liêu is in Quảng Ninh


def test_rollups_follow_the_hierarchy_of_the_date():
    """A stored roll-up is read only for the hierarchy it was built on: a 2024 period seen through the
    2025 hierarchy is computed."""
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    cs = default_catalog().get("xa-ntm-2021")
    record_many([Entry(nguyen_ly, cs.code, PERIOD, i.code, assessment=True) for i in cs.indicators])
    assert RollupStateAll.objects.get(set_code=cs.code, period=PERIOD).edition == "2024"
    r2024 = rollup_for(resolve_unit("vn"), cs.code, PERIOD)
    assert (r2024.units_with_results, r2024.units_at_standard) == (1, 1)
    r2025 = rollup_for(resolve_unit("vn"), cs.code, PERIOD, at=Period.parse("2025-Q3").end)
    assert r2025.units_with_results == 0 and r2025.units_total < r2024.units_total  # computed: 2025 communes
