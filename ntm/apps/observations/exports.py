"""Excel exchange, outbound: observations and results for a selection, as CSV, XLSX or DHIS2 ``dataValueSets``.

Everything is streamed: rows come from ``QuerySet.iterator()`` in chunks; CSV and JSON are produced
as text pieces for a ``StreamingHttpResponse``; XLSX goes through a write-only workbook into a
temporary file that is then sent as a file (openpyxl cannot write to a stream). A national export
(750,000 rows) never holds more than one chunk of rows in memory.

DHIS2 layout (Web API ``dataValueSets``): ``dataElement`` = ``<set>:<indicator>``, ``period`` =
``YYYYMM`` (``YYYYQn``, ``YYYY``), ``orgUnit`` = the unit's uid (``xa:13570@2024``), ``value`` = the
value as entered (number with a dot), else the official's assessment as ``true``/``false``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db.models import Q, QuerySet

from ntm.apps.evaluations.models import Result
from ntm.apps.units.models import Unit
from ntm.core.periods import Period

from .models import Observation

CHUNK = 2000

OBSERVATION_COLUMNS = [
    ("unit", "Mã đơn vị"), ("unit_name", "Đơn vị"), ("set", "Bộ tiêu chí"), ("period", "Kỳ"), ("indicator", "Chỉ tiêu"),
    ("value", "Giá trị"), ("value_num", "Giá trị số"), ("assessment", "Đánh giá"), ("note", "Ghi chú"),
    ("evidence", "Minh chứng"), ("version", "Lần sửa"), ("current", "Hiện hành"), ("source", "Nguồn"), ("batch", "Lô nhập"),
    ("created_by", "Người nhập"), ("created_at", "Thời điểm"),
]
RESULT_COLUMNS = [
    ("unit", "Mã đơn vị"), ("unit_name", "Đơn vị"), ("set", "Bộ tiêu chí"), ("period", "Kỳ"),
    ("criteria_met", "Số tiêu chí đạt"), ("criteria_total", "Tổng số tiêu chí"), ("indicators_met", "Số chỉ tiêu đạt"),
    ("indicators_total", "Tổng số chỉ tiêu"), ("standard_met", "Đạt chuẩn"), ("unmet_criteria", "Tiêu chí chưa đạt"),
    ("unmet_indicators", "Chỉ tiêu chưa đạt"), ("conflicts", "Mâu thuẫn"), ("catalog_version", "Phiên bản bộ tiêu chí"),
    ("computed_at", "Thời điểm tính"),
]
DHIS2_COLUMNS = ["dataelement", "period", "orgunit", "catoptcombo", "attroptcombo", "value", "storedby", "lastupdated",
                 "comment", "followup"]


# -- selection ----------------------------------------------------------------------------------
def _filter(qs: QuerySet, user, unit: Unit | None, set_code: str | None, period: str | None) -> QuerySet:
    from ntm.apps.accounts.permissions import visible_q

    if user is not None:
        qs = qs.filter(visible_q(user))
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if set_code:
        qs = qs.filter(set_code=set_code)
    if period:
        qs = qs.filter(period=Period.parse(period).key)
    return qs


def select_observations(user=None, *, unit: Unit | None = None, set_code: str | None = None, period: str | None = None,
                        history: bool = False) -> QuerySet[Observation]:
    """Observations the user may see under ``unit`` (current values only unless ``history``)."""
    qs = Observation.objects.all() if history else Observation.objects.current()
    return _filter(qs, user, unit, set_code, period).order_by("unit_id", "set_code", "period", "indicator", "version")


def select_results(user=None, *, unit: Unit | None = None, set_code: str | None = None, period: str | None = None,
                   standard: bool | None = None) -> QuerySet[Result]:
    qs = _filter(Result.objects.all(), user, unit, set_code, period)
    if standard is not None:
        qs = qs.filter(standard_met=standard)
    return qs.order_by("unit_id", "set_code", "period")


# -- rows ---------------------------------------------------------------------------------------
def _units(ids: Iterable[int], cache: dict[int, tuple[str, str]]) -> None:
    missing = [i for i in set(ids) if i not in cache]
    if missing:
        for pk, uid, name in Unit.objects.filter(pk__in=missing).values_list("id", "uid", "name"):
            cache[pk] = (uid, name)


def _chunks(qs: QuerySet, fields: tuple[str, ...]) -> Iterator[list[dict]]:
    buf: list[dict] = []
    for row in qs.values(*fields).iterator(chunk_size=CHUNK):
        buf.append(row)
        if len(buf) >= CHUNK:
            yield buf
            buf = []
    if buf:
        yield buf


def _assess(a: bool | None, na: bool) -> str:
    return "không đánh giá" if na else "" if a is None else ("đạt" if a else "chưa đạt")


def observation_rows(qs: QuerySet[Observation]) -> Iterator[list]:
    cache: dict[int, tuple[str, str]] = {}
    fields = ("unit_id", "set_code", "period", "indicator", "value_text", "value_num", "assessment", "not_applicable",
              "note", "evidence", "version", "is_current", "source", "batch", "created_by_name", "created_at")
    for chunk in _chunks(qs, fields):
        _units((r["unit_id"] for r in chunk), cache)
        for r in chunk:
            uid, name = cache[r["unit_id"]]
            yield [uid, name, r["set_code"], r["period"], r["indicator"], r["value_text"], r["value_num"],
                   _assess(r["assessment"], r["not_applicable"]), r["note"], r["evidence"], r["version"],
                   "có" if r["is_current"] else "không", r["source"], r["batch"], r["created_by_name"],
                   _iso(r["created_at"])]


def result_rows(qs: QuerySet[Result]) -> Iterator[list]:
    cache: dict[int, tuple[str, str]] = {}
    fields = ("unit_id", "set_code", "period", "criteria_met", "criteria_total", "indicators_met", "indicators_total",
              "standard_met", "unmet_criteria", "unmet_indicators", "conflicts", "catalog_version", "computed_at")
    for chunk in _chunks(qs, fields):
        _units((r["unit_id"] for r in chunk), cache)
        for r in chunk:
            uid, name = cache[r["unit_id"]]
            yield [uid, name, r["set_code"], r["period"], r["criteria_met"], r["criteria_total"], r["indicators_met"],
                   r["indicators_total"], "có" if r["standard_met"] else "không",
                   "; ".join(str(x) for x in r["unmet_criteria"] or []), "; ".join(r["unmet_indicators"] or []),
                   "; ".join(r["conflicts"] or []), r["catalog_version"], _iso(r["computed_at"])]


def _iso(v: dt.datetime | None) -> str:
    return v.isoformat(timespec="seconds") if v else ""


# -- DHIS2 --------------------------------------------------------------------------------------
def dhis2_period(key: str) -> str:
    """"2023-07" → "202307", "2023-Q3" → "2023Q3", "2023" → "2023" (DHIS2 period identifiers)."""
    p = Period.parse(key)
    if p.month:
        return f"{p.year}{p.month:02d}"
    if p.quarter:
        return f"{p.year}Q{p.quarter}"
    return str(p.year)


def _dhis2_value(r: dict) -> tuple[str, str]:
    """(value, comment)."""
    if r["not_applicable"]:
        return "", "không đánh giá"
    if r["value_num"] is not None:
        v = r["value_num"]
        return (str(int(v)) if float(v).is_integer() else repr(float(v))), ""
    if r["value_text"]:
        t = r["value_text"]
        if t in ("có", "không"):
            return ("true" if t == "có" else "false"), ""
        return t, ""
    if r["assessment"] is not None:
        return ("true" if r["assessment"] else "false"), "đánh giá của cán bộ"
    return "", ""


def dhis2_values(qs: QuerySet[Observation]) -> Iterator[dict]:
    cache: dict[int, tuple[str, str]] = {}
    fields = ("unit_id", "set_code", "period", "indicator", "value_text", "value_num", "assessment", "not_applicable",
              "created_by_name", "created_at", "note")
    for chunk in _chunks(qs.exclude(Q(value_text="") & Q(value_num__isnull=True) & Q(assessment__isnull=True)
                                    & Q(not_applicable=False)), fields):
        _units((r["unit_id"] for r in chunk), cache)
        for r in chunk:
            value, comment = _dhis2_value(r)
            if r["note"]:
                comment = f"{comment}; {r['note']}" if comment else r["note"]
            yield {
                "dataElement": f"{r['set_code']}:{r['indicator']}",
                "period": dhis2_period(r["period"]),
                "orgUnit": cache[r["unit_id"]][0],
                "value": value,
                "storedBy": r["created_by_name"] or "",
                "lastUpdated": _iso(r["created_at"]),
                "comment": comment,
            }


def dhis2_csv_rows(qs: QuerySet[Observation]) -> Iterator[list]:
    for v in dhis2_values(qs):
        yield [v["dataElement"], v["period"], v["orgUnit"], "", "", v["value"], v["storedBy"], v["lastUpdated"],
               v["comment"], "false"]


def dhis2_json(qs: QuerySet[Observation]) -> Iterator[str]:
    """``{"dataValues": [...]}`` in pieces (valid JSON once joined)."""
    yield '{"dataValues": ['
    first = True
    for v in dhis2_values(qs):
        piece = {k: v[k] for k in ("dataElement", "period", "orgUnit", "value", "storedBy", "lastUpdated") if v[k] != ""}
        piece["value"] = v["value"]
        if v["comment"]:
            piece["comment"] = v["comment"]
        yield ("" if first else ",") + "\n" + json.dumps(piece, ensure_ascii=False)
        first = False
    yield "\n]}\n"


# -- writers ------------------------------------------------------------------------------------
class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: list[str], rows: Iterable[list], *, bom: bool = True) -> Iterator[str]:
    """CSV text piece by piece (UTF-8 with a BOM so that Excel reads the diacritics)."""
    w = csv.writer(_Echo())
    if bom:
        yield "\ufeff"
    yield w.writerow(header)
    buf: list[str] = []
    for r in rows:
        buf.append(w.writerow(["" if v is None else v for v in r]))
        if len(buf) >= 500:
            yield "".join(buf)
            buf = []
    if buf:
        yield "".join(buf)


def xlsx_file(header: list[str], rows: Iterable[list], *, sheet: str = "Dữ liệu", directory: str | None = None) -> Path:
    """A write-only workbook in a temporary file (the caller sends and then deletes it)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.freeze_panes = "A2"
    head = []
    for name in header:
        c = WriteOnlyCell(ws, name)
        c.font = Font(bold=True)
        head.append(c)
    ws.append(head)
    for r in rows:
        ws.append(r)
    f = tempfile.NamedTemporaryFile(prefix="ntm-export-", suffix=".xlsx", delete=False, dir=directory)
    f.close()
    wb.save(f.name)
    return Path(f.name)


def export(kind: str, fmt: str, qs: QuerySet) -> tuple[list[str], Iterator[list]]:
    """Header and rows of one export: ``kind`` observations | results | dhis2."""
    if kind == "observations":
        return [h for _, h in OBSERVATION_COLUMNS], observation_rows(qs)
    if kind == "results":
        return [h for _, h in RESULT_COLUMNS], result_rows(qs)
    if kind == "dhis2":
        return DHIS2_COLUMNS, dhis2_csv_rows(qs)
    raise ValueError(f"không có loại dữ liệu '{kind}'")
