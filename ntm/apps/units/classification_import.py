"""Commune groups and ĐBKK/ATK status from a file (XLSX or CSV): read with the project's table
reader (:func:`ntm.core.sheets.read_table`), checked row by row with Vietnamese messages naming the
row and the column, previewed, then written all or nothing through
:func:`ntm.apps.units.classifications.save`.

Columns (header spelling free, with or without diacritics): ``Mã xã`` (uid ``xa:13591@2025``, the
official code, or a name path "Ninh Bình/Nam Xang"), ``Nhóm`` (1/2/3; empty with ``Loại`` =
ĐBKK/ATK), ``Loại`` (optional: "nhóm" or "ĐBKK/ATK"), ``Hiệu lực từ``, ``Hiệu lực đến`` (optional),
``Số quyết định``, ``Ngày quyết định``, ``Cơ quan ban hành``, ``Ghi chú`` (optional); ``Tên xã`` is
read back only to catch a code typed for the wrong commune.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ntm.core import units as core
from ntm.core.sheets import SheetError, fold, read_table

from . import classifications as C
from .models import Classification, Unit

REQUIRED = {
    "unit": ("ma xa", "ma don vi", "xa", "don vi", "unit", "ma"),
    "valid_from": ("hieu luc tu", "tu ngay", "valid from", "ap dung tu"),
    "decision_number": ("so quyet dinh", "quyet dinh", "so qd", "decision"),
    "decision_date": ("ngay quyet dinh", "ngay qd", "ngay ban hanh", "decision date"),
    "issued_by": ("co quan ban hanh", "co quan", "noi ban hanh", "issued by"),
}
OPTIONAL = {
    "group": ("nhom", "nhom xa", "group"),
    "kind": ("loai", "loai phan loai", "kind"),
    "valid_to": ("hieu luc den", "den ngay", "valid to"),
    "note": ("ghi chu", "note"),
    "name": ("ten xa", "ten", "name"),
}
LABELS = {
    "unit": "Mã xã",
    "group": "Nhóm",
    "kind": "Loại",
    "valid_from": "Hiệu lực từ",
    "valid_to": "Hiệu lực đến",
    "decision_number": "Số quyết định",
    "decision_date": "Ngày quyết định",
    "issued_by": "Cơ quan ban hành",
    "note": "Ghi chú",
    "name": "Tên xã",
}
HEADER = [
    "Mã xã",
    "Tên xã",
    "Loại",
    "Nhóm",
    "Hiệu lực từ",
    "Hiệu lực đến",
    "Số quyết định",
    "Ngày quyết định",
    "Cơ quan ban hành",
    "Ghi chú",
]


@dataclass
class Preview:
    file: str
    rows: list[C.Row] = field(default_factory=list)
    problems: list[C.Problem] = field(default_factory=list)
    plan: C.Plan | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.plan is not None


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return " ".join(str(v).split())


def _date(v) -> dt.date | None:
    if v in (None, ""):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return core.parse_date(_text(v))


def _kind(v, group: str) -> str:
    f = fold(_text(v))
    if not f:
        return Classification.Kind.GROUP if group else ""
    if f.startswith("nhom") or f == "group":
        return Classification.Kind.GROUP
    if "dbkk" in f or "atk" in f or "dac biet" in f or f == "special":
        return Classification.Kind.SPECIAL
    raise ValueError(f"loại '{_text(v)}' không rõ (ghi 'nhóm' hoặc 'ĐBKK/ATK')")


def _group(v) -> str:
    t = fold(_text(v))
    m = re.fullmatch(r"(?:nhom\s*)?([0-9]+)", t)
    if not t:
        return ""
    if not m:
        raise ValueError(f"nhóm '{_text(v)}' không hợp lệ (1, 2 hoặc 3)")
    return m[1]


def read(path: str | Path, name: str, *, user, allowed) -> Preview:
    """Read and check a file; ``allowed(unit)`` says whether ``user`` may classify that commune."""
    from .services import resolve_unit

    out = Preview(name)
    try:
        table = read_table(path, required=REQUIRED, optional=OPTIONAL)
    except SheetError as exc:
        out.problems.append(C.Problem(exc.row, exc.column or "", exc.message))
        return out
    if not table:
        out.problems.append(C.Problem(None, "", "tệp không có dòng nào"))
        return out
    for r in table:
        v = r.values
        bad = len(out.problems)

        def problem(key: str, message: str) -> None:
            out.problems.append(C.Problem(r.number, LABELS[key], message))  # noqa: B023

        values = {}
        for key in ("valid_from", "valid_to", "decision_date"):
            try:
                values[key] = _date(v.get(key))
            except ValueError as exc:
                problem(key, str(exc))
        for key in ("valid_from", "decision_date"):
            if key in values and values[key] is None:
                problem(key, "thiếu ngày")
        group = kind = ""
        try:
            group = _group(v.get("group"))
            kind = _kind(v.get("kind"), group)
            if not kind:
                problem("group", "thiếu nhóm (hoặc ghi Loại là ĐBKK/ATK)")
        except ValueError as exc:
            problem("group" if "nhóm" in str(exc) else "kind", str(exc))
        ref = _text(v.get("unit"))
        unit = None
        if not ref:
            problem("unit", "thiếu mã xã")
        else:
            if re.fullmatch(r"\d{1,6}", ref):  # an official code: of the xã in force at the start
                ref = f"xa:{ref.zfill(5)}"
            try:
                unit = resolve_unit(ref, values.get("valid_from"))
            except (LookupError, ValueError) as exc:
                problem("unit", str(exc))
        if unit is not None:
            typed = _text(v.get("name"))
            if typed and not core.segment_matches(typed, unit.name, unit.short_name, unit.type):
                problem("name", f"mã {ref} là {unit.name}, không phải '{typed}'")
            elif not allowed(unit):
                problem("unit", f"bạn không có quyền phân loại {unit.name}")
        for key in ("decision_number", "issued_by"):
            if not _text(v.get(key)):
                problem(key, "không được để trống")
        if len(out.problems) == bad:
            out.rows.append(
                C.Row(
                    unit,
                    kind,
                    group if kind == Classification.Kind.GROUP else "",
                    values["valid_from"],
                    values.get("valid_to"),
                    _text(v.get("decision_number"))[:64],
                    values["decision_date"],
                    _text(v.get("issued_by"))[:200],
                    _text(v.get("note"))[:300],
                    line=r.number,
                )
            )
    if not out.problems:
        try:
            out.plan = C.plan(out.rows)
        except C.ClassificationError as exc:
            out.problems += exc.problems
    return out


def template_workbook(units: list[Unit], on: dt.date) -> bytes:
    """An XLSX to fill: one row per xã with its classification in force on ``on``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Phân loại xã"
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    table = C.Table()
    for u in units:
        group, special = table.at(u.pk, on)
        ws.append([u.uid, u.name, "nhóm", group or None, None, None, None, None, None, None])
        if special:
            ws.append([u.uid, u.name, "ĐBKK/ATK", None, None, None, None, None, None, None])
    for col, width in zip("ABCDEFGHIJ", (16, 28, 10, 7, 13, 13, 22, 14, 34, 30)):
        ws.column_dimensions[col].width = width
    note = wb.create_sheet("Hướng dẫn")
    for line in (
        "Mỗi dòng là một quyết định phân loại một xã: nhóm 1, 2, 3 (Bộ tiêu chí 2026–2030) hoặc xã ĐBKK/ATK.",
        "Mã xã: giữ nguyên cột mã của mẫu (hoặc mã hành chính); Tên xã chỉ để đối chiếu.",
        "Ngày ghi dd/mm/yyyy. 'Hiệu lực đến' để trống nếu còn hiệu lực; một phân loại mới thay phân loại cũ từ ngày bắt đầu của nó.",
        "Dòng không có ngày hiệu lực và số quyết định hãy xóa đi trước khi nhập (dòng thiếu thông tin là lỗi).",
        "Có lỗi ở bất kỳ dòng nào thì không ghi gì; trang xem trước nêu dòng và cột có lỗi.",
    ):
        note.append([line])
    note.column_dimensions["A"].width = 120
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
