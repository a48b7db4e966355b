"""DHIS2 exchange, both ways: a metadata package, ``dataValueSets`` out (JSON, CSV) and in.

**Identifiers.** Everything is matched by code (``idScheme=CODE``), the scheme DHIS2 documents for
exchange with another system; every object of the metadata package also carries a stable DHIS2 UID
derived from its code (:func:`uid`), so that the package imports as is and again without duplicates.

- Data elements, one value type each, per indicator of a set: the value (``xa-ntm-2021:3.1``: NUMBER,
  BOOLEAN, or TEXT with an option set for an indicator of levels), the official's assessment
  (``xa-ntm-2021:3.1:danh-gia``, BOOLEAN) and "not assessed" (``xa-ntm-2021:3.1:khong-danh-gia``,
  TRUE_ONLY); all with the default category combination.
- Organisation units: the national statistics (GSO) code of the unit (``13570``), its hierarchy as
  parents. The 2025 reform let a new unit keep the number of one it replaced (3,350 numbers are carried
  by a unit of each edition); DHIS2 codes are unique, so the unit closed on 30/06/2025 then carries its
  number with the edition (``01-2024``) and the unit in force the bare number. Reading, a bare number
  is the unit that carried it during the value's period.
- A data set per criteria set, with the organisation units of its level.
- Periods: ``202307`` (month), ``2023Q3`` (quarter), ``2023`` (year).
- A value's note (and evidence, as a last line ``Minh chứng: …``) travels as the comment of the first
  data value of the indicator; ``storedBy`` is the username of who entered it; ``lastUpdated`` is ISO
  8601 at +07:00.

**Reading** (:func:`plan_import`, :func:`commit_import`): a ``dataValueSets`` file (JSON, or CSV in
DHIS2's column order) is checked against the identifiers, value types and periods above, its data values
are gathered per indicator into the rows of the entry template, and those rows go through the same
check, preview and all-or-nothing write as an Excel file (:mod:`.imports`); every problem is reported
with the DHIS2 file's own line (CSV) or position in ``dataValues`` (JSON) and field.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import hashlib
import json
import math
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db.models import Count

from ntm.apps.units.models import Unit
from ntm.core.catalog import Catalog, CriteriaSet, Kind, default_catalog
from ntm.core.periods import Period
from ntm.core.sheets import fold
from ntm.core.tables import TableError, kind_of, read_table
from ntm.core.values import ValueRefused, read_truth

from . import imports as I
from .exports import chunks, csv_stream, iso

ID_SCHEME = "CODE"
# DHIS2's built-in default category combination and its only option combination: the same UIDs in
# every DHIS2 instance
DEFAULT_CATEGORY_COMBO = "bjDvmb4bfuf"
DEFAULT_OPTION_COMBO = "HllvX50cXC0"
VALUE, ASSESSMENT, NOT_ASSESSED = "", "danh-gia", "khong-danh-gia"
PARTS = (VALUE, ASSESSMENT, NOT_ASSESSED)
PART_LABEL = {VALUE: "giá trị", ASSESSMENT: "đánh giá", NOT_ASSESSED: "không đánh giá"}
CODE_MAX, NAME_MAX, SHORT_NAME_MAX = 50, 230, 50
NO_OPENING_DATE = "1970-01-01"  # DHIS2's own default opening date, for units whose start is not recorded
PERIOD_TYPE = {"month": "Monthly", "quarter": "Quarterly", "year": "Yearly"}
EVIDENCE_PREFIX = "Minh chứng: "
# DHIS2's CSV data value columns, in the order its importer reads them (the header line is not read)
CSV_COLUMNS = [
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
]
_TRUE = {"true", "1", "t"}
_FALSE = {"false", "0", "f"}


# -- identifiers --------------------------------------------------------------------------------
_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def uid(kind: str, key: str) -> str:
    """A DHIS2 UID (11 characters, a letter then letters and digits), the same for the same object."""
    n = int.from_bytes(hashlib.sha256(f"ntm:{kind}:{key}".encode()).digest(), "big")
    n, first = divmod(n, 52)
    out = [_ALNUM[10 + first]]
    for _ in range(10):
        n, d = divmod(n, 62)
        out.append(_ALNUM[d])
    return "".join(out)


def _fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, a cut one ending in a short digest (so it stays unique)."""
    if len(text) <= limit:
        return text
    return text[: limit - 9].rstrip() + "~" + hashlib.sha1(text.encode()).hexdigest()[:8]


