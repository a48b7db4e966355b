"""What the report checker finds: claims (figures as stated), findings, and the report around them.

All spans are ``(start, end)`` offsets into :attr:`Report.text`, the normalised text (NFC,
invisible characters removed), so ``report.text[start:end] == claim.text`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

Kind = Literal["criteria", "indicators", "units"]
Severity = Literal["error", "warning"]

KIND_WORD = {"criteria": "tiêu chí", "indicators": "chỉ tiêu", "units": "đơn vị"}


@dataclass
class Period:
    """The time a report speaks of.

    ``key`` follows the project's period keys: "2023-07" (a month), "2024-Q1", "2022" (a year or
    part of a year); ``label`` is as officials write it ("tháng 7/2023", "8 tháng đầu năm 2022").
    """

    key: str | None
    label: str
    year: int | None
    month: int | None = None
    date: str | None = None  # ISO date of issue of the report / meeting, when stated ("2022-08-19")
    text: str = ""
    span: tuple[int, int] | None = None
    as_of: str | None = None  # ISO date the figures stand at (end of the period): picks the criteria sets

    def __str__(self) -> str:
        return self.key or self.label

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "year": self.year,
            "month": self.month,
            "date": self.date,
            "as_of": self.as_of,
            "text": self.text,
            "span": list(self.span) if self.span else None,
        }


@dataclass
class UnmetItem:
    code: str  # "17" (a criterion) or "17.6" (an indicator), as written
    span: tuple[int, int]


@dataclass
class UnmetList:
    """'còn 2 tiêu chí chưa đạt: tiêu chí số 1; 15 và 17' / 'chưa đạt các chỉ tiêu 1.1; 1.2; 15.1'."""

    kind: Kind
    count: int | None  # the number stated ("còn 2 …"), if any
    count_span: tuple[int, int] | None
    items: list[UnmetItem]
    span: tuple[int, int]


@dataclass
class Change:
    """'tăng 02 chỉ tiêu so với đầu năm'."""

    delta: int
    kind: Kind
    since: str | None
    span: tuple[int, int]
    text: str


@dataclass
class Claim:
    subject: str | None  # as named, resolved: "Xã Nguyên Lý", "Huyện Đầm Hà", "8 xã", "cả nước"
    subject_text: str | None  # the words in the text the subject was read from ("huyện")
    level: str | None  # commune | district | province | village | national
    unit_code: str | None
    set: str | None  # criteria-set code, e.g. "xa-ntm-2021"
    set_source: str | None  # stated | run | clause | sentence | context | inferred | None
    kind: Kind
    unit_type: str | None  # for kind "units": the unit counted ("xã")
    achieved: float | None
    total: float | None
    percent: float | None
    percent_places: int | None
    achieved_places: int
    aggregate_of: int | None
    average: bool
    modality: str  # current | past | target
    text: str
    span: tuple[int, int]
    figure_span: tuple[int, int]  # the "a/b" part
    achieved_span: tuple[int, int] | None = None
    total_span: tuple[int, int] | None = None
    percent_span: tuple[int, int] | None = None
    unmet: list[UnmetItem] | None = None
    unmet_count: int | None = None
    unmet_span: tuple[int, int] | None = None
    unmet_count_span: tuple[int, int] | None = None
    change: Change | None = None
    notes: list[str] = field(default_factory=list)
    when: str | None = None  # the time named in the sentence ("2017"), when not the report's period
    container: str | None = None  # for counts and averages over units: the unit they are counted in
    container_code: str | None = None
    percent_approx: bool = False  # "gần 90%", "khoảng 78%"
    count: str | None = None  # for kind "units": "standard" (units at a standard) | "class" (a band of criteria)

    @cached_property
    def subject_key(self) -> str | None:
        if self.unit_code:
            return "unit:" + self.unit_code
        if self.subject is None:
            return None
        from .text import fold

        return "name:" + fold(self.subject)

    @property
    def integral(self) -> bool:
        return self.achieved is not None and float(self.achieved).is_integer()

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "subject_text": self.subject_text,
            "level": self.level,
            "unit_code": self.unit_code,
            "set": self.set,
            "set_source": self.set_source,
            "kind": self.kind,
            "unit_type": self.unit_type,
            "achieved": _num(self.achieved),
            "total": _num(self.total),
            "percent": _num(self.percent),
            "unmet": [i.code for i in self.unmet] if self.unmet is not None else None,
            "unmet_count": self.unmet_count,
            "aggregate_of": self.aggregate_of,
            "average": self.average,
            "modality": self.modality,
            "change": (
                {
                    "delta": self.change.delta,
                    "since": self.change.since,
                    "text": self.change.text,
                    "span": list(self.change.span),
                }
                if self.change
                else None
            ),
            "when": self.when,
            "count": self.count,
            "container": self.container,
            "container_code": self.container_code,
            "text": self.text,
            "span": list(self.span),
            "notes": list(self.notes),
        }


@dataclass
class UnitList:
    """A count of units with the units it names: "8 xã: Nam Mỹ, Nam Thắng, …" or "(06 xã):" followed by
    one line per unit. ``complete`` is False when the list could not be read to its end."""

    count: int
    count_span: tuple[int, int]
    unit_type: str
    names: list[tuple[str, tuple[int, int]]]
    span: tuple[int, int]
    complete: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "unit_type": self.unit_type,
            "names": [n for n, _ in self.names],
            "complete": self.complete,
            "span": list(self.span),
        }


@dataclass
class Recognition:
    """'UBND tỉnh đã công nhận xã Đầm Hà đạt chuẩn nông thôn mới kiểu mẫu' (or a proposal to)."""

    subject: str
    level: str | None
    unit_code: str | None
    set: str | None
    status: Literal["recognized", "proposed"]
    text: str
    span: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "level": self.level,
            "unit_code": self.unit_code,
            "set": self.set,
            "status": self.status,
            "text": self.text,
            "span": list(self.span),
        }


SEVERITY_LABEL = {"error": "Lỗi", "warning": "Cần xem lại"}


@dataclass
class Finding:
    """One inconsistency. ``code`` is a stable machine key (JSON, tests); what users read is ``title``,
    ``message``, ``sentence``, ``expected`` and ``suggestion``, all in Vietnamese. An ``error`` is a
    figure that cannot be right (arithmetic); a ``warning`` is a doubt worth a second look."""

    severity: Severity
    code: str
    message: str
    reported: str | None
    expected: str | None
    text: str
    span: tuple[int, int]
    subject: str | None = None
    set: str | None = None
    claim_span: tuple[int, int] | None = None
    related_span: tuple[int, int] | None = None
    title: str = ""
    suggestion: str | None = None
    sentence: str = ""

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABEL[self.severity]

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "severity_label": self.severity_label,
            "code": self.code,
            "title": self.title,
            "message": self.message,
            "suggestion": self.suggestion,
            "sentence": self.sentence,
            "reported": self.reported,
            "expected": self.expected,
            "subject": self.subject,
            "set": self.set,
            "text": self.text,
            "span": list(self.span),
            "claim_span": list(self.claim_span) if self.claim_span else None,
            "related_span": list(self.related_span) if self.related_span else None,
        }


@dataclass
class Report:
    source: str | None
    text: str
    claims: list[Claim] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    recognitions: list[Recognition] = field(default_factory=list)
    period: Period | None = None
    context_names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unit_lists: list[UnitList] = field(default_factory=list)
    subject: str | None = None  # the unit the report is about, from its title ("Xã Khánh Bình")
    layout: Any = field(default=None, repr=False, compare=False)  # sentences of ``text`` (text.Layout), when known

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "period": self.period.to_dict() if self.period else None,
            "context_names": list(self.context_names),
            "claims": [c.to_dict() for c in self.claims],
            "findings": [f.to_dict() for f in self.findings],
            "recognitions": [r.to_dict() for r in self.recognitions],
            "unit_lists": [x.to_dict() for x in self.unit_lists],
            "subject": self.subject,
            "notes": list(self.notes),
        }


def _num(v: float | None) -> float | int | None:
    if v is None:
        return None
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 2**53 else f
