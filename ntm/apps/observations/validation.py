"""One validation path for a value, whatever its door: the entry form, the API, the Excel import (and
``ntm evaluate``, which shares the value parser of :mod:`ntm.core.values`).

What every door checks, with these functions and these messages:

- the value, by the indicator's type and range (:func:`ntm.core.values.read_value`) and the
  assessment words (:func:`ntm.core.values.read_assessment`);
- the unit existed during the period (:func:`unit_problem`: its validity interval meets the period)
  and the criteria set was in force then (:func:`cell_problem`: the set's ``valid_from``/``valid_to``
  — units of the 2024 edition have no known start, so the set is what refuses a period like 1900-01);
- no NUL character in any text (:func:`ntm.core.values.clean_text`), texts normalised to NFC;
- evidence only as a reference to a file uploaded for the same unit, set and period
  (:func:`ntm.apps.observations.evidence.reference_problem`) — unless it is the evidence already
  recorded for the value;
- a value that replaces a current one names the version it replaces (:func:`version_required`),
  otherwise it is refused as a conflict (the API answers 409) and nothing is written.

``services.record_many`` applies them to the form's and the API's entries; the import's ``_Checker``
and ``_changes`` apply the same functions to every row (memoised: a national file repeats the same
few thousand inputs).
"""

from __future__ import annotations

from ntm.core import formatting as fmt
from ntm.core.catalog import CriteriaSet
from ntm.core.periods import Period

from .evidence import reference_problem

__all__ = [
    "FIELD_LABELS",
    "EntryProblem",
    "EntryRefused",
    "unit_problem",
    "set_problem",
    "cell_problem",
    "entry_refused",
    "in_force",
    "version_required",
    "reference_problem",
]

# how a message names a field of an entry (the API's field names → Vietnamese)
FIELD_LABELS = {
    "unit": "đơn vị",
    "set": "bộ tiêu chí",
    "period": "kỳ",
    "indicator": "chỉ tiêu",
    "value": "giá trị",
    "assessment": "đánh giá",
    "not_applicable": "không đánh giá",
    "note": "ghi chú",
    "evidence": "minh chứng",
    "expected_version": "lần sửa",
}


class EntryProblem(ValueError):
    """One field of one entry refused: ``field`` is the API's name of the field."""

    def __init__(self, field: str, message: str, entry=None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.entry = entry


class EntryRefused(ValueError):
    """Entries refused before anything was written: ``problems`` is a list of (item number from 1, unit
    uid, indicator, field, message)."""

    def __init__(self, problems: list[tuple[int, str, str, str, str]]):
        self.problems = problems
        super().__init__(
            "; ".join(
                f"mục {n} ({uid}, chỉ tiêu {code}), {FIELD_LABELS.get(field, field)}: {msg}"
                for n, uid, code, field, msg in problems
            )
        )

    def as_list(self) -> list[dict]:
        return [
            {"item": n, "unit": uid, "indicator": code, "field": field, "message": msg}
            for n, uid, code, field, msg in self.problems
        ]


def in_force(unit, period: Period) -> bool:
    """Whether the unit existed at some time during the period (its validity interval meets it)."""
    return (unit.valid_from is None or unit.valid_from <= period.end) and (
        unit.valid_to is None or unit.valid_to >= period.start
    )


def unit_problem(unit, period: Period) -> str | None:
    """None when values may be entered for ``unit`` in ``period``, else why not."""
    if in_force(unit, period):
        return None
    return f"{unit.name} ({unit.uid}) không có hiệu lực trong {period.label} ({unit.validity})"


def set_problem(cs: CriteriaSet, period: Period) -> str | None:
    """None when the criteria set was in force at some time during ``period``, else why not."""
    start, end = cs.data.valid_from, cs.data.valid_to
    if start <= period.end and (end is None or end >= period.start):
        return None
    since = f"từ ngày {fmt.date(start)}" + (f" đến ngày {fmt.date(end)}" if end else "")
    return f"bộ tiêu chí {cs.code} chỉ áp dụng {since}, không áp dụng cho {period.label}"


def cell_problem(unit, cs: CriteriaSet, period: Period) -> str | None:
    """Why no value may be entered for ``unit``, set ``cs`` and ``period`` (None: they may)."""
    return unit_problem(unit, period) or set_problem(cs, period)


def entry_refused(unit, cs: CriteriaSet, period: Period) -> str | None:
    """The message refusing a value for a unit, set and period that :func:`cell_problem` rules out."""
    problem = cell_problem(unit, cs, period)
    return f"{problem}: không thể nhập số liệu cho kỳ này" if problem else None


def entry_not_allowed(unit) -> str:
    """Why a value for a unit the user may not enter data for is refused (form, API, file)."""
    return f"không có quyền nhập số liệu cho {unit.name} ({unit.uid})"


def version_required(indicator: str, unit_uid: str, version: int, by: str) -> str:
    """Why a value without the version it replaces is refused."""
    return (
        f"chỉ tiêu {indicator} của {unit_uid} đã có số liệu (lần sửa {version}, do {by or 'người khác'} lưu): "
        f"phải ghi lần sửa đang thay (lần sửa {version}) thì mới được ghi đè; không ghi gì"
    )