def element_code(set_code: str, indicator: str, part: str = VALUE) -> str:
    return _fit(f"{set_code}:{indicator}" + (f":{part}" if part else ""), CODE_MAX)


def dhis2_period(key: str) -> str:
    """ "2023-07" → "202307", "2023-Q3" → "2023Q3", "2023" → "2023" (DHIS2 period identifiers)."""
    p = Period.parse(key)
    if p.month:
        return f"{p.year}{p.month:02d}"
    if p.quarter:
        return f"{p.year}Q{p.quarter}"
    return str(p.year)


_DHIS2_PERIOD = re.compile(r"^(\d{4})(?:(0[1-9]|1[0-2])|Q([1-4]))?$")


def parse_period(text: str) -> Period:
    m = _DHIS2_PERIOD.match(text.strip())
    if not m:
        raise ValueError(f"kỳ '{text}' không dùng được: NTM nhận tháng (202307), quý (2023Q3) hoặc năm (2023)")
    if m[2]:
        return Period(int(m[1]), month=int(m[2]))
    if m[3]:
        return Period(int(m[1]), quarter=int(m[3]))
    return Period(int(m[1]))


def _period_kind(key: str) -> str:
    p = Period.parse(key)
    return "month" if p.month else "quarter" if p.quarter else "year"


def value_type(ind) -> str:
    if ind.kind == Kind.BOOLEAN:
        return "BOOLEAN"
    if ind.kind == Kind.LEVEL:
        return "TEXT"
    return "NUMBER"  # DHIS2's PERCENTAGE takes only whole numbers: rates such as 83,9 % are NUMBER


def _number(v: float) -> str:
    """A number as DHIS2 reads it: a dot, no exponent, no trailing zeros ("80", "83.9", "0.00001")."""
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return format(Decimal(repr(v)), "f")


def _vn_number(v: float) -> str:
    """The same number as the entry template reads it (a decimal comma, no grouping)."""
    return _number(v).replace(".", ",")


class OrgUnitCodes:
    """The DHIS2 code of a unit (see the module's notes) and, reading, the unit of a code in a period."""

    def __init__(self):
        shared = Unit.objects.values("code").annotate(n=Count("id")).filter(n__gt=1).values("code")
        self.keeps: dict[str, int] = {}  # a number carried by several units -> the unit that keeps it bare
        rows = sorted(
            Unit.objects.filter(code__in=shared).values_list("code", "id", "valid_to", "valid_from"),
            key=lambda r: (r[0], r[2] is None, r[3] or dt.date.min),
        )
        for code, pk, _, _ in rows:
            self.keeps[code] = pk  # the last of each code: open, else the latest
        self._cache: dict[tuple[str, str], Unit | None] = {}

    def code(self, unit: Unit) -> str:
        if unit.code in self.keeps and self.keeps[unit.code] != unit.pk:
            return f"{unit.code}-{unit.edition or unit.pk}"
        return unit.code

    def resolve(self, code: str, period: Period) -> Unit | None:
        key = (code, period.key)
        if key not in self._cache:
            self._cache[key] = self._resolve(code, period)
        return self._cache[key]

    def _resolve(self, code: str, period: Period) -> Unit | None:
        if ":" in code and "@" in code:  # an NTM uid (files written before the codes)
            return Unit.objects.filter(uid=code).first()
        m = re.fullmatch(r"(.+)-(\d{4})", code)
        if m:
            return Unit.objects.filter(code=m[1], edition=m[2]).first()
        units = list(Unit.objects.filter(code=code))
        if len(units) <= 1:
            return units[0] if units else None
        during = [u for u in units if u.is_valid_at(period.end)]
        if len(during) == 1:
            return during[0]
        return next((u for u in units if u.pk == self.keeps.get(code)), None)


# -- dataValueSets out ----------------------------------------------------------------------------
def _indicator_of(catalog: Catalog, set_code: str, code: str):
    if set_code not in catalog:
        return None
    return catalog.get(set_code).by_code.get(code)


def _value_out(ind, value_text: str, value_num: float | None) -> str:
    if ind.kind == Kind.BOOLEAN:
        try:
            b = read_truth(value_text)
        except ValueRefused:
            return ""
        return "" if b is None else ("true" if b else "false")
    if ind.kind == Kind.LEVEL:
        return value_text
    if value_num is not None and math.isfinite(value_num):
        return _number(value_num)
    return ""


