"""Stage 2, checking: every row checked (by blocks, column by column, or row by row with the messages)
and compared with the current values."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import itertools
import operator
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

from ntm.apps.units.models import Unit
from ntm.core.catalog import Catalog, CriteriaSet
from ntm.core.periods import Period
from ntm.core.values import (
    ValueRefused,
    clean_text,
    input_text,
    read_assessment,
    read_value,
    truth_text,
)

from ..evidence import reference_problem
from ..models import Observation
from ..validation import entry_not_allowed, entry_refused, version_required
from ..workflow import PeriodLocked, locked_submissions
from .common import COLUMNS, MAX_ISSUES, Issue
from .read import RawRow, _blank, _none_blank, _raw_row, _rows_after_header


# -- checking -----------------------------------------------------------------------------------
class Prepared(NamedTuple):
    """One checked row, ready to write (a tuple: a national file makes 1,3 million of them)."""

    unit: Unit
    cs: CriteriaSet
    period: Period
    cell: tuple[int, str, str]  # (unit id, set code, period key)
    row: int
    indicator: str
    value_text: str
    value_num: float | None
    assessment: bool | None
    not_applicable: bool
    note: str
    evidence: str
    expected_version: int | None


CHUNK = 5000  # rows checked (and handed on) at a time
_new_prepared = tuple.__new__  # Prepared(*fields) without the Python-level __new__ of a named tuple
_TEXT, _NUM, _VERDICT, _NA, _NOTE, _EVIDENCE, _EXPECTED = (operator.itemgetter(i) for i in range(6, 13))


@dataclass
class ChangeLine:
    unit: str
    unit_name: str
    set_code: str
    period: str
    indicator: str
    before: str
    after: str
    row: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ImportPlan:
    file: str
    rows: int = 0
    skipped: int = 0  # rows with neither value nor assessment
    unchanged: int = 0
    new: int = 0
    changed: int = 0
    changes: list[ChangeLine] = field(default_factory=list)  # the first MAX_PREVIEW
    cells: int = 0
    units: int = 0
    issues: list[Issue] = field(default_factory=list)
    issue_count: int = 0

    @property
    def ok(self) -> bool:
        return self.issue_count == 0

    @property
    def to_write(self) -> int:
        return self.new + self.changed

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "rows": self.rows,
            "skipped": self.skipped,
            "unchanged": self.unchanged,
            "new": self.new,
            "changed": self.changed,
            "cells": self.cells,
            "units": self.units,
            "changes": [c.as_dict() for c in self.changes],
            "issues": [i.as_dict() for i in self.issues],
            "issue_count": self.issue_count,
        }


MAX_PREVIEW = 500


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _period(v: object) -> Period:
    if isinstance(v, (dt.datetime, dt.date)):  # Excel turns "2023-07" into a date
        return Period(v.year, month=v.month)
    s = _text(v)
    return Period.parse(s)


def _indicator(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return _text(v)


_BAD = object()  # a memo entry for a value already found wrong (the message is kept beside it)
MEMO_SIZE = 200_000  # entries at most in a memo of the fast path (a file of distinct garbage must not fill memory)
_FIRST, _SECOND, _THIRD, _FOURTH = (operator.itemgetter(i) for i in range(4))
_ERROR = operator.itemgetter(2)


def _stripped(column) -> list[str]:
    """The texts of a column as :func:`_text` gives them (one C call for a column of texts)."""
    try:
        return list(map(str.strip, column))
    except TypeError:  # cells of a workbook: numbers, None
        return [c.strip() if type(c) is str else _text(c) for c in column]


def _nfc(text: str) -> str:
    """A text as stored: NFC (a CSV saved in Windows-1258 decomposes its tone marks)."""
    return unicodedata.normalize("NFC", text) if not text.isascii() else text


_NFC = functools.partial(unicodedata.normalize, "NFC")


def _nfc_column(texts: list[str]) -> list[str]:
    """:func:`_nfc` of a column of texts (C calls only: nothing to do for a column of plain ASCII)."""
    return texts if "".join(texts).isascii() else list(map(_NFC, texts))


def _nul_in(column) -> bool:
    """Whether any text of a column holds a NUL character (one C call for a column of texts)."""
    try:
        return "\x00" in "".join(column)
    except TypeError:  # cells of a workbook: numbers, None
        return any(type(c) is str and "\x00" in c for c in column)


def _visible(text: str) -> str:
    """A text with a NUL, as a message can show it."""
    return text.replace("\x00", "\\0")[:80]


def _looked_up(memo: dict, keys, compute: Callable | None) -> list:
    """``memo[key]`` of every key, in order (``map`` of ``dict.get``: no Python code per key); a missing
    key is computed with ``compute(key)`` and remembered, or left None when there is no ``compute``."""
    keys = list(keys)
    hits = list(map(memo.get, keys))
    if compute is not None and None in hits:
        for k, hit in enumerate(hits):
            if hit is None:
                hit = memo.get(keys[k])
                if hit is None:
                    hit = compute(keys[k])
                    if len(memo) < MEMO_SIZE:
                        memo[keys[k]] = hit
                hits[k] = hit
    return hits


class _Checker:
    """Checks rows with one dictionary lookup per distinct input (unit code, set, period, indicator,
    assessment word, value, version): a national file repeats the same few thousand of them. Blocks
    of clean rows column by column (:meth:`block`), others row by row with messages (:meth:`check`)."""

    def __init__(self, name: str, user, catalog: Catalog, defaults: dict):
        self.name = name
        self.user = user
        self.catalog = catalog
        self.defaults = defaults
        self.units: dict[str, Unit | None] = {}
        self.allowed: dict[int, bool] = {}
        self.seen: dict[tuple[int, str, str], int] = {}  # cell -> bitmask of indicators seen
        self.issues: list[Issue] = []
        self.issue_count = 0
        self._periods: dict[object, tuple[Period | None, str]] = {}
        self._assess: dict[object, tuple[bool, bool | None, str]] = {}
        self._inds: dict[tuple[str, str], tuple[object, int]] = {}
        self._values: dict[tuple[str, str, object], tuple[str, float | None, str]] = {}
        self._fast_where: dict[tuple, object] = {}
        self._fast_inds: dict[tuple, object] = {}
        self._versions: dict[object, object] = {}
        self._in_force: dict[tuple[int, str, str], str | None] = {}

    def issue(self, row: RawRow, column: str | None, message: str) -> None:
        self.issue_count += 1
        if len(self.issues) < MAX_ISSUES:
            header = COLUMNS[column][0] if column in COLUMNS else column
            self.issues.append(Issue(self.name, message, row.sheet, row.number, header))

    def unit(self, ref: object) -> Unit | None:
        key = _text(ref)
        if key not in self.units:
            self.units[key] = Unit.objects.filter(uid=key).first() if "\x00" not in key else None
        return self.units[key]

    def read_units(self, refs) -> None:
        """Look up the units of the coming rows at once (one query per 900 new codes)."""
        keys = {_text(r) for r in set(refs)} - self.units.keys() - {""}
        for k in [k for k in keys if "\x00" in k]:  # no unit code has one (and PostgreSQL refuses it in a query)
            self.units[k] = None
            keys.discard(k)
        keys = sorted(keys)
        for i in range(0, len(keys), 900):
            part = keys[i : i + 900]
            found = {u.uid: u for u in Unit.objects.filter(uid__in=part)}
            for k in part:
                self.units[k] = found.get(k)

    def may_enter(self, unit: Unit) -> bool:
        if self.user is None:
            return True
        if unit.id not in self.allowed:
            from ntm.apps.accounts.permissions import can_enter

            self.allowed[unit.id] = can_enter(self.user, unit)
        return self.allowed[unit.id]

    def period(self, raw: object) -> tuple[Period | None, str]:
        key = raw if not isinstance(raw, (dt.datetime, dt.date)) else (raw.year, raw.month)
        hit = self._periods.get(key)
        if hit is None:
            try:
                hit = (_period(raw), "")
            except ValueError as exc:
                hit = (None, str(exc))
            self._periods[key] = hit
        return hit

    def in_force(self, unit: Unit, cs: CriteriaSet, period: Period) -> str | None:
        """Why no value may be entered for ``unit``, ``cs`` and ``period`` (the unit did not exist then, or
        the set was not in force), or None."""
        key = (unit.id, cs.code, period.key)
        if key not in self._in_force:
            self._in_force[key] = entry_refused(unit, cs, period)
        return self._in_force[key]

    def assessment(self, raw: object) -> tuple[bool, bool | None, str]:
        """(not applicable, assessment, error)."""
        hit = self._assess.get(raw)
        if hit is None:
            try:
                verdict, na = read_assessment(raw)
                hit = (na, verdict, "")
            except ValueRefused as exc:
                hit = (False, None, exc.message)
            if len(self._assess) < 10_000:
                self._assess[raw] = hit
        return hit

    def indicator(self, cs: CriteriaSet, code: str) -> tuple[object, int]:
        """(indicator or None, bit of its position in the set)."""
        hit = self._inds.get((cs.code, code))
        if hit is None:
            ind = cs.by_code.get(code)
            codes = cs.indicator_codes()
            bit = 1 << codes.index(code) if ind is not None and len(codes) < 512 else 0
            hit = self._inds[(cs.code, code)] = (ind, bit)
        return hit

    def value(self, ind, raw_v: object) -> tuple[str, float | None, str]:
        """(value as text, number, error) of a non-empty cell."""
        key = (id(ind), raw_v)
        hit = self._values.get(key)
        if hit is None:
            value_text, value_num, error = "", None, ""
            try:
                parsed = read_value(ind, raw_v)
            except ValueRefused as exc:
                error = exc.message
            else:
                if isinstance(parsed, bool):
                    value_text = truth_text(parsed)
                elif isinstance(parsed, Decimal):  # as written, or a spreadsheet's number as an official writes it
                    value_text = clean_text(raw_v) if isinstance(raw_v, str) else input_text(parsed)
                    value_num = float(parsed)
                elif parsed is not None:  # a level, as the catalogue names it
                    value_text = parsed
            hit = (value_text, value_num, error)
            if len(self._values) >= 20_000:  # numbers rarely repeat: keep the memo small
                self._values.clear()
            self._values[key] = hit
        return hit

    def check(self, row: RawRow) -> Prepared | None:
        v = row.values
        nul = [c for c, x in v.items() if type(x) is str and "\x00" in x]
        for c in nul:
            self.issue(row, c, f"'{_visible(v[c])}' chứa ký tự NUL (mã 0), không được phép")
        if nul:
            return None
        ok = True
        # unit
        raw_unit = v.get("unit")
        unit = self.unit(raw_unit) if raw_unit not in (None, "") and _text(raw_unit) else self.defaults.get("unit")
        if unit is None:
            self.issue(
                row,
                "unit",
                f"không có đơn vị mã '{_text(raw_unit)}'"
                if _text(raw_unit)
                else "chưa ghi mã đơn vị (vd. xa:13570@2024)",
            )
            ok = False
        elif not self.may_enter(unit):
            self.issue(row, "unit", entry_not_allowed(unit))
            ok = False
        # set
        raw_set = v.get("set")
        set_code = self._set_code(raw_set)
        cs = None
        if not set_code:
            self.issue(row, "set", "chưa ghi bộ tiêu chí")
            ok = False
        elif set_code not in self.catalog:
            self.issue(row, "set", f"không có bộ tiêu chí '{set_code}'")
            ok = False
        else:
            cs = self.catalog.get(set_code)
        # period
        period = None
        raw_period = v.get("period") if v.get("period") not in (None, "") else self.defaults.get("period")
        if raw_period in (None, ""):
            self.issue(row, "period", "chưa ghi kỳ (YYYY-MM)")
            ok = False
        else:
            period, error = self.period(raw_period)
            if error:
                self.issue(row, "period", error)
                ok = False
            elif unit is not None and cs is not None and (problem := self.in_force(unit, cs, period)):
                self.issue(row, "period", problem)
                ok = False
        # indicator
        code = _indicator(v.get("indicator"))
        ind = None
        bit = 0
        if not code:
            self.issue(row, "indicator", "chưa ghi mã chỉ tiêu")
            ok = False
        elif cs is not None:
            ind, bit = self.indicator(cs, code)
            if ind is None:
                self.issue(row, "indicator", f"bộ {cs.code} không có chỉ tiêu '{code}'")
                ok = False
        # assessment
        na, assessment, error = self.assessment(v.get("assessment"))
        if error:
            self.issue(row, "assessment", error)
            ok = False
        # value
        raw_v = v.get("value")
        value_text, value_num = "", None
        if ind is not None and raw_v not in (None, "") and _text(raw_v):
            value_text, value_num, error = self.value(ind, raw_v)
            if error:
                self.issue(row, "value", error)
                ok = False
        # version
        raw_ver = v.get("version")
        expected = self._version(raw_ver)
        if expected is _BAD:
            self.issue(row, "version", f"'{_text(raw_ver)}' không phải là số lần sửa")
            ok = False
        if not ok or unit is None or cs is None or period is None or ind is None:
            return None
        if not value_text and assessment is None and not na:
            return Prepared(
                unit, cs, period, (unit.id, cs.code, period.key), row.number, code, "", None, None, False, "", "", None
            )  # skipped
        cell = (unit.id, cs.code, period.key)
        mask = self.seen.get(cell, 0)
        if mask & bit:
            self.issue(row, "indicator", f"chỉ tiêu {code} của {unit.uid} kỳ {period.key} xuất hiện hai lần trong tệp")
            return None
        self.seen[cell] = mask | bit
        return Prepared(
            unit,
            cs,
            period,
            cell,
            row.number,
            code,
            value_text,
            value_num,
            assessment,
            na,
            _nfc(_text(v.get("note"))),
            _nfc(_text(v.get("evidence"))),
            expected,
        )

    def _set_code(self, raw: object) -> str:
        """The set code a row names (or the default set), "" when none."""
        return (raw.strip() if isinstance(raw, str) else _text(raw)) or self.defaults.get("set") or ""

    # -- for the fast path of _scan: the same checks as check(), memoised on the raw cells, silent ---

    def _where(self, raw_unit: object, raw_set: object, raw_period: object):
        """(unit, set, period, cell prefix) of a row's first three cells, or _BAD."""
        unit = self.unit(raw_unit) if raw_unit not in (None, "") and _text(raw_unit) else self.defaults.get("unit")
        if unit is None or not self.may_enter(unit):
            return _BAD
        set_code = self._set_code(raw_set)
        if not set_code or set_code not in self.catalog:
            return _BAD
        cs = self.catalog.get(set_code)
        raw_period = raw_period if raw_period not in (None, "") else self.defaults.get("period")
        if raw_period in (None, ""):
            return _BAD
        period, error = self.period(raw_period)
        if error or self.in_force(unit, cs, period):
            return _BAD
        return unit, cs, period, (unit.id, cs.code, period.key)

    def _code(self, cs: CriteriaSet, raw: object):
        """(indicator, bit, code) of an indicator cell, or _BAD."""
        code = _indicator(raw)
        if not code:
            return _BAD
        ind, bit = self.indicator(cs, code)
        return _BAD if ind is None else (ind, bit, code)

    def _version(self, raw: object):
        """The expected version of a row's cell (None when blank), or _BAD."""
        hit = self._versions.get(raw, _BAD)
        if hit is _BAD and raw not in self._versions:
            hit = None
            if raw not in (None, "") and _text(raw):
                try:
                    hit = int(float(_text(raw).replace(",", ".")))
                except (ValueError, OverflowError):  # OverflowError: "1E310" is infinity
                    hit = _BAD
            if len(self._versions) < MEMO_SIZE:
                self._versions[raw] = hit
        return hit

    def block(self, numbers, rows: list[list | tuple], cols: tuple, width: int) -> tuple[list[Prepared], int] | None:
        """(the prepared rows, the number of rows skipped) of a block of rows none of which has anything
        to say, checked column by column: one memo lookup per cell through ``map`` (the memos are filled
        by the same checks as :meth:`check`), no Python code per cell. None when any row has something to
        say — a short row, a bad or missing cell, an indicator twice: :meth:`check` then says it, row by row."""
        if min(map(len, rows)) < width:
            return None
        columns = list(zip(*rows))
        blank = (None,) * len(rows)
        inote, iev, iver = cols[6:]
        units, sets, periods, codes, values, assessments, notes, evidences, versions = (
            columns[i] if i is not None else blank for i in cols
        )
        if (inote is not None and _nul_in(notes)) or (iev is not None and _nul_in(evidences)):
            return None

        wheres = _looked_up(self._fast_where, zip(units, sets, periods), lambda key: self._where(*key))
        if _BAD in wheres:
            return None
        inds = _looked_up(
            self._fast_inds, zip(sets, codes), lambda key: self._code(self.catalog.get(self._set_code(key[0])), key[1])
        )
        if _BAD in inds:
            return None
        assess = _looked_up(self._assess, assessments, self.assessment)
        if set(map(_ERROR, assess)) != {""}:
            return None
        indicators = list(map(_FIRST, inds))
        vals = _looked_up(self._values, zip(map(id, indicators), values), None)
        if None in vals:
            for k, hit in enumerate(vals):
                if hit is None:
                    vals[k] = self.value(indicators[k], values[k])
        if set(map(_ERROR, vals)) != {""}:
            return None
        expected = blank if iver is None else list(map(self._version, versions))
        if _BAD in expected:
            return None

        texts, nums = list(map(_FIRST, vals)), list(map(_SECOND, vals))
        nas, verdicts = list(map(_FIRST, assess)), list(map(_SECOND, assess))
        keep = [bool(t) or a is not None or na for t, a, na in zip(texts, verdicts, nas)]
        skipped = keep.count(False)
        cells, bits = map(_FOURTH, wheres), map(_SECOND, inds)
        if skipped:
            cells, bits = itertools.compress(cells, keep), itertools.compress(bits, keep)
        block_seen: dict[tuple[int, str, str], int] = {}
        for cell, bit in zip(cells, bits):
            mask = block_seen.get(cell)
            if mask is None:
                mask = self.seen.get(cell, 0)
            if mask & bit:
                return None
            block_seen[cell] = mask | bit
        self.seen.update(block_seen)

        out = zip(
            *zip(*wheres),
            numbers,
            map(_THIRD, inds),
            texts,
            nums,
            verdicts,
            nas,
            _nfc_column(_stripped(notes)) if inote is not None else repeat(""),
            _nfc_column(_stripped(evidences)) if iev is not None else repeat(""),
            expected,
        )
        if skipped:
            out = itertools.compress(out, keep)
        return list(map(_new_prepared, repeat(Prepared), out)), skipped


