"""Excel exchange, inbound: the entry template and the import of a filled one (XLSX or CSV).

- :func:`write_template` — one row per indicator (and unit) for a unit or all communes of a parent and a
  period: rule and threshold shown, the current values prefilled, a drop-down for the assessment
  ("đạt, chưa đạt, không đánh giá"), the version of each value (to detect edits made meanwhile).
- :func:`plan_import` — read the file and check every row (sheet, row, column and reason of each
  problem), compare with the current values and describe what would change, writing nothing.
- :func:`commit_import` — one more pass: check, compare and record everything in one transaction
  (all-or-nothing) under one ``batch`` id with ``source="import"``; the affected results are
  re-evaluated (unit by unit, or with the batch path for a large import).

Files are read by the core's bounded reader (:mod:`ntm.core.tables`: CSV as a stream, XLSX/ODS with
python-calamine once the archive and the positions of its cells are within the limits of
``settings.NTM_UPLOAD_LIMITS``) and written in chunks (``COPY`` on PostgreSQL), so a national CSV file
(10,000 communes × 132 indicators) never sits in memory whole. Rows are checked by blocks, column by column
(:meth:`_Checker.block`); a block with anything to say is checked again row by row
(:meth:`_Checker.check`), which words the messages — both reach the same plan
(``tests/test_import_paths.py``).
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import gc
import io
import itertools
import operator
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

from django.db import transaction

from ntm.apps.units.models import Unit
from ntm.apps.units.thresholds import context_for
from ntm.core.catalog import Catalog, Context, CriteriaSet, Kind, default_catalog
from ntm.core.evaluation.engine import rule_text
from ntm.core.periods import Period
from ntm.core.sheets import fold
from ntm.core.tables import Limits, TableError, kind_of, read_table
from ntm.core.values import (
    ASSESSMENT_WORDS,
    ValueRefused,
    clean_text,
    input_text,
    read_assessment,
    read_value,
    truth_text,
)

from .evidence import reference_problem
from .models import Observation
from .signals import CellsChanged, announce
from .validation import entry_refused, version_required

SHEET = "Số liệu"
ASSESSMENT_CHOICES = ASSESSMENT_WORDS
IMPORT_SOURCE = "import"
CHUNK = 5000
MAX_ISSUES = 1000

# canonical name -> (header as written in the template, accepted folded spellings)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "unit": ("Mã đơn vị", ("ma don vi", "uid", "unit", "don vi ma")),
    "unit_name": ("Đơn vị", ("don vi", "ten don vi", "unit name")),
    "set": ("Bộ tiêu chí", ("bo tieu chi", "set", "ma bo tieu chi")),
    "period": ("Kỳ", ("ky", "period", "ky bao cao")),
    "criterion": ("Tiêu chí", ("tieu chi", "criterion")),
    "indicator": ("Chỉ tiêu", ("chi tieu", "indicator", "ma chi tieu", "code")),
    "content": ("Nội dung", ("noi dung", "content")),
    "rule": ("Quy định", ("quy dinh", "yeu cau", "rule")),
    "threshold": ("Ngưỡng", ("nguong", "threshold")),
    "measure": ("Đơn vị tính", ("don vi tinh", "dvt")),
    "value": ("Giá trị", ("gia tri", "value", "so lieu")),
    "assessment": ("Đánh giá", ("danh gia", "assessment", "ket qua danh gia")),
    "note": ("Ghi chú", ("ghi chu", "note")),
    "evidence": ("Minh chứng", ("minh chung", "evidence")),
    "version": ("Lần sửa", ("lan sua", "version", "phien ban")),
}
TEMPLATE_ORDER = [
    "unit",
    "unit_name",
    "set",
    "period",
    "criterion",
    "indicator",
    "content",
    "rule",
    "threshold",
    "measure",
    "value",
    "assessment",
    "note",
    "evidence",
    "version",
]
INPUT_COLUMNS = {"value", "assessment", "note", "evidence"}


# -- problems -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Issue:
    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file + (f" [{self.sheet}]" if self.sheet else "") + (f", dòng {self.row}" if self.row else "")
        where += f", cột '{self.column}'" if self.column else ""
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


class ImportFailed(ValueError):
    def __init__(self, issues: list[Issue], total: int | None = None):
        self.issues = issues
        self.total = total if total is not None else len(issues)
        more = f"\n… và {self.total - len(issues)} lỗi khác" if self.total > len(issues) else ""
        super().__init__("\n".join(str(i) for i in issues[:20]) + more)


# -- template -----------------------------------------------------------------------------------
def _value_out(o: Observation | None):
    if o is None:
        return None
    if o.value_num is not None:
        return o.value_num
    return o.value_text or None


def _assessment_out(o: Observation | None) -> str | None:
    if o is None:
        return None
    if o.not_applicable:
        return "không đánh giá"
    if o.assessment is None:
        return None
    return "đạt" if o.assessment else "chưa đạt"


def _context(unit: Unit, year: int, cache: dict) -> Context:
    key = (unit.region, unit.commune_group, unit.special, unit.path.split("/")[2] if unit.path.count("/") > 2 else "")
    if key not in cache:
        cache[key] = context_for(unit, year)
    return cache[key]


# the "Đơn vị tính" of an indicator as the template shows it; the value column's validation reads it
MEASURE_YES_NO, MEASURE_LEVEL, MEASURE_PERCENT = "có/không", "mức", "%"


def measure_of(ind) -> str:
    if ind.kind == Kind.BOOLEAN:
        return MEASURE_YES_NO
    if ind.kind == Kind.LEVEL:
        return MEASURE_LEVEL
    if ind.kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT):
        return MEASURE_PERCENT
    return ind.unit or ""


def template_rows(units: list[Unit] | Iterator[Unit], cs: CriteriaSet, period: Period) -> Iterator[list]:
    """The rows of the entry template (without the header), unit by unit."""
    cache: dict = {}
    batch: list[Unit] = []

    def flush(us: list[Unit]) -> Iterator[list]:
        current: dict[tuple[int, str], Observation] = {}
        for o in (
            Observation.objects.current()
            .filter(unit__in=[u.id for u in us], set_code=cs.code, period=period.key)
            .only(
                "unit_id",
                "indicator",
                "value_text",
                "value_num",
                "assessment",
                "not_applicable",
                "note",
                "evidence",
                "version",
            )
        ):
            current[(o.unit_id, o.indicator)] = o
        for u in us:
            ctx = _context(u, period.year, cache)
            for ind in cs.indicators:
                t = cs.threshold(ind.code, ctx)
                o = current.get((u.id, ind.code))
                yield [
                    u.uid,
                    u.name,
                    cs.code,
                    period.key,
                    int(ind.code.split(".")[0]),
                    ind.code,
                    ind.content,
                    rule_text(ind, t) or ("Đạt / không đạt" if ind.kind == Kind.BOOLEAN else "Cán bộ đánh giá"),
                    t.value if t is not None and not isinstance(t.value, bool) else None,
                    measure_of(ind),
                    _value_out(o),
                    _assessment_out(o),
                    (o.note if o else "") or None,
                    (o.evidence if o else "") or None,
                    o.version if o else None,
                ]

    for u in units:
        batch.append(u)
        if len(batch) >= 200:
            yield from flush(batch)
            batch = []
    if batch:
        yield from flush(batch)


def _letter(key: str) -> str:
    return chr(ord("A") + TEMPLATE_ORDER.index(key))


KEY_COLUMNS = ("unit", "set", "period", "indicator", "version")  # what identifies a row: protected
STYLED_ROWS = 20000  # up to this many rows every cell of the template is styled


def value_rule() -> str:
    """The value column's check, as a spreadsheet formula on row 2 (relative: it applies row by row),
    from the row's "Đơn vị tính": yes/no for a yes/no indicator, a number in 0–100 for a percentage,
    any number otherwise, any text for a level."""
    v, m = f"{_letter('value')}2", f"${_letter('measure')}2"
    return (
        f'OR({m}="{MEASURE_LEVEL}",IF({m}="{MEASURE_YES_NO}",OR({v}="có",{v}="không"),'
        f'AND(ISNUMBER({v}),OR({m}<>"{MEASURE_PERCENT}",AND({v}>=0,{v}<=100)))))'
    )


TEMPLATE_GUIDE = (
    "Chỉ điền các cột nền vàng: Giá trị, Đánh giá (chọn đạt / chưa đạt / không đánh giá), Ghi chú, Minh chứng.",
    "Các cột khác được khóa (bảo vệ trang tính, không mật khẩu) để không sửa nhầm Mã đơn vị, Bộ tiêu chí, Kỳ, "
    "Chỉ tiêu, Lần sửa; các cột còn lại chỉ để tham khảo.",
    "Cột Giá trị được kiểm tra theo Đơn vị tính: 'có/không' → ghi có hoặc không; '%' → số từ 0 đến 100; "
    "đơn vị khác → một số. Số viết theo kiểu Việt Nam (91,5) hoặc nhập số trực tiếp. "
    "Số có thể hiểu hai cách (64.125: 64,125 hay 64125?) bị từ chối: ghi 64125 hoặc 64,1250. "
    "Dòng để trống Giá trị và Đánh giá được bỏ qua.",
    "Minh chứng: giữ nguyên đường dẫn đã ghi sẵn, hoặc ghi đường dẫn của tệp đã tải lên cho đúng xã, bộ tiêu chí, kỳ.",
    "Cột 'Lần sửa' cho biết phiên bản số liệu lúc tải mẫu: nếu trong lúc đó có người sửa, hệ thống báo mâu thuẫn "
    "thay vì ghi đè. Thay một giá trị đã có thì phải có cột này.",
    "Có thể lưu thành CSV (UTF-8) với cùng các cột. Khi tải lên, hệ thống kiểm tra toàn bộ tệp, cho xem trước các thay đổi; "
    "chỉ ghi khi xác nhận, và ghi tất cả hoặc không ghi gì.",
)


def write_template(out: str | Path | io.BytesIO, units: list[Unit], cs: CriteriaSet, period: Period) -> int:
    """Write the XLSX entry template (write-only workbook: constant memory). Returns the number of rows.

    The sheet is protected (no password: against slips, not people) with the input columns unlocked, so
    that the key columns cannot be edited by mistake; the assessment has a drop-down and the value is
    checked by the indicator's kind (:func:`value_rule`)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    from ntm.core.cell_safety import xlsx_text_only, xlsx_value

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    grey = PatternFill("solid", fgColor="F0F0F0")
    input_fill = PatternFill("solid", fgColor="FFFBE6")
    unlocked = Protection(locked=False)
    widths = {
        "unit": 16,
        "unit_name": 22,
        "set": 16,
        "period": 9,
        "criterion": 8,
        "indicator": 9,
        "content": 60,
        "rule": 16,
        "threshold": 9,
        "measure": 10,
        "value": 12,
        "assessment": 15,
        "note": 24,
        "evidence": 30,
        "version": 8,
    }
    for i, key in enumerate(TEMPLATE_ORDER):
        dim = ws.column_dimensions[chr(ord("A") + i)]
        dim.width = widths[key]
        if key in INPUT_COLUMNS:  # empty input cells take their column's style: unlocked
            dim.protection = unlocked
            dim.fill = input_fill
    ws.freeze_panes = "A2"
    n_units = len(units)
    n_rows = n_units * cs.indicator_count
    last = max(2, n_rows + 1)
    letter = _letter("assessment")
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(ASSESSMENT_CHOICES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Đánh giá không hợp lệ",
        error="Chọn một trong: đạt, chưa đạt, không đánh giá",
        promptTitle="Đánh giá",
        prompt="đạt / chưa đạt / không đánh giá",
        showInputMessage=True,
    )
    dv.add(f"{letter}2:{letter}{last}")
    ws.data_validations.append(dv)  # write-only sheets have no add_data_validation()
    letter = _letter("value")
    dv = DataValidation(
        type="custom",
        formula1=value_rule(),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Giá trị không hợp lệ",
        error="Theo cột Đơn vị tính: 'có/không' → có hoặc không; '%' → số từ 0 đến 100; khác → một số.",
        promptTitle="Giá trị",
        prompt="Ghi theo cột Đơn vị tính (có/không, %, số)",
        showInputMessage=True,
    )
    dv.add(f"{letter}2:{letter}{last}")
    ws.data_validations.append(dv)
    # protected, but columns may still be widened and rows sorted or filtered
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    header = []
    for key in TEMPLATE_ORDER:
        c = WriteOnlyCell(ws, COLUMNS[key][0])
        c.font = Font(bold=True)
        c.fill = input_fill if key in INPUT_COLUMNS else grey
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(c)
    ws.append(header)
    small = (
        n_rows <= STYLED_ROWS
    )  # styling every cell costs time; big files style only the input cells that hold a value
    inputs = [i for i, key in enumerate(TEMPLATE_ORDER) if key in INPUT_COLUMNS]
    count = 0
    for row in template_rows(units, cs, period):
        if small:
            cells = []
            for key, v in zip(TEMPLATE_ORDER, row):
                c = xlsx_text_only(WriteOnlyCell(ws, v))  # a note "=…" stays a text, not a formula
                if key in INPUT_COLUMNS:
                    c.fill = input_fill
                    c.protection = unlocked
                elif key == "content":
                    c.alignment = Alignment(wrap_text=True, vertical="top")
                cells.append(c)
            ws.append(cells)
        else:
            for i in inputs:
                if row[i] is not None:
                    c = row[i] = xlsx_text_only(WriteOnlyCell(ws, row[i]))
                    c.protection = unlocked
            ws.append([xlsx_value(ws, v) for v in row])
        count += 1
    guide = wb.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 110
    for line in (f"Mẫu nhập số liệu: {cs.name} — {period.label}", *TEMPLATE_GUIDE):
        guide.append([line])
    wb.save(out)
    return count


