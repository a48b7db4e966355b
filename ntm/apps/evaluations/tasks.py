"""Full re-evaluation in the background, with progress, never showing half-finished figures.

After a catalogue change or the import of a whole province every stored result of some sets and
periods must be recomputed. :func:`start_reevaluation` records a :class:`ReevaluationRun` and
enqueues :func:`reevaluate` through django-tasks (database backend: the worker is
``ntm manage db_worker``, started by ``ntm serve``). The job:

1. evaluates each set and period with the batch path into the run's staging table
   (:class:`StagedResult`) — live results and roll-ups are untouched, pages keep showing them;
2. computes the roll-ups of the staged results into a new generation (``generation = run id``),
   beside the current one that pages read;
3. switches, one period at a time, in one transaction per period: staged results are upserted over
   the live ones and each set's :class:`RollupState` pointer moves to the new generation; readers see
   the old figures or the new ones, never a mixture (SQLite WAL and PostgreSQL MVCC readers are not
   blocked). A result saved through a form while the job ran is newer than the staged one: it is kept,
   and the roll-ups of that set and period are then recomputed from the live results inside the same
   transaction.

Both views of the figures (:mod:`.dataview`) are evaluated, each from its own observations into its
own tables: the approved figures and those including unapproved data.

``run.cells_done / run.cells_total`` is the progress a page can show.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Iterable
from itertools import groupby

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ntm.apps.observations.models import Observation, Submission
from ntm.apps.ops import heartbeat
from ntm.apps.units.models import Unit
from ntm.core import units as core_units
from ntm.core.catalog import default_catalog, prerequisites
from ntm.core.periods import Period
from ntm.web.cache import changed

from .batch import _RESULT_COLUMNS, UnitTable, evaluate_cell, point_to_generation, rebuild_rollups
from .dataview import ALL, APPROVED, VIEWS, DataView
from .models import ReevaluationRun, Result, ResultAll, StagedResult
from .services import evaluate_unit

# Observations saved this little before the job read a set and period may belong to a transaction that
# was still open then (invisible to the job's SELECT): their units are evaluated again at the switch.
FRESH_MARGIN = dt.timedelta(seconds=2)
FIXUP_UNITS = 200

logger = logging.getLogger("ntm.ops")

Progress = Callable[[ReevaluationRun], None]


@task()
def reevaluate(run_id: int) -> dict:
    """The background task: see :func:`run_reevaluation`."""
    return run_reevaluation(run_id)


ACTIVE = (ReevaluationRun.Status.QUEUED, ReevaluationRun.Status.RUNNING, ReevaluationRun.Status.SWITCHING)


def start_reevaluation(
    set_codes: Iterable[str] = (), periods: Iterable[str] = (), *, reason: str = "", user=None, enqueue: bool = True
) -> ReevaluationRun:
    """Record a run and enqueue it; returns at once. Empty ``set_codes``/``periods``: all that have
    observations or results. ``enqueue=False``: only recorded, for a caller that runs it itself
    (``ntm reevaluate --here``). Inside a transaction the run and its task are written with it: the
    worker sees them when it commits, and not at all if it rolls back."""
    catalog = default_catalog()
    set_codes = list(set_codes)
    for s in set_codes:
        catalog.get(s)  # raises KeyError with the known sets
    periods = [Period.parse(p).key for p in periods]
    run = ReevaluationRun.objects.create(set_codes=set_codes, periods=periods, reason=reason[:200], created_by=user)
    changed("runs")  # kept dashboard pages are built again: they announce the run
    if enqueue:
        _save(run, task_id=str(reevaluate.enqueue(run.pk).id)[:64])
    return run


def active_runs() -> list[ReevaluationRun]:
    """Runs queued or under way, oldest first: what the dashboards announce."""
    return list(ReevaluationRun.objects.filter(status__in=ACTIVE).order_by("created_at", "pk")[:5])


def with_dependents(set_codes: Iterable[str], catalog=None) -> list[str]:
    """The sets and every set whose standard depends on one of them (nâng cao on NTM, …), in catalogue
    order."""
    return prerequisites.with_dependents(set_codes, catalog or default_catalog())


def reevaluate_changed_sets(set_codes: Iterable[str], *, user=None) -> ReevaluationRun | None:
    """After new versions of criteria sets were loaded (``ntm setup`` after an upgrade): queue one run
    over them and their dependents — if anything was stored for them; a new database has nothing to
    redo."""
    codes = sorted(set(set_codes))
    affected = with_dependents(codes)
    if not affected or not (
        Observation.objects.filter(set_code__in=affected).exists()
        or Result.objects.filter(set_code__in=affected).exists()
        or ResultAll.objects.filter(set_code__in=affected).exists()
    ):
        return None
    return start_reevaluation(affected, reason=f"Bộ tiêu chí thay đổi: {', '.join(codes)}", user=user)


def cells_of(run: ReevaluationRun, view: DataView = ALL) -> list[tuple[str, str]]:
    """(set, period) pairs to evaluate in ``view``, by period (months, quarters and years mixed: see
    :meth:`Period.sort_key`), prerequisites first."""
    catalog = default_catalog()
    found: set[tuple[str, str]] = set()
    for qs in (view.observations(), view.result.objects.all()):
        if run.set_codes:
            qs = qs.filter(set_code__in=run.set_codes)
        if run.periods:
            qs = qs.filter(period__in=run.periods)
        found.update(qs.values_list("set_code", "period").distinct().order_by())
    cells = [(s, p) for s, p in found if s in catalog]
    return sorted(cells, key=lambda c: (Period.parse(c[1]), prerequisites.depth(c[0], catalog), c[0]))


def _save(run: ReevaluationRun, **fields) -> None:
    for k, v in fields.items():
        setattr(run, k, v)
    ReevaluationRun.objects.filter(pk=run.pk).update(**fields)


def under_way(started_before) -> list[ReevaluationRun]:
    """The runs computing or switching that started before a time, oldest first."""
    return list(
        ReevaluationRun.objects.filter(
            status__in=(ReevaluationRun.Status.RUNNING, ReevaluationRun.Status.SWITCHING), started_at__lt=started_before
        ).order_by("pk")
    )


def abandon_orphan(run: ReevaluationRun, message: str) -> bool:
    """A run whose worker died: failed, with its task in the queue (the worker cannot mark it)."""
    return abandon(run, message, task_failed=True)


def run_reevaluation(
    run_id: int, *, progress: Progress | None = None, before_switch: Callable[[ReevaluationRun], None] | None = None
) -> dict:
    """Do the work of one run (the task calls this; tests and the CLI may call it directly). Whatever
    goes wrong, at any step — an error, Ctrl-C, the worker told to stop — the run is marked failed with
    the error (shown in the admin and on the dashboards) before the exception goes on; a process killed
    outright is caught by its heartbeat instead (:mod:`ntm.apps.ops.heartbeat`)."""
    run = ReevaluationRun.objects.get(pk=run_id)
    if run.status == ReevaluationRun.Status.DONE:
        return {"run": run.pk, "status": run.status}
    with heartbeat.working_on(run.pk):
        try:
            return _run(run, progress, before_switch)
        except BaseException as exc:  # an error, or the command interrupted (Ctrl-C): never left "under way"
            abandon(run, describe_error(exc))
            raise


def describe_error(exc: BaseException) -> str:
    """ "TypeError: … (tasks.py:120, cells_of)": the error and the line of the project where it happened."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/ntm/" in f.filename.replace("\\", "/")]
    where = f" ({frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}, {frames[-1].name})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"[:2000]


