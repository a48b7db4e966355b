"""The report checker (``ntm.core.claims``) with the database behind it: unit names resolved against the
stored units as they stood when the text's figures were taken, every figure of a unit the user may see
compared with the stored results of the text's period (one unit's own figures, and counts and averages
over the communes of a district, province or the country: "18/20 xã đạt chuẩn", "bình quân 18,3/19"),
checked figures saved.

Nothing here re-implements a check; the core decides what is inconsistent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from ntm.apps.accounts.permissions import can_enter, visible_q
from ntm.apps.evaluations.dataview import results
from ntm.apps.units.models import Level, Unit
from ntm.apps.units.services import resolve_unit
from ntm.core.claims import DocumentError, Finding, InputTooLarge, Report, compare_with, document_text, extract
from ntm.core.claims.compare import NATIONAL
from ntm.core.claims.resolver import UnitDataResolver
from ntm.core.periods import Period as Key

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
        raise DocumentError(
            f"{name}: tệp quá lớn ({len(data) / 1048576:.1f} MB; giới hạn {MAX_UPLOAD_BYTES // 1048576} MB)".replace(
                ".", ","
            )
        )
    return document_text(data, name, max_chars=MAX_TEXT_CHARS)


class StoredLookup:
    """The stored figures a report is compared with, for the report checker (:mod:`ntm.core.claims.compare`).

    ``lookup(unit, set, period)`` → ``(criteria_met, indicators_met)`` of one unit; ``lookup.rollup(unit, set,
    period)`` → ``(units_total, units_with_results, units_at_standard, average_criteria, average_indicators)``
    over the communes of a unit (``"national"``: the whole country). The period compared is the text's own
    when results are stored for it, else the latest stored one inside it and not after the date its figures
    stand at ("9 tháng đầu năm 2023" → 2023-09). With ``user``, only units that user may see are compared."""

    def __init__(self, user=None):
        self.user = user
        self._keys: dict[tuple, str | None] = {}
        self._units: dict[str, Unit | None] = {}

    def _unit(self, code: str) -> Unit | None:
        if code not in self._units:
            qs = (
                Unit.objects.filter(level=Level.COUNTRY)
                if code == NATIONAL
                else Unit.objects.filter(Q(uid=code) | Q(code=code))
            )
            if self.user is not None:
                qs = qs.filter(visible_q(self.user, ""))
            self._units[code] = qs.order_by("-valid_from").first()
        return self._units[code]

    def period_key(self, set_code: str, period) -> str | None:
        """The stored period to compare a text's figures with (None: nothing stored inside its period)."""
        if period is None or not getattr(period, "key", None):
            return None
        k = (set_code, period.key, getattr(period, "as_of", None))
        if k not in self._keys:
            from ntm.apps.evaluations.services import stored_periods

            try:
                want = Key.parse(period.key)
            except ValueError:
                self._keys[k] = None
                return None
            keys = set(results().objects.filter(set_code=set_code).values_list("period", flat=True).distinct()) | set(
                stored_periods(set_code)
            )
            if want.key in keys:
                self._keys[k] = want.key
            else:
                limit = dt.date.fromisoformat(period.as_of) if getattr(period, "as_of", None) else want.end
                inside = [Key.parse(x) for x in keys if _parses(x)]
                inside = [p for p in inside if want.start <= p.start and p.end <= min(want.end, limit)]
                self._keys[k] = max(inside, key=lambda p: p.end).key if inside else None
        return self._keys[k]

    def __call__(self, unit_code: str, set_code: str, period):
        key = self.period_key(set_code, period)
        unit = self._unit(unit_code) if key else None
        if unit is None:
            return None
        return (
            results()
            .objects.filter(unit=unit, set_code=set_code, period=key)
            .values_list("criteria_met", "indicators_met")
            .first()
        )

    def rollup(self, unit_code: str, set_code: str, period):
        from ntm.apps.evaluations.services import rollup_for

        key = self.period_key(set_code, period)
        unit = self._unit(unit_code) if key else None
        if unit is None or unit.level == Level.COMMUNE:
            return None
        try:
            r = rollup_for(unit, set_code, key)
        except LookupError:
            return None
        if not r.units_with_results:
            return None
        return r.units_total, r.units_with_results, r.units_at_standard, r.average_criteria, r.average_indicators


def _parses(key: str) -> bool:
    try:
        Key.parse(key)
        return True
    except ValueError:
        return False


def check(
    text: str, *, user, source: str | None = None, context_names: list[str] | None = None, resolve: bool = True
) -> Checked:
    """Extract and check the figures of ``text``; units resolved as they stood when its figures were
    taken; every figure of units the user may see compared with the stored results of the report's
    period (units, and counts and averages over communes). Raises ``InputTooLarge`` above
    :data:`MAX_TEXT_CHARS`."""
    resolver = UnitDataResolver(_DbUnits(), None) if resolve else None
    report = extract(
        text, source=source, resolver=resolver, context_names=context_names or None, max_chars=MAX_TEXT_CHARS
    )
    out = Checked(report)
    if report.period and report.period.key and user is not None:
        lookup = StoredLookup(user)
        out.stored_findings = compare_with(report, lookup)
        for i, c in enumerate(report.claims):
            if savable(c):
                row = lookup(c.unit_code, c.set, report.period)
                if row:
                    v = row[0] if c.kind == "criteria" else row[1]
                    if v is not None:
                        out.stored_values[i] = float(v)
    return out


def savable(claim) -> bool:
    """A claim that states one unit's own current figure of a set (no average, no target, no count of units)."""
    return bool(
        claim.unit_code
        and claim.set
        and claim.kind in ("criteria", "indicators")
        and not claim.average
        and claim.aggregate_of is None
        and claim.modality == "current"
        and claim.achieved is not None
        and claim.when is None
    )


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
        rows.append(
            ReportedFigure(
                unit=unit,
                set_code=c.set,
                period=(report.period.key or "") if report.period else "",
                kind=c.kind,
                achieved=c.achieved,
                total=c.total,
                percent=c.percent,
                text=c.text[:500],
                source=(report.source or "")[:255],
                findings=_span_findings(checked, c),
                stored=checked.stored_values.get(i),
                created_by=user,
            )
        )
    return ReportedFigure.objects.bulk_create(rows)