_scans = {"running": 0, "threshold": None}
_scans_lock = threading.Lock()


@contextlib.contextmanager
def _fewer_collections(threshold: int = 100_000):
    """The collector's youngest generation made larger while a file is scanned: the scan allocates
    millions of short-lived tuples, and a collection every 700 of them cost ≈40 % of its time. The
    setting is the process's: the first scan to start raises it, the last one to end puts it back
    (two imports at once in a threaded server must not leave it raised)."""
    with _scans_lock:
        if _scans["running"] == 0:
            _scans["threshold"] = gc.get_threshold()
            gc.set_threshold(max(threshold, _scans["threshold"][0]), *_scans["threshold"][1:])
        _scans["running"] += 1
    try:
        yield
    finally:
        with _scans_lock:
            _scans["running"] -= 1
            if _scans["running"] == 0:
                gc.set_threshold(*_scans["threshold"])


def _scan(
    path: Path,
    name: str,
    user,
    catalog: Catalog,
    defaults: dict,
    on_chunk: Callable[[list[Prepared]], None] | None,
    plan: ImportPlan,
    reading: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> _Checker:
    """Check every row; hand the good ones to ``on_chunk`` by chunks while no row has failed.

    Rows are taken by blocks of :data:`CHUNK`. :meth:`_Checker.block` checks a block column by column,
    one memo lookup per cell (unit-set-period, indicator, assessment, value, version), the memos filled
    by :meth:`_Checker._where`, :meth:`_Checker._code`, :meth:`_Checker.assessment`,
    :meth:`_Checker.value` and :meth:`_Checker._version` — the checks of :meth:`_Checker.check`, without
    a word. A block in which any row has something to say (a bad, missing or doubled cell, a short row)
    is checked again row by row by :meth:`_Checker.check`, which says it."""
    colmap, sheet, header, lines = _rows_after_header(path, name=name)
    pairs = list(colmap.items())
    width = max(colmap) + 1
    col = {canon: i for i, canon in pairs}
    cols = tuple(
        col.get(c) for c in ("unit", "set", "period", "indicator", "value", "assessment", "note", "evidence", "version")
    )
    chk = _Checker(name, user, catalog, defaults)
    chunk: list[Prepared] = []
    rows = skipped = 0
    number = header
    with _fewer_collections():
        while block := list(itertools.islice(lines, CHUNK)):
            numbers = range(number + 1, number + 1 + len(block))
            number += len(block)
            if not _none_blank(block):
                kept = [not _blank(r) for r in block]
                numbers, block = list(itertools.compress(numbers, kept)), list(itertools.compress(block, kept))
                if not block:
                    continue
            rows += len(block)
            if cols[0] is not None:
                with reading():
                    chk.read_units(r[cols[0]] for r in block if len(r) > cols[0])
            done = chk.block(numbers, block, cols, width)
            if done is not None:
                prepared, dropped = done
                skipped += dropped
                chunk.extend(prepared)
            else:  # something to say: row by row, with the messages
                for n, r in zip(numbers, block):
                    p = chk.check(_raw_row(sheet, n, r, pairs, width))
                    if p is None:
                        continue
                    if not p.value_text and p.assessment is None and not p.not_applicable:
                        skipped += 1
                        continue
                    if not chk.issue_count:  # after a problem: keep checking, nothing more to compare or write
                        chunk.append(p)
            if chk.issue_count:
                chunk = []
            elif len(chunk) >= CHUNK and on_chunk is not None:
                on_chunk(chunk)
                chunk = []
        if chunk and on_chunk is not None and not chk.issue_count:
            on_chunk(chunk)
    plan.rows += rows
    plan.skipped += skipped
    plan.issues, plan.issue_count = chk.issues, chk.issue_count
    plan.cells = len(chk.seen)
    plan.units = len({c[0] for c in chk.seen})
    return chk


# a current observation as read by _current: a plain tuple (no object per row) — unit id, set, period,
# indicator; then what an import compares (the value as a number, else as text; assessment; n/a; note;
# evidence); then id, version, author and the value as written
_C_ASSESS, _C_NA, _C_EVIDENCE = 6, 7, 9
_C_PK, _C_VERSION, _C_BY, _C_TEXT = range(10, 14)
_COMPARED = operator.itemgetter(*range(4, 10))
_CELL, _CODE = operator.itemgetter(3), operator.itemgetter(5)
_NO_ROW = (None,) * 4 + (_BAD,) * 6 + (None,) * 4  # no current observation: its compared part equals no row's


def _current(chunk: list[Prepared]) -> dict[tuple[tuple[int, str, str], str], tuple]:
    """The current observations of the chunk's cells, keyed ((unit id, set, period), indicator)."""
    from django.db import connection

    cells = set(map(_CELL, chunk))
    units = sorted({c[0] for c in cells})
    sets = sorted({c[1] for c in cells})
    periods = sorted({c[2] for c in cells})
    q = connection.ops.quote_name
    select = (
        f"SELECT unit_id, set_code, period, indicator, value_num, "
        f"CASE WHEN value_num IS NULL THEN value_text END, assessment, not_applicable, note, evidence, "
        f"id, version, created_by_name, value_text FROM {q(Observation._meta.db_table)} WHERE "
    )
    found: list[tuple] = []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql" and len(units) * len(sets) * len(periods) <= 2 * len(cells):
            # a file in the usual order (unit by unit): the chunk's cells are about all the combinations of
            # its units, sets and periods, read in one statement (the few others are left out below)
            cur.execute(
                select + "unit_id = ANY(%s) AND set_code = ANY(%s) AND period = ANY(%s)", [units, sets, periods]
            )
            found = cur.fetchall()
        else:
            groups: dict[tuple[str, str], list[int]] = {}
            for unit_id, set_code, period in cells:
                groups.setdefault((set_code, period), []).append(unit_id)
            for (set_code, period), ids in groups.items():
                ids.sort()
                for i in range(0, len(ids), 900):  # SQLite: at most 999 parameters
                    part = ids[i : i + 900]
                    cur.execute(
                        select + f"set_code = %s AND period = %s AND unit_id IN ({', '.join(['%s'] * len(part))})",
                        [set_code, period, *part],
                    )
                    found.extend(cur.fetchall())
    if not found:
        return {}
    unit_ids, set_codes, period_keys, codes = list(zip(*found))[:4]
    return dict(zip(zip(zip(unit_ids, set_codes, period_keys), codes), found))


def _evidence_checker(name: str, where: str | None) -> Callable[[Prepared], Issue | None]:
    """The check of a row's evidence reference (a file uploaded for the row's unit, set and period), with
    a memo of the storage's answers: a file names the same few paths many times."""
    from django.core.files.storage import default_storage

    found: dict[str, bool] = {}

    def exists(path: str) -> bool:
        if path not in found:
            found[path] = default_storage.exists(path)
        return found[path]

    def check(p: Prepared) -> Issue | None:
        problem = reference_problem(p.evidence, p.unit, p.cs.code, p.cell[2], exists=exists)
        return Issue(name, problem, where, p.row, COLUMNS["evidence"][0]) if problem else None

    return check


def _seen(p: Prepared, o: tuple) -> tuple:
    """An unchanged row as a stage keeps it: (unit id, set, indicator, period, version seen, row)."""
    return (p.cell[0], p.cell[1], p.indicator, p.cell[2], o[_C_VERSION], p.row)


def _changes(
    chunk: list[Prepared],
    plan: ImportPlan,
    conflicts: list[Issue],
    where: str | None,
    evidence: Callable[[Prepared], Issue | None],
    reading: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
    same: list[tuple] | None = None,
) -> Iterator[tuple[Prepared, tuple | None]]:
    """(row, its current observation or None) of every row that changes something; counts the
    unchanged, new and changed rows into ``plan``, and into ``conflicts`` what may not be written: a
    value edited since the template was downloaded, a value that replaces a current one without naming
    its version (:func:`~.validation.version_required`), a change to a sheet sent for review or
    approved (locked, as for the form: :func:`~.workflow.locked_submissions`), a new evidence reference
    that is not a file uploaded for the row's cell (:func:`evidence`).

    A row is unchanged when its number (or, without a number on either side, its text), assessment,
    "not assessed", note and evidence are those of the current observation; the comparison is made
    on tuples of those, column by column (``map``), not field by field in Python. With ``same`` (a
    list), every unchanged row is added to it as (unit id, set, indicator, period, version of the
    current observation, row number): what a stage keeps to see at the confirm that none of them was
    edited since (:mod:`.stage`)."""
    with reading():  # the connection may be writing the block before (imports.write.Writer)
        cur = _current(chunk)
        # sheets sent for review or approved are locked for a file as for the form (one small query a
        # block): their cells, each with the form's message
        locked = {
            (s.unit_id, s.set_code, s.period): str(PeriodLocked([s]))
            for s in locked_submissions(set(map(_CELL, chunk)), for_update=False)
        }
    olds = list(map(cur.get, zip(map(_CELL, chunk), map(_CODE, chunk)), repeat(_NO_ROW)))
    texts = [t if n is None else None for t, n in zip(map(_TEXT, chunk), map(_NUM, chunk))]
    compared = zip(
        map(_NUM, chunk), texts, map(_VERDICT, chunk), map(_NA, chunk), map(_NOTE, chunk), map(_EVIDENCE, chunk)
    )
    equal = list(map(operator.eq, compared, map(_COMPARED, olds)))
    rows: Iterator = zip(chunk, olds, equal)
    unchanged = new = changed = 0
    if set(map(_EXPECTED, chunk)) == {None}:  # no version to check (a file not made from the template)
        unchanged = equal.count(True)
        if same is not None and unchanged:
            same.extend(itertools.starmap(_seen, itertools.compress(zip(chunk, olds), equal)))
        rows = itertools.compress(rows, map(operator.not_, equal))  # only the rows that change something
    for p, o, s in rows:
        if not s and p.cell in locked:  # said first: a new template would not make this row acceptable
            conflicts.append(Issue(plan.file, locked[p.cell], where, p.row, COLUMNS["period"][0]))
            continue
        if o is _NO_ROW:
            o = None
        elif p.expected_version is None and not s:
            conflicts.append(
                Issue(
                    plan.file,
                    version_required(p.indicator, p.unit.uid, o[_C_VERSION], o[_C_BY])
                    + " — tải mẫu mới (có cột 'Lần sửa') rồi nhập lại",
                    where,
                    p.row,
                    COLUMNS["version"][0],
                )
            )
            continue
        elif p.expected_version is not None and o[_C_VERSION] != p.expected_version:
            who = o[_C_BY] or "người khác"
            conflicts.append(
                Issue(
                    plan.file,
                    f"chỉ tiêu {p.indicator} của {p.unit.uid} đã được {who} sửa (lần sửa "
                    f"{o[_C_VERSION]}) sau khi tải mẫu (lần sửa {p.expected_version}); hãy tải mẫu mới",
                    where,
                    p.row,
                    COLUMNS["version"][0],
                )
            )
            continue
        elif s:
            unchanged += 1
            if same is not None:
                same.append(_seen(p, o))
            continue
        if p.evidence and p.evidence != (o[_C_EVIDENCE] if o is not None else ""):
            problem = evidence(p)
            if problem is not None:
                conflicts.append(problem)
                continue
        if o is None:
            new += 1
        else:
            changed += 1
        yield p, o
    plan.unchanged += unchanged
    plan.new += new
    plan.changed += changed


def _show(value_text: str, assessment: bool | None, na: bool) -> str:
    a = "không đánh giá" if na else ("" if assessment is None else ("đạt" if assessment else "chưa đạt"))
    return " · ".join(x for x in (value_text, a) if x) or "(trống)"
