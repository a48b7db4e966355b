"""Stage 4, running an import: the preview (:func:`plan_import`) and the all-or-nothing commit (:func:`commit_import`)."""

from __future__ import annotations

import collections
import itertools
import logging
import operator
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from ntm.apps.audit.models import Action
from ntm.apps.audit.services import log
from ntm.apps.units.models import Unit
from ntm.apps.units.services import common_ancestor
from ntm.core.catalog import Catalog, default_catalog
from ntm.core.tables import kind_of

from .. import sql
from ..models import Observation
from ..services import _user_name
from ..signals import CellsChanged, announce
from ..validation import entry_not_allowed
from ..workflow import PeriodLocked, locked_submissions
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
    _fewer_collections,
    _scan,
    _show,
)
from .common import COLUMNS, IMPORT_SOURCE, MAX_ISSUES, SHEET, ImportFailed, Issue
from .stage import Stage, StageUnusable, StageWriter, head_for, open_stage
from .write import _INSERT_COLUMNS, Writer

logger = logging.getLogger("ntm.imports")


def _unique_errors() -> tuple[type[BaseException], ...]:
    """What a write raises when a row meets the history's unique key: Django's error (SQLite), or
    psycopg's, raised as it is from ``COPY`` (PostgreSQL)."""
    from django.db import IntegrityError

    try:
        from psycopg import IntegrityError as PgIntegrityError
    except ImportError:  # pragma: no cover — without the PostgreSQL driver
        return (IntegrityError,)
    return (IntegrityError, PgIntegrityError)


_CHANGED_SINCE = _unique_errors()


def _value_row(p: Prepared, o: tuple | None) -> tuple:
    """The new version of a row that changes its cell, in the order of :data:`.stage.ROW_COLUMNS` (what the
    commit adds — source, batch, author, time — follows)."""
    unit_id, set_code, key = p.cell
    return (
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
    )


def plan_import(
    path: str | Path,
    *,
    user=None,
    catalog: Catalog | None = None,
    defaults: dict | None = None,
    name: str | None = None,
    stage: str | Path | None = None,
) -> ImportPlan:
    """Check the whole file and describe the changes; writes nothing in the database.

    With ``stage`` (a path), a file without problems leaves there what the commit needs to write it
    without checking it again (:mod:`.stage`: the rows to write, the unchanged rows with the versions
    seen, the cells, the counts, signed); a file with problems leaves none."""
    path = Path(path)
    name = name or path.name
    catalog = catalog or default_catalog()
    plan = ImportPlan(file=name)

    conflicts: list[Issue] = []
    where = SHEET if kind_of(name) != "csv" else None
    evidence = _evidence_checker(name, where)
    out = None
    if stage is not None:
        try:
            out = StageWriter(stage, head_for(path, user, defaults))
        except OSError:  # no file to read (the check says so) or no room for a stage: the commit checks again
            Path(stage).unlink(missing_ok=True)

    def line(p: Prepared, o: tuple | None) -> ChangeLine:
        return ChangeLine(
            p.unit.uid,
            p.unit.name,
            p.cs.code,
            p.cell[2],
            p.indicator,
            _show(o[_C_TEXT], o[_C_ASSESS], o[_C_NA]) if o else "(chưa có)",
            _show(p.value_text, p.assessment, p.not_applicable),
            p.row,
        )

    def compare(chunk: list[Prepared]) -> None:
        if out is None:
            changes = _changes(chunk, plan, conflicts, where, evidence)
            for p, o in itertools.islice(changes, max(0, MAX_PREVIEW - len(plan.changes))):
                plan.changes.append(line(p, o))
            collections.deque(changes, maxlen=0)  # the rest are counted, not shown
            return
        same: list[tuple] = []
        rows: list[tuple] = []
        numbers: list[int] = []
        for p, o in _changes(chunk, plan, conflicts, where, evidence, same=same):
            if len(plan.changes) < MAX_PREVIEW:
                plan.changes.append(line(p, o))
            rows.append(_value_row(p, o))
            numbers.append(p.row)
        if not conflicts:  # after a conflict the plan is refused: no stage
            out.same(same)
            out.rows(rows, numbers)

    try:
        _scan(path, name, user, catalog, defaults or {}, compare, plan)
    except BaseException:
        if out is not None:
            out.abort()
        raise
    if conflicts:
        plan.issues = (plan.issues + conflicts)[:MAX_ISSUES]
        plan.issue_count += len(conflicts)
    if out is not None:
        if plan.ok:
            out.finish(_counts(plan))
        else:
            out.abort()
    return plan


