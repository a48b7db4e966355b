"""The schema of a criteria-set file (YAML), checked on load.

A file describes one criteria set (Bộ tiêu chí) or one overlay (a province tightening
national values). Every number carries provenance; a threshold that no source gives is
simply absent, and the indicator is then decided by the official's own assessment.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ntm.core.codes import code_key, criterion_of, is_code

REGIONS: dict[str, str] = {
    "TDMNPB": "Trung du và miền núi phía Bắc",
    "DBSH": "Đồng bằng sông Hồng",
    "BTB": "Bắc Trung Bộ",
    "DHNTB": "Duyên hải Nam Trung Bộ",
    "TN": "Tây Nguyên",
    "DNB": "Đông Nam Bộ",
    "DBSCL": "Đồng bằng sông Cửu Long",
}
GROUPS = ("1", "2", "3")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _located(title: str, errors: list[tuple[tuple, str]]) -> ValidationError:
    """A validation error whose location points inside the model (e.g. ``thresholds[1].value``),
    so that the loader can report the exact line of the offending value, not the model's first line."""
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError("value_error", "{message}", {"message": msg}), loc=loc, input=None
            )
            for loc, msg in errors
        ],
    )


def threshold_problem(kind: Kind, levels: list[str] | None, value: object) -> str | None:
    """Why ``value`` cannot be a threshold of an indicator of this kind (None if it can).
    Shared by set files and provincial overlays."""
    if kind in NUMERIC_KINDS and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"threshold {value!r} for a {kind.value} indicator must be a number"
    if kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT) and not 0 <= value <= 100:  # type: ignore[operator]
        return f"percentage threshold {value:g} is outside 0–100"  # type: ignore[str-format]
    if kind == Kind.LEVEL and value not in (levels or []):
        return f"threshold {value!r} is not one of the levels {levels}"
    if kind == Kind.BOOLEAN and value not in (True, "Đạt", "đạt"):
        return "a boolean indicator's threshold can only be 'Đạt' (true)"
    return None


class Tag(str, Enum):
    """Confidence marks, as in the research notes (shared/domain)."""

    OFF = "OFF"  # official text seen
    NEWS = "NEWS"  # news / legal Q&A paraphrasing the text
    NEWS_G = "NEWS-G"  # ministry guidance quoted in news
    NEWS_P = "NEWS-P"  # provincial newspaper, may be a provincial value
    RECALL = "RECALL"  # structure only, not found in any source
    PLACEHOLDER = "PLACEHOLDER"  # a slot the official text has but our sources do not describe
    LOCAL = "LOCAL"  # entered by an office (overlay, imported annex)


class Provenance(_Strict):
    source: str = Field(min_length=1, description="Document, page or source key")
    tag: Tag
    status: Literal["verified", "provisional"] = "provisional"
    note: str | None = None


class Kind(str, Enum):
    BOOLEAN = "boolean"  # đạt / không đạt
    MIN_PERCENT = "min_percent"  # ≥ x %
    MAX_PERCENT = "max_percent"  # ≤ x %
    MIN_AMOUNT = "min_amount"  # ≥ x (unit)
    MAX_AMOUNT = "max_amount"  # ≤ x (unit)
    LEVEL = "level"  # at least a named level, levels ordered low → high


NUMERIC_KINDS = {Kind.MIN_PERCENT, Kind.MAX_PERCENT, Kind.MIN_AMOUNT, Kind.MAX_AMOUNT}


def _check_scope(scope: str) -> str:
    if scope == "national":
        return scope
    kind, _, key = scope.partition(":")
    if kind == "region" and key in REGIONS:
        return scope
    if kind == "group" and key in GROUPS:
        return scope
    if kind == "province" and key.isdigit():
        return scope
    raise ValueError(
        f"unknown scope {scope!r}: use 'national', 'region:<{'|'.join(REGIONS)}>', "
        "'group:<1|2|3>' or 'province:<official code>'"
    )


