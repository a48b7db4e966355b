"""Catalogue exchange: a criteria set as an Excel workbook, and back.

An office loads the official annex (thresholds by region and year) by filling the workbook instead
of editing YAML. The workbook is validated with the same schema as the catalogue files
(:class:`ntm.core.catalog.schema.CriteriaSetFile`) and cross-checked with the rest of the catalogue;
every problem names the sheet, the row and the column. A valid set is written as a YAML file into
the local catalogue folder (the first folder of ``NTM_CATALOG_PATH``), where ``default_catalog()``
loads it like any provincial file.

Sheets: "Bộ tiêu chí" (one field per row), "Nhóm", "Tiêu chí", "Chỉ tiêu", "Ngưỡng", "Điều kiện", and
for the sets keyed by commune group (2026–2030) "Phụ lục theo nhóm xã": the layout of the annexes of
QĐ 51/2025/QĐ-TTg, one row per indicator with its value for Nhóm 1, Nhóm 2, Nhóm 3 (and Chung), written
as officials write them ("≥ 80%", "≤ 5%", "Đạt"); an indicator missing from "Chỉ tiêu" may be defined
there. A row without a source gets the provenance ``LOCAL`` ("<file>, sheet, row").

A set imported with the code of a built-in set (an office loading the official values of
``xa-ntm-2026``) replaces the built-in one (see :func:`ntm.core.catalog.load_catalog`).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from ntm.core.catalog import CatalogError, CriteriaSet, forget_default_catalog, load_catalog
from ntm.core.catalog.schema import CriteriaSetFile
from ntm.core.codes import code_key
from ntm.core.sheets import fold
from ntm.core.tables import TableError, open_workbook
from ntm.core.values import read_truth

SET_FIELDS = [
    ("code", "Mã bộ"),
    ("name", "Tên"),
    ("short_name", "Tên ngắn"),
    ("phase", "Giai đoạn"),
    ("level", "Cấp"),
    ("tier", "Hạng"),
    ("valid_from", "Hiệu lực từ"),
    ("valid_to", "Hiệu lực đến"),
    ("prerequisite", "Bộ tiên quyết"),
    ("scope_kind", "Mức theo"),
    ("special_override_region", "Vùng áp dụng cho xã ĐBKK/ATK"),
    ("not_applicable_counts_as_met", "Không đánh giá tính là đạt"),
    ("province", "Mã tỉnh ban hành"),
    ("notes", "Ghi chú"),
    ("legal_basis.decision", "Căn cứ: quyết định"),
    ("legal_basis.annex", "Căn cứ: phụ lục"),
    ("legal_basis.date", "Căn cứ: ngày"),
    ("legal_basis.signer", "Căn cứ: người ký"),
    ("legal_basis.source", "Căn cứ: nguồn"),
    ("legal_basis.tag", "Căn cứ: độ tin cậy"),
    ("legal_basis.status", "Căn cứ: trạng thái"),
    ("legal_basis.note", "Căn cứ: ghi chú nguồn"),
    ("declared.criteria", "Số tiêu chí công bố"),
    ("declared.indicators", "Số chỉ tiêu công bố"),
    ("declared.source", "Số công bố: nguồn"),
    ("declared.tag", "Số công bố: độ tin cậy"),
    ("declared.status", "Số công bố: trạng thái"),
    ("declared.note", "Số công bố: ghi chú nguồn"),
]
PROV = [("source", "Nguồn"), ("tag", "Độ tin cậy"), ("status", "Trạng thái"), ("note", "Ghi chú nguồn")]
SHEETS: dict[str, list[tuple[str, str]]] = {
    "Nhóm": [("code", "Mã nhóm"), ("name", "Tên nhóm")],
    "Tiêu chí": [
        ("number", "Số"),
        ("name", "Tên tiêu chí"),
        ("group", "Nhóm"),
        ("sector", "Ngành phụ trách"),
        ("sector_source", "Ngành: nguồn"),
        ("sector_tag", "Ngành: độ tin cậy"),
        ("sector_status", "Ngành: trạng thái"),
        ("sector_note", "Ngành: ghi chú nguồn"),
        *PROV,
    ],
    "Chỉ tiêu": [
        ("code", "Mã chỉ tiêu"),
        ("content", "Nội dung"),
        ("kind", "Loại"),
        ("unit", "Đơn vị tính"),
        ("levels", "Các mức (thấp → cao, cách nhau bởi ;)"),
        ("dynamic", "Tiêu chí động"),
        ("reference", "Tham khảo"),
        ("relative_set", "Theo bộ"),
        ("relative_indicator", "Theo chỉ tiêu"),
        ("relative_factor", "Hệ số"),
        ("relative_source", "Hệ số: nguồn"),
        ("relative_tag", "Hệ số: độ tin cậy"),
        ("relative_status", "Hệ số: trạng thái"),
        ("relative_note", "Hệ số: ghi chú nguồn"),
        *PROV,
    ],
    "Ngưỡng": [
        ("indicator", "Mã chỉ tiêu"),
        ("scope", "Phạm vi (national, region:DBSH, group:1, province:35)"),
        ("value", "Giá trị"),
        ("year", "Năm"),
        ("from_year", "Từ năm"),
        ("to_year", "Đến năm"),
        *PROV,
    ],
    "Điều kiện": [
        ("code", "Mã điều kiện"),
        ("type", "Loại"),
        ("label", "Nội dung"),
        ("set", "Bộ"),
        ("fact", "Thông tin"),
        ("value", "Giá trị"),
        ("min_percent", "Tỷ lệ tối thiểu (%)"),
        ("child_types", "Loại đơn vị con (;)"),
        ("recognition_only", "Chỉ cho hồ sơ công nhận"),
        *PROV,
    ],
}
SET_SHEET = "Bộ tiêu chí"
# the layout of the annexes of QĐ 51/2025/QĐ-TTg: one row per indicator, one column of values per
# commune group (and "Chung" for a value common to all groups)
ANNEX_SHEET = "Phụ lục theo nhóm xã"
ANNEX_COLUMNS = [
    ("code", "Mã chỉ tiêu"),
    ("content", "Nội dung"),
    ("kind", "Loại"),
    ("unit", "Đơn vị tính"),
    ("group_1", "Nhóm 1"),
    ("group_2", "Nhóm 2"),
    ("group_3", "Nhóm 3"),
    ("national", "Chung"),
    *PROV,
]
SHEETS[ANNEX_SHEET] = ANNEX_COLUMNS
_ANNEX_SCOPES = {"group_1": "group:1", "group_2": "group:2", "group_3": "group:3", "national": "national"}


@dataclass(frozen=True)
class CellIssue:
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f" [{self.sheet}]" if self.sheet else "") + (f", dòng {self.row}" if self.row else "")
        return where + (f", cột '{self.column}'" if self.column else "") + f": {self.message}"


class CatalogImportError(ValueError):
    def __init__(self, issues: list[CellIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


# -- export -------------------------------------------------------------------------------------
def _prov(p) -> list:
    if p is None:
        return [None, None, None, None]
    return [p.source, p.tag.value, p.status, p.note]


def _bool(v: bool | None) -> str | None:
    return None if v is None else ("có" if v else "không")


def export_set(cs: CriteriaSet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    d = cs.data
    wb = Workbook()
    ws = wb.active
    ws.title = SET_SHEET
    ws.append(["Trường", "Giá trị", "Mã trường"])
    values = {
        "code": d.code,
        "name": d.name,
        "short_name": d.short_name,
        "phase": d.phase,
        "level": d.level,
        "tier": d.tier,
        "valid_from": d.valid_from,
        "valid_to": d.valid_to,
        "prerequisite": d.prerequisite,
        "scope_kind": d.scope_kind,
        "special_override_region": d.special_override_region,
        "not_applicable_counts_as_met": _bool(d.not_applicable_counts_as_met),
        "province": d.province,
        "notes": d.notes,
        "legal_basis.decision": d.legal_basis.decision,
        "legal_basis.annex": d.legal_basis.annex,
        "legal_basis.date": d.legal_basis.date,
        "legal_basis.signer": d.legal_basis.signer,
        "legal_basis.source": d.legal_basis.provenance.source,
        "legal_basis.tag": d.legal_basis.provenance.tag.value,
        "legal_basis.status": d.legal_basis.provenance.status,
        "legal_basis.note": d.legal_basis.provenance.note,
        "declared.status": d.declared.provenance.status if d.declared else None,
        "declared.note": d.declared.provenance.note if d.declared else None,
        "declared.criteria": d.declared.criteria if d.declared else None,
        "declared.indicators": d.declared.indicators if d.declared else None,
        "declared.source": d.declared.provenance.source if d.declared else None,
        "declared.tag": d.declared.provenance.tag.value if d.declared else None,
    }
    for key, label in SET_FIELDS:
        ws.append([label, values[key], key])
    rows: dict[str, list[list]] = {name: [] for name in SHEETS}
    rows["Nhóm"] = [[g.code, g.name] for g in d.groups]
    annex = d.scope_kind == "group"

    def in_annex(t) -> bool:  # a value of the annex layout: by group or common, for every year
        return annex and t.scope in _ANNEX_SCOPES.values() and not (t.year or t.from_year or t.to_year)

    for c in d.criteria:
        sp = c.sector.provenance if c.sector else None
        rows["Tiêu chí"].append(
            [
                c.number,
                c.name,
                c.group,
                c.sector.ministry if c.sector else None,
                sp.source if sp else None,
                sp.tag.value if sp else None,
                sp.status if sp else None,
                sp.note if sp else None,
                *_prov(c.provenance),
            ]
        )
        for i in sorted(c.indicators, key=lambda i: code_key(i.code)):
            rel = i.relative_to
            rows["Chỉ tiêu"].append(
                [
                    # content empty: the wording is not in our sources (content: null in the file)
                    i.code,
                    i.content if i.content_known else None,
                    i.kind.value,
                    i.unit,
                    "; ".join(i.levels) if i.levels else None,
                    _bool(i.dynamic) if i.dynamic else None,
                    i.reference,
                    rel.set if rel else None,
                    rel.indicator if rel else None,
                    rel.factor if rel else None,
                    rel.provenance.source if rel else None,
                    rel.provenance.tag.value if rel else None,
                    rel.provenance.status if rel else None,
                    rel.provenance.note if rel else None,
                    *_prov(i.provenance),
                ]
            )
            for t in i.thresholds:
                if not in_annex(t):
                    rows["Ngưỡng"].append(
                        [i.code, t.scope, t.value, t.year, t.from_year, t.to_year, *_prov(t.provenance)]
                    )
            if annex:
                by_scope = {t.scope: t for t in i.thresholds if in_annex(t)}
                first = next(iter(by_scope.values()), None)
                rows[ANNEX_SHEET].append(
                    [
                        i.code,
                        None,
                        None,
                        None,
                        *(by_scope[sc].value if sc in by_scope else None for sc in _ANNEX_SCOPES.values()),
                        *(_prov(first.provenance) if first else [None] * 4),
                    ]
                )
    for k in d.conditions:
        rows["Điều kiện"].append(
            [
                k.code,
                k.type,
                k.label,
                k.set,
                k.fact,
                k.value,
                k.min_percent,
                "; ".join(k.child_types) if k.child_types else None,
                _bool(k.recognition_only),
                *_prov(k.provenance),
            ]
        )
    head = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEEEEE")
    for name, cols in SHEETS.items():
        if name == ANNEX_SHEET and not annex:
            continue
        sh = wb.create_sheet(name)
        sh.append([label for _, label in cols])
        for r in rows[name]:
            sh.append(r)
        sh.freeze_panes = "A2"
        for cell in sh[1]:
            cell.font, cell.fill = head, fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for k, (key, _) in enumerate(cols):
            sh.column_dimensions[chr(ord("A") + k)].width = 60 if key in ("content", "name", "label", "source") else 14
    for cell in ws[1]:
        cell.font, cell.fill = head, fill
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width, ws.column_dimensions["C"].width = 34, 80, 26
    from ntm.core.cell_safety import xlsx_text_only

    for sheet in wb.worksheets:  # texts stay texts: openpyxl stores a string starting with "=" as a formula
        for row in sheet.iter_rows():
            for cell in row:
                xlsx_text_only(cell)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- import -------------------------------------------------------------------------------------
def _clean(v):
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _yesno(v) -> bool | None:
    return read_truth(v)  # the one yes/no vocabulary (ntm.core.values)


class _Reader:
    """The workbook, read by the bounded reader of uploads (:mod:`ntm.core.tables`): a refusal (a part
    too large, a row past the limits, NUL in a cell) becomes a :class:`CatalogImportError` naming the
    file, the sheet and the row."""

    def __init__(self, data: bytes, name: str):
        from ntm.apps.observations.imports import table_limits

        self.name = name
        try:
            self.wb = open_workbook(data, name=name, limits=table_limits())
        except TableError as exc:
            raise self._error(exc) from None
        self.sheetnames = self.wb.sheet_names
        self.issues: list[CellIssue] = []
        self.where: dict[tuple, tuple[str, int, str]] = {}  # location in the set → (sheet, row, column header)

    def _error(self, exc: TableError) -> CatalogImportError:
        return CatalogImportError([CellIssue(self.name, exc.sheet, exc.row, exc.column, exc.message)])

    def rows(self, sheet: str) -> list[list]:
        """The rows of a sheet from row 1 (empty cells are "")."""
        try:
            return list(self.wb.rows(sheet)[1])
        except TableError as exc:
            raise self._error(exc) from None

    def issue(self, sheet: str | None, row: int | None, column: str | None, message: str) -> None:
        self.issues.append(CellIssue(self.name, sheet, row, column, message))

    def table(self, sheet: str) -> list[tuple[int, dict]]:
        cols = SHEETS[sheet]
        if sheet not in self.sheetnames:
            if sheet in ("Nhóm", "Ngưỡng", "Điều kiện", ANNEX_SHEET):
                return []
            self.issue(sheet, None, None, "thiếu trang tính này")
            return []
        it = iter(self.rows(sheet))
        header = next(it, None) or ()
        by_label = {fold(label): key for key, label in cols} | {key: key for key, _ in cols}
        colmap = {}
        for i, h in enumerate(header):
            key = by_label.get(fold(str(h or ""))) or by_label.get(str(h or "").strip())
            if key:
                colmap[i] = key
        out = []
        for n, r in enumerate(it, start=2):
            if not any(_clean(c) is not None for c in r):
                continue
            out.append((n, {key: _clean(r[i]) if i < len(r) else None for i, key in colmap.items()}))
        return out

    def label(self, sheet: str, key: str) -> str:
        return dict(SHEETS[sheet]).get(key, key) if sheet in SHEETS else dict(SET_FIELDS).get(key, key)


def _provenance(
    rd: _Reader, sheet: str, n: int, row: dict, *, source="source", tag="tag", status="status", note="note"
) -> dict:
    p = {"source": row.get(source) or f"{rd.name}, trang {sheet}, dòng {n}", "tag": row.get(tag) or "LOCAL"}
    if row.get(status):
        p["status"] = row[status]
    if row.get(note):
        p["note"] = row[note]
    return p


def read_set(data: bytes, name: str = "bo-tieu-chi.xlsx") -> tuple[dict, _Reader]:
    """The workbook as a set-file dict (not yet validated) and the reader with locations and problems."""
    rd = _Reader(data, name)
    out: dict = {}
    if SET_SHEET not in rd.sheetnames:
        raise CatalogImportError([CellIssue(name, SET_SHEET, None, None, "thiếu trang tính 'Bộ tiêu chí'")])
    labels = {fold(label): key for key, label in SET_FIELDS} | {key: key for key, _ in SET_FIELDS}
    fields: dict[str, tuple[object, int]] = {}
    for n, r in enumerate(rd.rows(SET_SHEET), start=1):
        if n == 1 or not r:
            continue
        key = None
        if len(r) > 2 and r[2]:
            key = labels.get(str(r[2]).strip())
        key = key or labels.get(fold(str(r[0] or "")))
        if key is None:
            if any(_clean(c) is not None for c in r):
                rd.issue(SET_SHEET, n, "Trường", f"không biết trường '{r[0]}'")
            continue
        fields[key] = (_clean(r[1]) if len(r) > 1 else None, n)
    for key, (v, n) in fields.items():
        head, _, sub = key.partition(".")
        loc = (head, sub) if sub else (head,)
        rd.where[loc] = (SET_SHEET, n, "Giá trị")
        if v is None:
            continue
        if key == "not_applicable_counts_as_met":
            try:
                v = _yesno(v)
            except ValueError as exc:
                rd.issue(SET_SHEET, n, "Giá trị", str(exc))
                continue
        if sub:
            out.setdefault(head, {})[sub] = v
        else:
            out[key] = v
    for head in ("legal_basis", "declared"):
        if head in out:
            block = out[head]
            prov = {
                "source": block.pop("source", None) or f"{name}, trang {SET_SHEET}",
                "tag": block.pop("tag", None) or "LOCAL",
            }
            for extra in ("status", "note"):
                if extra in block:
                    prov[extra] = block.pop(extra)
            block["provenance"] = prov
            n = fields.get(f"{head}.decision", fields.get(f"{head}.criteria", (None, None)))[1]
            rd.where.setdefault((head,), (SET_SHEET, n, "Giá trị"))
    out["groups"] = []
    for k, (n, r) in enumerate(rd.table("Nhóm")):
        out["groups"].append({"code": r.get("code"), "name": r.get("name")})
        rd.where[("groups", k)] = ("Nhóm", n, "Mã nhóm")
        for key in ("code", "name"):
            rd.where[("groups", k, key)] = ("Nhóm", n, rd.label("Nhóm", key))
    criteria: dict[int, dict] = {}
    crit_index: dict[int, int] = {}
    for n, r in rd.table("Tiêu chí"):
        num = r.get("number")
        if not isinstance(num, int):
            rd.issue("Tiêu chí", n, "Số", f"số tiêu chí '{num}' không phải là số nguyên")
            continue
        c = {
            "number": num,
            "name": r.get("name"),
            "group": r.get("group"),
            "provenance": _provenance(rd, "Tiêu chí", n, r),
            "indicators": [],
        }
        if r.get("sector"):
            c["sector"] = {"ministry": r["sector"]}
            if r.get("sector_source") or r.get("sector_tag"):
                c["sector"]["provenance"] = _provenance(
                    rd,
                    "Tiêu chí",
                    n,
                    r,
                    source="sector_source",
                    tag="sector_tag",
                    status="sector_status",
                    note="sector_note",
                )
        if c["group"] is None:
            del c["group"]
        k = len(criteria)
        if num in criteria:
            rd.issue("Tiêu chí", n, "Số", f"tiêu chí số {num} lặp lại")
            continue
        criteria[num] = c
        crit_index[num] = k
        rd.where[("criteria", k)] = ("Tiêu chí", n, "Số")
        for key, label in SHEETS["Tiêu chí"]:
            rd.where[("criteria", k, key)] = ("Tiêu chí", n, label)
        rd.where[("criteria", k, "provenance")] = ("Tiêu chí", n, "Nguồn")
    indicators: dict[str, tuple[int, int]] = {}  # code -> (criterion number, index)
    for n, r in rd.table("Chỉ tiêu"):
        code = r.get("code")
        code = str(code) if code is not None else None
        if not code:
            rd.issue("Chỉ tiêu", n, "Mã chỉ tiêu", "thiếu mã chỉ tiêu")
            continue
        try:
            num = int(code.split(".")[0])
        except ValueError:
            rd.issue("Chỉ tiêu", n, "Mã chỉ tiêu", f"mã chỉ tiêu '{code}' không có dạng 2, 2.1 hoặc 17.12")
            continue
        if num not in criteria:
            rd.issue(
                "Chỉ tiêu",
                n,
                "Mã chỉ tiêu",
                f"chỉ tiêu {code} thuộc tiêu chí số {num}, không có trong trang 'Tiêu chí'",
            )
            continue
        ind: dict = {
            "code": code,
            "content": r.get("content"),
            "kind": r.get("kind"),
            "provenance": _provenance(rd, "Chỉ tiêu", n, r),
        }
        for key in ("unit", "reference"):
            if r.get(key) is not None:
                ind[key] = str(r[key])
        if r.get("levels"):
            ind["levels"] = [x.strip() for x in str(r["levels"]).split(";") if x.strip()]
        if r.get("dynamic") is not None:
            try:
                ind["dynamic"] = _yesno(r["dynamic"])
            except ValueError as exc:
                rd.issue("Chỉ tiêu", n, rd.label("Chỉ tiêu", "dynamic"), str(exc))
        if r.get("relative_set") or r.get("relative_indicator") or r.get("relative_factor"):
            ind["relative_to"] = {
                "set": r.get("relative_set"),
                "indicator": str(r.get("relative_indicator") or ""),
                "factor": r.get("relative_factor"),
                "provenance": _provenance(
                    rd,
                    "Chỉ tiêu",
                    n,
                    r,
                    source="relative_source",
                    tag="relative_tag",
                    status="relative_status",
                    note="relative_note",
                ),
            }
        ci = crit_index[num]
        j = len(criteria[num]["indicators"])
        criteria[num]["indicators"].append(ind)
        indicators[code] = (num, j)
        base = ("criteria", ci, "indicators", j)
        rd.where[base] = ("Chỉ tiêu", n, "Mã chỉ tiêu")
        for key, label in SHEETS["Chỉ tiêu"]:
            rd.where[(*base, key)] = ("Chỉ tiêu", n, label)
        rd.where[(*base, "relative_to")] = ("Chỉ tiêu", n, rd.label("Chỉ tiêu", "relative_set"))
        rd.where[(*base, "provenance")] = ("Chỉ tiêu", n, "Nguồn")
    for n, r in rd.table("Ngưỡng"):
        code = str(r.get("indicator")) if r.get("indicator") is not None else None
        if code not in indicators:
            rd.issue("Ngưỡng", n, rd.label("Ngưỡng", "indicator"), f"không có chỉ tiêu '{code}' trong trang 'Chỉ tiêu'")
            continue
        num, j = indicators[code]
        ind = criteria[num]["indicators"][j]
        value = r.get("value")
        t = {"scope": r.get("scope") or "national", "value": value, "provenance": _provenance(rd, "Ngưỡng", n, r)}
        for key in ("year", "from_year", "to_year"):
            if r.get(key) is not None:
                t[key] = r[key]
        m = len(ind.setdefault("thresholds", []))
        ind["thresholds"].append(t)
        base = ("criteria", crit_index[num], "indicators", j, "thresholds", m)
        rd.where[base] = ("Ngưỡng", n, rd.label("Ngưỡng", "value"))
        for key, label in SHEETS["Ngưỡng"]:
            rd.where[(*base, key)] = ("Ngưỡng", n, label)
    _read_annex(rd, criteria, crit_index, indicators)
    out["criteria"] = [criteria[k] for k in criteria]
    conds = []
    for n, r in rd.table("Điều kiện"):
        c = {
            "code": r.get("code"),
            "type": r.get("type"),
            "label": r.get("label"),
            "provenance": _provenance(rd, "Điều kiện", n, r),
        }
        for key in ("set", "fact", "value", "min_percent"):
            if r.get(key) is not None:
                c[key] = r[key]
        if r.get("child_types"):
            c["child_types"] = [x.strip() for x in str(r["child_types"]).split(";") if x.strip()]
        if r.get("recognition_only") is not None:
            try:
                c["recognition_only"] = _yesno(r["recognition_only"])
            except ValueError as exc:
                rd.issue("Điều kiện", n, rd.label("Điều kiện", "recognition_only"), str(exc))
        k = len(conds)
        conds.append(c)
        rd.where[("conditions", k)] = ("Điều kiện", n, "Mã điều kiện")
        for key, label in SHEETS["Điều kiện"]:
            rd.where[("conditions", k, key)] = ("Điều kiện", n, label)
    if conds:
        out["conditions"] = conds
    return out, rd


_CMP = re.compile(
    r"^\s*(≥|>=|≤|<=|từ|tối thiểu|tối đa|không quá)?\s*([0-9]+(?:[.,][0-9]+)?)\s*(%?)\s*(trở lên|trở xuống)?\s*$",
    re.IGNORECASE,
)


def annex_value(value, kind: str | None) -> tuple[object, str | None]:
    """A cell of an annex as (threshold value, kind it implies): "Đạt" → ("Đạt", boolean); "≥ 80%" or
    "từ 80% trở lên" → (80, min_percent); "≤ 5%" → (5, max_percent); "≥ 45" → (45, min_amount); a plain
    number keeps the indicator's kind. Raises ValueError in Vietnamese."""
    if isinstance(value, bool):
        return ("Đạt" if value else value), "boolean"
    if isinstance(value, (int, float)):
        return value, None
    text = str(value).strip()
    if fold(text) == "dat":
        return "Đạt", "boolean"
    m = _CMP.match(text)
    if not m:
        if kind == "level":
            return text, "level"
        raise ValueError(f"không đọc được giá trị '{text}' (ghi số, ≥/≤ và %, hoặc Đạt)")
    word, number, pct, tail = (m[1] or "").lower(), float(m[2].replace(",", ".")), m[3], (m[4] or "").lower()
    number = int(number) if number.is_integer() else number
    upper = word in ("≤", "<=", "tối đa", "không quá") or tail == "trở xuống"
    lower = word in ("≥", ">=", "từ", "tối thiểu") or tail == "trở lên"
    if not (upper or lower):
        return number, None
    return number, ("max" if upper else "min") + ("_percent" if pct else "_amount")