# -- reading ------------------------------------------------------------------------------------
@dataclass
class RawRow:
    sheet: str | None
    number: int
    values: dict[str, object]


def table_limits() -> Limits:
    """The bounds of an uploaded table, from ``settings.NTM_UPLOAD_LIMITS`` (defaults: :class:`Limits`)."""
    from django.conf import settings

    return Limits.from_mapping(getattr(settings, "NTM_UPLOAD_LIMITS", None))


def _issue(exc: TableError) -> ImportFailed:
    return ImportFailed([Issue(exc.file, exc.message, exc.sheet, exc.row, exc.column)])


def _reported(blocks: Iterator[list[list]]) -> Iterator[list]:
    """The rows of the reader's blocks, a refusal met while reading them (a NUL far into the file, the
    time budget) raised as :class:`ImportFailed` like any other problem of the file (no Python step per row)."""

    def guarded() -> Iterator[list[list]]:
        try:
            yield from blocks
        except TableError as exc:
            raise _issue(exc) from None

    return itertools.chain.from_iterable(guarded())


def read_rows(path: str | Path, *, name: str | None = None) -> tuple[dict[int, str], Iterator[RawRow]]:
    """(column index → canonical name, rows). Raises :class:`ImportFailed` for an unreadable file or header."""
    colmap, sheet, header, rows = _rows_after_header(path, name=name)
    pairs = list(colmap.items())
    width = max(colmap) + 1

    def gen() -> Iterator[RawRow]:
        for n, r in enumerate(rows, start=header + 1):
            if not _blank(r):
                yield _raw_row(sheet, n, r, pairs, width)

    return colmap, gen()


