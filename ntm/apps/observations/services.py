"""Recording observations: append-only, optimistic concurrency, re-evaluation in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from ntm.apps.ops.sql import insert, statement
from ntm.apps.units.models import Unit
from ntm.core.catalog import Catalog, Kind, default_catalog
from ntm.core.evaluation import parse_value
from ntm.core.periods import Period

from .models import Fact, Observation
from .workflow import PeriodLocked, locked_submissions

__all__ = ["Entry", "EditConflict", "PeriodLocked", "record", "record_many", "history", "record_fact", "snapshot"]


class EditConflict(Exception):
    """Someone saved this value since the form was opened: nothing was overwritten."""

    def __init__(self, current: Observation, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        who = current.created_by_name or "người khác"
        when = timezone.localtime(current.created_at) if current.created_at else None
        super().__init__(
            f"Chỉ tiêu {current.indicator} đã được {who} sửa lúc {when:%H:%M %d/%m/%Y} "
            f"(lần sửa {current.version}, bạn đang sửa từ lần {expected_version}). Hãy xem giá trị mới rồi lưu lại."
        )


@dataclass
class Entry:
    """One value to record (from a form, an import row or the API)."""

    unit: Unit
    set_code: str
    period: str
    indicator: str
    value: object = None
    assessment: bool | None = None
    not_applicable: bool = False
    note: str = ""
    evidence: str = ""
    expected_version: int | None = None


def _user_name(user) -> str:
    if user is None:
        return ""
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


def _prepare(e: Entry, catalog: Catalog) -> dict:
    cs = catalog.get(e.set_code)
    if cs.level != e.unit.level:
        raise ValueError(f"bộ {e.set_code} dành cho cấp {cs.level}, không áp dụng cho {e.unit.name} ({e.unit.uid})")
    if e.indicator not in cs.by_code:
        raise ValueError(f"bộ {e.set_code} không có chỉ tiêu {e.indicator}")
    ind = cs.by_code[e.indicator]
    value = parse_value(ind, e.value)
    p = Period.parse(e.period)
    num = float(value) if isinstance(value, float) else None
    if ind.kind == Kind.BOOLEAN and value is not None:
        text = "có" if value else "không"
    else:
        text = "" if value is None else str(e.value).strip()
    return dict(period=p.key, year=p.year, value_text=text, value_num=num)


def _same(cur: Observation, fields: dict, e: Entry) -> bool:
    return (
        cur.value_text == fields["value_text"] and cur.value_num == fields["value_num"]
        and cur.assessment == e.assessment and cur.not_applicable == e.not_applicable
        and cur.note == e.note and cur.evidence == e.evidence
    )


def _write(e: Entry, fields: dict, user, source: str, batch: str) -> tuple[Observation | None, Observation | None]:
    """Append one value; returns (previous current row, new row or None when nothing changed)."""
    cur = (
        Observation.objects.select_for_update()
        .filter(unit=e.unit, set_code=e.set_code, period=fields["period"], indicator=e.indicator, is_current=True)
        .first()
    )
    new = _new_version(e, fields, cur, user, source, batch)
    if new is None:
        return cur, None
    if cur is not None:
        Observation.objects.filter(pk=cur.pk).update(is_current=False)
    new.save(force_insert=True)
    return cur, new


def _new_version(e: Entry, fields: dict, cur: Observation | None, user, source: str, batch: str) -> Observation | None:
    """The row that follows ``cur`` (not saved), or None when the value is the same; raises on a stale version."""
    if cur is not None and e.expected_version is not None and cur.version != e.expected_version:
        raise EditConflict(cur, e.expected_version)
    if cur is None and e.expected_version:
        # the form was loaded at a version that no longer is the current one (should not happen: append-only)
        raise ValueError(f"chỉ tiêu {e.indicator}: không tìm thấy lần sửa {e.expected_version}")
    if cur is not None and _same(cur, fields, e):
        return None
    return Observation(
        unit=e.unit, set_code=e.set_code, indicator=e.indicator, assessment=e.assessment,
        not_applicable=e.not_applicable, note=e.note, evidence=e.evidence, version=cur.version + 1 if cur else 1,
        is_current=True, source=source, batch=batch, created_by=user, created_by_name=_user_name(user), **fields,
    )


def _write_cell(items: list[tuple[Entry, dict]], user, source: str, batch: str
                ) -> list[tuple[Observation | None, Observation | None]]:
    """Append the values of one unit, set and period (one row per indicator) with two statements
    whatever their number: retire the current rows of these indicators (the UPDATE locks them and
    returns them), insert the new ones. A row that turns out unchanged is made current again (a
    third statement, rare: the form posts only changed rows); a stale version raises EditConflict
    and the caller's transaction undoes the retirement."""
    e0, f0 = items[0]
    current = {o.indicator: o for o in _retire_current(e0.unit, e0.set_code, f0["period"], [e.indicator for e, _ in items])}
    out = []
    for e, fields in items:
        cur = current.get(e.indicator)
        if cur is not None:
            cur.is_current = True  # as it was read: the row being replaced
        out.append((cur, _new_version(e, fields, cur, user, source, batch)))
    kept = [cur.pk for cur, new in out if new is None and cur is not None]
    if kept:
        Observation.objects.filter(pk__in=kept).update(is_current=True)
    new_rows = [new for _, new in out if new is not None]
    if len(new_rows) > 1 and connection.features.can_return_rows_from_bulk_insert:
        Observation.objects.bulk_create(new_rows)  # the new rows get their ids, as with save()
    else:
        for new in new_rows:
            insert(new)
    return out


