"""The overview of a unit in a period — what the dashboard and the commune list show — built in a
constant number of queries, kept in the page cache and patched when a few communes' results change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from ntm.apps.accounts.communes import commune_q
from ntm.apps.catalog.choices import tier_sets
from ntm.apps.units.models import Level, Unit
from ntm.apps.units.services import communes_at
from ntm.core.catalog import Catalog, CriteriaSet, default_catalog
from ntm.core.evaluation import rollup_of
from ntm.core.evaluation.rollup import Rollup
from ntm.core.periods import Period
from ntm.web.cache import memo

from .. import dataview
from .communes import _trend_units, commune_rows, communes_qs, lineage_ids, lineage_mode, lineage_rows, scope_key
from .periods import period_key
from .results import best_standard, results_by_unit
from .rollups import (
    ChildSummary,
    CommuneRow,
    StandardCount,
    TrendPoint,
    child_groups,
    children_summary,
    standard_counts,
    trend,
    trend_point,
)


@dataclass
class Overview:
    unit: Unit
    date: dt.date
    period: Period | None
    set: CriteriaSet
    tiers: dict[str, CriteriaSet]
    rows: list[CommuneRow] = field(default_factory=list)
    rollup: Rollup | None = None
    standards: list[StandardCount] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    children: list[ChildSummary] = field(default_factory=list)
    _derived: dict = field(default_factory=dict, repr=False)
    # for patching a kept overview when a few communes' results change (see patch_overview)
    lean: bool = field(default=False, repr=False)
    groups: tuple | None = field(default=None, repr=False)  # child_groups() of the rows
    _index: dict | None = field(default=None, repr=False)
    # a period before 1 July 2025 seen on today's map: ``rows`` are the old communes that became the
    # communes of ``unit`` (each once), and these are today's communes, in order (see lineage_groups)
    successors: list[dict] | None = None

    @property
    def lineage(self) -> bool:
        return self.successors is not None

    def index(self) -> dict[int, int]:
        """{commune id: position in ``rows``}."""
        if self._index is None:
            self._index = {r.unit["id"]: i for i, r in enumerate(self.rows)}
        return self._index

    def derived(self, key, compute):
        """What a page derives from this overview (the sorted list, the drawn map), kept with it: an
        overview is shared between requests until its results change."""
        try:
            return self._derived[key]
        except KeyError:
            return self._derived.setdefault(key, compute())

    @property
    def communes_total(self) -> int:
        return len(self.rows)

    @property
    def with_results(self) -> int:
        if self.rollup is not None:  # counted with the rows (_count)
            return self.rollup.units_with_results
        return sum(1 for r in self.rows if r.main is not None)


def _point_of_rows(ov: Overview) -> TrendPoint | None:
    """The trend point of the overview's own period, from its rows (the same communes and results
    the trend query reads)."""
    scored = [r.main for r in ov.rows if r.main is not None]
    if not scored or ov.period is None:
        return None
    n = len(scored)
    return trend_point(
        ov.period.key,
        n,
        sum(m["criteria_met"] for m in scored) / n,
        sum(m["indicators_met"] for m in scored) / n,
        sum(1 for m in scored if m["standard_met"]),
        ov.set,
        len(ov.rows),
    )


def build_overview(
    parent: Unit,
    date: dt.date,
    period: Period | None,
    cs: CriteriaSet,
    user,
    *,
    catalog: Catalog | None = None,
    with_trend: bool = True,
) -> Overview:
    """Everything the overview and the commune list show, in a constant number of queries — kept
    (:func:`~ntm.web.cache.memo`) until a result or a unit changes, and patched
    (:func:`patch_overview`) when a save changes a few communes' results. The returned object is
    shared between requests: do not modify it."""
    catalog = catalog or default_catalog()
    key = (
        "overview",
        parent.pk,
        date,
        period.key if period else None,
        cs.code,
        cs.digest,
        scope_key(user, parent),
        with_trend,
        dataview.current().code,
    )
    return memo(
        key,
        lambda: _build_overview(parent, date, period, cs, user, catalog=catalog, with_trend=with_trend),
        weight=lambda ov: len(ov.rows),
        patch=lambda ov, changes: patch_overview(ov, changes, user),
    )


def _build_overview(
    parent: Unit, date: dt.date, period: Period | None, cs: CriteriaSet, user, *, catalog: Catalog, with_trend: bool
) -> Overview:
    tiers = tier_sets(period, catalog)
    if lineage_mode(date, period):
        return _build_lineage(parent, date, period, cs, user, tiers, with_trend=with_trend)
    units = commune_rows(communes_qs(parent, date, user))
    on_results = commune_q(parent, date, user, prefix="unit__")
    ov = Overview(parent, date, period, cs, tiers, lean=with_trend)
    # the overview (with its trend) shows counts only; the commune list and the gap analysis need the
    # unmet criteria and indicators
    results = results_by_unit(on_results, _codes(ov), period.key, lean=with_trend) if period else {}
    rows = ov.rows
    for u in units:
        by_set = results.get(u["id"])
        if by_set is None:  # most communes of a national page: no result yet
            rows.append(CommuneRow(u, "nodata", {}, None))
        else:
            rows.append(CommuneRow(u, best_standard(by_set, tiers), by_set, by_set.get(cs.code)))
    _count(ov)
    if with_trend:
        ov.trend = trend(_trend_units(parent, date, user), cs, len(units), by_unit=parent.level != Level.COUNTRY)
        if parent.level in (Level.COUNTRY, Level.PROVINCE):
            ov.groups = child_groups(parent, ov.rows)
            ov.children = children_summary(parent, ov.rows, ov.groups)
    return ov


def _build_lineage(
    parent: Unit, date: dt.date, period: Period, cs: CriteriaSet, user, tiers: dict, *, with_trend: bool
) -> Overview:
    """The overview of a period before the reform on today's map: the old xã's stored results, each
    old xã once, grouped by the commune it became (see :func:`lineage_rows`)."""
    if parent.level != Level.COMMUNE and not parent.is_valid_at(date):
        communes_at(parent, date)  # the Vietnamese error naming the units in force on the date
    units, successors = lineage_rows(parent, date, user)
    ov = Overview(parent, date, period, cs, tiers, lean=with_trend, successors=successors)
    ids = Q(unit_id__in=lineage_ids(parent, date, user))
    results = results_by_unit(ids, _codes(ov), period.key, lean=with_trend)
    for u in units:
        by_set = results.get(u["id"])
        ov.rows.append(
            CommuneRow(u, best_standard(by_set, tiers), by_set, by_set.get(cs.code))
            if by_set
            else CommuneRow(u, "nodata", {}, None)
        )
    _count(ov)
    if with_trend:
        ov.trend = trend(ids, cs, len(units), by_unit=parent.level != Level.COUNTRY)
        if parent.level == Level.COUNTRY:
            ov.groups = child_groups(parent, ov.rows)
            ov.children = children_summary(parent, ov.rows, ov.groups)
    return ov


def _codes(ov: Overview) -> set[str]:
    return {s.code for s in ov.tiers.values()} | {ov.set.code}


def _count(ov: Overview) -> None:
    cs = ov.set
    mains = [r.main for r in ov.rows if r.main is not None]  # one row per commune
    ov.rollup = rollup_of(
        cs.code,
        [m["criteria_met"] for m in mains],
        [m["indicators_met"] for m in mains],
        sum(1 for m in mains if m["standard_met"]),
        units_total=len(ov.rows),
        criteria_total=cs.criteria_count,
        indicators_total=cs.indicator_count,
    )
    ov.standards = standard_counts(ov.rows, ov.tiers)


PATCH_MAX_UNITS = 500  # more changed communes than this in one overview: computed again
LAYOUT = "layout"  # first item of the keys of what a page derives from the communes alone (the map's places)


def patch_overview(ov: Overview, changes, user) -> Overview | None:
    """``ov`` brought up to date after ``changes`` (:class:`~ntm.web.cache.Changes`): the same object
    when none of its communes changed; else a copy with those communes' rows read again (one query),
    its counts, trend and child units recounted — without reading the other communes again. None
    (compute again) when anything may have changed or result rows were added or removed."""
    if changes.everything or changes.added:
        return None
    index = ov.index()
    hit = [u for u in changes.units if u in index]
    if not hit:
        return ov
    if ov.period is None or len(hit) > PATCH_MAX_UNITS:
        return None
    new = Overview(
        ov.unit,
        ov.date,
        ov.period,
        ov.set,
        ov.tiers,
        rows=list(ov.rows),
        rollup=ov.rollup,
        standards=ov.standards,
        trend=list(ov.trend),
        children=ov.children,
        lean=ov.lean,
        groups=ov.groups,
        _index=index,
        successors=ov.successors,
    )
    # the same communes in the same order: what is derived from them alone stays
    new._derived.update((k, v) for k, v in ov._derived.items() if isinstance(k, tuple) and k[0] == LAYOUT)
    here = ov.period.key in changes.periods
    if here:
        fresh = results_by_unit(hit, _codes(ov), ov.period.key, lean=ov.lean)
        for uid in hit:
            pos = index[uid]
            by_set = fresh.get(uid)
            unit = ov.rows[pos].unit
            new.rows[pos] = (
                CommuneRow(unit, best_standard(by_set, ov.tiers), by_set, by_set.get(ov.set.code))
                if by_set
                else CommuneRow(unit, "nodata", {}, None)
            )
        _count(new)
        if ov.groups is not None:  # the children holding the changed communes are counted again
            child_of = ov.groups[0]
            touched = {child_of.get(ov.rows[index[u]].unit["parent_id"]) for u in hit} - {None}
            new.children = children_summary(ov.unit, new.rows, ov.groups, only=touched, previous=ov.children)
        if all(new.rows[index[u]].best == ov.rows[index[u]].best for u in hit):
            # every commune keeps its colour: the drawn map (points and legend counts) is the same
            new._derived.update((k, v) for k, v in ov._derived.items() if isinstance(k, tuple) and k[0] == "map")
    else:  # the same rows: only the trend (in the body) changes
        new._derived.update((k, v) for k, v in ov._derived.items() if not (isinstance(k, tuple) and k[0] == "body"))
    if ov.lean:  # the overview's trend (the commune list and gap analysis have none)
        points = {t.period: t for t in new.trend}
        if here:
            point = _point_of_rows(new)
            if point is None:
                points.pop(ov.period.key, None)
            else:
                points[ov.period.key] = point
        others = sorted(p for p in changes.periods if p != ov.period.key)
        if others:  # another period's point: read again for those periods only
            for p in others:
                points.pop(p, None)
            units = (
                Q(unit_id__in=lineage_ids(ov.unit, ov.date, user))
                if ov.lineage
                else _trend_units(ov.unit, ov.date, user)
            )
            for point in trend(units, ov.set, len(ov.rows), by_unit=ov.unit.level != Level.COUNTRY, periods=others):
                points[point.period] = point
        new.trend = [points[k] for k in sorted(points, key=period_key)]
    return new
