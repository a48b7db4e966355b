"""Load, find and walk the administrative units.

- :func:`load_units` — idempotent upsert of both editions and their lineage from ``ntm.core.units``;
- :func:`find_units` — diacritics-insensitive search, optionally at a date;
- :func:`resolve_unit` — a uid (``xa:13570@2024``) or a name path (``Hà Nam/Lý Nhân/Nguyên Lý``)
  to exactly one unit, or a Vietnamese :class:`UnitLookupError` listing the candidates;
- :func:`ancestors`, :func:`subtree`, :func:`communes_at`, :func:`predecessors`, :func:`successors`.

``communes_at`` returns every commune-level unit — xã, phường, thị trấn, đặc khu — under a parent as
the hierarchy stood at the date; callers that count only "xã" for NTM filter by ``type``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import CharField, DateField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.dispatch import Signal

from ntm.core import units as core
from ntm.core.units import UnitLookupError

from .models import Level, Unit, UnitLink

# sent inside the loading transaction when units or their links were created, changed or removed
# (pages that keep figures computed over the hierarchy listen: ntm.web.cache)
units_changed = Signal()

__all__ = [
    "UnitLookupError",
    "UnitMatch",
    "load_units",
    "find_units",
    "resolve_unit",
    "ancestors",
    "subtree",
    "communes_at",
    "predecessors",
    "successors",
    "path_names",
]

Progress = Callable[[str, int, int], None]  # (stage description, done, total)

_LOADED_FIELDS = (
    "code",
    "name",
    "short_name",
    "type",
    "level",
    "edition",
    "parent_id",
    "region",
    "lat",
    "lon",
    "valid_from",
    "valid_to",
    "search",
)
_BATCH = 1000
_LEVEL_ORDER = {lvl: i for i, lvl in enumerate(core.LEVELS)}


# -- loading ---------------------------------------------------------------------------------
def load_units(progress: Progress | None = None, data: core.UnitData | None = None) -> dict[str, int]:
    """Create or update every unit and lineage link from the shipped dataset, in one transaction.

    Idempotent: a second run writes nothing and reports 0 created, 0 updated. ``special`` and
    ``commune_group`` (set by an office) are never overwritten. Units no longer in the source are
    kept (observations and results may point to them) and counted as ``not_in_source``; lineage
    links mirror the source exactly (links no longer in it are deleted, ``links_deleted``).

    ``progress(stage, done, total)`` is called as work advances (for a progress bar).
    Returns counts: ``units``, ``created``, ``updated``, ``unchanged``, ``paths_written``, ``links``,
    ``links_created``, ``links_updated``, ``links_deleted``, ``links_unchanged``, ``not_in_source``,
    ``source_links_dropped`` (links of the source rejected as errors, see ``ntm.core.units``).
    """
    data = data or core.read_units()
    report = progress or (lambda stage, done, total: None)
    n_units = len(data.units)
    counts = dict.fromkeys(("created", "updated", "unchanged", "links_created", "links_updated", "links_unchanged"), 0)

    with transaction.atomic():
        existing = {row["uid"]: row for row in Unit.objects.values("id", "uid", "path", *_LOADED_FIELDS)}
        ids: dict[str, int] = {uid: row["id"] for uid, row in existing.items()}
        report("Đơn vị hành chính", 0, n_units)

        def processed() -> int:
            return counts["created"] + counts["updated"] + counts["unchanged"]

        for level in core.LEVELS:
            new: list[Unit] = []
            changed: list[Unit] = []
            for rec in data.units:
                if rec.level != level:
                    continue
                values = {
                    "code": rec.code,
                    "name": rec.name,
                    "short_name": rec.short_name,
                    "type": rec.type,
                    "level": rec.level,
                    "edition": rec.edition,
                    "parent_id": ids[rec.parent_uid] if rec.parent_uid else None,
                    "region": rec.region,
                    "lat": rec.lat,
                    "lon": rec.lon,
                    "valid_from": rec.valid_from,
                    "valid_to": rec.valid_to,
                    "search": core.normalize(rec.name),
                }
                row = existing.get(rec.uid)
                if row is None:
                    new.append(Unit(uid=rec.uid, path="", **values))
                elif any(row[k] != v for k, v in values.items()):
                    changed.append(Unit(id=row["id"], uid=rec.uid, **values))
                else:
                    counts["unchanged"] += 1
            for i in range(0, len(new), _BATCH):
                chunk = new[i : i + _BATCH]
                _insert(Unit, ("uid", "path", "special", "commune_group", *_LOADED_FIELDS), chunk)
                counts["created"] += len(chunk)
                report("Đơn vị hành chính", processed(), n_units)
            if new:
                ids.update(Unit.objects.filter(level=level).values_list("uid", "id"))
            for i in range(0, len(changed), _BATCH):
                chunk = changed[i : i + _BATCH]
                Unit.objects.bulk_update(chunk, list(_LOADED_FIELDS))
                counts["updated"] += len(chunk)
            report("Đơn vị hành chính", processed(), n_units)

        counts["paths_written"] = _update_paths(data, ids)

        n_links = len(data.links)
        report("Quan hệ kế thừa", 0, n_links)
        have = {
            (pred, succ): (pk, kind, date, default)
            for pk, pred, succ, kind, date, default in UnitLink.objects.values_list(
                "id", "predecessor_id", "successor_id", "kind", "date", "is_default"
            )
        }
        new_links, changed_links, wanted = [], [], set()
        for link in data.links:
            key = (ids[link.predecessor], ids[link.successor])
            wanted.add(key)
            cur = have.get(key)
            if cur is None:
                new_links.append(
                    UnitLink(
                        predecessor_id=key[0],
                        successor_id=key[1],
                        kind=link.kind,
                        date=link.date,
                        is_default=link.is_default,
                    )
                )
            elif cur[1:] != (link.kind, link.date, link.is_default):
                changed_links.append(
                    UnitLink(
                        id=cur[0],
                        predecessor_id=key[0],
                        successor_id=key[1],
                        kind=link.kind,
                        date=link.date,
                        is_default=link.is_default,
                    )
                )
            else:
                counts["links_unchanged"] += 1
        for i in range(0, len(new_links), _BATCH * 5):
            _insert(
                UnitLink,
                ("predecessor_id", "successor_id", "kind", "date", "is_default"),
                new_links[i : i + _BATCH * 5],
            )
            report("Quan hệ kế thừa", min(i + _BATCH * 5, len(new_links)), n_links)
        if changed_links:
            UnitLink.objects.bulk_update(changed_links, ["kind", "date", "is_default"], batch_size=_BATCH)
        gone = [v[0] for k, v in have.items() if k not in wanted]
        for i in range(0, len(gone), _BATCH):
            UnitLink.objects.filter(id__in=gone[i : i + _BATCH]).delete()
        counts["links_created"], counts["links_updated"], counts["links_deleted"] = (
            len(new_links),
            len(changed_links),
            len(gone),
        )
        report("Quan hệ kế thừa", n_links, n_links)

        source_uids = {u.uid for u in data.units}
        counts["not_in_source"] = sum(1 for uid in ids if uid not in source_uids)
        if counts["created"] or counts["updated"] or new_links or changed_links or gone:
            units_changed.send(sender=Unit, counts=counts)
    counts["units"] = n_units
    counts["links"] = len(data.links)
    counts["source_links_dropped"] = len(data.corrections)
    return counts


def _insert(model, attnames: tuple[str, ...], objs: list) -> None:
    """Plain INSERT of many rows without RETURNING. ``bulk_create`` is limited on SQLite to 999
    parameters per statement (≈50 units), which made a first load several times slower. SQLite
    (in-process) takes ``executemany``; a server database gets multi-row ``VALUES`` statements."""
    if not objs:
        return
    fields = [model._meta.get_field(a[:-3] if a.endswith("_id") else a) for a in attnames]
    # only dates need converting (to text on SQLite); other values go to the driver as they are
    preps = [(f.attname, isinstance(f, DateField)) for f in fields]
    rows = [
        [
            DateField().get_db_prep_value(v, connection) if is_date else v
            for v, is_date in ((getattr(o, name), is_date) for name, is_date in preps)
        ]
        for o in objs
    ]
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.executemany(head + one, rows)
            return
        per = max(1, 30000 // len(fields))
        for i in range(0, len(rows), per):
            chunk = rows[i : i + per]
            cur.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])


def _update_paths(data: core.UnitData, ids: dict[str, int]) -> int:
    """Set ``path`` = parent's path + own id + "/", top-down. New rows (path "") get it from one
    UPDATE per level; then every path is checked against the hierarchy and only differing rows
    (a unit moved to another parent) are rewritten. Returns the number of rows written."""
    written = 0
    own = Cast("id", output_field=CharField())
    parent_path = Subquery(Unit.objects.filter(pk=OuterRef("parent_id")).values("path")[:1])
    for level in core.LEVELS:
        prefix = Value("/") if level == Level.COUNTRY else parent_path
        written += Unit.objects.filter(level=level, path="").update(
            path=Concat(prefix, own, Value("/"), output_field=CharField())
        )
    current = dict(Unit.objects.values_list("id", "path"))
    paths: dict[str, str] = {}
    stale: list[Unit] = []
    for rec in data.units:  # parents come before children
        prefix = paths[rec.parent_uid] if rec.parent_uid else "/"
        paths[rec.uid] = path = f"{prefix}{ids[rec.uid]}/"
        if current.get(ids[rec.uid]) != path:
            stale.append(Unit(id=ids[rec.uid], path=path))
    if stale:
        Unit.objects.bulk_update(stale, ["path"], batch_size=_BATCH)
    return written + len(stale)


# -- looking up ------------------------------------------------------------------------------
@dataclass
class UnitMatch:
    """One search result: the unit and the names of its ancestors from the province down."""

    uid: str
    name: str
    type: str
    level: str
    edition: str
    path: list[str]
    valid_from: dt.date | None
    valid_to: dt.date | None
    unit: Unit = field(repr=False, compare=False)

    @classmethod
    def of(cls, unit: Unit, path: list[str]) -> UnitMatch:
        return cls(unit.uid, unit.name, unit.type, unit.level, unit.edition, path, unit.valid_from, unit.valid_to, unit)

    def as_dict(self) -> dict:
        return {
            "uid": self.uid,
            "name": self.name,
            "type": self.type,
            "level": self.level,
            "edition": self.edition,
            "path": self.path,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


def path_names(units: list[Unit]) -> dict[int, list[str]]:
    """For each unit, the names of its ancestors below the root (province down), in one query."""
    want = {a for u in units for a in u.ancestor_ids}
    names = dict(Unit.objects.filter(id__in=want).exclude(level=Level.COUNTRY).values_list("id", "name"))
    return {u.id: [names[a] for a in u.ancestor_ids if a in names] for u in units}


def _chains(units: list[Unit]) -> dict[int, list[tuple[str, str, str]]]:
    """(name, short_name, type) of each unit's ancestors and itself, root first."""
    want = {a for u in units for a in u.ancestor_ids}
    info = {
        pk: (n, s, t)
        for pk, n, s, t in Unit.objects.filter(id__in=want).values_list("id", "name", "short_name", "type")
    }
    return {u.id: [info[a] for a in u.ancestor_ids if a in info] + [(u.name, u.short_name, u.type)] for u in units}


