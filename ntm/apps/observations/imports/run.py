"""Stage 4, running an import: the preview (:func:`plan_import`) and the all-or-nothing commit (:func:`commit_import`)."""

from __future__ import annotations

import collections
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from ntm.apps.audit.models import Action
from ntm.apps.audit.services import log
from ntm.apps.units.models import Unit
from ntm.apps.units.services import common_ancestor
from ntm.core.catalog import Catalog, default_catalog
from ntm.core.tables import kind_of

from ..signals import CellsChanged, announce
from .check import (
    _C_ASSESS,
    _C_NA,
    _C_TEXT,
    _C_VERSION,
    MAX_PREVIEW,
    ChangeLine,
    ImportPlan,
    Prepared,
    _changes,
    _evidence_checker,
    _scan,
    _show,
)
from .common import IMPORT_SOURCE, MAX_ISSUES, SHEET, ImportFailed, Issue
from .write import Writer, _insert


def plan_import(
    path: str | Path,
    *,
    user=None,
    catalog: Catalog | None = None,
    defaults: dict | None = None,
    name: str | None = None,
) -> ImportPlan:
    """Check the whole file and describe the changes; writes nothing."""
    path = Path(path)
    name = name or path.name
    catalog = catalog or default_catalog()
    plan = ImportPlan(file=name)

    conflicts: list[Issue] = []
    where = SHEET if kind_of(name) != "csv" else None
    evidence = _evidence_checker(name, where)

    def compare(chunk: list[Prepared]) -> None:
        changes = _changes(chunk, plan, conflicts, where, evidence)
        for p, o in itertools.islice(changes, max(0, MAX_PREVIEW - len(plan.changes))):
            plan.changes.append(
                ChangeLine(
                    p.unit.uid,
                    p.unit.name,
                    p.cs.code,
                    p.cell[2],
                    p.indicator,
                    _show(o[_C_TEXT], o[_C_ASSESS], o[_C_NA]) if o else "(chưa có)",
                    _show(p.value_text, p.assessment, p.not_applicable),
                    p.row,
                )
            )
        collections.deque(changes, maxlen=0)  # the rest are counted, not shown

    _scan(path, name, user, catalog, defaults or {}, compare, plan)
    if conflicts:
        plan.issues = (plan.issues + conflicts)[:MAX_ISSUES]
        plan.issue_count += len(conflicts)
    return plan


@dataclass
class ImportResult:
    batch: str
    written: int
    unchanged: int
    cells: int
    plan: ImportPlan
    batch_reevaluation: bool = False
    # with ``background=True`` and more than BATCH_REEVALUATION_CELLS cells: the queued run (the
    # dashboards show the previous results, and its progress, until it is done)
    reevaluation_run: object | None = None


# above this many (unit, set, period) cells the results are re-evaluated with the batch path (one read of
# the cell's observations for every unit under the units' common ancestor) instead of unit by unit
BATCH_REEVALUATION_CELLS = 100


def _log_import(user, name: str, batch: str, plan: ImportPlan, cells: dict) -> None:
    """The audit event of a committed import, under the units' nearest common ancestor (so that
    the reviewers of that subtree see it); the values, old and new, are in the history by batch."""
    units = {u.pk: u for u in cells.values()}.values()
    ancestor = common_ancestor(units)
    periods = sorted({key for _, _, key in cells})
    log(
        Action.OBSERVATIONS_SAVED,
        user=user,
        unit=ancestor,
        obj=f"tệp {name}",
        message=(
            f"Nhập {plan.new + plan.changed} giá trị ({plan.new} mới, {plan.changed} sửa) của "
            f"{len(units)} đơn vị, kỳ {', '.join(periods[:6])}{'…' if len(periods) > 6 else ''}; "
            f"nguồn import, lô {batch}"
        ),
        new={"batch": batch, "file": name, "new": plan.new, "changed": plan.changed, "cells": len(cells)},
    )


