"""Recording observations: history kept, optimistic concurrency, re-evaluation in the same transaction.

Every value from the entry form and the API is written here, after the checks of :mod:`.validation`
(the import applies the same checks row by row and writes in bulk)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from ntm.apps.units.models import Unit
from ntm.core.catalog import Catalog, default_catalog
from ntm.core.periods import Period
from ntm.core.values import ValueRefused, assessment_text, clean_text, input_text, read_value, truth_text

from . import facts
from .evidence import reference_problem
from .models import CARRIED_OVER, CHANGED_FIELDS, Fact, Observation, ObservationVersion
from .signals import CellsChanged, announce
from .validation import EntryProblem, EntryRefused, entry_refused, version_required
from .workflow import PeriodLocked, locked_submissions, mark_approved  # noqa: F401  (mark_approved: part of this service)

__all__ = [
    "Entry",
    "EditConflict",
    "EntryRefused",
    "PeriodLocked",
    "record",
    "record_many",
    "history",
    "record_fact",
    "snapshot",
    "mark_approved",
    "carry_over",
    "previous_period",
]


class EditConflict(Exception):
    """Someone saved this value since the form was opened, or a value is there and the entry does not
    say which version it replaces (``expected_version`` None): nothing was overwritten."""

    def __init__(self, current: Observation, expected_version: int | None, unit_uid: str = ""):
        self.current = current
        self.expected_version = expected_version
        who = current.created_by_name or "người khác"
        if expected_version is None:
            text = version_required(current.indicator, unit_uid or current.unit.uid, current.version, who)
            super().__init__(f"{text[:1].upper()}{text[1:]}.")
            return
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
    """The columns of the row to write for ``e``; raises :class:`EntryProblem` naming the field. The checks
    that need the current value (version, evidence) are made when it is read (:func:`_new_version`)."""
    for name in ("set_code", "period", "indicator"):
        if "\x00" in str(getattr(e, name)):
            field = "set" if name == "set_code" else name
            raise EntryProblem(field, "chứa ký tự NUL (mã 0), không được phép")
    if e.set_code not in catalog:
        raise EntryProblem("set", f"không có bộ tiêu chí '{e.set_code}'")
    cs = catalog.get(e.set_code)
    if cs.level != e.unit.level:
        raise EntryProblem(
            "set", f"bộ {e.set_code} dành cho cấp {cs.level}, không áp dụng cho {e.unit.name} ({e.unit.uid})"
        )
    if e.indicator not in cs.by_code:
        raise EntryProblem("indicator", f"bộ {e.set_code} không có chỉ tiêu {e.indicator}")
    ind = cs.by_code[e.indicator]
    try:
        p = Period.parse(e.period)
    except ValueError as exc:
        raise EntryProblem("period", str(exc)) from None
    problem = entry_refused(e.unit, cs, p)
    if problem:
        raise EntryProblem("period", problem)
    fields = {}
    for name, clean in (("note", _clean_note), ("evidence", clean_text)):
        try:
            fields[name] = clean(getattr(e, name))
        except ValueRefused as exc:
            raise EntryProblem(name, exc.message) from None
    try:
        value = read_value(ind, e.value)
    except ValueRefused as exc:
        raise EntryProblem("value", exc.message) from None
    if isinstance(value, bool):
        text, num = truth_text(value), None
    elif isinstance(value, Decimal):
        text = clean_text(e.value) if isinstance(e.value, str) else input_text(value)
        num = float(value)
    else:  # a level's name as the catalogue writes it, or no value
        text, num = value or "", None
    if len(text) > VALUE_TEXT_LENGTH:
        raise EntryProblem("value", f"giá trị dài quá {VALUE_TEXT_LENGTH} ký tự")
    return dict(period=p.key, year=p.year, value_text=text, value_num=num, **fields)


VALUE_TEXT_LENGTH = Observation._meta.get_field("value_text").max_length


def _clean_note(note: object) -> str:
    """A note as kept: NFC, no NUL, line breaks as "\n", no surrounding blanks."""
    return clean_text(note).replace("\r\n", "\n")


def _same(cur: Observation, fields: dict, e: Entry, source: str) -> bool:
    """Whether ``e`` would store what ``cur`` holds. A value carried over from the previous period and
    saved again from anywhere else is a change: it confirms the value (the row loses its mark)."""
    if cur.source == CARRIED_OVER and source != CARRIED_OVER:
        return False
    return (
        cur.value_text == fields["value_text"]
        and cur.value_num == fields["value_num"]
        and cur.assessment == e.assessment
        and cur.not_applicable == e.not_applicable
        and cur.note == fields["note"]
        and cur.evidence == fields["evidence"]
    )


def _write(
    e: Entry, fields: dict, user, source: str, batch: str, mine: set[int], overwrite: bool = False
) -> tuple[Observation | None, Observation | None]:
    """Save one value; returns (the current row as it was, the current row now — or None when nothing
    changed). ``mine``: the cells this call has written (an entry may build on one without naming its
    version)."""
    cur = (
        Observation.objects.select_for_update()
        .filter(unit=e.unit, set_code=e.set_code, period=fields["period"], indicator=e.indicator)
        .first()
    )
    new = _new_version(e, fields, cur, user, source, batch, own=overwrite or (cur is not None and cur.pk in mine))
    if new is None:
        return cur, None
    old, row = _apply([(cur, new)])[0]
    mine.add(row.pk)
    return old, row


def _new_version(
    e: Entry, fields: dict, cur: Observation | None, user, source: str, batch: str, own: bool = False
) -> ObservationVersion | None:
    """The version that follows ``cur`` (not saved), or None when the value is the same; raises on a stale
    version, and on a missing one when ``cur`` is there — unless ``own``: written by the same call just before."""
    if cur is not None and e.expected_version is not None and cur.version != e.expected_version:
        raise EditConflict(cur, e.expected_version)
    if cur is None and e.expected_version:
        # the form was loaded at a version that no longer is the current one (should not happen: append-only)
        raise ValueError(f"chỉ tiêu {e.indicator}: không tìm thấy lần sửa {e.expected_version}")
    if cur is not None and _same(cur, fields, e, source):
        return None
    if cur is not None and e.expected_version is None and not own:  # a value is there: name the version replaced
        raise EditConflict(cur, None, e.unit.uid)
    evidence = fields["evidence"]
    if evidence and evidence != (cur.evidence if cur is not None else ""):  # a new reference: a file of the cell
        problem = reference_problem(evidence, e.unit, e.set_code, fields["period"])
        if problem:
            raise EntryProblem("evidence", problem, entry=e)
    return ObservationVersion(
        unit=e.unit,
        set_code=e.set_code,
        indicator=e.indicator,
        assessment=e.assessment,
        not_applicable=e.not_applicable,
        version=cur.version + 1 if cur else 1,
        source=source,
        batch=batch,
        created_by=user,
        created_by_name=_user_name(user),
        created_at=timezone.now(),
        **fields,
    )


def _apply(
    changes: list[tuple[Observation | None, ObservationVersion]],
) -> list[tuple[Observation | None, Observation]]:
    """Append the new versions to the history and make them the current values: the rows of cells that
    have one are changed in place, the others created. Returns (the current row as it was, or None; the
    current row now). Three statements whatever the number (one per row where the database cannot
    return the ids of a bulk insert)."""
    out: list[tuple[Observation | None, Observation]] = []
    changed: list[Observation] = []
    created: list[Observation] = []
    for cur, new in changes:
        if cur is None:
            row = Observation(unit=new.unit, set_code=new.set_code, period=new.period, indicator=new.indicator)
            created.append(row)
            old = None
        else:
            old, row = copy.copy(cur), cur
            changed.append(row)
        for name in CHANGED_FIELDS:
            setattr(row, name, getattr(new, name))
        out.append((old, row))
    ObservationVersion.objects.bulk_create([new for _, new in changes])
    if len(changed) == 1:
        changed[0].save(update_fields=CHANGED_FIELDS)
    elif changed:
        Observation.objects.bulk_update(changed, CHANGED_FIELDS)
    if len(created) > 1 and connection.features.can_return_rows_from_bulk_insert:
        Observation.objects.bulk_create(created)  # the new rows get their ids, as with save()
    else:
        for row in created:
            row.save(force_insert=True)
    return out


def _write_cell(
    items: list[tuple[Entry, dict]], user, source: str, batch: str, overwrite: bool = False
) -> list[tuple[Observation | None, Observation | None]]:
    """Save the values of one unit, set and period (one row per indicator) with a few statements whatever
    their number: lock the current rows of these indicators, append the new versions, change the
    current rows (:func:`_apply`). A row that turns out unchanged is left alone; a stale version raises
    EditConflict and the caller's transaction undoes everything."""
    e0, f0 = items[0]
    current = {
        o.indicator: o for o in _locked_current(e0.unit, e0.set_code, f0["period"], [e.indicator for e, _ in items])
    }
    out = [
        (
            current.get(e.indicator),
            _new_version(e, fields, current.get(e.indicator), user, source, batch, own=overwrite),
        )
        for e, fields in items
    ]
    applied = iter(_apply([(cur, new) for cur, new in out if new is not None]))
    return [next(applied) if new is not None else (cur, None) for cur, new in out]