def comment_of(note: str, evidence: str) -> str:
    return "\n".join(x for x in (note, EVIDENCE_PREFIX + evidence if evidence else "") if x)


def split_comment(comment: str) -> tuple[str, str]:
    """(note, evidence) of a comment written by :func:`comment_of`."""
    lines = comment.split("\n")
    if lines and lines[-1].startswith(EVIDENCE_PREFIX):
        return "\n".join(lines[:-1]).strip(), lines[-1][len(EVIDENCE_PREFIX) :].strip()
    return comment.strip(), ""


def data_values(qs, *, catalog: Catalog | None = None) -> Iterator[dict]:
    """The ``dataValues`` of the observations ``qs`` (only their current values belong in DHIS2: pass
    current observations). An indicator the catalogue no longer has has no data element: left out."""
    catalog = catalog or default_catalog()
    codes = OrgUnitCodes()
    units: dict[int, str] = {}
    fields = (
        "unit_id",
        "set_code",
        "period",
        "indicator",
        "value_text",
        "value_num",
        "assessment",
        "not_applicable",
        "note",
        "evidence",
        "created_by__username",
        "created_at",
    )
    for chunk in chunks(qs, fields):
        missing = {r["unit_id"] for r in chunk} - units.keys()
        for u in Unit.objects.filter(pk__in=missing).only("id", "code", "edition"):
            units[u.pk] = codes.code(u)
        for r in chunk:
            ind = _indicator_of(catalog, r["set_code"], r["indicator"])
            if ind is None:
                continue
            parts = []
            value = _value_out(ind, r["value_text"], r["value_num"])
            if value:
                parts.append((VALUE, value))
            if r["not_applicable"]:
                parts.append((NOT_ASSESSED, "true"))
            elif r["assessment"] is not None:
                parts.append((ASSESSMENT, "true" if r["assessment"] else "false"))
            comment = comment_of(r["note"], r["evidence"])
            for k, (part, value) in enumerate(parts):
                dv = {
                    "dataElement": element_code(r["set_code"], r["indicator"], part),
                    "period": dhis2_period(r["period"]),
                    "orgUnit": units[r["unit_id"]],
                    "value": value,
                }
                if r["created_by__username"]:
                    dv["storedBy"] = r["created_by__username"]
                dv["lastUpdated"] = iso(r["created_at"])
                if k == 0 and comment:
                    dv["comment"] = comment
                yield dv


