"""Stored roll-ups follow every save incrementally (O(depth)) and stay equal to roll-ups recomputed
from the results; pages read them in one query."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ntm.apps.evaluations import batch
from ntm.apps.evaluations.models import ResultAll, RollupResultAll, RollupStateAll
from ntm.apps.evaluations.services import computed_rollup, rollup_for, stored_periods
from ntm.apps.observations.services import Entry, record, record_many
from ntm.apps.units.services import communes_at, resolve_unit
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period


@pytest.fixture(autouse=True)
def _reading_what_saves_write():
    """A save and the batch path write the figures including unapproved data (``ResultAll``); the
    approved ones are written the same way on approval (see test_approved.py). Readers here read those."""
    from ntm.apps.evaluations import dataview

    with dataview.reading(dataview.ALL):
        yield


pytestmark = pytest.mark.django_db

NTM, NC = "xa-ntm-2021", "xa-nang-cao-2021"
PERIOD = "2024-Q2"


def check_all_parents(set_code, period=PERIOD):
    """Every stored roll-up of the current generation equals the one computed from the results."""
    p = Period.parse(period)
    cs = default_catalog().get(set_code)
    state = RollupStateAll.objects.get(set_code=set_code, period=p.key)
    rows = RollupResultAll.objects.filter(set_code=set_code, period=p.key, generation=state.generation).select_related(
        "unit"
    )
    empty = [r.unit for r in rows if not r.units_with_results][:3]
    touched = [r.unit for r in rows if r.units_with_results] + empty
    assert touched
    for unit in touched:
        assert rollup_for(unit, set_code, p) == computed_rollup(unit, cs, p, p.end), unit


def test_incremental_rollups_equal_recomputed_ones_after_a_sequence_of_saves():
    date = Period.parse(PERIOD).end
    ly_nhan = [u for u in communes_at(resolve_unit("Hà Nam/Lý Nhân", date), date) if u.type == "Xã"][:5]
    hanoi = [u for u in communes_at(resolve_unit("Hà Nội/Ba Vì", date), date) if u.type == "Xã"][:3]
    ward = next(u for u in communes_at(resolve_unit("Hà Nam", date), date) if u.type == "Phường")
    cat = default_catalog()
    rng = random.Random(1)
    for step in range(40):
        unit = rng.choice(ly_nhan + hanoi + [ward])
        set_code = rng.choice((NTM, NTM, NC))
        cs = cat.get(set_code)
        if step < 9 or rng.random() < 0.2:  # a whole form, mostly met
            unmet = set(rng.sample(cs.indicator_codes(), rng.choice((0, 0, 1, 3))))
            record_many(
                [Entry(unit, set_code, PERIOD, i, assessment=i not in unmet) for i in cs.indicator_codes()],
                overwrite=True,
            )
        else:  # one value changes
            record(
                Entry(unit, set_code, PERIOD, rng.choice(cs.indicator_codes()), assessment=rng.random() < 0.6),
                overwrite=True,
            )
    # a deleted result leaves the roll-ups too (queryset delete)
    ResultAll.objects.filter(unit=ly_nhan[0], period=PERIOD).delete()
    for s in (NTM, NC):
        check_all_parents(s)
    r = rollup_for(resolve_unit("Hà Nam/Lý Nhân", date), NTM, PERIOD)
    assert r.units_with_results == ResultAll.objects.filter(unit__in=ly_nhan, set_code=NTM, period=PERIOD).count()
    assert r.units_total == 20  # xã only: the ward of Hà Nam is evaluated but not counted
    assert ResultAll.objects.filter(unit=ward).exists()


def test_first_result_of_a_period_builds_every_parent_then_saves_touch_three_rows():
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    cs = default_catalog().get(NTM)
    record_many([Entry(nguyen_ly, NTM, PERIOD, i, assessment=True) for i in cs.indicator_codes()])
    state = RollupStateAll.objects.get(set_code=NTM, period=PERIOD)
    assert (
        RollupResultAll.objects.filter(set_code=NTM, period=PERIOD).count() == 1 + 63 + 696
    )  # root, provinces, districts
    assert stored_periods(NTM) == [PERIOD]
    before = {r.unit_id: r.computed_at for r in RollupResultAll.objects.filter(set_code=NTM)}
    record(Entry(nguyen_ly, NTM, PERIOD, "17.6", assessment=False), overwrite=True)
    changed = [r.unit_id for r in RollupResultAll.objects.filter(set_code=NTM) if r.computed_at != before[r.unit_id]]
    assert sorted(changed) == sorted(nguyen_ly.ancestor_ids)  # root, Hà Nam, Lý Nhân
    province = resolve_unit("Hà Nam", "2024-06-30")
    r = rollup_for(province, NTM, PERIOD)
    assert (r.units_with_results, r.units_at_standard, r.average_criteria, r.distribution) == (1, 0, 18.0, {18: 1})
    assert RollupStateAll.objects.get(pk=state.pk).generation == state.generation


def test_a_page_reads_a_stored_rollup_in_one_query():
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    cs = default_catalog().get(NTM)
    record_many([Entry(nguyen_ly, NTM, PERIOD, i, assessment=True) for i in cs.indicator_codes()])
    vn = resolve_unit("vn")
    with CaptureQueriesContext(connection) as q:
        r = rollup_for(vn, NTM, PERIOD)
    assert len(q.captured_queries) == 1
    assert (r.units_with_results, r.units_at_standard) == (1, 1) and r.units_total > 7000


def test_rebuilt_and_incremental_agree():
    date = Period.parse(PERIOD).end
    units = [u for u in communes_at(resolve_unit("Quảng Ninh/Bình Liêu", date), date) if u.type == "Xã"]
    cs = default_catalog().get(NTM)
    for k, u in enumerate(units):
        record_many([Entry(u, NTM, PERIOD, i, assessment=(j + k) % 7 != 0) for j, i in enumerate(cs.indicator_codes())])
    state = RollupStateAll.objects.get(set_code=NTM, period=PERIOD)
    incremental = {
        r.unit_id: (
            r.units_total,
            r.units_with_results,
            r.units_at_standard,
            r.sum_criteria,
            r.sum_indicators,
            r.distribution,
        )
        for r in RollupResultAll.objects.filter(set_code=NTM, period=PERIOD, generation=state.generation)
    }
    batch.rebuild_rollups(NTM, PERIOD)
    rebuilt = {
        r.unit_id: (
            r.units_total,
            r.units_with_results,
            r.units_at_standard,
            r.sum_criteria,
            r.sum_indicators,
            r.distribution,
        )
        for r in RollupResultAll.objects.filter(set_code=NTM, period=PERIOD, generation=state.generation)
    }
    assert rebuilt == incremental