def _by_path(segments: list[str], date: dt.date | None) -> list[Unit]:
    """Units designated by a name path, best-ranked only (see ``ntm.core.units.path_rank``)."""
    last = core._segment_key(segments[-1])
    if not last:
        return []
    cands = [
        u
        for u in Unit.objects.valid_at(date).filter(Q(search=last) | Q(search__endswith=" " + last)).order_by("id")
        if core.segment_matches(segments[-1], u.name, u.short_name, u.type)
    ]
    chains = _chains(cands)
    return core.rank_candidates(segments, ((u, chains[u.id]) for u in cands))


def _by_uid(ref: str, date: dt.date | None) -> list[Unit] | None:
    """Units for a uid-like reference (``vn``, ``xa:13570@2024``, ``xa:13570``); None if ``ref`` is no uid."""
    if ref.lower() == core.ROOT_UID:
        return list(Unit.objects.filter(uid=core.ROOT_UID))
    parsed = core.parse_uid(ref)
    if not parsed:
        return None
    level, code, edition = parsed
    qs = Unit.objects.valid_at(date).filter(level=level, code=code)
    if edition:
        qs = qs.filter(edition=edition)
    return list(qs.order_by("edition"))


def resolve_unit(ref: str | Unit, date: dt.date | str | None = None) -> Unit:
    """Exactly one unit for a uid or a name path, valid at ``date`` if given.

    Name paths are written from the top, "/"-separated; type words and diacritics are optional and
    levels may be skipped: "Hà Nam/Lý Nhân/Nguyên Lý", "ha nam/xa nguyen ly", "Tỉnh Hà Nam". A path
    read from the province down without gaps wins over looser matches ("Hà Nam" is the province,
    not the 2025 Phường Hà Nam). Raises :class:`UnitLookupError` (a ``LookupError``) with the
    candidates when none or several match.
    """
    if isinstance(ref, Unit):
        return ref
    date = core.parse_date(date)
    text = " ".join(str(ref or "").split())
    found = _by_uid(text, date)
    if found is None:
        segments = core.split_path(text)
        if not segments:
            raise UnitLookupError("chưa nhập đơn vị (mã như xa:13570@2024 hoặc tên như Hà Nam/Lý Nhân/Nguyên Lý)")
        found = _by_path(segments, date)
    if len(found) == 1:
        return found[0]
    names = path_names(found)
    return core.one_of(text, found, date, lambda u: (u.uid, u.name, names[u.id], u.valid_from, u.valid_to))


