"""Commune groups (1/2/3, criteria 2026–2030) and ĐBKK/ATK status as dated data with provenance.

The one write path for :class:`~ntm.apps.units.models.Classification` — the web form, the XLSX/CSV
import and the demo all call :func:`save`:

- every row names its commune, its kind (group or special), the group, the interval of validity
  and the decision (số, ngày, cơ quan) that set it;
- a new row takes over from its start: the row of the same commune and kind in force the day
  before is ended the day before; a new open-ended row ends the day before the next one starts;
  a row that would cover a later row's start while ending after it is refused;
- the whole batch is written or nothing is (:class:`ClassificationError` lists every problem with
  its row); ``Unit.commune_group`` and ``Unit.special`` are set to the classification in force
  today; the rows and the units' mirror are in the change log by construction;
- the write is announced (:data:`.signals.classification_changed`, in its transaction): the audit
  log records each row (old → new) and the evaluation queues a re-evaluation of the criteria sets
  whose thresholds depend on it for the periods the change touches; :class:`Saved` says what was
  queued.

Readers: :func:`in_force` (one unit, one date) and :func:`table` (every classification, for the
batch evaluation).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from ntm.core import formatting as fmt
from ntm.core.units import COMMUNE_TYPES  # groups and ĐBKK/ATK status concern xã only

from .models import Classification, Level, Unit
from .signals import ClassificationChanged, RowChange, announce

Kind = Classification.Kind


@dataclass(frozen=True)
class Row:
    """One classification to record (a line of the form or of an imported file)."""

    unit: Unit
    kind: str
    group: str
    valid_from: dt.date
    valid_to: dt.date | None
    decision_number: str
    decision_date: dt.date
    issued_by: str
    note: str = ""
    line: int | None = None  # the row of the file it came from (for messages)

    def snapshot(self) -> dict:
        return {
            "kind": self.kind,
            "group": self.group or None,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "decision_number": self.decision_number,
            "decision_date": self.decision_date,
            "issued_by": self.issued_by,
            "note": self.note or None,
        }


def snapshot(c: Classification) -> dict:
    return {
        "kind": c.kind,
        "group": c.group or None,
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
        "decision_number": c.decision_number,
        "decision_date": c.decision_date,
        "issued_by": c.issued_by,
        "note": c.note or None,
    }


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"dòng {self.line}, " if self.line else ""
        return f"{where}cột '{self.field}': {self.message}" if self.field else f"{where}{self.message}"


class ClassificationError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class Plan:
    """What :func:`save` would do: rows created, rows changed (old → new), rows left as they are."""

    created: list[Row] = field(default_factory=list)
    changed: list[tuple[Classification, dict]] = field(default_factory=list)  # existing row, new values
    unchanged: list[Row] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return len(self.created) + len(self.changed)


@dataclass
class Saved:
    plan: Plan
    run: object | None  # the queued ReevaluationRun, if any result depends on the change
    periods: list[str] = field(default_factory=list)
    set_codes: list[str] = field(default_factory=list)


def describe(kind: str, group: str) -> str:
    return f"nhóm {group}" if kind == Kind.GROUP else "xã ĐBKK/ATK"


def _check_row(r: Row) -> list[Problem]:
    out = []
    if r.unit.level != Level.COMMUNE or r.unit.type not in COMMUNE_TYPES:
        out.append(
            Problem(r.line, "Mã xã", f"{r.unit.name} không phải là xã (chỉ xã được phân nhóm, xác định ĐBKK/ATK)")
        )
    if r.unit.valid_from and r.valid_from < r.unit.valid_from:
        out.append(Problem(r.line, "Hiệu lực từ", f"{r.unit.name} chỉ có từ {fmt.date(r.unit.valid_from)}"))
    if r.unit.valid_to and r.valid_from > r.unit.valid_to:
        out.append(Problem(r.line, "Hiệu lực từ", f"{r.unit.name} không còn từ sau {fmt.date(r.unit.valid_to)}"))
    if r.kind not in Kind.values:
        out.append(Problem(r.line, "Loại", f"'{r.kind}' không phải là nhóm xã hay xã ĐBKK/ATK"))
    if r.kind == Kind.GROUP and r.group not in ("1", "2", "3"):
        out.append(Problem(r.line, "Nhóm", f"nhóm '{r.group}' không hợp lệ (1, 2 hoặc 3)"))
    if r.kind == Kind.SPECIAL and r.group:
        out.append(Problem(r.line, "Nhóm", "xã ĐBKK/ATK không ghi nhóm"))
    if r.valid_to is not None and r.valid_to < r.valid_from:
        out.append(Problem(r.line, "Hiệu lực đến", "ngày kết thúc trước ngày bắt đầu"))
    if not r.decision_number.strip():
        out.append(Problem(r.line, "Số quyết định", "thiếu số quyết định"))
    if not r.issued_by.strip():
        out.append(Problem(r.line, "Cơ quan ban hành", "thiếu cơ quan ban hành"))
    return out


def plan(rows: list[Row]) -> Plan:
    """Check ``rows`` against each other and the stored classifications; raises
    :class:`ClassificationError` naming every problem (nothing is written)."""
    problems: list[Problem] = []
    for r in rows:
        problems += _check_row(r)
    seen: dict[tuple, int | None] = {}
    for r in rows:
        key = (r.unit.pk, r.kind, r.valid_from)
        if key in seen:
            problems.append(
                Problem(
                    r.line,
                    "Hiệu lực từ",
                    f"{r.unit.name} có hai dòng {describe(r.kind, r.group)} "
                    f"cùng bắt đầu {fmt.date(r.valid_from)}" + (f" (dòng {seen[key]})" if seen[key] else ""),
                )
            )
        seen[key] = r.line
    if problems:
        raise ClassificationError(problems)

    existing: dict[tuple[int, str], list[Classification]] = defaultdict(list)
    for c in Classification.objects.filter(unit__in={r.unit.pk for r in rows}).order_by("valid_from"):
        existing[(c.unit_id, c.kind)].append(c)
    out = Plan()
    by_key: dict[tuple[int, str], list[Row]] = defaultdict(list)
    for r in rows:
        by_key[(r.unit.pk, r.kind)].append(r)
    for key, new in by_key.items():
        # the timeline after the change: stored rows (as dicts, keyed by start) overwritten by the new ones
        timeline: dict[dt.date, dict] = {c.valid_from: snapshot(c) for c in existing[key]}
        stored = {c.valid_from: c for c in existing[key]}
        explicit_end: dict[dt.date, bool] = {}
        for r in sorted(new, key=lambda r: r.valid_from):
            timeline[r.valid_from] = r.snapshot()
            explicit_end[r.valid_from] = r.valid_to is not None
        starts = sorted(timeline)
        for a, b in zip(starts, starts[1:]):
            cur = timeline[a]
            if cur["valid_to"] is None or cur["valid_to"] >= b:
                if a in explicit_end and explicit_end[a] and cur["valid_to"] is not None:
                    line = next(r.line for r in new if r.valid_from == a)
                    problems.append(
                        Problem(
                            line,
                            "Hiệu lực đến",
                            f"khoảng {fmt.date(a)}–{fmt.date(cur['valid_to'])} trùng với phân loại "
                            f"{describe(timeline[b]['kind'], timeline[b]['group'] or '')} từ {fmt.date(b)} "
                            f"({timeline[b]['decision_number']}); sửa ngày kết thúc hoặc phân loại đó",
                        )
                    )
                    continue
                timeline[a] = dict(cur, valid_to=b - dt.timedelta(days=1))  # the next one takes over
        for start in starts:
            values = timeline[start]
            row = next((r for r in new if r.valid_from == start), None)
            old = stored.get(start)
            if old is None:
                out.created.append(
                    Row(
                        **{
                            **values,
                            "unit": row.unit,
                            "group": values["group"] or "",
                            "note": values["note"] or "",
                            "line": row.line,
                        }
                    )
                )
            elif snapshot(old) != values:
                out.changed.append((old, values))
            elif row is not None:
                out.unchanged.append(row)
    if problems:
        raise ClassificationError(problems)
    return out


def _moved(before: dict, after: dict) -> list[tuple[dt.date, dt.date | None]]:
    """The dates whose classification a change of one row changes: all of both intervals when the
    group or kind changed; else only the stretch its start or end moved over (a row that now ends
    when the next one begins changes nothing before that)."""
    if (before["kind"], before["group"]) != (after["kind"], after["group"]):
        return [(before["valid_from"], before["valid_to"]), (after["valid_from"], after["valid_to"])]
    out = []
    a, b = sorted((before["valid_from"], after["valid_from"]))
    if a != b:
        out.append((a, b - dt.timedelta(days=1)))
    ends = [before["valid_to"], after["valid_to"]]
    if ends[0] != ends[1]:
        lo = min(e for e in ends if e is not None)
        hi = None if None in ends else max(ends)
        out.append((lo + dt.timedelta(days=1), hi))
    return out


def _mirror(unit_ids: Iterable[int], today: dt.date | None = None) -> None:
    """``Unit.commune_group`` / ``Unit.special`` = the classification in force today."""
    today = today or dt.date.today()
    ids = list(set(unit_ids))
    now = {u: {} for u in ids}
    for c in Classification.objects.filter(unit_id__in=ids, valid_from__lte=today).order_by("valid_from"):
        if c.valid_to is None or c.valid_to >= today:
            now[c.unit_id][c.kind] = c
    for u in Unit.objects.filter(pk__in=ids):
        g = now[u.pk].get(Kind.GROUP)
        mirror = (g.group if g else ""), Kind.SPECIAL in now[u.pk]
        if (u.commune_group, u.special) != mirror:
            u.commune_group, u.special = mirror
            u.save(update_fields=["commune_group", "special"])  # in the change log, by construction


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def save(rows: list[Row], *, user=None, request=None, reason: str = "", enqueue: bool = True) -> Saved:
    """Write ``rows`` (all or nothing) and announce the change (:mod:`.signals`): the audit log
    records each row, the evaluation queues the re-evaluation it calls for."""
    from ntm.web.cache import changed

    with transaction.atomic():
        p = plan(rows)
        touched: list[tuple[dt.date, dt.date | None]] = []
        written: list[RowChange] = []
        units: set[int] = set()
        kinds: set[str] = set()
        for r in p.created:
            c = Classification.objects.create(
                unit=r.unit,
                kind=r.kind,
                group=r.group,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
                decision_number=r.decision_number,
                decision_date=r.decision_date,
                issued_by=r.issued_by,
                note=r.note,
                recorded_by=_user(user),
            )
            written.append(
                RowChange(r.unit, f"{r.unit.name} · {c.label}", None, snapshot(c), reason or "Ghi phân loại xã")
            )
            touched.append((r.valid_from, r.valid_to))
            units.add(r.unit.pk)
            kinds.add(r.kind)
        for old, values in p.changed:
            before = snapshot(old)
            for k, v in values.items():
                setattr(old, k, v if v is not None or k in ("valid_to",) else "")
            if _user(user) is not None:
                old.recorded_by = user
            old.save()
            written.append(
                RowChange(
                    old.unit, f"{old.unit.name} · {old.label}", before, snapshot(old), reason or "Sửa phân loại xã"
                )
            )
            touched += _moved(before, snapshot(old))
            units.add(old.unit_id)
            kinds |= {before["kind"], old.kind}
        out = Saved(p, None)
        if units:
            _mirror(units)
            changed("units")
            _announce(out, units, kinds, touched, written, user, request, reason or "Phân loại xã thay đổi", enqueue)
    return out


def delete(c: Classification, *, user=None, request=None, enqueue: bool = True) -> Saved:
    """Remove a classification entered by mistake and announce it (audited; the periods it covered
    are re-evaluated)."""
    from ntm.web.cache import changed

    with transaction.atomic():
        before = snapshot(c)
        unit = c.unit
        c.delete()
        _mirror([unit.pk])
        changed("units")
        out = Saved(Plan(), None)
        label = f"{unit.name} · {describe(before['kind'], before['group'] or '')}"
        _announce(
            out,
            {unit.pk},
            {before["kind"]},
            [(before["valid_from"], before["valid_to"])],
            [RowChange(unit, label, before, None, "Xóa phân loại xã")],
            user,
            request,
            "Phân loại xã bị xóa",
            enqueue,
        )
    return out


def _announce(out: Saved, units, kinds, touched, written, user, request, reason: str, enqueue: bool) -> None:
    """Send ``classification_changed`` and copy what the receivers did (the run queued) into ``out``."""
    change = announce(
        ClassificationChanged(
            units=frozenset(units),
            kinds=frozenset(kinds),
            intervals=touched,
            rows=written,
            user=user,
            request=request,
            reason=reason,
            enqueue=enqueue,
        )
    )
    out.set_codes, out.periods, out.run = change.set_codes, change.periods, change.run


# -- reading -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InForce:
    """A commune's classification on a date: its group ("" when none) and whether it is ĐBKK/ATK,
    with the rows that say so."""

    group: str = ""
    special: bool = False
    group_row: Classification | None = None
    special_row: Classification | None = None


def _classified() -> frozenset[int]:
    """The communes with any classification, kept between requests until units change (every write
    here announces "units"): most communes have none, and a page then needs no query for them."""
    from ntm.web.cache import memo

    return memo(
        ("classified-units",),
        lambda: frozenset(Classification.objects.values_list("unit_id", flat=True).distinct().order_by()),
        topics=("units",),
    )


def in_force(unit: Unit | int, date: dt.date) -> InForce:
    from ntm.web.cache import enabled

    uid = unit.pk if isinstance(unit, Unit) else unit
    if enabled() and uid not in _classified():
        return InForce()
    got: dict[str, Classification] = {}
    for c in Classification.objects.filter(unit_id=uid, valid_from__lte=date).order_by("valid_from"):
        if c.valid_to is None or c.valid_to >= date:
            got[c.kind] = c
    g, s = got.get(Kind.GROUP), got.get(Kind.SPECIAL)
    return InForce(g.group if g else "", s is not None, g, s)


class Table:
    """Every classification, read once: (group, special) of a commune on a date, for the batch path."""

    def __init__(self) -> None:
        self.rows: dict[int, list[tuple[str, str, dt.date, dt.date | None]]] = defaultdict(list)
        for uid, kind, group, a, b in Classification.objects.values_list(
            "unit_id", "kind", "group", "valid_from", "valid_to"
        ):
            self.rows[uid].append((kind, group, a, b))

    def at(self, unit_id: int, date: dt.date) -> tuple[str, bool]:
        group, special = "", False
        for kind, g, a, b in self.rows.get(unit_id, ()):
            if a <= date and (b is None or date <= b):
                if kind == Kind.GROUP:
                    group = g
                else:
                    special = True
        return group, special


def history(unit: Unit) -> list[Classification]:
    from ntm.web.cache import enabled

    if enabled() and unit.pk not in _classified():
        return []
    return list(Classification.objects.filter(unit=unit).select_related("recorded_by").order_by("kind", "valid_from"))
