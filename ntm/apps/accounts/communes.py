"""The communes under a unit, at a date, that a user may see: one filter shared by the pages that
count communes (dashboards, reporting completeness)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from ntm.apps.units.classifications import COMMUNE_TYPES
from ntm.apps.units.models import Level, Unit

from .permissions import visible_q


def commune_q(parent: Unit, date: dt.date, user, prefix: str = "") -> Q:
    """A filter selecting the xã under ``parent`` in force on ``date`` that ``user`` may see — on
    ``Unit`` (``prefix=""``) or across a foreign key (``prefix="unit__"``), so that results are read
    with a join instead of an ``IN (subquery)`` over thousands of communes. Same selection as
    ``units.services.communes_at`` (which :func:`communes_qs` calls first for its checks)."""
    f = prefix
    # across the join, ``type`` alone selects the xã ("Xã" is a commune-level type only): a
    # condition on ``level`` would lead SQLite (without ANALYZE statistics) to scan every commune
    # through the level index instead of the few results of the set and period
    q = Q(**{f"{f}type__in": COMMUNE_TYPES}) if prefix else Q(level=Level.COMMUNE, type__in=COMMUNE_TYPES)
    q = (
        q
        & (Q(**{f"{f}valid_from__isnull": True}) | Q(**{f"{f}valid_from__lte": date}))
        & (Q(**{f"{f}valid_to__isnull": True}) | Q(**{f"{f}valid_to__gte": date}))
    )
    if parent.level == Level.COMMUNE:
        q = Q(**{f"{f}pk": parent.pk})
    elif parent.level != Level.COUNTRY:
        q &= Q(**{f"{f}path__startswith": parent.path})
    return q & visible_q(user, prefix[:-2] if prefix else "")
