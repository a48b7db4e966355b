"""Which periods have results under a unit (its own and, for a unit formed in 2025, its
predecessors'), in chronological order, and the period a page opens on when none is asked for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection

from ntm.apps.accounts.permissions import visible_q
from ntm.apps.units.models import Level, Unit, UnitLink
from ntm.core import periods as core_periods
from ntm.core.periods import Period
from ntm.core.units import REFORM_DATE
from ntm.web.cache import memo

from .. import dataview
from .communes import scope_key, sees_all_of
from .results import _results


def period_key(key: str) -> tuple:
    """Chronological sort key for period strings ("2023-07", "2023-Q3", "2023")."""
    return core_periods.period_order(key)


def sort_periods(keys: Iterable[str], *, reverse: bool = False) -> list[str]:
    return core_periods.sort_periods(keys, reverse=reverse)


def stored_periods(set_codes: Iterable[str]) -> set[str]:
    """Every period with at least one result for any of ``set_codes``, whatever the unit — ONE query
    that hops through the (set_code, period) index from one distinct period to the next (a few dozen
    index seeks instead of reading the ~150,000 results of a national database)."""
    codes = sorted(set(set_codes))
    if not codes:
        return set()
    table = connection.ops.quote_name(_results()._meta.db_table)
    one = (
        f"SELECT per FROM (WITH RECURSIVE p(per) AS ("
        f"SELECT MIN(period) FROM {table} WHERE set_code = %s "
        f"UNION ALL SELECT (SELECT MIN(period) FROM {table} WHERE set_code = %s AND period > p.per) "
        f"FROM p WHERE p.per IS NOT NULL) SELECT per FROM p WHERE per IS NOT NULL) AS s{{i}}"
    )
    sql = " UNION ".join(one.format(i=i) for i in range(len(codes)))
    params = [c for code in codes for c in (code, code)]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {r[0] for r in cur.fetchall()}


def subtree_periods(parent: Unit, set_codes: Iterable[str], user) -> list[str]:
    """Periods with results for any of ``set_codes`` in the subtree of ``parent`` (any edition), newest first.

    The whole country seen by a national user: the distinct periods of the results, read from the
    index. Otherwise the results of the units of the subtree (that the user may see), read unit by
    unit through the (unit, set, period) index — one query either way."""
    codes = sorted(set(set_codes))
    # the list changes only when result rows are added or removed, not when a save updates one
    return memo(
        ("periods", parent.pk, tuple(codes), scope_key(user, parent), dataview.current().code),
        lambda: _subtree_periods(parent, codes, user),
        patch=lambda kept, changes: None if changes.everything or changes.added else kept,
    )


def lineage_periods(parent: Unit, set_codes: Iterable[str]) -> list[str]:
    """Periods with results for ``set_codes`` of the old units that became units under ``parent``
    (its predecessors' history, seen through today's units), newest first. Empty for units of before
    1 July 2025 and for the whole country (whose own periods include them)."""
    codes = sorted(set(set_codes))
    if parent.level == Level.COUNTRY or not parent.valid_from or parent.valid_from < REFORM_DATE:
        return []

    def read() -> list[str]:
        today = Unit.objects.filter(path__startswith=parent.path, level=Level.COMMUNE)
        olds = UnitLink.objects.filter(successor__in=today).values("predecessor_id")
        qs = _results().objects.filter(set_code__in=codes, unit_id__in=olds)
        return sort_periods(qs.values_list("period", flat=True).distinct(), reverse=True)

    return memo(
        ("lineage-periods", parent.pk, tuple(codes), dataview.current().code),
        read,
        patch=lambda kept, changes: None if changes.everything or changes.added else kept,
    )


def _subtree_periods(parent: Unit, codes: list[str], user) -> list[str]:
    if parent.level == Level.COUNTRY and sees_all_of(user, parent):
        return sort_periods(stored_periods(codes), reverse=True)
    units = Unit.objects.filter(visible_q(user, ""))
    if parent.level != Level.COUNTRY:
        units = units.filter(path__startswith=parent.path)
    qs = _results().objects.filter(set_code__in=codes, unit_id__in=units.values("id"))
    return sort_periods(qs.values_list("period", flat=True).distinct(), reverse=True)


def choose_period(periods: list[str], date: dt.date | None) -> str | None:
    """The newest period (``periods`` newest first) that had started on ``date`` (any when no date)."""
    for key in periods:
        if date is None or Period.parse(key).start <= date:
            return key
    return None


def periods_with_approved_data(parent: Unit, set_codes: Iterable[str], user) -> list[str]:
    """Periods with APPROVED results for any of ``set_codes`` in the subtree of ``parent`` (that
    ``user`` may see) or, for a unit formed in 2025, of its predecessors (:func:`lineage_periods`),
    newest first — whichever view the page reads."""
    with dataview.reading(dataview.APPROVED):
        periods = subtree_periods(parent, set_codes, user)
        history = lineage_periods(parent, set_codes)
    return sort_periods([*periods, *history], reverse=True) if history else periods


def latest_approved_period(parent: Unit, set_codes: Iterable[str], user, date: dt.date | None = None) -> str | None:
    """THE rule for the period a page opens on when none is asked for: the newest period (started by
    ``date``, when given) with approved data in the subtree of ``parent`` — a draft, a submitted or a
    returned sheet never makes a page open on its period (a period with unapproved data only may
    still be chosen explicitly). None when nothing has been approved."""
    return choose_period(periods_with_approved_data(parent, set_codes, user), date)