def _read_annex(
    rd: _Reader, criteria: dict[int, dict], crit_index: dict[int, int], indicators: dict[str, tuple[int, int]]
) -> None:
    """Rows of the annex layout: each indicator (defined here when the "Chỉ tiêu" sheet does not have
    it) with its value per commune group and/or common to all."""
    for n, r in rd.table(ANNEX_SHEET):
        code = str(r.get("code")) if r.get("code") is not None else None
        if not code:
            rd.issue(ANNEX_SHEET, n, "Mã chỉ tiêu", "thiếu mã chỉ tiêu")
            continue
        try:
            num = int(code.split(".")[0])
        except ValueError:
            rd.issue(ANNEX_SHEET, n, "Mã chỉ tiêu", f"mã chỉ tiêu '{code}' không có dạng 2, 2.1 hoặc 17.12")
            continue
        if num not in criteria:
            rd.issue(
                ANNEX_SHEET,
                n,
                "Mã chỉ tiêu",
                f"chỉ tiêu {code} thuộc tiêu chí số {num}, không có trong trang 'Tiêu chí'",
            )
            continue
        prov = _provenance(rd, ANNEX_SHEET, n, r)
        if code in indicators:
            ind = criteria[num]["indicators"][indicators[code][1]]
        else:
            if not r.get("content"):
                rd.issue(
                    ANNEX_SHEET, n, "Nội dung", f"chỉ tiêu {code} chưa có trong trang 'Chỉ tiêu': cần ghi nội dung"
                )
                continue
            ind = {"code": code, "content": r.get("content"), "kind": r.get("kind"), "provenance": prov}
            j = len(criteria[num]["indicators"])
            criteria[num]["indicators"].append(ind)
            indicators[code] = (num, j)
        for key in ("content", "kind", "unit"):  # the annex is the official text: it wins
            if r.get(key) is not None:
                ind[key] = str(r[key])
        j = indicators[code][1]
        base = ("criteria", crit_index[num], "indicators", j)
        rd.where[base] = (ANNEX_SHEET, n, "Mã chỉ tiêu")
        for key, label in ANNEX_COLUMNS[:4]:
            rd.where[(*base, key)] = (ANNEX_SHEET, n, label)
        ind["provenance"] = prov if r.get("source") or "provenance" not in ind else ind["provenance"]
        implied: set[str] = set()
        for key, scope in _ANNEX_SCOPES.items():
            cell = r.get(key)
            if cell is None:
                continue
            label = dict(ANNEX_COLUMNS)[key]
            try:
                value, kind = annex_value(cell, ind.get("kind"))
            except ValueError as exc:
                rd.issue(ANNEX_SHEET, n, label, str(exc))
                continue
            if kind:
                implied.add(kind)
            ts = [
                t
                for t in ind.setdefault("thresholds", [])
                if t.get("scope") != scope or t.get("year") or t.get("from_year") or t.get("to_year")
            ]
            m = len(ts)
            ts.append({"scope": scope, "value": value, "provenance": prov})
            ind["thresholds"] = ts
            rd.where[(*base, "thresholds", m)] = (ANNEX_SHEET, n, label)
            rd.where[(*base, "thresholds", m, "value")] = (ANNEX_SHEET, n, label)
        if r.get("kind") is None and implied:
            if len(implied) > 1:
                rd.issue(ANNEX_SHEET, n, "Loại", f"các giá trị của chỉ tiêu {code} không cùng một loại; ghi cột Loại")
            else:
                ind["kind"] = implied.pop()