def data_value_set_json(qs, *, catalog: Catalog | None = None) -> Iterator[str]:
    """``{"idScheme": "CODE", …, "dataValues": [...]}`` in pieces (valid JSON once joined)."""
    head = {"idScheme": ID_SCHEME, "dataElementIdScheme": ID_SCHEME, "orgUnitIdScheme": ID_SCHEME}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "dataValues": ['
    first = True
    for dv in data_values(qs, catalog=catalog):
        yield ("" if first else ",") + "\n" + json.dumps(dv, ensure_ascii=False)
        first = False
    yield "\n]}\n"


def csv_rows(qs, *, catalog: Catalog | None = None) -> Iterator[list]:
    for dv in data_values(qs, catalog=catalog):
        yield [
            dv["dataElement"],
            dv["period"],
            dv["orgUnit"],
            "",
            "",
            dv["value"],
            dv.get("storedBy", ""),
            dv["lastUpdated"],
            dv.get("comment", ""),
            "false",
        ]


def data_value_set_csv(qs, *, catalog: Catalog | None = None) -> Iterator[str]:
    """DHIS2's CSV (no BOM; import it with ``?idScheme=CODE``: a CSV file cannot say it)."""
    return csv_stream(CSV_COLUMNS, csv_rows(qs, catalog=catalog), bom=False)


# -- metadata package -----------------------------------------------------------------------------
def _unique_names(units: list[Unit], parents: dict[int, Unit], codes: OrgUnitCodes) -> dict[int, str]:
    """Unit names made unique as DHIS2 asks: a repeated name gets its parent's, then its validity."""
    names = {u.pk: u.name for u in units}
    for extra in (
        lambda u: parents[u.parent_id].short_name if u.parent_id in parents else "",
        lambda u: u.validity,
        lambda u: codes.code(u),
    ):
        counts = collections.Counter(names.values())
        for u in units:
            if counts[names[u.pk]] > 1 and extra(u):
                names[u.pk] = f"{names[u.pk]} ({extra(u)})"
    return {pk: _fit(n, NAME_MAX) for pk, n in names.items()}


def _period_type(set_code: str, unit: Unit, period: str | None) -> str:
    from .models import Observation

    if period:
        return PERIOD_TYPE[_period_kind(period)]
    keys = (
        Observation.objects.current()
        .filter(set_code=set_code, unit__path__startswith=unit.path)
        .values_list("period", flat=True)
        .distinct()[:500]
    )
    kinds = collections.Counter(_period_kind(k) for k in keys)
    return PERIOD_TYPE[kinds.most_common(1)[0][0]] if kinds else PERIOD_TYPE["year"]


def _data_elements(cs: CriteriaSet) -> tuple[list[dict], list[dict], list[dict]]:
    """(data elements, option sets, options) of a set."""
    elements, option_sets, options = [], [], []
    short = _fit(cs.code, 30)
    for ind in cs.indicators:
        content = " ".join(ind.content.split())
        for part in PARTS:
            code = element_code(cs.code, ind.code, part)
            vt = value_type(ind) if part == VALUE else "BOOLEAN" if part == ASSESSMENT else "TRUE_ONLY"
            de = {
                "id": uid("dataElement", code),
                "code": code,
                "name": _fit(f"{cs.code} {ind.code} ({PART_LABEL[part]}): {content}", NAME_MAX),
                "shortName": _fit(f"{short} {ind.code} {PART_LABEL[part]}", SHORT_NAME_MAX),
                "formName": _fit(
                    f"{ind.code} {content}" + ("" if part == VALUE else f" — {PART_LABEL[part]}"), NAME_MAX
                ),
                "description": _fit(
                    f"{cs.name}, chỉ tiêu {ind.code}: {content}"
                    + (f" (đơn vị tính: {ind.unit})" if part == VALUE and ind.unit else ""),
                    2000,
                ),
                "domainType": "AGGREGATE",
                "valueType": vt,
                # numbers and booleans (true = 1) averaged: a rate, a mean value, the share of units that
                # met it; "not assessed" counted; texts not aggregated
                "aggregationType": "NONE" if vt == "TEXT" else "COUNT" if vt == "TRUE_ONLY" else "AVERAGE",
                "zeroIsSignificant": vt == "NUMBER",
                "categoryCombo": {"id": DEFAULT_CATEGORY_COMBO},
            }
            if part == VALUE and ind.kind == Kind.LEVEL:
                os_code = _fit(f"{cs.code}:{ind.code}:muc", CODE_MAX)
                os_id = uid("optionSet", os_code)
                opts = [
                    {
                        "id": uid("option", f"{os_code}:{level}"),
                        "code": _fit(level, CODE_MAX),
                        "name": _fit(level, NAME_MAX),
                        "sortOrder": k + 1,
                        "optionSet": {"id": os_id},
                    }
                    for k, level in enumerate(ind.levels or [])
                ]
                option_sets.append(
                    {
                        "id": os_id,
                        "code": os_code,
                        "name": _fit(f"{cs.code} {ind.code}: mức", NAME_MAX),
                        "valueType": "TEXT",
                        "options": [{"id": o["id"]} for o in opts],
                    }
                )
                options.extend(opts)
                de["optionSet"] = {"id": os_id}
            elements.append(de)
    return elements, option_sets, options


def metadata(
    unit: Unit, *, set_code: str | None = None, period: str | None = None, catalog: Catalog | None = None
) -> dict:
    """The metadata package for ``unit`` (its subtree and its ancestors): data elements, option sets, the
    default category combination, organisation units with their hierarchy, a data set per criteria set of
    a level present in the subtree (or ``set_code`` only). Import it with POST /api/metadata."""
    catalog = catalog or default_catalog()
    codes = OrgUnitCodes()
    below = list(Unit.objects.filter(path__startswith=unit.path).order_by("path"))
    above = list(Unit.objects.filter(pk__in=unit.ancestor_ids))
    units = sorted(above, key=lambda u: len(u.path)) + below
    by_id = {u.pk: u for u in units}
    names = _unique_names(units, by_id, codes)
    org_units = []
    for u in units:
        code = codes.code(u)
        ou = {
            "id": uid("organisationUnit", u.uid),
            "code": code,
            "name": names[u.pk],
            "shortName": _fit(f"{u.short_name} {code}", SHORT_NAME_MAX),
            "openingDate": (u.valid_from.isoformat() if u.valid_from else NO_OPENING_DATE),
        }
        if u.valid_to:
            ou["closedDate"] = u.valid_to.isoformat()
        if u.parent_id in by_id:
            ou["parent"] = {"id": uid("organisationUnit", by_id[u.parent_id].uid)}
        org_units.append(ou)
    levels = {u.level for u in below}
    sets = [catalog.get(set_code)] if set_code else [cs for cs in catalog if cs.level in levels]
    elements, option_sets, options, data_sets = [], [], [], []
    for cs in sets:
        des, oss, opts = _data_elements(cs)
        elements += des
        option_sets += oss
        options += opts
        ds_id = uid("dataSet", cs.code)
        data_sets.append(
            {
                "id": ds_id,
                "code": _fit(cs.code, CODE_MAX),
                "name": _fit(cs.name, NAME_MAX),
                "shortName": _fit(cs.code, SHORT_NAME_MAX),
                "periodType": _period_type(cs.code, unit, period),
                "categoryCombo": {"id": DEFAULT_CATEGORY_COMBO},
                "dataSetElements": [{"dataElement": {"id": de["id"]}, "dataSet": {"id": ds_id}} for de in des],
                "organisationUnits": [{"id": uid("organisationUnit", u.uid)} for u in below if u.level == cs.level],
            }
        )
    package = {
        "categoryCombos": [{"id": DEFAULT_CATEGORY_COMBO, "name": "default", "dataDimensionType": "DISAGGREGATION"}],
        "optionSets": option_sets,
        "options": options,
        "dataElements": elements,
        "organisationUnits": org_units,
        "dataSets": data_sets,
    }
    return {k: v for k, v in package.items() if v}


def metadata_json(unit: Unit, **kw) -> Iterator[str]:
    yield json.dumps(metadata(unit, **kw), ensure_ascii=False, indent=1) + "\n"


# -- dataValueSets in -----------------------------------------------------------------------------
@dataclass
class Record:
    """One data value as read from the file, with where it was (CSV line or position in dataValues)."""

    where: int
    data_element: str
    period: str
    org_unit: str
    value: str
    comment: str = ""
    option_combo: str = ""
    attribute_combo: str = ""
    deleted: bool = False


@dataclass
class Converted:
    """The file's data values gathered into the rows of the entry template."""

    name: str
    sheet: str | None
    rows: list[dict] = field(default_factory=list)
    sources: list[dict[str, int]] = field(default_factory=list)  # per row: template column -> file line
    records: int = 0
    skipped: int = 0
    issues: list[I.Issue] = field(default_factory=list)


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v).strip()