def _current_in_cell(kind: str, indicators: list[str], unit, set_code: str, period: str) -> list[Observation]:
    """``kind`` "read": the current rows of ``indicators`` in one cell; "retire": the same rows with
    ``is_current`` set false by the statement that returns them (``UPDATE … RETURNING``: read, locked
    and retired at once). Plain SQL (see ops.sql)."""
    def build(qn):
        columns = ", ".join(qn(f.column) for f in Observation._meta.concrete_fields)
        where = (f"WHERE {qn('unit_id')} = %s AND {qn('set_code')} = %s AND {qn('period')} = %s "
                 f"AND {qn('is_current')} = %s AND {qn('indicator')} IN ({', '.join(['%s'] * len(indicators))})")
        table = qn(Observation._meta.db_table)
        return (f"SELECT {columns} FROM {table} {where}" if kind == "read" else
                f"UPDATE {table} SET {qn('is_current')} = %s {where} RETURNING {columns}")

    params = [unit.pk, set_code, period, True, *indicators]
    # a raw query set: the rows become model instances with the database's converters applied
    return list(Observation.objects.raw(statement(("observations-cell", kind, len(indicators)), build),
                                        params if kind == "read" else [False, *params]))


def current_rows(unit, set_code: str, period: str, indicators: list[str]) -> list[Observation]:
    """The current rows of ``indicators`` in one cell (what a save of those rows reads first)."""
    return _current_in_cell("read", indicators, unit, set_code, period)


def _retire_current(unit, set_code: str, period: str, indicators: list[str]) -> list[Observation]:
    """Set ``is_current`` false on the current rows of ``indicators`` in one cell and return them."""
    return _current_in_cell("retire", indicators, unit, set_code, period)


def _write_all(entries: list[Entry], prepared: list[dict], user, source: str, batch: str
               ) -> list[tuple[Entry, Observation | None, Observation | None]]:
    """Write every entry, in order; entries are grouped by unit, set and period unless one indicator
    comes twice (each then builds on the one before, one at a time)."""
    keys = [(e.unit.pk, e.set_code, f["period"], e.indicator) for e, f in zip(entries, prepared)]
    if len(set(keys)) != len(keys):
        return [(e, *_write(e, f, user, source, batch)) for e, f in zip(entries, prepared)]
    cells: dict[tuple, list[int]] = {}
    for n, k in enumerate(keys):
        cells.setdefault(k[:3], []).append(n)
    written: list = [None] * len(entries)
    for idx in cells.values():
        for n, (old, new) in zip(idx, _write_cell([(entries[n], prepared[n]) for n in idx], user, source, batch)):
            written[n] = (entries[n], old, new)
    return written


def snapshot(o: Observation | None) -> dict | None:
    """What the audit log keeps of one saved value."""
    if o is None:
        return None
    return {
        "value": o.value_text,
        "assessment": "không đánh giá" if o.not_applicable else {True: "đạt", False: "chưa đạt", None: ""}[o.assessment],
        "note": o.note, "evidence": o.evidence, "version": o.version,
    }


def _audit_writes(pairs: list[tuple[Entry, Observation | None, Observation | None]], user, source: str, batch: str) -> None:
    from ntm.apps.audit.models import Action
    from ntm.apps.audit.services import log

    cells: dict[tuple, list] = {}
    for e, old, new in pairs:
        if new is not None:
            cells.setdefault((e.unit.pk, e.set_code, new.period), []).append((e, old, new))
    for (_, set_code, period), rows in cells.items():
        unit = rows[0][0].unit
        codes = [new.indicator for _, _, new in rows]
        log(Action.OBSERVATIONS_SAVED, user=user, unit=unit, obj=f"{set_code} · {Period.parse(period).label}",
            message=f"Lưu {len(rows)} chỉ tiêu ({', '.join(codes[:12])}{'…' if len(codes) > 12 else ''})"
                    f"; nguồn {source}" + (f", lô {batch}" if batch else ""),
            old={new.indicator: snapshot(old) for _, old, new in rows},
            new={new.indicator: snapshot(new) for _, _, new in rows})