def find_units(text: str, date: dt.date | str | None = None, limit: int | None = 50) -> list[UnitMatch]:
    """Units whose name contains ``text``, ignoring case and diacritics ("nguyen ly" finds Xã Nguyên
    Lý), valid at ``date`` if given. A uid or a name path with "/" ("Lý Nhân/Nguyên Lý") also works.
    Best first: exact names, then names starting with the text, then word matches; higher levels
    before lower ones."""
    date = core.parse_date(date)
    text = " ".join(str(text or "").split())
    units = _by_uid(text, date)
    if units is None and "/" in text:
        units = _by_path(core.split_path(text), date) if core.split_path(text) else []
    if units is None:
        q = core.normalize(text)
        if not q:
            return []
        rows = Unit.objects.valid_at(date).filter(search__contains=q)
        accented = core.fold_case(text) if core.has_diacritics(text) else None

        def rank(u: Unit) -> tuple:
            short = core.normalize(u.short_name)
            if q in (u.search, short):
                r = 0
            elif short.startswith(q):
                r = 1
            elif f" {q}" in f" {u.search}":
                r = 2
            else:
                r = 3
            # typed with diacritics: names with other diacritics ("Tân Thành" for "Tân Thạnh") come last
            other_accents = accented is not None and accented not in core.fold_case(u.name)
            return other_accents, r, _LEVEL_ORDER.get(u.level, 9), u.edition, u.code

        units = sorted(rows, key=rank)
    if limit:
        units = units[:limit]
    names = path_names(units)
    return [UnitMatch.of(u, names[u.id]) for u in units]


