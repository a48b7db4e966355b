"""The entry sheet: every indicator of a set for one unit and period, read from the database and
from a posted form, evaluated with the engine (for the page and the htmx preview), and turned into
``Entry`` rows for ``record_many``.

Form fields, per indicator code ``c`` (e.g. ``17.1``): ``v-c`` value as typed ("84,21", "có", a
level name), ``a-c`` assessment (``dat`` / ``chua_dat`` / ``kdg`` = không đánh giá / empty), ``n-c``
note, ``f-c`` evidence file, ``ver-c`` the version the row was loaded at (0: no value yet).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename

from ntm.core.catalog import CriteriaSet, Kind
from ntm.core.evaluation import IndicatorResult, SetResult, evaluate, parse_value
from ntm.core.evaluation import Observation as CoreObservation
from ntm.core.evaluation.engine import _scope_label, rule_text
from ntm.core.formatting import percent
from ntm.core.periods import Period

from .models import Observation
from .services import Entry, current_rows

ASSESSMENT_CHOICES = [("", "— chưa đánh giá —"), ("dat", "Đạt"), ("chua_dat", "Chưa đạt"), ("kdg", "Không đánh giá")]
_CHOICE_CODES = {c for c, _ in ASSESSMENT_CHOICES}
MAX_VALUE_LENGTH = 200
MAX_NOTE_LENGTH = 2000
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {"pdf": "PDF", "jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)"}
EVIDENCE_ACCEPT = ",".join(f".{e}" for e in EVIDENCE_TYPES)
EVIDENCE_DIR = "minh-chung"


# -- values --------------------------------------------------------------------------------
def show_number(v: float) -> str:
    """A stored number as an official would type it again: comma decimals, no thousands dots, no
    rounding beyond 6 places ("84,21", "6084", "0,5")."""
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def shown_value(o: Observation | None) -> str:
    if o is None:
        return ""
    if o.value_num is not None:
        return show_number(o.value_num)
    return o.value_text


def choice_of(o: Observation | None) -> str:
    if o is None:
        return ""
    if o.not_applicable:
        return "kdg"
    return {True: "dat", False: "chua_dat", None: ""}[o.assessment]


def choice_label(code: str) -> str:
    return dict(ASSESSMENT_CHOICES).get(code, code) if code else "(trống)"


def assessment_of(choice: str) -> tuple[bool | None, bool]:
    """(assessment, not_applicable) for a choice code."""
    return {"dat": (True, False), "chua_dat": (False, False), "kdg": (None, True)}.get(choice, (None, False))


def _stored_value(ind, o: Observation):
    raw = o.value_num if o.value_num is not None else o.value_text
    try:
        return parse_value(ind, raw)
    except ValueError:
        return o.value_text


# -- evidence files --------------------------------------------------------------------------
def _magic_ok(ext: str, head: bytes, f) -> bool:
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    # docx / xlsx: a zip archive with the Office Open XML parts of the right kind
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        f.seek(0)
        with zipfile.ZipFile(f) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        f.seek(0)
    part = "word/document.xml" if ext == "docx" else "xl/workbook.xml"
    return "[Content_Types].xml" in names and part in names


def check_evidence(f) -> str | None:
    """None when the upload is acceptable, else the reason (Vietnamese)."""
    name = f.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ", ".join(sorted({e.upper() for e in EVIDENCE_TYPES} - {"JPEG"}))
    if ext not in EVIDENCE_TYPES:
        return f"Tệp «{name}» không đúng loại: chỉ nhận {allowed}."
    if f.size > MAX_EVIDENCE_BYTES:
        size = f"{f.size / 1024 / 1024:.1f}".replace(".", ",")
        return f"Tệp «{name}» quá lớn ({size} MB): tối đa 10 MB."
    if f.size == 0:
        return f"Tệp «{name}» rỗng."
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    if not _magic_ok(ext, head, f):
        return f"Nội dung tệp «{name}» không phải là {EVIDENCE_TYPES[ext]} như phần mở rộng cho biết."
    return None


def store_evidence(f, unit, set_code: str, period: str, code: str) -> str:
    """Save under MEDIA_ROOT/minh-chung/<unit>/<set>/<period>/; returns the stored relative path."""
    base, _, ext = (f.name or "tep").rpartition(".")
    try:
        safe = get_valid_filename(base)[:60]
    except SuspiciousFileOperation:  # a name like ".pdf" or "..pdf"
        safe = "tep"
    folder = "/".join([EVIDENCE_DIR, get_valid_filename(unit.uid.replace(":", "-").replace("@", "-")), set_code, period])
    name = f"{folder}/{code}-{secrets.token_hex(4)}-{safe}.{ext.lower()}"
    return default_storage.save(name, f)


def evidence_belongs_to(path: str, unit) -> bool:
    """Is ``path`` a file stored for ``unit`` (under MEDIA_ROOT/minh-chung/<unit>/)? Evidence paths can
    come as text (API, imports): only the unit's own folder may be served for it."""
    folder = f"{EVIDENCE_DIR}/{get_valid_filename(unit.uid.replace(':', '-').replace('@', '-'))}/"
    return bool(path) and path.startswith(folder) and ".." not in path.split("/") and "\\" not in path