def is_dhis2(path: str | Path) -> bool:
    """Whether a file is a DHIS2 ``dataValueSets`` file: JSON, or CSV whose first line names DHIS2's columns."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return True
    if suffix not in (".csv", ".txt"):
        return False
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
            first = next(csv.reader([f.readline()]), [])
    except OSError:
        return False
    return [fold(c).replace(" ", "") for c in first[:3]] in (["dataelement", "period", "orgunit"], ["de", "pe", "ou"])


def _records_json(path: Path, name: str) -> Iterator[Record]:
    limits = I.table_limits()  # the CSV form is bounded by the reader of every table; JSON by its size
    if path.stat().st_size > limits.max_file_bytes:
        raise I.ImportFailed([I.Issue(name, f"tệp quá lớn (tối đa {limits.max_file_bytes // (1024 * 1024)} MB)")])
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
        if "\x00" in text:
            raise ValueError("tệp chứa ký tự NUL (mã 0)")
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise I.ImportFailed([I.Issue(name, f"không đọc được tệp JSON ({exc})")]) from None
    except RecursionError:  # nesting no dataValueSets file has
        raise I.ImportFailed([I.Issue(name, "không đọc được tệp JSON (lồng nhau quá sâu)")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("dataValues"), list):
        raise I.ImportFailed([I.Issue(name, "tệp JSON không có danh sách 'dataValues' của DHIS2 (dataValueSets)")])
    for key in ("idScheme", "dataElementIdScheme", "orgUnitIdScheme"):
        if _text(data.get(key)) and _text(data.get(key)).upper() != ID_SCHEME:
            raise I.ImportFailed(
                [
                    I.Issue(
                        name, f"tệp dùng {key}={data[key]}: NTM đối chiếu theo mã — hãy xuất từ DHIS2 với idScheme=CODE"
                    )
                ]
            )
    top = {k: _text(data.get(k)) for k in ("period", "orgUnit", "attributeOptionCombo")}
    for n, dv in enumerate(data["dataValues"], start=1):
        if not isinstance(dv, dict):
            dv = {}
        yield Record(
            n,
            _text(dv.get("dataElement")),
            _text(dv.get("period")) or top["period"],
            _text(dv.get("orgUnit")) or top["orgUnit"],
            _text(dv.get("value")),
            _text(dv.get("comment")),
            _text(dv.get("categoryOptionCombo")),
            _text(dv.get("attributeOptionCombo")) or top["attributeOptionCombo"],
            _text(dv.get("deleted")).lower() == "true",
        )


def _records_csv(path: Path, name: str) -> Iterator[Record]:
    """DHIS2's CSV columns by position, read by the bounded reader of every upload (encodings, NUL, limits)."""
    try:
        table = read_table(path, name=name if kind_of(name) == "csv" else name + ".csv", limits=I.table_limits())
        rows = iter(table.rows)
        next(rows, None)  # the header: DHIS2 reads the columns by position
        for line, r in enumerate(rows, start=2):
            r = ["" if c is None else str(c).strip() for c in r]
            if not any(r):
                continue
            r += [""] * (11 - len(r))
            yield Record(line, r[0], r[1], r[2], r[5], r[8], r[3], r[4], r[10].lower() == "true")
    except TableError as exc:
        raise I.ImportFailed([I.Issue(exc.file, exc.message, None, exc.row, exc.column)]) from None


