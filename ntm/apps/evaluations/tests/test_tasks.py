"""A full re-evaluation runs as a background job: results are staged, pages keep the previous figures
until the switch, and the switch is atomic."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from ntm.apps.evaluations import dataview, tasks
from ntm.apps.evaluations.models import ReevaluationRun, ResultAll, RollupResultAll, RollupStateAll, StagedResult
from ntm.apps.evaluations.services import computed_rollup, rollup_for
from ntm.apps.observations.services import Entry, record, record_many
from ntm.apps.units.services import communes_at, resolve_unit
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period


@pytest.fixture(autouse=True)
def _reading_what_saves_write():
    """Saves and imports change the figures including unapproved data: the run's effect is read there
    (both views are evaluated; test_approved.py checks the approved ones)."""
    with dataview.reading(dataview.ALL):
        yield


pytestmark = pytest.mark.django_db

NTM, NC = "xa-ntm-2021", "xa-nang-cao-2021"
PERIOD = "2024-Q4"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def ly_nhan():
    """Six xã of Lý Nhân, NTM evaluated and saved: three meet the standard, three miss one criterion."""
    date = Period.parse(PERIOD).end
    district = resolve_unit("Hà Nam/Lý Nhân", date)
    units = [u for u in communes_at(district, date) if u.type == "Xã"][:6]
    cs = default_catalog().get(NTM)
    for k, u in enumerate(units):
        unmet = {"17.6"} if k >= 3 else set()
        record_many([Entry(u, NTM, PERIOD, i, assessment=i not in unmet) for i in cs.indicator_codes()])
    return district, units


def import_without_evaluating(units):
    """A whole-district import: every commune now meets 17.6 (observations only, results not yet)."""
    record_many([Entry(u, NTM, PERIOD, "17.6", assessment=True) for u in units[3:]], reevaluate=False, overwrite=True)


def figures(unit):
    r = rollup_for(unit, NTM, PERIOD, view=dataview.ALL)  # the figures saves and imports change
    return r.units_with_results, r.units_at_standard, r.average_criteria


def test_pages_keep_the_previous_results_until_the_switch(ly_nhan):
    district, units = ly_nhan
    province = resolve_unit("Hà Nam", "2024-12-31")
    before = {u.pk: figures(u) for u in (district, province)}
    assert before[district.pk] == (6, 3, 18.5)
    import_without_evaluating(units)
    run = ReevaluationRun.objects.create(set_codes=[NTM], periods=[PERIOD], reason="nhập cả huyện")
    seen = {}

    def while_staged(run):
        # the new figures exist, staged, but pages and stored results still show the previous ones
        assert StagedResult.objects.filter(run=run, standard_met=True).count() == 6
        assert RollupResultAll.objects.filter(generation=run.pk, unit=district, units_at_standard=6).exists()
        seen["during"] = {u.pk: figures(u) for u in (district, province)}
        seen["results"] = ResultAll.objects.filter(unit__in=units, standard_met=True).count()
        seen["status"] = ReevaluationRun.objects.get(pk=run.pk).status

    out = tasks.run_reevaluation(run.pk, before_switch=while_staged)
    assert seen["during"] == before and seen["results"] == 3
    assert seen["status"] == ReevaluationRun.Status.RUNNING
    assert out["status"] == ReevaluationRun.Status.DONE
    run.refresh_from_db()
    assert (run.cells_done, run.cells_total, run.percent) == (1, 1, 100.0)
    assert figures(district) == (6, 6, 19.0)
    assert RollupStateAll.objects.get(set_code=NTM, period=PERIOD).generation == run.pk
    assert not RollupResultAll.objects.filter(set_code=NTM, period=PERIOD).exclude(generation=run.pk).exists()
    assert not StagedResult.objects.exists()
    p = Period.parse(PERIOD)
    for unit in (district, province, resolve_unit("vn")):
        assert rollup_for(unit, NTM, PERIOD) == computed_rollup(unit, default_catalog().get(NTM), p, p.end)


def test_a_save_during_the_job_is_kept(ly_nhan):
    district, units = ly_nhan
    run = ReevaluationRun.objects.create(set_codes=[NTM], periods=[PERIOD])

    def someone_saves(run):
        record(Entry(units[0], NTM, PERIOD, "2.1", assessment=False), overwrite=True)  # after the job read them

    tasks.run_reevaluation(run.pk, before_switch=someone_saves)
    r = ResultAll.objects.get(unit=units[0], set_code=NTM, period=PERIOD)
    assert (r.criteria_met, r.standard_met) == (18, False)
    assert r.detail["mode"] == "unit"  # the form's result, not the staged one ("batch")
    p = Period.parse(PERIOD)
    assert rollup_for(district, NTM, PERIOD) == computed_rollup(district, default_catalog().get(NTM), p, p.end)
    assert figures(district) == (6, 2, 18.5 - 1 / 6)


def test_the_task_runs_through_django_tasks(ly_nhan):
    district, units = ly_nhan
    import_without_evaluating(units)
    with override_settings(TASKS=IMMEDIATE):
        run = tasks.start_reevaluation([NTM, NC], [PERIOD], reason="đổi bộ tiêu chí")
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.DONE and run.task_id
    assert figures(district) == (6, 6, 19.0)


def test_the_database_worker_runs_the_queued_job(ly_nhan, monkeypatch):
    """The real backend: the job waits in the database until ``db_worker`` (what ``ntm serve``
    starts) picks it up."""
    import django_tasks_db.utils

    # on SQLite the worker opens its own BEGIN EXCLUSIVE, impossible inside the test's transaction
    monkeypatch.setattr(django_tasks_db.utils, "connection_requires_manual_exclusive_transaction", lambda c: False)
    # the worker closes "obsolete" connections between tasks; inside the test's transaction (autocommit
    # off) PostgreSQL's would count as obsolete and the rest of the test would lose its connection
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    district, units = ly_nhan
    import_without_evaluating(units)
    run = tasks.start_reevaluation([NTM], [PERIOD])
    assert ReevaluationRun.objects.get(pk=run.pk).status == ReevaluationRun.Status.QUEUED
    assert figures(district) == (6, 3, 18.5)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.DONE, run.message
    assert figures(district) == (6, 6, 19.0)


def test_a_failed_job_leaves_the_previous_results(ly_nhan, monkeypatch):
    district, units = ly_nhan
    import_without_evaluating(units)
    run = ReevaluationRun.objects.create(set_codes=[NTM], periods=[PERIOD])

    def boom(*a, **k):
        raise RuntimeError("hết bộ nhớ")

    monkeypatch.setattr(tasks, "switch", boom)
    with pytest.raises(RuntimeError):
        tasks.run_reevaluation(run.pk)
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.FAILED and "hết bộ nhớ" in run.message
    assert figures(district) == (6, 3, 18.5)
    assert not StagedResult.objects.exists() and not RollupResultAll.objects.filter(generation=run.pk).exists()