def _raw_row(sheet: str | None, n: int, r, pairs: list[tuple[int, str]], width: int) -> RawRow:
    if len(r) >= width:
        return RawRow(sheet, n, {canon: r[i] for i, canon in pairs})
    return RawRow(sheet, n, {canon: (r[i] if i < len(r) else None) for i, canon in pairs})


def _rows_after_header(
    path: str | Path, *, name: str | None = None
) -> tuple[dict[int, str], str | None, int, Iterator[list | tuple]]:
    """(column index → canonical name, sheet, row number of the header, the rows after it)."""
    path = Path(path)
    name = name or path.name
    try:
        table = read_table(path, name=name, sheet=SHEET, limits=table_limits())
        sheet, rows = table.sheet, _reported(table.blocks)
    except TableError as exc:
        raise _issue(exc) from None
    header = None
    number = 0
    for number, r in enumerate(rows, start=1):  # noqa: B007
        if any(c is not None and str(c).strip() for c in r):
            header = r
            break
    if header is None:
        raise ImportFailed([Issue(name, "tệp trống", sheet=sheet)])
    colmap: dict[int, str] = {}
    for i, h in enumerate(header):
        f = fold(str(h or ""))
        for canon, (_, spellings) in COLUMNS.items():
            if f and (f == canon or f in spellings or f == fold(COLUMNS[canon][0])):
                colmap[i] = canon
                break
    if "indicator" not in colmap.values():
        raise ImportFailed(
            [
                Issue(
                    name,
                    "thiếu cột 'Chỉ tiêu' (dòng tiêu đề có: "
                    + ", ".join(str(h) for h in header if h not in (None, ""))
                    + ")",
                    sheet=sheet,
                    row=number,
                )
            ]
        )
    if not ({"value", "assessment"} & set(colmap.values())):
        raise ImportFailed([Issue(name, "thiếu cột 'Giá trị' hoặc 'Đánh giá'", sheet=sheet, row=number)])
    return colmap, sheet, number, rows