def _elements(catalog: Catalog) -> dict[str, tuple[str, object, str]]:
    """data element code -> (set code, indicator, part) for every indicator of the catalogue."""
    out = {}
    for cs in catalog:
        for ind in cs.indicators:
            for part in PARTS:
                out[element_code(cs.code, ind.code, part)] = (cs.code, ind, part)
    return out


def _bool(text: str) -> bool | None:
    t = text.lower()
    return True if t in _TRUE else False if t in _FALSE else None


def convert(path: str | Path, *, name: str | None = None, catalog: Catalog | None = None) -> Converted:
    """Read a ``dataValueSets`` file and gather its data values per indicator into template rows,
    checking what only the DHIS2 form can get wrong (identifiers, value types, period forms, duplicates).
    Raises :class:`ImportFailed` for a file that cannot be read at all."""
    path = Path(path)
    name = name or path.name
    catalog = catalog or default_catalog()
    if not path.exists():
        raise I.ImportFailed([I.Issue(name, "không tìm thấy tệp")])
    is_json = path.suffix.lower() == ".json"
    out = Converted(name, "dataValues" if is_json else None)
    elements = _elements(catalog)
    codes = OrgUnitCodes()
    cells: dict[tuple[int, str, str, str], dict] = {}
    seen: dict[tuple[str, str, str], int] = {}

    def issue(rec: Record, column: str, message: str) -> None:
        out.issues.append(I.Issue(name, message, out.sheet, rec.where, column))

    for rec in (_records_json if is_json else _records_csv)(path, name):
        out.records += 1
        if rec.deleted:  # a deletion: NTM never deletes an entered value
            out.skipped += 1
            continue
        ok = True
        target = elements.get(rec.data_element)
        if not rec.data_element:
            issue(rec, "dataElement", "thiếu mã phần tử dữ liệu")
            ok = False
        elif target is None:
            issue(
                rec,
                "dataElement",
                f"không có phần tử dữ liệu mã '{rec.data_element}' (tệp phải xuất theo mã, "
                "idScheme=CODE, với các mã của gói metadata NTM)",
            )
            ok = False
        period = None
        try:
            period = parse_period(rec.period) if rec.period else None
            if period is None:
                issue(rec, "period", "thiếu kỳ")
                ok = False
        except ValueError as exc:
            issue(rec, "period", str(exc))
            ok = False
        unit = None
        if not rec.org_unit:
            issue(rec, "orgUnit", "thiếu mã đơn vị")
            ok = False
        elif period is not None:
            unit = codes.resolve(rec.org_unit, period)
            if unit is None:
                issue(rec, "orgUnit", f"không có đơn vị mã '{rec.org_unit}'")
                ok = False
        for col, combo in (("categoryOptionCombo", rec.option_combo), ("attributeOptionCombo", rec.attribute_combo)):
            if combo and combo not in (DEFAULT_OPTION_COMBO, "default"):
                issue(rec, col, f"'{combo}': NTM chỉ nhận nhóm phân tổ mặc định (default)")
                ok = False
        if not ok:
            continue
        set_code, ind, part = target
        if unit.level != catalog.get(set_code).level:
            issue(rec, "orgUnit", f"bộ {set_code} dành cho cấp khác, không áp dụng cho {unit.name} ({rec.org_unit})")
            continue
        key = (rec.data_element, period.key, unit.uid)
        if key in seen:
            issue(
                rec,
                "dataElement",
                f"giá trị này đã có ở {'vị trí' if is_json else 'dòng'} {seen[key]} "
                f"(cùng phần tử dữ liệu, kỳ và đơn vị)",
            )
            continue
        seen[key] = rec.where
        cell = cells.setdefault(
            (unit.pk, set_code, period.key, ind.code),
            {
                "row": {
                    "unit": unit.uid,
                    "set": set_code,
                    "period": period.key,
                    "indicator": ind.code,
                    "value": "",
                    "assessment": "",
                    "note": "",
                    "evidence": "",
                    "version": "",
                    "_key": (unit.pk, set_code, period.key, ind.code),
                },
                "src": {"*": rec.where},
                "comments": [],
            },
        )
        row, src = cell["row"], cell["src"]
        value = rec.value
        if part == VALUE and value:
            if ind.kind == Kind.BOOLEAN:
                b = _bool(value)
                if b is None:
                    issue(rec, "value", f"'{value}' không phải giá trị BOOLEAN (true/false)")
                    continue
                value = "có" if b else "không"
            elif ind.kind != Kind.LEVEL:
                try:
                    number = float(value)
                    if not math.isfinite(number):
                        raise ValueError
                except ValueError:
                    issue(rec, "value", f"'{value}' không phải là số (NUMBER, dấu chấm thập phân)")
                    continue
                value = _vn_number(number)
            row["value"] = value
            src["value"] = rec.where
        elif part == ASSESSMENT and value:
            b = _bool(value)
            if b is None:
                issue(rec, "value", f"'{value}' không phải giá trị BOOLEAN (true/false) của đánh giá")
                continue
            if row["assessment"] == "không đánh giá":
                issue(rec, "value", f"chỉ tiêu {ind.code} vừa có đánh giá vừa được ghi 'không đánh giá'")
                continue
            row["assessment"] = "đạt" if b else "chưa đạt"
            src["assessment"] = rec.where
        elif part == NOT_ASSESSED and value:
            if value.lower() != "true":
                issue(rec, "value", f"'{value}': phần tử TRUE_ONLY chỉ nhận true")
                continue
            if row["assessment"]:
                issue(rec, "value", f"chỉ tiêu {ind.code} vừa có đánh giá vừa được ghi 'không đánh giá'")
                continue
            row["assessment"] = "không đánh giá"
            src["assessment"] = rec.where
        if rec.comment and rec.comment not in cell["comments"]:
            cell["comments"].append(rec.comment)
            src.setdefault("note", rec.where)
    for cell in cells.values():
        notes, evidences = zip(*map(split_comment, cell["comments"])) if cell["comments"] else ((), ())
        cell["row"]["note"] = "\n".join(x for x in notes if x)
        cell["row"]["evidence"] = "; ".join(x for x in evidences if x)
        out.rows.append(cell["row"])
        out.sources.append(cell["src"])
    return out