class Threshold(_Strict):
    scope: str = "national"
    value: float | str | bool
    year: int | None = Field(default=None, ge=1990, le=2100, description="The single year this value applies to")
    from_year: int | None = Field(default=None, ge=1990, le=2100)
    to_year: int | None = Field(default=None, ge=1990, le=2100)
    provenance: Provenance

    @field_validator("scope")
    @classmethod
    def _scope(cls, v: str) -> str:
        return _check_scope(v)

    @model_validator(mode="after")
    def _years(self) -> Threshold:
        if self.year is not None and (self.from_year is not None or self.to_year is not None):
            raise ValueError("give either 'year' or 'from_year'/'to_year', not both")
        if self.from_year and self.to_year and self.from_year > self.to_year:
            raise ValueError("from_year is after to_year")
        return self

    def applies_to(self, year: int | None) -> bool:
        if year is None:
            return self.year is None and self.from_year is None and self.to_year is None
        if self.year is not None:
            return self.year == year
        if self.from_year is not None and year < self.from_year:
            return False
        if self.to_year is not None and year > self.to_year:
            return False
        return True


class Relative(_Strict):
    """A threshold defined from another set's threshold (kiểu mẫu: income ≥ 110 % of nâng cao)."""

    set: str
    indicator: str
    factor: float = Field(gt=0)
    provenance: Provenance


def missing_content_label(code: str, criterion_number: int | None, criterion_name: str | None) -> str:
    """What pages and documents print for an indicator whose wording is not in our sources
    (``content: null`` in the file): its code and its criterion ("Chỉ tiêu 1.1 thuộc tiêu chí số 1 về
    Quy hoạch"), never a note about the catalogue."""
    if criterion_number is None or not criterion_name:
        return f"Chỉ tiêu {code}"
    return f"Chỉ tiêu {code} thuộc tiêu chí số {criterion_number} về {criterion_name}"


class Indicator(_Strict):
    code: str
    content: str = Field(
        min_length=1,
        description="The official wording; a file writes null when our sources "
        "do not give it, and the label of missing_content_label() stands in",
    )
    content_known: bool = Field(
        default=True,
        description="False: 'content' is the stand-in label, not the official wording (the file said content: null)",
    )
    kind: Kind
    unit: str | None = None
    levels: list[str] | None = Field(default=None, description="For kind 'level': ordered low → high")
    thresholds: list[Threshold] = Field(default_factory=list)
    relative_to: Relative | None = None
    dynamic: bool = Field(default=False, description="'Tiêu chí động': can regress (income, poverty, insurance…)")
    reference: str | None = Field(default=None, description="Values seen in sources but not encoded as a rule, and why")
    provenance: Provenance

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not is_code(v):
            raise ValueError(f"indicator code {v!r} is not of the form '2', '2.1' or '17.12'")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.kind == Kind.LEVEL and not self.levels:
            raise _located("Indicator", [(("levels",), "kind 'level' needs 'levels'")])
        errors: list[tuple[tuple, str]] = []
        seen = set()
        for n, t in enumerate(self.thresholds):
            problem = threshold_problem(self.kind, self.levels, t.value)
            if problem:
                errors.append((("thresholds", n, "value"), problem))
            key = (t.scope, t.year, t.from_year, t.to_year)
            if key in seen:
                errors.append((("thresholds", n, "scope"), f"two thresholds for scope {t.scope!r} and the same years"))
            seen.add(key)
        if self.relative_to and self.kind not in NUMERIC_KINDS:
            errors.append((("relative_to",), "'relative_to' needs a numeric kind"))
        if errors:
            raise _located("Indicator", errors)
        return self


class Sector(_Strict):
    ministry: str
    provenance: Provenance | None = None