def _run(run: ReevaluationRun, progress: Progress | None, before_switch) -> dict:
    catalog = default_catalog()
    views = (APPROVED, ALL)  # both views of the figures, each from its own observations
    _save(
        run,
        status=ReevaluationRun.Status.RUNNING,
        started_at=timezone.now(),
        cells_total=0,
        cells_done=0,
        units_evaluated=0,
        message="",
    )
    cells = {v: cells_of(run, v) for v in views}
    _save(run, cells_total=sum(len(c) for c in cells.values()))
    table = UnitTable()
    for view in views:
        for set_code, period in cells[view]:
            stats = evaluate_cell(set_code, period, catalog=catalog, run=run, table=table, view=view)
            _save(run, cells_done=run.cells_done + 1, units_evaluated=run.units_evaluated + stats.units)
            if progress:
                progress(run)
    for view in views:
        for set_code, period in cells[view]:  # the new generation of roll-ups, beside the current one
            rebuild_rollups(set_code, period, generation=run.pk, run=run, table=table, switch=False, view=view)
    if before_switch:
        before_switch(run)
    _save(run, status=ReevaluationRun.Status.SWITCHING)
    kept = 0
    for view in views:
        for period, group in groupby(cells[view], key=lambda c: c[1]):
            kept += switch(run, period, [s for s, _ in group], table, view=view)
    StagedResult.objects.filter(run=run).delete()
    _save(
        run,
        status=ReevaluationRun.Status.DONE,
        finished_at=timezone.now(),
        message=(f"{kept} kết quả được lưu trong lúc tính lại đã được giữ nguyên." if kept else ""),
    )
    changed("runs")  # after the status: a page built again from now on no longer announces it
    if progress:
        progress(run)
    return {
        "run": run.pk,
        "status": run.status,
        "cells": sum(len(c) for c in cells.values()),
        "results": run.units_evaluated,
    }