_TEMPLATE_COLUMNS = ("unit", "set", "period", "indicator", "value", "assessment", "note", "evidence", "version")
# a column of the entry template -> the DHIS2 field its rows came from
_FIELD = {
    "unit": "orgUnit",
    "set": "dataElement",
    "period": "period",
    "indicator": "dataElement",
    "value": "value",
    "assessment": "value",
    "note": "comment",
    "evidence": "comment",
    "version": "value",
}


def _with_current_versions(conv: Converted) -> None:
    """A DHIS2 file knows nothing of our versions: each row replaces the value current when the file is
    checked, and says so in the template's "Lần sửa" column, so that a value saved by someone else between
    the check and the write is a conflict, not a silent overwrite."""
    from .models import Observation

    by_key = {r["_key"]: r for r in conv.rows}
    keys = list(by_key)
    for start in range(0, len(keys), 2000):
        part = keys[start : start + 2000]
        units = {k[0] for k in part}
        current = (
            Observation.objects.current()
            .filter(
                unit_id__in=units,
                set_code__in={k[1] for k in part},
                period__in={k[2] for k in part},
                indicator__in={k[3] for k in part},
            )
            .values_list("unit_id", "set_code", "period", "indicator", "version")
        )
        for *key, version in current:
            row = by_key.get(tuple(key))
            if row is not None:
                row["version"] = str(version)