def _counts(plan: ImportPlan) -> dict:
    return {k: getattr(plan, k) for k in ("rows", "skipped", "unchanged", "new", "changed", "cells", "units")}


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


# unchanged rows of a stage checked at a time (their versions read again, between two appends)
STAGED_WRITE = 50_000

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
    stage: str | Path | None = None,
) -> ImportResult:
    """Record every changed value in one transaction under one batch id (all or nothing).

    With the ``stage`` the preview left (:func:`plan_import`), signed and made for this very file, user
    and defaults, the rows it checked are written without reading the file again
    (:func:`_commit_staged`); what may have changed since the preview is checked in the transaction. A
    stage that is missing, unsigned, of another format or for another file is ignored, and so is one
    whose rows meet a cell changed since the preview: then the file is checked and written in one pass
    (:func:`_commit_one_pass`), which names the row of any conflict.

    The written cells are re-evaluated in the same transaction — unless ``background`` (the web
    application) and there are more than :data:`BATCH_REEVALUATION_CELLS` of them (a whole district or
    province): then a background re-evaluation of their sets and periods is queued in the same
    transaction (written with the values, or not at all), and the request does not wait for it.

    ``progress(stage, done, total)`` is told how far the write is; it is called while rows are being
    appended on the transaction's connection, so it must not use that connection (print, log, or
    write through a connection of its own)."""
    path = Path(path)
    args = {
        "user": user,
        "catalog": catalog or default_catalog(),
        "name": name or path.name,
        "batch": batch or f"import-{uuid.uuid4().hex[:12]}",
        "reevaluate": reevaluate,
        "background": background,
        "progress": progress,
    }
    st = None
    if stage is not None and Path(stage).is_file():
        try:
            st = open_stage(stage, head_for(path, user, defaults))
        except OSError:  # the file is gone: the one pass says so
            st = None
    if st is not None:
        with st:
            try:
                return _commit_staged(st, **args)
            except StageUnusable:
                logger.warning("import stage %s unusable, the file is checked again", stage)
            except _CHANGED_SINCE:  # a cell changed or created since the preview: said with its row below
                pass
    return _commit_one_pass(path, defaults=defaults, **args)


def _finish(user, name, batch, plan, cells, catalog, reevaluate, background, progress) -> ImportResult:
    """After the rows are written, in their transaction: the re-evaluation and the audit event."""
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
    if cells:  # one event for the whole file: its values are in the history under its batch id
        _log_import(user, name, batch, plan, cells)
    return ImportResult(
        batch=batch,
        written=plan.new + plan.changed,
        unchanged=plan.unchanged,
        cells=len(cells),
        plan=plan,
        batch_reevaluation=done.batch_path,
        reevaluation_run=done.run,
    )


