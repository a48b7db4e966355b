"""The entry sheet: every indicator of a set for one unit and period, read from the database and
from a posted form, evaluated with the engine (for the page and the htmx preview), and turned into
``Entry`` rows for ``record_many``.

Form fields, per indicator code ``c`` (e.g. ``17.1``): ``v-c`` value as typed ("84,21", "có", a
level name), ``a-c`` assessment (``dat`` / ``chua_dat`` / ``kdg`` = không đánh giá / empty), ``n-c``
note, ``f-c`` evidence file, ``ver-c`` the version the row was loaded at (0: no value yet), ``ok-c``
confirms a value carried over from the previous period (``confirm_all``: every posted row).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from ntm.apps.units.thresholds import context_for
from ntm.core.catalog import CriteriaSet, Kind, prerequisites
from ntm.core.evaluation import IndicatorResult, SetResult, evaluate
from ntm.core.evaluation import Observation as CoreObservation
from ntm.core.evaluation.engine import rule_text
from ntm.core.evaluation.engine import scope_label as _scope_label
from ntm.core.formatting import percent
from ntm.core.periods import Period
from ntm.core.values import ValueRefused, clean_text, input_text, measure_unit, parse_value, stored_truth

from .evidence import (  # noqa: F401 - the views and tests use them from here
    EVIDENCE_ACCEPT,
    EVIDENCE_DIR,
    EVIDENCE_TYPES,
    MAX_EVIDENCE_BYTES,
    check_evidence,
    delete_evidence,
    evidence_belongs_to,
    evidence_name,
    store_evidence,
)
from .models import CARRIED_OVER, Fact, Observation, ObservationVersion
from .results import readers
from .services import Entry, current_rows

ASSESSMENT_CHOICES = [("", "— chưa đánh giá —"), ("dat", "Đạt"), ("chua_dat", "Chưa đạt"), ("kdg", "Không đánh giá")]
_CHOICE_CODES = {c for c, _ in ASSESSMENT_CHOICES}
MAX_VALUE_LENGTH = 200
MAX_NOTE_LENGTH = 2000


# -- values --------------------------------------------------------------------------------
def show_number(v: float) -> str:
    """A stored number as an official would type it again and as it reads back exactly: comma decimals,
    no thousands dots ("84,21", "6084", "0,5", "64,1250" — three decimals alone would be ambiguous)."""
    return input_text(v)


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
    confirm: bool = False  # the value carried over from the previous period is confirmed as it is

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
        r = RowInput(
            code=c,
            value=(data.get(f"v-{c}") or "").strip(),
            choice=data.get(f"a-{c}") or "",
            note=(data.get(f"n-{c}") or "").strip().replace("\r\n", "\n"),
            confirm=bool(data.get(f"ok-{c}") or data.get("confirm_all")),
        )
        for label, text in (("Giá trị", r.value), ("Ghi chú", r.note)):
            try:
                clean_text(text, label)
            except ValueRefused as exc:
                r.errors.append(f"{exc.message}.")
        # NFC; a NUL is refused above and not shown again
        r.value, r.note = clean_text(r.value.replace("\x00", "")), clean_text(r.note.replace("\x00", ""))
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
            except ValueRefused as exc:
                r.errors.append(f"{exc.message[:1].upper()}{exc.message[1:]}.")
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


def awaiting_assessment(cs: CriteriaSet, ctx, inputs: dict[str, RowInput]) -> list[str]:
    """The posted rows that have a value, no assessment, and no official threshold to decide them: the
    official's assessment decides, and it is still to be given."""
    return [
        code
        for code, r in inputs.items()
        if r.value
        and not r.choice
        and not r.errors
        and cs.by_code[code].kind != Kind.BOOLEAN
        and cs.threshold(code, ctx) is None
    ]


