"""The communes under a unit as the hierarchy stood on a date, limited to what a user may see: the
units themselves (read with the cursor, kept in a small per-process cache), the filters on their
results, and, for a period before the 2025 reform, the old xã that became today's communes."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet

from ntm.apps.accounts.communes import commune_q
from ntm.apps.accounts.permissions import can_view, viewer_key, visible_q
from ntm.apps.units.models import Level, Unit, UnitLink
from ntm.apps.units.services import communes_at
from ntm.core.periods import Period
from ntm.core.units import REFORM_DATE

from ..services import COMMUNE_TYPES


def communes_qs(parent: Unit, date: dt.date, user) -> QuerySet[Unit]:
    """The xã under ``parent`` as the hierarchy stood on ``date``, limited to what ``user`` may see.
    Raises ``UnitLookupError`` when ``parent`` was not in force on ``date``."""
    if parent.level != Level.COMMUNE:
        communes_at(parent, date)  # validates the parent at the date (a Vietnamese error naming successors)
    return Unit.objects.filter(commune_q(parent, date, user))


COMMUNE_FIELDS = ("id", "uid", "name", "short_name", "parent_id", "path", "region", "lat", "lon")


_ROWS_CACHE: OrderedDict[tuple, tuple[float, tuple, list[dict]]] = OrderedDict()
_ROWS_LOCK = threading.Lock()
ROWS_CACHE_SIZE = 32
ROWS_CACHE_SECONDS = 300.0


def _units_stamp() -> tuple:
    """Changes whenever units are added or removed (a reload of the administrative units)."""
    return tuple(Unit.objects.aggregate(n=Count("id"), top=Max("id")).values())


def commune_rows(qs: QuerySet[Unit]) -> list[dict]:
    """The communes as plain dicts (unordered). Read with the database cursor — a national page has
    ~7,700 xã and Django's per-row machinery would cost more than the query — and kept in a small
    per-process cache (the units change only when the administrative units are reloaded: the cache
    is keyed by the query, checked against a stamp of the units table and expires after 5 minutes).
    The dicts are shared between requests: callers must not modify them."""
    sql, params = qs.order_by().values_list(*COMMUNE_FIELDS).query.sql_with_params()
    key = (sql, tuple(str(p) for p in params))
    stamp = _units_stamp()
    now = time.monotonic()
    with _ROWS_LOCK:
        hit = _ROWS_CACHE.get(key)
        if hit is not None and hit[1] == stamp and now - hit[0] < ROWS_CACHE_SECONDS:
            _ROWS_CACHE.move_to_end(key)
            return hit[2]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = [dict(zip(COMMUNE_FIELDS, r)) for r in cur.fetchall()]
    with _ROWS_LOCK:
        _ROWS_CACHE[key] = (now, stamp, rows)
        while len(_ROWS_CACHE) > ROWS_CACHE_SIZE:
            _ROWS_CACHE.popitem(last=False)
    return rows


def sees_all_of(user, parent: Unit) -> bool:
    """True when ``user`` may see every unit under ``parent`` (then no per-user filter is needed)."""
    return can_view(user, parent)


def scope_key(user, parent: Unit) -> tuple:
    """What ``user`` may see under ``parent``, as a key: pages computed for one user serve every
    user who sees the same communes."""
    return ("all",) if can_view(user, parent) else viewer_key(user)


def _trend_units(parent: Unit, date: dt.date, user) -> Q:
    """The results the trend reads: under a province or district, unit by unit through the (unit,
    set, period) index — a few hundred communes instead of every result of the set in the country."""
    if parent.level == Level.COUNTRY:
        return commune_q(parent, date, user, prefix="unit__")
    return Q(unit_id__in=Unit.objects.filter(commune_q(parent, date, user)).values("id"))


def lineage_mode(date: dt.date, period: Period | None) -> bool:
    """A period before 1 July 2025 seen on the hierarchy of a date from then on: the results are
    those of the old communes, shown by the communes they became (:func:`lineage_rows`)."""
    return period is not None and period.end < REFORM_DATE <= date


def _successors_q(parent: Unit, date: dt.date, user) -> Q:
    """Today's commune-level units under ``parent`` (xã, phường, đặc khu: an old xã may have become
    part of a phường) in force on ``date`` that ``user`` may see."""
    q = (
        Q(level=Level.COMMUNE)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=date))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=date))
    )
    if parent.level == Level.COMMUNE:
        q = Q(pk=parent.pk)
    elif parent.level != Level.COUNTRY:
        q &= Q(path__startswith=parent.path)
    return q & visible_q(user, "")


def lineage_ids(parent: Unit, date: dt.date, user):
    """A subquery of the ids of the old xã (before 1 July 2025) that became the communes of ``parent``
    at ``date``. The user sees them through today's communes they became: a successor's page shows
    its predecessors' figures."""
    return UnitLink.objects.filter(
        successor__in=Unit.objects.filter(_successors_q(parent, date, user)), predecessor__type__in=COMMUNE_TYPES
    ).values("predecessor_id")


def lineage_rows(parent: Unit, date: dt.date, user) -> tuple[list[dict], list[dict]]:
    """(old xã, today's communes they became). Each old xã once, as a copy of its row carrying its
    successor (``successor_id``, ``successor_uid``, ``successor_name``) and that successor's parent
    as ``parent_id`` (so that the national overview groups it under today's province). An old xã
    divided among several communes goes with the one that took its name (the lineage's default)."""
    successors = commune_rows(Unit.objects.filter(_successors_q(parent, date, user)))
    by_id = {u["id"]: u for u in successors}
    home: dict[int, tuple[bool, int]] = {}
    for pred, succ, default in UnitLink.objects.filter(
        successor__in=Unit.objects.filter(_successors_q(parent, date, user)), predecessor__type__in=COMMUNE_TYPES
    ).values_list("predecessor_id", "successor_id", "is_default"):
        best = home.get(pred)
        if best is None or (default and not best[0]):
            home[pred] = (bool(default), succ)
    olds = commune_rows(Unit.objects.filter(id__in=lineage_ids(parent, date, user)))
    rows = []
    for u in olds:
        s = by_id[home[u["id"]][1]]
        rows.append(
            dict(u, parent_id=s["parent_id"], successor_id=s["id"], successor_uid=s["uid"], successor_name=s["name"])
        )
    used = {r["successor_id"] for r in rows}
    return rows, sorted((u for u in successors if u["id"] in used), key=lambda u: u["name"])