def _current_in_cell(unit, set_code: str, period: str, indicators: list[str]):
    return Observation.objects.filter(unit=unit, set_code=set_code, period=period, indicator__in=indicators)


def current_rows(unit, set_code: str, period: str, indicators: list[str]) -> list[Observation]:
    """The current rows of ``indicators`` in one cell (what a save of those rows reads first)."""
    return list(_current_in_cell(unit, set_code, period, indicators))


def _locked_current(unit, set_code: str, period: str, indicators: list[str]) -> list[Observation]:
    """The current rows of ``indicators`` in one cell, locked until the end of the save's transaction."""
    return list(_current_in_cell(unit, set_code, period, indicators).select_for_update())


def _write_all(
    entries: list[Entry], prepared: list[dict], user, source: str, batch: str, overwrite: bool = False
) -> list[tuple[Entry, Observation | None, Observation | None]]:
    """Write every entry, in order; entries are grouped by unit, set and period unless one indicator
    comes twice (each then builds on the one before, one at a time)."""
    keys = [(e.unit.pk, e.set_code, f["period"], e.indicator) for e, f in zip(entries, prepared)]
    if len(set(keys)) != len(keys):
        mine: set[int] = set()
        return [(e, *_write(e, f, user, source, batch, mine, overwrite)) for e, f in zip(entries, prepared)]
    cells: dict[tuple, list[int]] = {}
    for n, k in enumerate(keys):
        cells.setdefault(k[:3], []).append(n)
    written: list = [None] * len(entries)
    for idx in cells.values():
        for n, (old, new) in zip(
            idx, _write_cell([(entries[n], prepared[n]) for n in idx], user, source, batch, overwrite)
        ):
            written[n] = (entries[n], old, new)
    return written