def delete_evidence(paths: list[str]) -> None:
    for p in paths:
        try:
            default_storage.delete(p)
        except OSError:
            pass


def evidence_name(path: str) -> str:
    """The file name shown to users: without folder and random part."""
    name = os.path.basename(path or "")
    parts = name.split("-", 2)
    return parts[2] if len(parts) == 3 else name


# -- posted rows ---------------------------------------------------------------------------
@dataclass
class RowInput:
    code: str
    value: str = ""
    choice: str = ""
    note: str = ""
    version: int = 0
    file: object = None
    errors: list[str] = field(default_factory=list)
    parsed: object = None

    @property
    def empty(self) -> bool:
        return not (self.value or self.choice or self.note or self.file)


def read_rows(cs: CriteriaSet, data, files=None, *, check_files: bool = True) -> dict[str, RowInput]:
    """The rows present in a POST, each validated (errors kept on the row, never raised)."""
    out: dict[str, RowInput] = {}
    for ind in cs.indicators:
        c = ind.code
        if f"v-{c}" not in data and f"a-{c}" not in data:
            continue
        r = RowInput(code=c, value=(data.get(f"v-{c}") or "").strip(), choice=data.get(f"a-{c}") or "",
                     note=(data.get(f"n-{c}") or "").strip().replace("\r\n", "\n"))
        try:
            r.version = max(0, int(data.get(f"ver-{c}") or 0))
        except ValueError:
            r.errors.append("Phiên bản của dòng không hợp lệ; hãy tải lại trang.")
        if r.choice not in _CHOICE_CODES:
            r.errors.append("Đánh giá không hợp lệ.")
            r.choice = ""
        if len(r.value) > MAX_VALUE_LENGTH:
            r.errors.append(f"Giá trị dài quá {MAX_VALUE_LENGTH} ký tự.")
        elif r.value:
            try:
                r.parsed = parse_value(ind, r.value)
            except ValueError as exc:
                r.errors.append(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
        if len(r.note) > MAX_NOTE_LENGTH:
            r.errors.append(f"Ghi chú dài quá {MAX_NOTE_LENGTH} ký tự.")
        if files is not None and files.get(f"f-{c}"):
            r.file = files[f"f-{c}"]
            if check_files:
                problem = check_evidence(r.file)
                if problem:
                    r.errors.append(problem)
        out[c] = r
    return out


# -- the sheet -----------------------------------------------------------------------------
@dataclass
class Change:
    """One saved version compared with the one before it (for the history on the page)."""

    obs: Observation
    parts: list[tuple[str, str, str]]  # (field label, old, new)


@dataclass
class Conflict:
    code: str
    current: Observation
    mine: RowInput

    @property
    def current_value(self) -> str:
        return shown_value(self.current) or "(trống)"

    @property
    def current_assessment(self) -> str:
        return choice_label(choice_of(self.current))


@dataclass
class Row:
    ind: object
    rule: str | None
    scope: str
    provenance: str
    threshold_note: str | None
    current: Observation | None
    input: RowInput
    result: IndicatorResult
    history: list[Change]
    conflict: Conflict | None = None

    @property
    def code(self) -> str:
        return self.ind.code

    @property
    def dom_id(self) -> str:
        return self.ind.code.replace(".", "-")

    @property
    def value_unit(self) -> str:
        if self.ind.kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT):
            return "%"
        return self.ind.unit or ""

    @property
    def is_boolean(self) -> bool:
        return self.ind.kind == Kind.BOOLEAN

    @property
    def levels(self) -> list[str]:
        return list(self.ind.levels or []) if self.ind.kind == Kind.LEVEL else []