def _commit_columns(user, batch: str) -> tuple:
    """What the commit adds to every staged row (:data:`.stage.COMMIT_COLUMNS`)."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    if connection.vendor != "postgresql":  # adapt once, not per row
        now = connection.ops.adapt_datetimefield_value(now)
    return (IMPORT_SOURCE, batch, user.pk if getattr(user, "pk", None) else None, _user_name(user), now)


def _commit_one_pass(
    path: Path, *, user, catalog, defaults, name, batch, reevaluate, background, progress
) -> ImportResult:
    """Check, compare and write the file in one pass (the preview was the other): rows are checked,
    compared with the current values and written block by block inside the transaction, the write of a
    block overlapping the check of the next (:class:`.write.Writer`); any problem — a bad row, a value
    edited since the template was downloaded — raises :class:`ImportFailed` and rolls everything back."""
    plan = ImportPlan(file=name)
    cells: dict[tuple[int, str, str], Unit] = {}
    conflicts: list[Issue] = []
    where = SHEET if kind_of(name) != "csv" else None
    evidence = _evidence_checker(name, where)
    tail = _commit_columns(user, batch)

    def check(chunk: list[Prepared]) -> None:
        """Compare a checked block with the current values and hand its changes to the writer."""
        new_rows: list[tuple] = []
        for p, o in _changes(chunk, plan, conflicts, where, evidence, reading=writer.reading):
            new_rows.append(_value_row(p, o) + tail)
            cells[p.cell] = p.unit
        if conflicts:
            raise ImportFailed(conflicts[:MAX_ISSUES], len(conflicts))
        writer.put(new_rows)
        if progress:  # in this thread: a progress report may write on its own connection
            progress("Ghi số liệu", plan.new + plan.changed, 0)

    out: sql.Appender | None = None

    def write(block: list[tuple], writer: Writer) -> None:
        """Write one block (in the writer's thread, on this transaction's connection, one statement at
        a time between the check's reads): appended to the history, then made the current values."""
        with writer.turn() as conn:
            after = sql.last_version(conn)
        written, firsts = out.written, out.firsts
        with writer.turn():
            try:
                out.write(block)
            except BaseException as exc:
                out.pause(exc)
                raise
            out.pause()  # the connection is free for the check's next read
        with writer.turn() as conn:
            sql.make_current(conn, batch, after, counts=(out.written - written, out.firsts - firsts))

    with transaction.atomic():
        with Writer(write) as writer:  # block n is written while block n + 1 is checked
            out = sql.Appender(writer.conn, _INSERT_COLUMNS)
            chk = _scan(path, name, user, catalog, defaults or {}, check, plan, reading=writer.reading)
            if chk.issue_count:
                raise ImportFailed(chk.issues, chk.issue_count)
        return _finish(user, name, batch, plan, cells, catalog, reevaluate, background, progress)


def _commit_staged(st: Stage, *, user, catalog, name, batch, reevaluate, background, progress) -> ImportResult:
    """Write the rows a stage holds, in one transaction, without reading the file: first refuse what
    changed since the preview — a sheet sent for review or approved (:func:`~..workflow.locked_submissions`,
    the message of the check), a unit the user may no longer enter data for, an unchanged row whose cell
    was edited (its version) — then append the rows block by block. A row whose cell was changed or
    created since the preview meets the history's unique key (unit, set, period, indicator, version):
    that error (:data:`_CHANGED_SINCE`) is left to the caller, which checks the file again."""
    plan = ImportPlan(file=name, **st.counts)
    where = SHEET if kind_of(name) != "csv" else None
    units = Unit.objects.in_bulk(st.units)
    if len(units) != len(set(st.units)):
        raise StageUnusable("a unit is gone")
    tail = list(_commit_columns(user, batch))
    with transaction.atomic():
        locked = {
            (s.unit_id, s.set_code, s.period): str(PeriodLocked([s]))
            for s in locked_submissions(set(st.cells), for_update=False)
        }
        refused = set()
        if user is not None:
            from ntm.apps.accounts.permissions import can_enter

            refused = {pk for pk, unit in units.items() if not can_enter(user, unit)}
        if locked or refused:
            issues = _refusals(st, name, where, units, locked, refused)
            raise ImportFailed(issues[:MAX_ISSUES], len(issues))
        after = sql.last_version(connection)
        same: list[tuple] = []

        def check_same() -> None:
            """The unchanged rows kept so far still hold the versions the preview saw."""
            edited = _edited_since(same, name, where, units)
            if edited:
                raise ImportFailed(edited[:MAX_ISSUES], len(edited))
            same.clear()

        # the stage's rows are read and copied: as many short-lived lists, which would set off the
        # collector every 700 of them (as for the check, :func:`.check._fewer_collections`)
        with _fewer_collections(), sql.Appender(connection, _INSERT_COLUMNS) as out:
            for kind, data, _numbers in st.blocks():
                if kind == "same":
                    same.extend(data)
                    if len(same) >= STAGED_WRITE:  # a read of the current values: the COPY ends first
                        out.pause()
                        check_same()
                else:  # PostgreSQL stores this block while the next is read from the stage
                    out.write(list(map(operator.add, data, itertools.repeat(tail))))  # lists, as JSON gives them
                    if progress:
                        progress("Ghi số liệu", out.written, 0)
            out.pause()
            if same:
                check_same()
        if out.written != plan.new + plan.changed:
            raise StageUnusable("rows missing")
        sql.make_current(connection, batch, after, counts=(out.written, out.firsts))
        cells = {c: units[c[0]] for c in st.cells}
        return _finish(user, name, batch, plan, cells, catalog, reevaluate, background, progress)


def _refusals(st: Stage, name: str, where: str | None, units: dict, locked: dict, refused: set) -> list[Issue]:
    """The rows of a stage that may no longer be written (a locked sheet, a unit not the user's), with
    the messages of the check, in the order of the file."""
    found: list[Issue] = []
    for kind, data, numbers in st.blocks():
        if kind == "same":
            pairs = ((e[0], None, e[5]) for e in data)
        else:
            pairs = ((r[0], (r[0], r[1], r[3]), n) for r, n in zip(data, numbers))
        for unit_id, cell, row in pairs:
            if unit_id in refused:
                found.append(Issue(name, entry_not_allowed(units[unit_id]), where, row, COLUMNS["unit"][0]))
            elif cell in locked:
                found.append(Issue(name, locked[cell], where, row, COLUMNS["period"][0]))
    found.sort(key=lambda i: i.row or 0)
    return found


def _edited_since(entries: list[tuple], name: str, where: str | None, units: dict) -> list[Issue]:
    """The unchanged rows of a stage (unit id, set, indicator, period, version seen, row) whose cell no
    longer holds the version the preview saw."""
    now = _versions(entries)
    found = []
    for unit_id, set_code, indicator, period, seen, row in entries:
        version, who = now.get((unit_id, set_code, period, indicator), (None, None))
        if version == seen:
            continue
        uid = units[unit_id].uid
        found.append(
            Issue(
                name,
                f"chỉ tiêu {indicator} của {uid} đã được {who or 'người khác'} sửa (lần sửa {version}) sau khi "
                f"tệp được kiểm tra (lần sửa {seen}); hãy tải tệp lên lại để kiểm tra lại"
                if version is not None
                else f"chỉ tiêu {indicator} của {uid} không còn giá trị như lúc tệp được kiểm tra; "
                "hãy tải tệp lên lại để kiểm tra lại",
                where,
                row,
                COLUMNS["version"][0],
            )
        )
    return found


def _versions(entries: list[tuple]) -> dict[tuple[int, str, str, str], tuple[int, str]]:
    """(version, author) of the current observations named by ``entries`` (unit id, set, indicator,
    period, …), keyed (unit id, set, period, indicator)."""
    from django.db import connection

    groups: dict[tuple[str, str], set[int]] = {}
    for e in entries:
        groups.setdefault((e[1], e[3]), set()).add(e[0])
    q = connection.ops.quote_name
    select = (
        f"SELECT unit_id, set_code, period, indicator, version, created_by_name "
        f"FROM {q(Observation._meta.db_table)} WHERE set_code = %s AND period = %s AND "
    )
    out: dict = {}
    with connection.cursor() as cur:
        for (set_code, period), ids in groups.items():
            ids = sorted(ids)
            for i in range(0, len(ids), 900):  # SQLite: at most 999 parameters
                part = ids[i : i + 900]
                cur.execute(select + f"unit_id IN ({', '.join(['%s'] * len(part))})", [set_code, period, *part])
                for unit_id, s, p, ind, version, who in cur.fetchall():
                    out[(unit_id, s, p, ind)] = (version, who)
    return out