def _locate(rd: _Reader, loc: tuple) -> tuple[str | None, int | None, str | None]:
    loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
    for k in range(len(loc), 0, -1):
        hit = rd.where.get(loc[:k])
        if hit:
            return hit
    if loc and loc[0] in dict(SET_FIELDS) or (loc and any(key.startswith(f"{loc[0]}.") for key, _ in SET_FIELDS)):
        return SET_SHEET, None, dict(SET_FIELDS).get(loc[0], str(loc[0]))
    return None, None, None


def _catalog_files(replacing: Path | None, directory: Path | None = None) -> list[Path]:
    """Every catalogue file that is loaded with the new one: built-in, NTM_CATALOG_PATH and ``directory``,
    except the file the import replaces."""
    from ntm.core.catalog import BUILTIN_DIR, catalog_files, extra_catalog_dirs

    roots = [BUILTIN_DIR, *extra_catalog_dirs()]
    if (
        directory is not None
        and directory.exists()
        and all(directory.resolve() != r.resolve() for r in roots if r.exists())
    ):
        roots.append(directory)
    gone = replacing.resolve() if replacing is not None else None
    return [f for f in catalog_files(r for r in roots if r.exists()) if f.resolve() != gone]


def validate_set(
    data: bytes, name: str = "bo-tieu-chi.xlsx", *, directory: Path | None = None
) -> tuple[CriteriaSetFile, dict]:
    """Validate a workbook like a catalogue file and against the rest of the catalogue; raises
    :class:`CatalogImportError` listing every problem with its sheet, row and column."""
    raw, rd = read_set(data, name)
    if rd.issues:
        raise CatalogImportError(rd.issues)
    try:
        model = CriteriaSetFile.model_validate(raw)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            sheet, row, col = _locate(rd, tuple(err["loc"]))
            path = ".".join(str(p) for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            issues.append(CellIssue(name, sheet, row, col, f"{path}: {err['msg'].removeprefix('Value error, ')}"))
        raise CatalogImportError(issues) from None
    replacing = directory / f"{model.code}.yaml" if directory is not None else None
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / f"{model.code}.yaml"
        f.write_text(to_yaml(raw), encoding="utf-8")
        try:
            load_catalog([*_catalog_files(replacing, directory), f], builtin=False)
        except CatalogError as exc:
            mine = [p for p in exc.problems if p.file == str(f)]
            if mine:
                raise CatalogImportError(
                    [CellIssue(name, None, None, p.path or None, p.message) for p in mine]
                ) from None
    return model, raw


def to_yaml(raw: dict) -> str:
    def clean(v):
        if isinstance(v, dict):
            # an indicator's content stays as null: the wording is not in our sources (never an absent key)
            return {k: clean(x) for k, x in v.items() if x is not None or k == "content"}
        if isinstance(v, list):
            return [clean(x) for x in v]
        if isinstance(v, dt.date):
            return v.isoformat()
        return v

    head = "# Bộ tiêu chí nhập từ Excel qua NTM Monitor (ntm.apps.reports.catalog_xlsx); sửa bằng cách nhập lại tệp Excel.\n"
    return head + yaml.safe_dump(clean(raw), allow_unicode=True, sort_keys=False, width=120)


def local_catalog_dir() -> Path | None:
    """Where imported sets go: the first folder of NTM_CATALOG_PATH (None when unset)."""
    raw = os.environ.get("NTM_CATALOG_PATH", "")
    first = next((p for p in raw.split(os.pathsep) if p), None)
    return Path(first) if first else None


def import_set(data: bytes, name: str = "bo-tieu-chi.xlsx", *, directory: Path | None = None) -> Path:
    """Validate and write the set as ``<directory>/<code>.yaml``; returns the path. This process's
    default catalogue is loaded again; :func:`ntm.apps.catalog.services.publish` then makes the change
    take effect everywhere (versions, re-evaluation, the other processes)."""
    directory = directory or local_catalog_dir()
    if directory is None:
        raise CatalogImportError(
            [
                CellIssue(
                    name,
                    None,
                    None,
                    None,
                    "chưa cấu hình thư mục bộ tiêu chí địa phương (biến môi trường NTM_CATALOG_PATH)",
                )
            ]
        )
    directory.mkdir(parents=True, exist_ok=True)
    model, raw = validate_set(data, name, directory=directory)
    path = directory / f"{model.code}.yaml"
    path.write_text(to_yaml(raw), encoding="utf-8")
    forget_default_catalog()
    return path