def snapshot(o: Observation | None) -> dict | None:
    """What the audit log keeps of one saved value."""
    if o is None:
        return None
    return {
        "value": o.value_text,
        "assessment": assessment_text(o.assessment, o.not_applicable),
        "note": o.note,
        "evidence": o.evidence,
        "version": o.version,
    }


def _audit_writes(
    pairs: list[tuple[Entry, Observation | None, Observation | None]], user, source: str, batch: str
) -> None:
    from ntm.apps.audit.models import Action
    from ntm.apps.audit.services import log

    cells: dict[tuple, list] = {}
    for e, old, new in pairs:
        if new is not None:
            cells.setdefault((e.unit.pk, e.set_code, new.period), []).append((e, old, new))
    for (_, set_code, period), rows in cells.items():
        unit = rows[0][0].unit
        codes = [new.indicator for _, _, new in rows]
        log(
            Action.OBSERVATIONS_SAVED,
            user=user,
            unit=unit,
            obj=f"{set_code} · {Period.parse(period).label}",
            message=f"Lưu {len(rows)} chỉ tiêu ({', '.join(codes[:12])}{'…' if len(codes) > 12 else ''})"
            f"; nguồn {source}" + (f", lô {batch}" if batch else ""),
            old={new.indicator: snapshot(old) for _, old, new in rows},
            new={new.indicator: snapshot(new) for _, _, new in rows},
        )


