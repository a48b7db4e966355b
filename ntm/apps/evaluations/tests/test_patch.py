"""A kept overview is patched, not recomputed, when a save changes a few communes' results: the
patched figures must be exactly those a fresh computation gives — counts, averages, the trend of
every period, the child units — and an overview none of whose communes changed is kept as it is.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ntm.apps.evaluations import queries
from ntm.apps.evaluations.models import DataChange, Result
from ntm.apps.evaluations.queries import overview as overview_queries
from ntm.apps.units.services import resolve_unit
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period
from ntm.web import cache

from .fixtures import demo_db, member, memo_on  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db")]

SET = "xa-ntm-2021"
PERIOD = "2023-07"


def overview(unit_ref: str, user, period: str = PERIOD):
    p = Period.parse(period)
    return queries.build_overview(resolve_unit(unit_ref), p.end, p, default_catalog().get(SET), user)


def fresh(unit_ref: str, user, period: str = PERIOD):
    p = Period.parse(period)
    return overview_queries._build_overview(
        resolve_unit(unit_ref), p.end, p, default_catalog().get(SET), user, catalog=default_catalog(), with_trend=True
    )


def figures(ov) -> dict:
    return {
        "rows": [(r.unit["id"], r.best, r.main and r.main["criteria_met"]) for r in ov.rows],
        "rollup": (
            ov.rollup.units_with_results,
            ov.rollup.units_at_standard,
            ov.rollup.average_criteria,
            ov.rollup.distribution,
        ),
        "standards": [(s.key, s.count, s.percent, s.cumulative_percent) for s in ov.standards],
        "trend": [(t.period, t.units, t.at_standard, t.average_text, t.share_text) for t in ov.trend],
        "children": [
            (c.unit["uid"], c.communes, c.with_results, c.at_standard, c.share_text, c.average_text)
            for c in ov.children
        ],
    }


def commit_change(django_capture_on_commit_callbacks, unit_ids, period, **values):
    """What a save does to the stored results, then its commit: the results of ``unit_ids`` for
    ``period`` take ``values``, and the change is logged for those units and that period."""
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            Result.objects.filter(unit_id__in=unit_ids, period=period, set_code=SET).update(**values)
            cache.changed("results", units=unit_ids, periods=[period])


def communes_with_results(unit_ref: str, period: str, n: int, **flt) -> list[int]:
    return list(
        Result.objects.filter(
            unit__path__startswith=resolve_unit(unit_ref).path, unit__type="Xã", set_code=SET, period=period, **flt
        )
        .order_by("unit_id")
        .values_list("unit_id", flat=True)[:n]
    )


def test_a_patched_province_overview_equals_a_computed_one(
    memo_on, member, django_capture_on_commit_callbacks, monkeypatch
):
    user = member("Hà Nam", "leader")
    kept = overview("Hà Nam", user)
    # two communes lose the standard in the page's period, one gains criteria in an earlier period
    losing = communes_with_results("Hà Nam", PERIOD, 2, standard_met=True)
    assert len(losing) == 2
    earlier = sorted(
        (
            p
            for p in Result.objects.filter(set_code=SET).values_list("period", flat=True).distinct()
            if queries.period_key(p) < queries.period_key(PERIOD)
        ),
        key=queries.period_key,
    )[-1]
    other = communes_with_results("Hà Nam", earlier, 1)
    commit_change(django_capture_on_commit_callbacks, losing, PERIOD, standard_met=False, criteria_met=12)
    commit_change(django_capture_on_commit_callbacks, other, earlier, criteria_met=3, standard_met=False)

    def not_again(*args, **kwargs):
        raise AssertionError("the overview was computed again instead of patched")

    monkeypatch.setattr(overview_queries, "_build_overview", not_again)
    patched = overview("Hà Nam", user)
    monkeypatch.undo()
    assert patched is not kept
    assert figures(patched) == figures(fresh("Hà Nam", user))
    assert figures(patched) != figures(kept)


def test_an_overview_whose_communes_did_not_change_is_kept(memo_on, member, django_capture_on_commit_callbacks):
    user = member("Hà Nam/Lý Nhân", "leader")
    kept = overview("Hà Nam/Lý Nhân", user)
    ly_nhan = resolve_unit("Hà Nam/Lý Nhân").path
    elsewhere = list(
        Result.objects.filter(period=PERIOD, set_code=SET)
        .exclude(unit__path__startswith=ly_nhan)
        .values_list("unit_id", flat=True)[:1]
    )  # a commune of Bình Liêu (Quảng Ninh)
    assert elsewhere
    commit_change(django_capture_on_commit_callbacks, elsewhere, PERIOD, criteria_met=1)
    with CaptureQueriesContext(connection) as read:
        again = overview("Hà Nam/Lý Nhân", user)
    assert again is kept
    assert not any('FROM "evaluations_result"' in q["sql"] for q in read.captured_queries)


def test_an_import_or_a_new_result_recomputes(memo_on, member, django_capture_on_commit_callbacks):
    user = member("Hà Nam/Lý Nhân", "leader")
    kept = overview("Hà Nam/Lý Nhân", user)
    ids = communes_with_results("Hà Nam/Lý Nhân", PERIOD, 1)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            Result.objects.filter(unit_id__in=ids, period=PERIOD, set_code=SET).update(criteria_met=2)
            cache.changed("results")  # a bulk write: anything may have changed
    again = overview("Hà Nam/Lý Nhân", user)
    assert again is not kept and figures(again) == figures(fresh("Hà Nam/Lý Nhân", user))


def test_the_change_log_covers_every_step_or_says_everything(django_capture_on_commit_callbacks):
    start = cache.stamp(("results",))[0]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            cache.changed("results", units=[5], periods=["2023-07"])
            cache.changed("results", units=[7], periods=["2023-08"], added=True)
    with django_capture_on_commit_callbacks(execute=True):
        cache.changed("results", units=[9], periods=["2023-07"])
    now = cache.stamp(("results",))[0]
    assert now == start + 2  # one raise per commit
    ch = cache.changes_between("results", start, now)
    assert ch.units == {5, 7, 9} and ch.periods == {"2023-07", "2023-08"} and ch.added
    assert not cache.changes_between("results", start + 1, now).added
    DataChange.objects.filter(topic="results", version=start + 1).delete()  # a step missing from the log
    assert cache.changes_between("results", start, now).everything


def test_the_trend_point_of_the_rows_matches_the_query(member):
    user = member("Hà Nam", "leader")
    ov = fresh("Hà Nam", user)
    point = overview_queries._point_of_rows(ov)
    stored = next(t for t in ov.trend if t.period == PERIOD)
    assert (point.units, point.at_standard, point.average_text, point.share_text) == (
        stored.units,
        stored.at_standard,
        stored.average_text,
        stored.share_text,
    )
    assert abs(point.average_criteria - stored.average_criteria) < 1e-9
    assert ov.date == dt.date(2023, 7, 31)