def _none_blank(rows: list[list | tuple]) -> bool:
    """Whether no row of a block is blank, for a block of CSV rows without a Python step per row."""
    try:
        return all(map(str.strip, map("".join, rows)))
    except TypeError:  # cells of a workbook
        return False


def _blank(r: list | tuple) -> bool:
    if type(r) is list:  # a CSV row: all texts (one C call)
        try:
            return not "".join(r).strip()
        except TypeError:
            pass
    # cells of a workbook: texts, numbers, dates, None (without an exception per row)
    return not any(c.strip() if type(c) is str else c is not None and str(c).strip() for c in r)


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
            self.issue(row, "unit", f"không có quyền nhập số liệu cho {unit.name} ({unit.uid})")
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
        f"id, version, created_by_name, value_text FROM {q(Observation._meta.db_table)} WHERE is_current "
    )
    found: list[tuple] = []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql" and len(units) * len(sets) * len(periods) <= 2 * len(cells):
            # a file in the usual order (unit by unit): the chunk's cells are about all the combinations of
            # its units, sets and periods, read in one statement (the few others are left out below)
            cur.execute(
                select + "AND unit_id = ANY(%s) AND set_code = ANY(%s) AND period = ANY(%s)", [units, sets, periods]
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
                        select + f"AND set_code = %s AND period = %s AND unit_id IN ({', '.join(['%s'] * len(part))})",
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


def _changes(
    chunk: list[Prepared],
    plan: ImportPlan,
    conflicts: list[Issue],
    where: str | None,
    evidence: Callable[[Prepared], Issue | None],
) -> Iterator[tuple[Prepared, tuple | None]]:
    """(row, its current observation or None) of every row that changes something; counts the
    unchanged, new and changed rows into ``plan``, and into ``conflicts`` what may not be written: a
    value edited since the template was downloaded, a value that replaces a current one without naming
    its version (:func:`~.validation.version_required`), a new evidence reference that is not a file
    uploaded for the row's cell (:func:`evidence`).

    A row is unchanged when its number (or, without a number on either side, its text), assessment,
    "not assessed", note and evidence are those of the current observation; the comparison is made
    on tuples of those, column by column (``map``), not field by field in Python."""
    cur = _current(chunk)
    olds = list(map(cur.get, zip(map(_CELL, chunk), map(_CODE, chunk)), repeat(_NO_ROW)))
    texts = [t if n is None else None for t, n in zip(map(_TEXT, chunk), map(_NUM, chunk))]
    compared = zip(
        map(_NUM, chunk), texts, map(_VERDICT, chunk), map(_NA, chunk), map(_NOTE, chunk), map(_EVIDENCE, chunk)
    )
    same = list(map(operator.eq, compared, map(_COMPARED, olds)))
    rows: Iterator = zip(chunk, olds, same)
    unchanged = new = changed = 0
    if set(map(_EXPECTED, chunk)) == {None}:  # no version to check (a file not made from the template)
        unchanged = same.count(True)
        rows = itertools.compress(rows, map(operator.not_, same))  # only the rows that change something
    for p, o, s in rows:
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
_INSERT_COLUMNS = (
    "unit_id",
    "set_code",
    "indicator",
    "period",
    "year",
    "value_text",
    "value_num",
    "assessment",
    "not_applicable",
    "note",
    "evidence",
    "version",
    "is_current",
    "source",
    "batch",
    "created_by_id",
    "created_by_name",
    "created_at",
)


def _insert(rows: list[tuple]) -> None:
    """Append observations as plain tuples: ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` elsewhere."""
    from django.db import connection

    table = connection.ops.quote_name(Observation._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in _INSERT_COLUMNS)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(_INSERT_COLUMNS))})", rows)


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

    def write(chunk: list[Prepared]) -> None:
        supersede: list[int] = []
        new_rows: list[tuple] = []
        for p, o in _changes(chunk, plan, conflicts, where, evidence):
            unit_id, set_code, key = p.cell
            if o is not None:
                supersede.append(o[_C_PK])
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
                    True,
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
        for i in range(0, len(supersede), 900):
            Observation.objects.filter(pk__in=supersede[i : i + 900]).update(is_current=False)
        _insert(new_rows)
        if progress:
            progress("Ghi số liệu", plan.new + plan.changed, 0)

    with transaction.atomic():
        chk = _scan(path, name, user, catalog, defaults or {}, write, plan)
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