def commit_import(
    path: str | Path,
    *,
    user=None,
    catalog: Catalog | None = None,
    defaults: dict | None = None,
    name: str | None = None,
    batch: str | None = None,
    reevaluate: bool = True,
    background: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportResult:
    """Check and record every changed value in one transaction under one batch id (all or nothing).

    One pass over the file (the preview was the other): rows are checked, compared with the current
    values and written chunk by chunk inside the transaction; any problem — a bad row, a value edited
    since the template was downloaded — raises :class:`ImportFailed` and rolls everything back.

    The written cells are re-evaluated in the same transaction — unless ``background`` (the web
    application) and there are more than :data:`BATCH_REEVALUATION_CELLS` of them (a whole district or
    province): then a background re-evaluation of their sets and periods is queued in the same
    transaction (written with the values, or not at all), and the request does not wait for it."""
    from django.db import connection
    from django.utils import timezone

    from ntm.apps.observations.services import _user_name

    path = Path(path)
    name = name or path.name
    catalog = catalog or default_catalog()
    batch = batch or f"import-{uuid.uuid4().hex[:12]}"
    who = _user_name(user)
    by_id = user.pk if getattr(user, "pk", None) else None
    plan = ImportPlan(file=name)
    cells: dict[tuple[int, str, str], Unit] = {}
    conflicts: list[Issue] = []
    where = SHEET if kind_of(name) != "csv" else None
    evidence = _evidence_checker(name, where)
    now = timezone.now()
    if connection.vendor != "postgresql":  # adapt once, not per row
        now = connection.ops.adapt_datetimefield_value(now)

    def check(chunk: list[Prepared]) -> None:
        """Compare a checked block with the current values and hand its changes to the writer."""
        new_rows: list[tuple] = []
        for p, o in _changes(chunk, plan, conflicts, where, evidence, reading=writer.reading):
            unit_id, set_code, key = p.cell
            new_rows.append(
                (
                    unit_id,
                    set_code,
                    p.indicator,
                    key,
                    p.period.year,
                    p.value_text,
                    p.value_num,
                    p.assessment,
                    p.not_applicable,
                    p.note,
                    p.evidence,
                    (o[_C_VERSION] + 1) if o else 1,
                    IMPORT_SOURCE,
                    batch,
                    by_id,
                    who,
                    now,
                )
            )
            cells[p.cell] = p.unit
        if conflicts:
            raise ImportFailed(conflicts[:MAX_ISSUES], len(conflicts))
        writer.put(new_rows)
        if progress:  # in this thread: a progress report may write on its own connection
            progress("Ghi số liệu", plan.new + plan.changed, 0)

    def write(new_rows: list[tuple], conn) -> None:
        """Write one block (in the writer's thread, on this transaction's connection)."""
        _insert(new_rows, batch, conn)

    with transaction.atomic():
        with Writer(write) as writer:  # block n is written while block n + 1 is checked
            chk = _scan(path, name, user, catalog, defaults or {}, check, plan, reading=writer.reading)
            if chk.issue_count:
                raise ImportFailed(chk.issues, chk.issue_count)
        done = announce(
            CellsChanged(
                cells,
                catalog,
                IMPORT_SOURCE,
                user=user,
                batch=batch,
                evaluate=reevaluate,
                batch_above=BATCH_REEVALUATION_CELLS,
                background=background,
                reason=f"nhập số liệu, lô {batch}",
                progress=progress,
            )
        )
        run, batch_path = done.run, done.batch_path
        if cells:  # one event for the whole file: its values are in the history under its batch id
            _log_import(user, name, batch, plan, cells)
    written = plan.new + plan.changed
    return ImportResult(
        batch=batch,
        written=written,
        unchanged=plan.unchanged,
        cells=len(cells),
        plan=plan,
        batch_reevaluation=batch_path,
        reevaluation_run=run,
    )
