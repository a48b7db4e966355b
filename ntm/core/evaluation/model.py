"""Inputs and results of the evaluation engine (plain data, JSON-ready)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any

from ntm.core import formatting as fmt


class Status(str, Enum):
    MET = "met"
    NOT_MET = "not_met"
    NO_DATA = "no_data"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return {
            "met": "Đạt",
            "not_met": "Chưa đạt",
            "no_data": "Chưa có số liệu",
            "not_applicable": "Không đánh giá",
        }[self.value]


# the letter of each status in a stored result's compact explanation (``SetResult.compact``)
STATUS_LETTERS = {Status.NO_DATA: "X", Status.NOT_MET: "N", Status.MET: "M", Status.NOT_APPLICABLE: "K"}
LETTER_STATUS = {letter: status.value for status, letter in STATUS_LETTERS.items()}


def _shallow(obj) -> dict[str, Any]:
    """``dataclasses.asdict`` for these flat records (values are scalars or lists of strings) without
    its recursive deep copy: saving one value stores ~130 of them, and asdict was a third of it."""
    names = _FIELD_NAMES.get(type(obj))
    if names is None:
        names = _FIELD_NAMES.setdefault(type(obj), tuple(f.name for f in fields(obj)))
    return {n: (list(v) if isinstance(v := getattr(obj, n), list) else v) for n in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


@dataclass(frozen=True)
class Observation:
    """What is known of one indicator for one unit and period.

    ``value``: the measured value (a number, a level name, or yes/no for a boolean indicator);
    ``assessment``: the official's own judgement, True = đạt, False = chưa đạt, None = not given;
    ``not_applicable``: the guidance exempts this unit from the indicator.
    """

    code: str
    value: float | str | bool | None = None
    assessment: bool | None = None
    not_applicable: bool = False


@dataclass
class IndicatorResult:
    code: str
    criterion: int
    status: Status
    counts_as_met: bool
    value: float | str | bool | None
    assessment: bool | None
    rule: str | None  # e.g. "≥ 70%" — None when no threshold applies
    threshold: float | str | bool | None
    scope: str | None  # e.g. "region:TN"
    decided_by: str  # "rule" | "assessment" | "not_applicable" | "none"
    conflict: bool
    explanation: str
    provenance: str | None = None

    @property
    def awaiting_assessment(self) -> bool:
        """A value is there but nothing decides it: no official threshold is loaded and the official has
        not assessed it yet (it counts as not met meanwhile; the status stays "no data" for the totals)."""
        return self.status == Status.NO_DATA and self.decided_by == "none" and self.value is not None

    @property
    def label(self) -> str:
        """The status as a page names it: "Chờ đánh giá" rather than "Chưa có số liệu" when a value is there."""
        return "Chờ đánh giá của cán bộ" if self.awaiting_assessment else self.status.label

    def to_dict(self) -> dict[str, Any]:
        d = _shallow(self)
        d["status"] = self.status.value
        return d


@dataclass
class CriterionResult:
    number: int
    name: str
    met: bool
    indicators_met: int
    indicators_total: int
    unmet_indicators: list[str]
    sector: str | None = None


@dataclass
class ConditionResult:
    code: str
    label: str
    met: bool | None  # None: not known (counts as not met)
    detail: str
    recognition_only: bool = False


@dataclass
class SetResult:
    set_code: str
    catalog_version: str
    criteria_met: int
    criteria_total: int
    indicators_met: int
    indicators_total: int
    unmet_criteria: list[int]
    unmet_indicators: list[str]
    standard_met: bool
    indicators: list[IndicatorResult] = field(default_factory=list)
    criteria: list[CriterionResult] = field(default_factory=list)
    conditions: list[ConditionResult] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def criteria_percent(self) -> float:
        return 100.0 * self.criteria_met / self.criteria_total if self.criteria_total else 0.0

    @property
    def indicators_percent(self) -> float:
        return 100.0 * self.indicators_met / self.indicators_total if self.indicators_total else 0.0

    def scorecard(self, short_name: str | None = None) -> str:
        """As bulletins write it: "đạt 16/19 tiêu chí với 53/57 chỉ tiêu nông thôn mới"."""
        tail = f" {short_name}" if short_name else ""
        return (
            f"đạt {self.criteria_met}/{self.criteria_total} tiêu chí với "
            f"{self.indicators_met}/{self.indicators_total} chỉ tiêu{tail}"
        )

    def summary(self) -> dict[str, Any]:
        return {
            "set": self.set_code,
            "catalog_version": self.catalog_version,
            "criteria": {
                "met": self.criteria_met,
                "total": self.criteria_total,
                "percent": round(self.criteria_percent, 2),
                "percent_text": fmt.percent(self.criteria_met, self.criteria_total),
            },
            "indicators": {
                "met": self.indicators_met,
                "total": self.indicators_total,
                "percent": round(self.indicators_percent, 2),
                "percent_text": fmt.percent(self.indicators_met, self.indicators_total),
            },
            "unmet_criteria": [str(n) for n in self.unmet_criteria],
            "unmet_indicators": list(self.unmet_indicators),
            "standard_met": self.standard_met,
            "conflicts": list(self.conflicts),
        }

    def compact(self, mode: str = "unit") -> dict[str, str]:
        """What a stored result keeps of the explanation: one letter per indicator, in catalogue
        order (:data:`STATUS_LETTERS`). The full explanation (:meth:`to_dict`) is computed again from
        the same observations when a page asks for it: storing it made every save write ~25 kB."""
        return {"mode": mode, "statuses": "".join(STATUS_LETTERS[i.status] for i in self.indicators)}

    def to_dict(self) -> dict[str, Any]:
        d = self.summary()
        d["indicator_results"] = [i.to_dict() for i in self.indicators]
        d["criterion_results"] = [_shallow(c) for c in self.criteria]
        d["conditions"] = [_shallow(c) for c in self.conditions]
        return d