def _audit_refusal(exc: Exception, entries: list[Entry], user) -> None:
    from ntm.apps.audit.models import Action
    from ntm.apps.audit.services import log

    unit = getattr(getattr(exc, "current", None), "unit", None) or (entries[0].unit if entries else None)
    e0 = entries[0] if entries else None
    obj = f"{e0.set_code} · {e0.period}" if e0 else ""
    log(Action.WRITE_REFUSED, user=user, unit=unit, obj=obj, message=str(exc))


def record(entry: Entry, *, user=None, source: str = "form", batch: str = "", catalog: Catalog | None = None,
           reevaluate: bool = True) -> Observation | None:
    """Record one value; returns the new row, or None when nothing changed."""
    return record_many([entry], user=user, source=source, batch=batch, catalog=catalog, reevaluate=reevaluate)[0]


def record_many(entries: Iterable[Entry], *, user=None, source: str = "form", batch: str = "",
                catalog: Catalog | None = None, reevaluate: bool = True,
                results: dict | None = None) -> list[Observation | None]:
    """All-or-nothing: every entry is checked first; one bad entry records none of them.

    Raises ``ValueError`` for bad entries, :class:`EditConflict` when an entry's ``expected_version``
    is no longer the current one, and :class:`~ntm.apps.observations.workflow.PeriodLocked` (a
    ValueError) when a unit, set and period is submitted or approved. Every saved change is written
    to the audit log (one event per unit, set and period, old → new); refusals are logged too.

    ``results``, when given, receives the stored result of each re-evaluated cell, keyed by
    (unit id, set code, period key), so that a caller need not read it again."""
    from ntm.apps.evaluations.services import evaluate_unit

    catalog = catalog or default_catalog()
    entries = list(entries)
    prepared = []
    errors = []
    for n, e in enumerate(entries, start=1):
        try:
            prepared.append(_prepare(e, catalog))
        except (ValueError, KeyError) as exc:
            errors.append(f"mục {n} ({e.unit.uid} {e.set_code} {e.indicator}): {exc}")
    if errors:
        raise ValueError("; ".join(errors))
    cells = {(e.unit.pk, e.set_code, f["period"]): e.unit for e, f in zip(entries, prepared)}
    try:
        with transaction.atomic():
            locked = locked_submissions(set(cells))
            if locked:
                raise PeriodLocked(locked)
            pairs = _write_all(entries, prepared, user, source, batch)
            _audit_writes(pairs, user, source, batch)
            if reevaluate:
                for key, unit in sorted(cells.items(), key=lambda kv: (kv[0][2], _depth(kv[0][1], catalog))):
                    stored = evaluate_unit(unit, key[1], key[2], catalog=catalog)
                    if results is not None:
                        results[key] = stored
    except (PeriodLocked, EditConflict) as exc:
        _audit_refusal(exc, entries, user)
        raise
    return [new for _, _, new in pairs]


def _depth(set_code: str, catalog: Catalog) -> int:
    """NTM before nâng cao before kiểu mẫu: prerequisites are evaluated first."""
    depth, code = 0, set_code
    seen = set()
    while True:
        s = catalog.get(code)
        pre = next((c.set for c in s.conditions if c.type == "prerequisite" and c.set), None)
        if not pre or pre in seen:
            return depth
        seen.add(pre)
        depth, code = depth + 1, pre


def history(unit: Unit, set_code: str, period: str, indicator: str | None = None):
    """Every saved version, newest first (who, when, old → new)."""
    qs = Observation.objects.filter(unit=unit, set_code=set_code, period=Period.parse(period).key)
    if indicator:
        qs = qs.filter(indicator=indicator)
    return qs.order_by("indicator", "-version")


@transaction.atomic
def record_fact(unit: Unit, name: str, period: str, value: float | None, *, user=None, note: str = "") -> Fact:
    p = Period.parse(period)
    cur = Fact.objects.select_for_update().filter(unit=unit, name=name, period=p.key, is_current=True).first()
    version = 1
    if cur is not None:
        if cur.value == value and cur.note == note:
            return cur
        version = cur.version + 1
        Fact.objects.filter(pk=cur.pk).update(is_current=False)
    return Fact.objects.create(unit=unit, name=name, period=p.key, year=p.year, value=value, note=note, version=version,
                               created_by=user, created_by_name=_user_name(user))