def _audit_refusal(exc: Exception, entries: list[Entry], user) -> None:
    from ntm.apps.audit.models import Action
    from ntm.apps.audit.services import log

    unit = getattr(getattr(exc, "current", None), "unit", None) or (entries[0].unit if entries else None)
    e0 = entries[0] if entries else None
    obj = f"{e0.set_code} · {e0.period}" if e0 else ""
    log(Action.WRITE_REFUSED, user=user, unit=unit, obj=obj, message=str(exc))


def record(
    entry: Entry,
    *,
    user=None,
    source: str = "form",
    batch: str = "",
    catalog: Catalog | None = None,
    reevaluate: bool = True,
    overwrite: bool = False,
) -> Observation | None:
    """Record one value; returns the new row, or None when nothing changed."""
    return record_many(
        [entry], user=user, source=source, batch=batch, catalog=catalog, reevaluate=reevaluate, overwrite=overwrite
    )[0]


def record_many(
    entries: Iterable[Entry],
    *,
    user=None,
    source: str = "form",
    batch: str = "",
    catalog: Catalog | None = None,
    reevaluate: bool = True,
    results: dict | None = None,
    overwrite: bool = False,
) -> list[Observation | None]:
    """All-or-nothing: every entry is checked first (:mod:`.validation`); one bad entry records none of them.

    Raises :class:`~.validation.EntryRefused` (a ValueError naming item, field and value) for bad entries —
    a value out of the indicator's type or range, a unit not in force in the period, a NUL character, an
    evidence path that is not a file uploaded for the cell; :class:`EditConflict` when an entry's
    ``expected_version`` is no longer the current one, or is missing while a value that the entry would
    change is there (an entry may build on one written by the same call; ``overwrite=True`` — scripts and
    tests, never a user's form, API or import — replaces current values without their versions); and
    :class:`~ntm.apps.observations.workflow.PeriodLocked` (a
    ValueError) when a unit, set and period is submitted or approved. Every saved change is written
    to the audit log (one event per unit, set and period, old → new); refusals are logged too.

    ``results``, when given, receives the stored result of each re-evaluated cell, keyed by
    (unit id, set code, period key), so that a caller need not read it again."""
    catalog = catalog or default_catalog()
    entries = list(entries)
    prepared = []
    problems = []
    for n, e in enumerate(entries, start=1):
        try:
            prepared.append(_prepare(e, catalog))
        except EntryProblem as exc:
            problems.append((n, e.unit.uid, e.indicator, exc.field, exc.message))
    if problems:
        raise EntryRefused(problems)
    cells = {(e.unit.pk, e.set_code, f["period"]): e.unit for e, f in zip(entries, prepared)}
    try:
        with transaction.atomic():
            locked = locked_submissions(set(cells))
            if locked:
                raise PeriodLocked(locked)
            pairs = _write_all(entries, prepared, user, source, batch, overwrite)
            _audit_writes(pairs, user, source, batch)
            done = announce(
                CellsChanged(
                    cells,
                    catalog,
                    source,
                    indicators=frozenset(e.indicator for e in entries),
                    user=user,
                    batch=batch,
                    evaluate=reevaluate,
                )
            )
            if results is not None:
                results.update(done.results)
    except (PeriodLocked, EditConflict) as exc:
        _audit_refusal(exc, entries, user)
        raise
    except EntryProblem as exc:  # found once the current value was read (evidence): nothing was written
        n = next(n for n, e in enumerate(entries, start=1) if e is exc.entry)
        raise EntryRefused([(n, exc.entry.unit.uid, exc.entry.indicator, exc.field, exc.message)]) from None
    return [new for _, _, new in pairs]