@dataclass
class Group:
    criterion: object
    result: object  # CriterionResult
    rows: list[Row]


class Sheet:
    """One unit, set and period: what is stored, and what the engine says about it."""

    def __init__(self, unit, cs: CriteriaSet, period: Period, *, codes=None):
        """``codes``: read now only the current rows of these indicators (a save of a few rows needs no
        more); every other row and the history are read when first asked for (the page is shown)."""
        from ntm.apps.evaluations.services import context_for

        self.unit, self.cs, self.period = unit, cs, period
        self.ctx = context_for(unit, period.year, on=period.end)
        self._versions: dict[str, list[Observation]] | None = None
        self._current: dict[str, Observation] | None = None
        self._some: dict[str, Observation] = {}
        self._codes = frozenset(codes) if codes is not None else None
        if self._codes is None:
            self._load()
        elif self._codes:
            self._some = {o.indicator: o for o in current_rows(unit, cs.code, period.key, sorted(self._codes))}

    def _load(self) -> None:
        versions: dict[str, list[Observation]] = defaultdict(list)
        for o in Observation.objects.filter(unit=self.unit, set_code=self.cs.code, period=self.period.key).order_by(
                "indicator", "-version"):
            versions[o.indicator].append(o)
        self._versions = versions
        self._current = {c: vs[0] for c, vs in versions.items() if vs and vs[0].is_current}

    @property
    def versions(self) -> dict[str, list[Observation]]:
        """Every saved version of each indicator, newest first."""
        if self._versions is None:
            self._load()
        return self._versions

    @property
    def current(self) -> dict[str, Observation]:
        if self._current is None:
            self._load()
        return self._current

    def current_of(self, code: str) -> Observation | None:
        if self._current is None and self._codes is not None and code in self._codes:
            return self._some.get(code)
        return self.current.get(code)

    # what the rows were loaded at
    def base(self, code: str, version: int) -> Observation | None:
        if not version:
            return None
        cur = self.current_of(code)
        if cur is not None and cur.version == version:
            return cur
        return next((o for o in self.versions.get(code, []) if o.version == version), None)

    def loaded_inputs(self) -> dict[str, RowInput]:
        out = {}
        for ind in self.cs.indicators:
            o = self.current.get(ind.code)
            out[ind.code] = RowInput(code=ind.code, value=shown_value(o), choice=choice_of(o),
                                     note=o.note if o else "", version=o.version if o else 0)
        return out

    # -- evaluation ------------------------------------------------------------------------
    def observations(self, inputs: dict[str, RowInput] | None = None) -> dict[str, CoreObservation]:
        """Core observations: the stored ones, overridden by the posted rows."""
        from ntm.apps.evaluations.services import _typed

        out: dict[str, CoreObservation] = {}
        for code, o in self.current.items():
            if code not in self.cs.by_code:
                continue
            value = o.value_num if o.value_num is not None else (o.value_text or None)
            out[code] = CoreObservation(code, _typed(value), o.assessment, o.not_applicable)
        for code, r in (inputs or {}).items():
            assessment, na = assessment_of(r.choice)
            value = None if r.errors and r.parsed is None else r.parsed
            if value is None and assessment is None and not na:
                out.pop(code, None)
            else:
                out[code] = CoreObservation(code, value, assessment, na)
        return out

    def evaluate(self, inputs: dict[str, RowInput] | None = None) -> SetResult:
        from ntm.apps.evaluations.models import Result
        from ntm.apps.evaluations.services import child_stats, current_facts

        cs, p = self.cs, self.period
        prereq = {c.set for c in cs.conditions if c.type == "prerequisite" and c.set}
        standards = dict(Result.objects.filter(unit=self.unit, period=p.key, set_code__in=prereq)
                         .values_list("set_code", "standard_met")) if prereq else {}
        children = child_stats(self.unit, cs, p) if any(c.type == "children_share" for c in cs.conditions) else None
        return evaluate(cs, self.observations(inputs), self.ctx, facts=current_facts(self.unit, p.key),
                        standards=standards, children=children, catalog_version=cs.digest)

    # -- saving ----------------------------------------------------------------------------
    def changed(self, r: RowInput) -> bool:
        """Whether a posted row differs from the version it was loaded at."""
        if r.file:
            return True
        base = self.base(r.code, r.version)
        if base is None:
            return not r.empty
        ind = self.cs.by_code[r.code]
        return (r.parsed != _stored_value(ind, base) or (r.value == "") != (shown_value(base) == "")
                or r.choice != choice_of(base) or r.note != base.note)

    def conflicts(self, inputs: dict[str, RowInput]) -> list[Conflict]:
        """Changed rows whose stored value moved on since the form was loaded."""
        out = []
        for code, r in inputs.items():
            cur = self.current_of(code)
            cur_version = cur.version if cur else 0
            if cur_version != r.version and self.changed(r):
                out.append(Conflict(code, cur, r))
        return out

    def entries(self, inputs: dict[str, RowInput], evidence: dict[str, str]) -> list[Entry]:
        out = []
        for code, r in inputs.items():
            if not self.changed(r):
                continue
            assessment, na = assessment_of(r.choice)
            base = self.base(code, r.version)
            out.append(Entry(
                unit=self.unit, set_code=self.cs.code, period=self.period.key, indicator=code, value=r.value or None,
                assessment=assessment, not_applicable=na, note=r.note,
                evidence=evidence.get(code, base.evidence if base else ""), expected_version=r.version,
            ))
        return out

    # -- presentation ----------------------------------------------------------------------
    def history(self, code: str) -> list[Change]:
        vs = self.versions.get(code, [])
        out = []
        for i, o in enumerate(vs):
            prev = vs[i + 1] if i + 1 < len(vs) else None
            parts = []
            for label, get in (("giá trị", shown_value), ("đánh giá", lambda x: choice_label(choice_of(x)) if x else ""),
                               ("ghi chú", lambda x: x.note if x else ""),
                               ("minh chứng", lambda x: evidence_name(x.evidence) if x else "")):
                old, new = get(prev) or "", get(o) or ""
                if prev is None and label == "đánh giá" and new == "(trống)":
                    continue
                if old != new:
                    parts.append((label, old or "(trống)", new or "(trống)"))
            out.append(Change(o, parts))
        return out

    def groups(self, inputs: dict[str, RowInput] | None = None, result: SetResult | None = None,
               conflicts: list[Conflict] | None = None) -> list[Group]:
        inputs = inputs or self.loaded_inputs()
        result = result or self.evaluate(inputs)
        by_code = {r.code: r for r in result.indicators}
        crit_results = {c.number: c for c in result.criteria}
        conflict_by_code = {c.code: c for c in conflicts or []}
        groups = []
        for crit in self.cs.criteria:
            rows = []
            for ind in sorted(crit.indicators, key=lambda i: [int(x) for x in i.code.split(".")]):
                t = self.cs.threshold(ind.code, self.ctx)
                prov = f"{t.provenance.tag.value}, {'đã đối chiếu' if t.provenance.status == 'verified' else 'tạm thời'}" if t else ""
                rows.append(Row(
                    ind=ind, rule=rule_text(ind, t), scope=_scope_label(t) if t else "", provenance=prov,
                    threshold_note=t.note if t else None, current=self.current.get(ind.code),
                    input=inputs.get(ind.code) or RowInput(code=ind.code), result=by_code[ind.code],
                    history=self.history(ind.code), conflict=conflict_by_code.get(ind.code),
                ))
            groups.append(Group(crit, crit_results.get(crit.number), rows))
        return groups


def totals_text(r: SetResult) -> str:
    """"đạt 17/19 tiêu chí (89,47%) với 54/57 chỉ tiêu (94,74%)"."""
    return (f"đạt {r.criteria_met}/{r.criteria_total} tiêu chí ({percent(r.criteria_met, r.criteria_total)}) với "
            f"{r.indicators_met}/{r.indicators_total} chỉ tiêu ({percent(r.indicators_met, r.indicators_total)})")


def local(d: dt.datetime | None) -> str:
    from django.utils import timezone

    return timezone.localtime(d).strftime("%H:%M %d/%m/%Y") if d else ""