def awaiting_text(codes: list[str]) -> str:
    return (
        f"Chỉ tiêu {', '.join(codes)}: giá trị đã được lưu, nhưng chưa có ngưỡng chính thức nào được nạp cho "
        f"{'chỉ tiêu này' if len(codes) == 1 else 'các chỉ tiêu này'} nên đánh giá của cán bộ quyết định. Hãy chọn "
        "«Đạt» hoặc «Chưa đạt» ở cột Đánh giá; khi chưa có đánh giá, chỉ tiêu tạm tính là chưa đạt."
    )


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
        return measure_unit(self.ind)

    @property
    def asks_assessment(self) -> bool:
        """A value is there for an indicator with no official threshold loaded and no assessment chosen:
        the official's assessment decides, and the row asks for it."""
        return self.rule is None and not self.is_boolean and bool(self.input.value) and not self.input.choice

    @property
    def is_boolean(self) -> bool:
        return self.ind.kind == Kind.BOOLEAN

    @property
    def carried(self) -> bool:
        """The stored value was copied from the previous period and is not yet confirmed or changed."""
        return self.current is not None and self.current.source == CARRIED_OVER

    @property
    def carried_from(self) -> str:
        """The key of the period the value was copied from ("" if unknown); pages show it in words."""
        batch = self.current.batch if self.current is not None else ""
        key = batch.removeprefix("chep-tu-")
        try:
            return Period.parse(key).key
        except ValueError:
            return ""

    @property
    def levels(self) -> list[str]:
        return list(self.ind.levels or []) if self.ind.kind == Kind.LEVEL else []


@dataclass
class Group:
    criterion: object
    result: object  # CriterionResult
    rows: list[Row]


def current_facts(unit, period: str) -> dict[str, float | None]:
    """{name: value} of the unit's current facts for a period (what the engine reads besides values)."""
    return dict(Fact.objects.filter(unit=unit, period=period, is_current=True).values_list("name", "value"))


class Sheet:
    """One unit, set and period: what is stored, and what the engine says about it."""

    def __init__(self, unit, cs: CriteriaSet, period: Period, *, codes=None):
        """``codes``: read now only the current rows of these indicators (a save of a few rows needs no
        more); every other row and the history are read when first asked for (the page is shown)."""
        self.unit, self.cs, self.period = unit, cs, period
        self.ctx = context_for(unit, period.year, on=period.end)
        self._versions: dict[str, list[ObservationVersion]] | None = None
        self._current: dict[str, Observation] | None = None
        self._some: dict[str, Observation] = {}
        self._codes = frozenset(codes) if codes is not None else None
        if self._codes is None:
            self._load()
        elif self._codes:
            self._some = {o.indicator: o for o in current_rows(unit, cs.code, period.key, sorted(self._codes))}

    def _load(self) -> None:
        cell = dict(unit=self.unit, set_code=self.cs.code, period=self.period.key)
        self._current = {o.indicator: o for o in Observation.objects.filter(**cell)}

    @property
    def versions(self) -> dict[str, list[ObservationVersion]]:
        """Every saved version of each indicator, newest first (read from the history when first asked for)."""
        if self._versions is None:
            versions: dict[str, list[ObservationVersion]] = defaultdict(list)
            for o in ObservationVersion.objects.filter(
                unit=self.unit, set_code=self.cs.code, period=self.period.key
            ).order_by("indicator", "-version"):
                versions[o.indicator].append(o)
            self._versions = versions
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
    def base(self, code: str, version: int) -> Observation | ObservationVersion | None:
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
            out[ind.code] = RowInput(
                code=ind.code,
                value=shown_value(o),
                choice=choice_of(o),
                note=o.note if o else "",
                version=o.version if o else 0,
            )
        return out

    # -- evaluation ------------------------------------------------------------------------
    def observations(self, inputs: dict[str, RowInput] | None = None) -> dict[str, CoreObservation]:
        """Core observations: the stored ones, overridden by the posted rows."""
        out: dict[str, CoreObservation] = {}
        for code, o in self.current.items():
            if code not in self.cs.by_code:
                continue
            value = o.value_num if o.value_num is not None else (o.value_text or None)
            out[code] = CoreObservation(code, stored_truth(value), o.assessment, o.not_applicable)
        for code, r in (inputs or {}).items():
            assessment, na = assessment_of(r.choice)
            value = None if r.errors and r.parsed is None else r.parsed
            if value is None and assessment is None and not na:
                out.pop(code, None)
            else:
                out[code] = CoreObservation(code, value, assessment, na)
        return out

    def evaluate(self, inputs: dict[str, RowInput] | None = None) -> SetResult:
        # the sheet is evaluated as it would stand once saved: with the working figures (including
        # unapproved data) of its prerequisites and child communes
        cs, p = self.cs, self.period
        prereq = prerequisites.direct(cs)
        stored = readers()
        standards = stored.standards(self.unit, p.key, prereq) if prereq else {}
        children = stored.children(self.unit, cs, p) if any(c.type == "children_share" for c in cs.conditions) else None
        return evaluate(
            cs,
            self.observations(inputs),
            self.ctx,
            facts=current_facts(self.unit, p.key),
            standards=standards,
            children=children,
            catalog_version=cs.digest,
        )

    # -- saving ----------------------------------------------------------------------------
    def changed(self, r: RowInput) -> bool:
        """Whether a posted row differs from the version it was loaded at (a value carried over from the
        previous period and confirmed counts as a change: it is saved again, as the user's own)."""
        if r.file:
            return True
        base = self.base(r.code, r.version)
        if base is None:
            return not r.empty
        if r.confirm and base.source == CARRIED_OVER:
            return True
        ind = self.cs.by_code[r.code]
        return (
            r.parsed != _stored_value(ind, base)
            or (r.value == "") != (shown_value(base) == "")
            or r.choice != choice_of(base)
            or r.note != base.note
        )

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
            out.append(
                Entry(
                    unit=self.unit,
                    set_code=self.cs.code,
                    period=self.period.key,
                    indicator=code,
                    value=r.value or None,
                    assessment=assessment,
                    not_applicable=na,
                    note=r.note,
                    evidence=evidence.get(code, base.evidence if base else ""),
                    expected_version=r.version,
                )
            )
        return out

    # -- presentation ----------------------------------------------------------------------
    def history(self, code: str) -> list[Change]:
        vs = self.versions.get(code, [])
        out = []
        for i, o in enumerate(vs):
            prev = vs[i + 1] if i + 1 < len(vs) else None
            parts = []
            for label, get in (
                ("giá trị", shown_value),
                ("đánh giá", lambda x: choice_label(choice_of(x)) if x else ""),
                ("ghi chú", lambda x: x.note if x else ""),
                ("minh chứng", lambda x: evidence_name(x.evidence) if x else ""),
            ):
                old, new = get(prev) or "", get(o) or ""
                if prev is None and label == "đánh giá" and new == "(trống)":
                    continue
                if old != new:
                    parts.append((label, old or "(trống)", new or "(trống)"))
            out.append(Change(o, parts))
        return out

    def groups(
        self,
        inputs: dict[str, RowInput] | None = None,
        result: SetResult | None = None,
        conflicts: list[Conflict] | None = None,
    ) -> list[Group]:
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
                prov = (
                    f"{t.provenance.tag.value}, {'đã đối chiếu' if t.provenance.status == 'verified' else 'tạm thời'}"
                    if t
                    else ""
                )
                rows.append(
                    Row(
                        ind=ind,
                        rule=rule_text(ind, t),
                        scope=_scope_label(t) if t else "",
                        provenance=prov,
                        threshold_note=t.note if t else None,
                        current=self.current.get(ind.code),
                        input=inputs.get(ind.code) or RowInput(code=ind.code),
                        result=by_code[ind.code],
                        history=self.history(ind.code),
                        conflict=conflict_by_code.get(ind.code),
                    )
                )
            groups.append(Group(crit, crit_results.get(crit.number), rows))
        return groups