class Criterion(_Strict):
    number: int = Field(ge=1)
    name: str = Field(min_length=1)
    group: str | None = None
    sector: Sector | None = None
    indicators: list[Indicator] = Field(min_length=1)
    provenance: Provenance

    @model_validator(mode="before")
    @classmethod
    def _missing_content(cls, data):
        """``content: null`` (wording not in our sources): the indicator reads as its code and this
        criterion, the one label every page and document prints (an absent key stays an error)."""
        if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
            return data
        if not any(isinstance(i, dict) and "content" in i and i["content"] is None for i in data["indicators"]):
            return data
        number = data.get("number") if isinstance(data.get("number"), int) else None
        name = data.get("name") if isinstance(data.get("name"), str) else None
        indicators = [
            {**i, "content": missing_content_label(str(i.get("code", "")), number, name), "content_known": False}
            if isinstance(i, dict) and "content" in i and i["content"] is None
            else i
            for i in data["indicators"]
        ]
        return {**data, "indicators": indicators}

    @model_validator(mode="after")
    def _codes(self) -> Criterion:
        errors: list[tuple[tuple, str]] = []
        seen: set[str] = set()
        for n, ind in enumerate(self.indicators):
            c = ind.code
            if c in seen:
                errors.append((("indicators", n, "code"), f"indicator code {c} repeated in criterion {self.number}"))
            seen.add(c)
            if criterion_of(c) != self.number:
                errors.append((("indicators", n, "code"), f"indicator {c} does not belong to criterion {self.number}"))
        if errors:
            raise _located("Criterion", errors)
        return self


class Group(_Strict):
    code: str
    name: str


class LegalBasis(_Strict):
    decision: str
    annex: str | None = None
    date: dt.date | None = None
    signer: str | None = None
    provenance: Provenance


class Condition(_Strict):
    """A set-level condition beyond the indicators.

    - ``prerequisite``: the unit meets set ``set`` (nâng cao requires NTM);
    - ``fact_min`` / ``fact_true``: a recorded fact about the unit (satisfaction %, smart villages…);
    - ``children_share``: among the unit's child units of ``child_types``, the share meeting
      ``set`` (or with fact ``fact`` true) is at least ``min_percent`` (districts from communes).
    """

    code: str
    type: Literal["prerequisite", "fact_min", "fact_true", "children_share"]
    label: str
    set: str | None = None
    fact: str | None = None
    value: float | None = None
    min_percent: float | None = Field(default=None, ge=0, le=100)
    child_types: list[str] | None = None
    recognition_only: bool = Field(
        default=False, description="Needed for recognition (dossier) but not for the standard"
    )
    provenance: Provenance

    @model_validator(mode="after")
    def _fields(self) -> Condition:
        need = {
            "prerequisite": ("set",),
            "fact_min": ("fact", "value"),
            "fact_true": ("fact",),
            "children_share": ("min_percent",),
        }[self.type]
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"condition {self.code!r} of type {self.type} needs {', '.join(missing)}")
        if self.type == "children_share" and not (self.set or self.fact):
            raise ValueError(f"condition {self.code!r}: children_share needs 'set' or 'fact'")
        return self


class Declared(_Strict):
    """Totals as the official text and bulletins state them (e.g. 19/57)."""

    criteria: int = Field(ge=1)
    indicators: int | None = Field(default=None, ge=1)
    provenance: Provenance


Level = Literal["village", "commune", "district", "province"]
Tier = Literal["ntm", "nang_cao", "kieu_mau", "hien_dai"]
Phase = Literal["2010-2015", "2016-2020", "2021-2025", "2026-2030"]


