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


# -- failures, at any step, leave a failed run (issue 18 item 2) -----------------------------------------
MIXED = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-Q1"]


def test_a_run_over_months_and_a_quarter_mixed_evaluates_every_cell(ly_nhan):
    """An import mixing months and a quarter queued a run that died sorting its cells (None < int)."""
    _, units = ly_nhan
    record_many([Entry(u, NTM, p, "17.6", assessment=True) for u in units for p in MIXED], reevaluate=False)
    run = tasks.start_reevaluation([NTM], enqueue=False)
    assert [p for s, p in tasks.cells_of(run)] == ["2024-01", "2024-02", "2024-Q1", "2024-03", "2024-04", PERIOD]
    out = tasks.run_reevaluation(run.pk)
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.DONE, run.message
    assert out["cells"] == 6
    assert set(ResultAll.objects.filter(set_code=NTM).values_list("period", flat=True)) == {*MIXED, PERIOD}


def test_ntm_reevaluate_here_does_not_crash_on_mixed_periods(ly_nhan):
    from rich.console import Console

    from ntm.apps.evaluations.cli import cmd_reevaluate

    _, units = ly_nhan
    record_many([Entry(u, NTM, p, "17.6", assessment=True) for u in units[:2] for p in MIXED], reevaluate=False)
    console = Console(record=True, width=200)
    assert cmd_reevaluate([NTM], [], here=True, console=console) == 0
    assert "6 (bộ, kỳ)" in console.export_text()


def test_an_error_before_the_work_starts_still_marks_the_run_failed(ly_nhan, monkeypatch):
    run = tasks.start_reevaluation([NTM], enqueue=False)

    def broken(run, view=None):
        raise TypeError("'<' not supported between instances of 'NoneType' and 'int'")

    monkeypatch.setattr(tasks, "cells_of", broken)
    with pytest.raises(TypeError):
        tasks.run_reevaluation(run.pk)
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.FAILED and run.finished_at
    assert run.message.startswith("TypeError: '<' not supported") and "broken" in run.message  # where it happened
    assert tasks.active_runs() == []  # the dashboards no longer announce it


def test_a_failed_task_in_the_worker_marks_its_run_failed_and_the_queue_says_so(ly_nhan, monkeypatch):
    import django_tasks_db.utils
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(django_tasks_db.utils, "connection_requires_manual_exclusive_transaction", lambda c: False)
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def broken(run, view=None):
        raise ValueError("kỳ không hợp lệ")

    monkeypatch.setattr(tasks, "cells_of", broken)
    run = tasks.start_reevaluation([NTM], [PERIOD])
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.FAILED and "kỳ không hợp lệ" in run.message
    assert DBTaskResult.objects.get(id=run.task_id).status == TaskResultStatus.FAILED


def test_a_run_left_under_way_by_a_killed_worker_is_marked_failed_by_the_next_one(ly_nhan):
    import datetime as dt

    from django.utils import timezone
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from ntm.apps.ops import heartbeat
    from ntm.apps.ops.models import WorkerBeat

    run = tasks.start_reevaluation([NTM], [PERIOD])
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    DBTaskResult.objects.filter(id=run.task_id).update(status=TaskResultStatus.RUNNING, started_at=long_ago)
    ReevaluationRun.objects.filter(pk=run.pk).update(status=ReevaluationRun.Status.RUNNING, started_at=long_ago)
    StagedResult.objects.create(
        run=run,
        unit=ly_nhan[1][0],
        set_code=NTM,
        period=PERIOD,
        year=2024,
        criteria_met=0,
        criteria_total=19,
        indicators_met=0,
        indicators_total=57,
        standard_met=False,
        catalog_version="x",
        computed_at=long_ago,
    )
    # its worker beat last 9 minutes ago (SIGKILL): dead
    WorkerBeat.objects.create(
        worker_id="w-dead",
        kind="worker",
        host="h",
        pid=1,
        run_id=run.pk,
        started_at=long_ago,
        beat_at=long_ago + dt.timedelta(minutes=1),
    )
    assert [r.pk for r in heartbeat.orphaned_runs()] == [run.pk]
    assert heartbeat.recover_orphans() == [run.pk]
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.FAILED and "dừng đột ngột" in run.message
    assert DBTaskResult.objects.get(id=run.task_id).status == TaskResultStatus.FAILED
    assert not StagedResult.objects.filter(run=run).exists()
    assert heartbeat.recover_orphans() == []  # once


def test_a_run_whose_worker_still_beats_is_left_alone(ly_nhan):
    import datetime as dt

    from django.utils import timezone

    from ntm.apps.ops import heartbeat
    from ntm.apps.ops.models import WorkerBeat

    run = tasks.start_reevaluation([NTM], [PERIOD], enqueue=False)
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    ReevaluationRun.objects.filter(pk=run.pk).update(status=ReevaluationRun.Status.RUNNING, started_at=long_ago)
    WorkerBeat.objects.create(
        worker_id="w-alive", kind="worker", host="h", pid=1, run_id=run.pk, started_at=long_ago, beat_at=timezone.now()
    )
    assert heartbeat.recover_orphans() == []
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.RUNNING


def test_a_late_beat_of_a_process_still_alive_on_this_host_is_not_a_death(ly_nhan):
    """On SQLite a beat waits while the run holds the write lock: late, not dead."""
    import datetime as dt
    import os
    import socket

    from django.utils import timezone

    from ntm.apps.ops import heartbeat
    from ntm.apps.ops.models import WorkerBeat

    run = tasks.start_reevaluation([NTM], [PERIOD], enqueue=False)
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    ReevaluationRun.objects.filter(pk=run.pk).update(status=ReevaluationRun.Status.RUNNING, started_at=long_ago)
    WorkerBeat.objects.create(
        worker_id="w-late",
        kind="worker",
        host=socket.gethostname(),
        pid=os.getpid(),
        run_id=run.pk,
        started_at=long_ago,
        beat_at=long_ago,
    )
    assert heartbeat.orphaned_runs() == []
    WorkerBeat.objects.filter(worker_id="w-late").update(host="another-host")
    assert [r.pk for r in heartbeat.orphaned_runs()] == [run.pk]