def filled(o: Observation | None) -> bool:
    """Whether a stored row answers its indicator: a value, an assessment or "không đánh giá"."""
    return o is not None and bool(
        o.value_text or o.value_num is not None or o.assessment is not None or o.not_applicable
    )


def missing(sheet: Sheet) -> list:
    """The indicators of the sheet that nothing answers yet (in catalogue order)."""
    return [ind for ind in sheet.cs.indicators if not filled(sheet.current.get(ind.code))]


def unconfirmed(sheet: Sheet) -> list:
    """The indicators whose value was carried over from the previous period and not yet confirmed."""
    return [
        ind
        for ind in sheet.cs.indicators
        if (o := sheet.current.get(ind.code)) is not None and o.source == CARRIED_OVER
    ]


def totals_text(r: SetResult) -> str:
    """ "đạt 17/19 tiêu chí (89,47%) với 54/57 chỉ tiêu (94,74%)"."""
    return (
        f"đạt {r.criteria_met}/{r.criteria_total} tiêu chí ({percent(r.criteria_met, r.criteria_total)}) với "
        f"{r.indicators_met}/{r.indicators_total} chỉ tiêu ({percent(r.indicators_met, r.indicators_total)})"
    )


def local(d: dt.datetime | None) -> str:
    from django.utils import timezone

    return timezone.localtime(d).strftime("%H:%M %d/%m/%Y") if d else ""