class CriteriaSetFile(_Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    short_name: str | None = Field(default=None, description="As bulletins write it: 'nông thôn mới nâng cao'")
    phase: Phase
    level: Level
    tier: Tier
    legal_basis: LegalBasis
    valid_from: dt.date
    valid_to: dt.date | None = None
    prerequisite: str | None = None
    scope_kind: Literal["region", "group"] = "region"
    special_override_region: str | None = Field(
        default=None, description="Region whose values ĐBKK/ATK communes use (QĐ 318: TDMNPB)"
    )
    not_applicable_counts_as_met: bool = True
    province: str | None = Field(default=None, description="Official code of the issuing province, for local sets")
    declared: Declared | None = None
    groups: list[Group] = Field(default_factory=list)
    criteria: list[Criterion] = Field(min_length=1)
    conditions: list[Condition] = Field(default_factory=list)
    notes: str | None = None

    @model_validator(mode="after")
    def _structure(self) -> CriteriaSetFile:
        errors: list[tuple[tuple, str]] = []
        nums = [c.number for c in self.criteria]
        seen: set[int] = set()
        for k, n in enumerate(nums):
            if n in seen:
                errors.append((("criteria", k, "number"), f"criterion number {n} repeats"))
            elif k and n < nums[k - 1]:
                errors.append((("criteria", k, "number"), "criteria must be listed in order of their number"))
            seen.add(n)
        groups = {g.code for g in self.groups}
        for k, c in enumerate(self.criteria):
            if c.group is not None and c.group not in groups:
                errors.append(
                    (
                        ("criteria", k, "group"),
                        f"criterion {c.number} names group {c.group!r}, which is not in 'groups'",
                    )
                )
        if self.special_override_region and self.special_override_region not in REGIONS:
            errors.append(
                (
                    ("special_override_region",),
                    f"special_override_region {self.special_override_region!r} is not a region",
                )
            )
        if self.valid_to and self.valid_to < self.valid_from:
            errors.append((("valid_to",), "valid_to is before valid_from"))
        if self.declared:
            if self.declared.criteria != len(self.criteria):
                errors.append(
                    (
                        ("declared", "criteria"),
                        f"declared {self.declared.criteria} criteria but the file lists {len(self.criteria)}",
                    )
                )
            n = sum(len(c.indicators) for c in self.criteria)
            if self.declared.indicators is not None and self.declared.indicators != n:
                errors.append(
                    (
                        ("declared", "indicators"),
                        f"declared {self.declared.indicators} indicators but the file lists {n}",
                    )
                )
        wrong = "group" if self.scope_kind == "region" else "region"
        for k, c in enumerate(self.criteria):
            for j, i in enumerate(c.indicators):
                for m, t in enumerate(i.thresholds):
                    if t.scope.split(":")[0] == wrong:
                        errors.append(
                            (
                                ("criteria", k, "indicators", j, "thresholds", m, "scope"),
                                f"indicator {i.code}: this set is keyed by {self.scope_kind}, not by {wrong}",
                            )
                        )
        if errors:
            raise _located("CriteriaSetFile", errors)
        return self


class OverlayThreshold(_Strict):
    indicator: str
    thresholds: list[Threshold] = Field(min_length=1)


class OverlayFile(_Strict):
    """A province's tightening of a national set: thresholds with scope 'province:<code>'."""

    overlay: str = Field(description="Code of the set this overlay modifies")
    province: str
    region: str | None = Field(
        default=None,
        description="The province's region: its values are then checked against that region's values "
        "(otherwise against the most lenient national or regional value)",
    )
    name: str
    legal_basis: LegalBasis
    indicators: list[OverlayThreshold] = Field(min_length=1)

    @model_validator(mode="after")
    def _scopes(self) -> OverlayFile:
        errors: list[tuple[tuple, str]] = []
        if self.region is not None and self.region not in REGIONS:
            errors.append((("region",), f"unknown region {self.region!r}: use one of {', '.join(REGIONS)}"))
        for k, o in enumerate(self.indicators):
            for m, t in enumerate(o.thresholds):
                if t.scope != f"province:{self.province}":
                    errors.append(
                        (
                            ("indicators", k, "thresholds", m, "scope"),
                            f"overlay threshold for {o.indicator} must have scope 'province:{self.province}'",
                        )
                    )
        if errors:
            raise _located("OverlayFile", errors)
        return self


def sorted_codes_ok(codes: list[str]) -> bool:
    return codes == sorted(codes, key=code_key)


__all__ = [
    "REGIONS",
    "GROUPS",
    "Tag",
    "Provenance",
    "Kind",
    "NUMERIC_KINDS",
    "Threshold",
    "Relative",
    "Indicator",
    "Sector",
    "Criterion",
    "Group",
    "LegalBasis",
    "Condition",
    "Declared",
    "CriteriaSetFile",
    "OverlayFile",
    "threshold_problem",
    "missing_content_label",
]