# -- walking the hierarchy -------------------------------------------------------------------
def ancestors(unit: Unit) -> list[Unit]:
    """The root, then each level down to the unit's parent."""
    ids = unit.ancestor_ids
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def common_ancestor(units) -> Unit | None:
    """The nearest unit above or equal to every one of ``units`` (by their paths), None when they
    share none."""
    paths = [u.path.strip("/").split("/") for u in units]
    common = [level[0] for level in itertools.takewhile(lambda lv: len(set(lv)) == 1, zip(*paths))]
    return Unit.objects.filter(pk=int(common[-1])).first() if common else None


def subtree(unit: Unit) -> QuerySet[Unit]:
    """The unit and everything below it (one indexed ``path LIKE 'x%'`` query)."""
    return Unit.objects.filter(path__startswith=unit.path)


def communes_at(parent: Unit | str, date: dt.date | str) -> QuerySet[Unit]:
    """Commune-level units (xã, phường, thị trấn, đặc khu) under ``parent`` as the hierarchy stood on
    ``date``: before 1 July 2025 the 2024 edition (province › district › commune), from that date the
    2025 one (province › commune). The root ``vn`` works at any date. A parent that was not in force
    on the date is an error naming its successors or predecessors; filter by ``type`` to keep only xã.
    """
    parent = resolve_unit(parent, date) if isinstance(parent, str) else parent
    date = core.parse_date(date)
    if date is None:
        raise ValueError("communes_at cần một ngày")
    qs = Unit.objects.valid_at(date).filter(level=Level.COMMUNE)
    if parent.level == Level.COUNTRY:
        return qs.order_by("code")
    if not parent.is_valid_at(date):
        if date >= core.REFORM_DATE:
            others = [u.uid for u in successors(parent)]
            hint = f"; đơn vị kế thừa: {', '.join(others)}" if others else ""
        else:
            others = [u.uid for u in predecessors(parent)]
            hint = f"; đơn vị trước đó: {', '.join(others)}" if others else ""
        raise UnitLookupError(
            f"{parent.name} ({parent.uid}) không có hiệu lực ngày {date:%d/%m/%Y} ({parent.validity}){hint}."
        )
    return qs.filter(path__startswith=parent.path).order_by("code")


def _linked(unit: Unit, *, forward: bool) -> list[Unit]:
    if forward:
        links = UnitLink.objects.filter(predecessor=unit).select_related("successor")
    else:
        links = UnitLink.objects.filter(successor=unit).select_related("predecessor")
    out = []
    for link in links.order_by("-is_default", "id"):
        other = link.successor if forward else link.predecessor
        other.link = link  # kind, date, is_default of the relation
        out.append(other)
    return out


def predecessors(unit: Unit) -> list[Unit]:
    """Units that became (part of) ``unit`` on 1 July 2025; each carries ``.link`` (kind, date, is_default)."""
    return _linked(unit, forward=False)


def successors(unit: Unit) -> list[Unit]:
    """Units that ``unit`` went into on 1 July 2025; each carries ``.link``; the default one first."""
    return _linked(unit, forward=True)