def abandon(run: ReevaluationRun, message: str, *, task_failed: bool = False) -> bool:
    """Mark a run that did not finish failed, with ``message``, and remove what it left half-done: its
    staged results and the roll-ups of its generation that were not switched to. ``task_failed``: also
    its task in the queue (its worker died and cannot). Returns False if the run had already ended."""
    logger.error("re-evaluation failed", extra={"event": "run_failed", "run": run.pk, "error": message})
    ended = (ReevaluationRun.Status.DONE, ReevaluationRun.Status.FAILED)
    now = timezone.now()
    if (
        not ReevaluationRun.objects.filter(pk=run.pk)
        .exclude(status__in=ended)
        .update(status=ReevaluationRun.Status.FAILED, finished_at=now, message=message)
    ):
        return False
    run.status, run.finished_at, run.message = ReevaluationRun.Status.FAILED, now, message
    try:
        StagedResult.objects.filter(run=run).delete()
        for view in VIEWS.values():
            switched = view.state.objects.filter(generation=run.pk).values_list("set_code", "period")
            stale = view.rollup.objects.filter(generation=run.pk)
            for s, p in switched:  # a switched set and period keeps its (new, complete) generation
                stale = stale.exclude(set_code=s, period=p)
            stale.delete()
        if task_failed and run.task_id:
            DBTaskResult.objects.filter(
                id=run.task_id, status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                traceback=message,
                exception_class_path="ntm.apps.ops.heartbeat.WorkerDied",
            )
    except Exception:  # noqa: BLE001 - the run is marked failed; what is left is logged, not raised over the cause
        logger.exception(
            "clean-up of a failed re-evaluation failed", extra={"event": "run_cleanup_failed", "run": run.pk}
        )
    changed("runs")  # after the status: kept pages stop announcing it as under way
    return True


def switch(
    run: ReevaluationRun, period: str, set_codes: list[str], table: UnitTable | None = None, *, view: DataView = ALL
) -> int:
    """Make the staged results and roll-ups of ``view`` for one period current, atomically. Returns the
    number of live results kept because a save (or an approval) re-evaluated them after the job had
    read the observations."""
    qn = connection.ops.quote_name
    live, staged = qn(view.result._meta.db_table), qn(StagedResult._meta.db_table)
    cols = ", ".join(qn(c) for c in _RESULT_COLUMNS)
    updates = ", ".join(
        f"{qn(c)} = excluded.{qn(c)}" for c in _RESULT_COLUMNS if c not in ("unit_id", "set_code", "period")
    )
    p = Period.parse(period)
    kept = 0
    with transaction.atomic():
        changed("results")
        for set_code in set_codes:
            state = view.state.objects.select_for_update().filter(set_code=set_code, period=p.key).first()
            mine = StagedResult.objects.filter(run=run, view=view.code, set_code=set_code, period=p.key)
            newer = view.result.objects.filter(
                set_code=set_code,
                period=p.key,
                computed_at__gt=Subquery(mine.filter(unit_id=OuterRef("unit_id")).values("computed_at")[:1]),
            )
            n_newer = newer.count()
            with connection.cursor() as cur:
                cur.execute(
                    f"INSERT INTO {live} ({cols}) SELECT {', '.join('s.' + qn(c) for c in _RESULT_COLUMNS)} "
                    f"FROM {staged} s WHERE s.{qn('run_id')} = %s AND s.{qn('view')} = %s "
                    f"AND s.{qn('set_code')} = %s AND s.{qn('period')} = %s "
                    f"AND NOT EXISTS (SELECT 1 FROM {live} r WHERE r.{qn('unit_id')} = s.{qn('unit_id')} "
                    f"AND r.{qn('set_code')} = s.{qn('set_code')} AND r.{qn('period')} = s.{qn('period')} "
                    f"AND r.{qn('computed_at')} > s.{qn('computed_at')}) "
                    f"ON CONFLICT ({qn('unit_id')}, {qn('set_code')}, {qn('period')}) DO UPDATE SET {updates}",
                    [run.pk, view.code, set_code, p.key],
                )
            if n_newer:  # the staged roll-ups miss those saves: recompute from the live results
                kept += n_newer
                rebuild_rollups(set_code, p, generation=run.pk, table=table, switch=True, view=view)
            else:
                point_to_generation(set_code, p, run.pk, core_units.edition_at(p.end), state, view=view)
            # observations saved around the moment the job read them may be missing from the staged
            # result: evaluate those few units again with the single-unit path (roll-ups follow)
            snapshot = mine.order_by("computed_at").values_list("computed_at", flat=True).first()
            if snapshot is not None:
                recent = list(_changed_around(view, set_code, p, snapshot - FRESH_MARGIN))
                if len(recent) > FIXUP_UNITS:  # e.g. an import that ended just before: the batch is quicker
                    evaluate_cell(set_code, p, table=table, view=view)
                else:
                    for unit in Unit.objects.filter(id__in=recent):
                        evaluate_unit(unit, set_code, p, view=view)
    return kept


def _changed_around(view: DataView, set_code: str, p: Period, since) -> Iterable[int]:
    """Units whose observations of ``view`` changed after ``since``: values saved (the figures
    including unapproved data), or sheets approved (the published figures)."""
    if view is APPROVED:
        return (
            Submission.objects.filter(set_code=set_code, period=p.key, state="approved", reviewed_at__gt=since)
            .values_list("unit_id", flat=True)
            .order_by()
        )
    return (
        Observation.objects.filter(set_code=set_code, period=p.key, created_at__gt=since)
        .values_list("unit_id", flat=True)
        .distinct()
        .order_by()
    )