def _write_rows(conv: Converted, directory: str | None = None) -> Path:
    """The template rows as a CSV file with the template's own header (read by :mod:`.imports`)."""
    f = tempfile.NamedTemporaryFile(
        "w", prefix="ntm-dhis2-", suffix=".csv", delete=False, dir=directory, encoding="utf-8", newline=""
    )
    _with_current_versions(conv)
    with f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL)
        w.writerow([I.COLUMNS[c][0] for c in _TEMPLATE_COLUMNS])
        w.writerows([r[c] for c in _TEMPLATE_COLUMNS] for r in conv.rows)
    return Path(f.name)


def _template_name(conv: Converted) -> str:
    """The name the template rows are read under: a CSV (the reader goes by the suffix); every issue is
    told again with the DHIS2 file's own name and lines (:func:`_located`)."""
    return conv.name + ".csv"


def _located(conv: Converted, issues: Iterable[I.Issue]) -> list[I.Issue]:
    """Issues of the template rows told with the DHIS2 file's lines and fields."""
    header = {I.COLUMNS[c][0]: c for c in _TEMPLATE_COLUMNS}
    out = []
    for i in issues:
        if i.row is None or not 2 <= i.row < 2 + len(conv.sources):
            out.append(I.Issue(conv.name, i.message, conv.sheet))
            continue
        src = conv.sources[i.row - 2]
        col = header.get(i.column or "", "")
        line = src.get("note" if col in ("note", "evidence") else col, src["*"])
        out.append(I.Issue(conv.name, i.message, conv.sheet, line, _FIELD.get(col, i.column)))
    return out


def _merged(conv: Converted, plan: I.ImportPlan) -> I.ImportPlan:
    plan.file = conv.name
    located = _located(conv, plan.issues)
    plan.issues = sorted(conv.issues + located, key=lambda i: i.row or 0)[: I.MAX_ISSUES]
    plan.issue_count += len(conv.issues)
    for c in plan.changes:
        if 2 <= c.row < 2 + len(conv.sources):
            c.row = conv.sources[c.row - 2]["*"]
    plan.rows = conv.records
    plan.skipped += conv.skipped
    return plan


def plan_import(
    path: str | Path, *, user=None, catalog: Catalog | None = None, name: str | None = None
) -> I.ImportPlan:
    """Check a ``dataValueSets`` file and describe the changes (the preview); writes nothing."""
    conv = convert(path, name=name, catalog=catalog)
    tmp = _write_rows(conv)
    try:
        plan = I.plan_import(tmp, user=user, catalog=catalog, name=_template_name(conv))
    finally:
        tmp.unlink(missing_ok=True)
    return _merged(conv, plan)


def commit_import(
    path: str | Path,
    *,
    user=None,
    catalog: Catalog | None = None,
    name: str | None = None,
    batch: str | None = None,
    background: bool = False,
    **kw,
) -> I.ImportResult:
    """Record a ``dataValueSets`` file in one transaction, all or nothing (see :func:`.imports.commit_import`)."""
    conv = convert(path, name=name, catalog=catalog)
    if conv.issues:
        raise I.ImportFailed(conv.issues[: I.MAX_ISSUES], len(conv.issues))
    tmp = _write_rows(conv)
    try:
        res = I.commit_import(
            tmp, user=user, catalog=catalog, name=_template_name(conv), batch=batch, background=background, **kw
        )
    except I.ImportFailed as exc:
        raise I.ImportFailed(_located(conv, exc.issues), exc.total) from None
    finally:
        tmp.unlink(missing_ok=True)
    _merged(conv, res.plan)
    return res
