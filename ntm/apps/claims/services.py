"""The report checker (``ntm.core.claims``) with the database behind it: unit names resolved against the
stored units, reported figures compared with the stored results the user may see, checked figures saved.

Nothing here re-implements a check; the core decides what is inconsistent."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from ntm.apps.accounts.permissions import can_enter, scope
from ntm.apps.evaluations.dataview import results
from ntm.apps.units.models import Unit
from ntm.apps.units.services import resolve_unit
from ntm.core.claims import DocumentError, Finding, InputTooLarge, Report, compare_with, document_text, extract
from ntm.core.claims.resolver import UnitDataResolver

from .models import ReportedFigure

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARS = 500_000
CheckError = (DocumentError, InputTooLarge)


class _DbUnits:
    """``resolve(path, date)`` over the stored units, for :class:`UnitDataResolver` (results cached)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, dt.date | None], Unit | LookupError] = {}

    def resolve(self, path: str, date: dt.date | None) -> Unit:
        key = (path, date)
        if key not in self._cache:
            try:
                self._cache[key] = resolve_unit(path, date)
            except (LookupError, ValueError) as exc:
                self._cache[key] = LookupError(str(exc))
        hit = self._cache[key]
        if isinstance(hit, LookupError):
            raise hit
        return hit


def period_date(key: str | None) -> dt.date | None:
    """The last day of a report period ("2023-07" → 31/07/2023, "2024-Q1" → 31/03/2024, "2022" → 31/12/2022)."""
    if not key:
        return None
    try:
        if "-Q" in key:
            y, q = key.split("-Q")
            y, m = int(y), int(q) * 3
        elif "-" in key:
            y, m = (int(x) for x in key.split("-")[:2])
        else:
            y, m = int(key), 12
        return dt.date(y, m, calendar.monthrange(y, m)[1])
    except (ValueError, IndexError):
        return None


@dataclass
class Checked:
    report: Report
    stored_findings: list[Finding] = field(default_factory=list)
    stored_values: dict[int, float] = field(default_factory=dict)  # claim index → stored figure

    @property
    def all_findings(self) -> list[Finding]:
        return sorted(self.report.findings + self.stored_findings, key=lambda f: f.span)

    def to_dict(self) -> dict:
        out = self.report.to_dict()
        out["stored_findings"] = [f.to_dict() for f in self.stored_findings]
        return out


def read_upload(data: bytes, name: str) -> str:
    """The text of an uploaded report (txt/docx/html/pdf). Raises ``DocumentError`` naming the file."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DocumentError(f"{name}: tệp quá lớn ({len(data) / 1048576:.1f} MB; giới hạn "
                            f"{MAX_UPLOAD_BYTES // 1048576} MB)".replace(".", ","))
    return document_text(data, name, max_chars=MAX_TEXT_CHARS)


def _lookup(user, period_key: str):
    def lookup(unit_code, set_code, _period):
        return (scope(results().objects.all(), user)
                .filter(Q(unit__uid=unit_code) | Q(unit__code=unit_code), set_code=set_code, period=period_key)
                .values_list("criteria_met", "indicators_met").first())
    return lookup


def check(text: str, *, user, source: str | None = None, context_names: list[str] | None = None,
          resolve: bool = True) -> Checked:
    """Extract and check the figures of ``text``; units resolved as they stood at the report's date;
    figures of units the user may see compared with their stored results for the report's period.
    Raises ``InputTooLarge`` above :data:`MAX_TEXT_CHARS`."""
    resolver = None
    if resolve:
        first = extract(text, catalog=False, max_chars=MAX_TEXT_CHARS)
        resolver = UnitDataResolver(_DbUnits(), period_date(first.period.key if first.period else None))
    report = extract(text, source=source, resolver=resolver, context_names=context_names or None,
                     max_chars=MAX_TEXT_CHARS)
    out = Checked(report)
    if report.period and report.period.key and user is not None:
        lookup = _lookup(user, report.period.key)
        out.stored_findings = compare_with(report, lookup)
        for i, c in enumerate(report.claims):
            if savable(c):
                row = lookup(c.unit_code, c.set, None)
                if row:
                    v = row[0] if c.kind == "criteria" else row[1]
                    if v is not None:
                        out.stored_values[i] = float(v)
    return out


def savable(claim) -> bool:
    """A claim that states one unit's own current figure of a set (no average, no target, no count of units)."""
    return bool(claim.unit_code and claim.set and claim.kind in ("criteria", "indicators") and not claim.average
                and claim.aggregate_of is None and claim.modality == "current" and claim.achieved is not None)


def _span_findings(checked: Checked, claim) -> int:
    s, e = claim.span
    return sum(1 for f in checked.all_findings if f.claim_span == claim.span or (s <= f.span[0] and f.span[1] <= e))


@transaction.atomic
def save_figures(checked: Checked, indexes: list[int], *, user) -> list[ReportedFigure]:
    """Save the chosen claims as reported figures of their units. Every chosen claim must be savable and its
    unit within the user's data-entry scope; otherwise ``PermissionError``/``ValueError`` and nothing saved."""
    report = checked.report
    rows: list[ReportedFigure] = []
    for i in indexes:
        if not 0 <= i < len(report.claims):
            raise ValueError(f"không có số liệu số {i + 1}")
        c = report.claims[i]
        if not savable(c):
            raise ValueError(f"số liệu “{c.text}” không gắn được với một đơn vị và một bộ tiêu chí")
        unit = Unit.objects.filter(uid=c.unit_code).first()
        if unit is None:
            raise ValueError(f"không có đơn vị {c.unit_code}")
        if not can_enter(user, unit):
            raise PermissionError(f"bạn không có quyền ghi số liệu cho {unit.name}")
        rows.append(ReportedFigure(
            unit=unit, set_code=c.set, period=(report.period.key or "") if report.period else "", kind=c.kind,
            achieved=c.achieved, total=c.total, percent=c.percent, text=c.text[:500], source=(report.source or "")[:255],
            findings=_span_findings(checked, c), stored=checked.stored_values.get(i), created_by=user))
    return ReportedFigure.objects.bulk_create(rows)