def history(unit: Unit, set_code: str, period: str, indicator: str | None = None):
    """Every saved version, newest first (who, when, old → new)."""
    qs = ObservationVersion.objects.with_current().filter(unit=unit, set_code=set_code, period=Period.parse(period).key)
    if indicator:
        qs = qs.filter(indicator=indicator)
    return qs.order_by("indicator", "-version")


def record_fact(unit: Unit, name: str, period: str, value: float | None, *, user=None, note: str = "") -> Fact:
    """Record a fact: see :func:`ntm.apps.observations.facts.record` (its one write path)."""
    return facts.record(unit, name, period, value, user=user, note=note)


def previous_period(unit: Unit, set_code: str, period: str) -> str | None:
    """The newest period of the same kind (month, quarter, year) before ``period`` in which the unit has
    values for the set: where "Chép từ kỳ trước" copies from."""
    p = Period.parse(period)
    keys = (
        Observation.objects.current()
        .filter(unit=unit, set_code=set_code)
        .values_list("period", flat=True)
        .distinct()
        .order_by()
    )
    earlier = []
    for k in keys:
        try:
            q = Period.parse(k)
        except ValueError:
            continue
        if q.end < p.start and bool(q.month) == bool(p.month) and bool(q.quarter) == bool(p.quarter):
            earlier.append(q)
    return max(earlier, key=lambda q: q.end).key if earlier else None


@dataclass
class CarryOver:
    """What "Chép từ kỳ trước" did: the period copied from, the indicators copied (marked as carried
    over until confirmed or changed), those left as they were because a value is already there, and
    those not copied because the stored value is no longer accepted (with why)."""

    source: str | None
    copied: list[str]
    kept: list[str]
    refused: list[tuple[str, str]]


def carry_over(unit: Unit, set_code: str, period: str, *, user=None, catalog: Catalog | None = None) -> CarryOver:
    """Fill the empty indicators of a unit, set and period with the values of the previous period
    (:func:`previous_period`): value, assessment and note — not the evidence, which belongs to the
    period it was uploaded for. Written through :func:`record_many` (checked, audited, re-evaluated)
    with source ``carryover``: the entry page marks those rows until each is confirmed or changed.
    An indicator that already has a value is left alone (nothing is overwritten, so no version is
    needed). Raises what :func:`record_many` raises (a submitted or approved period is locked)."""
    catalog = catalog or default_catalog()
    cs = catalog.get(set_code)
    key = Period.parse(period).key
    source = previous_period(unit, set_code, key)
    if source is None:
        return CarryOver(None, [], [], [])
    present = set(
        Observation.objects.current()
        .filter(unit=unit, set_code=set_code, period=key)
        .values_list("indicator", flat=True)
    )
    entries, kept, refused = [], [], []
    for o in Observation.objects.current().filter(unit=unit, set_code=set_code, period=source).order_by("indicator"):
        if o.indicator not in cs.by_code:
            continue
        if o.indicator in present:
            kept.append(o.indicator)
            continue
        value = o.value_text or (input_text(o.value_num) if o.value_num is not None else None)
        try:
            read_value(cs.by_code[o.indicator], value)
        except ValueRefused as exc:
            refused.append((o.indicator, exc.message))
            continue
        if value is None and o.assessment is None and not o.not_applicable:
            continue
        entries.append(
            Entry(
                unit=unit,
                set_code=set_code,
                period=key,
                indicator=o.indicator,
                value=value,
                assessment=o.assessment,
                not_applicable=o.not_applicable,
                note=o.note,
            )
        )
    written = record_many(entries, user=user, source=CARRIED_OVER, batch=f"chep-tu-{source}", catalog=catalog)
    copied = [e.indicator for e, new in zip(entries, written) if new is not None]
    return CarryOver(source, copied, kept, refused)
