"""Keep stored results current: evaluate a unit after its observations change, roll up a parent.

The rules live in :mod:`ntm.core.evaluation`; this module only gathers inputs from the
database and stores the outputs.

Two views of the figures are stored side by side (:mod:`.dataview`): the approved ones
(:class:`~.models.Result`, from the approved versions) and those including unapproved data
(:class:`~.models.ResultAll`, from the current values). Every function that writes takes the ``view`` it
writes: a save re-evaluates :data:`~.dataview.ALL`, an approval :data:`~.dataview.APPROVED`
(:func:`approve_cell`). Readers default to :func:`.dataview.current`.

Stored roll-ups (:class:`~ntm.apps.evaluations.models.RollupResult`) follow every stored result:
:func:`store` applies the change of one commune to the rows of its ancestors (O(depth): the
district, the province and the root), and :func:`rollup_for` reads them when they exist for the
hierarchy of the date asked, computing on the fly otherwise. Whole sets and periods are evaluated
by :mod:`ntm.apps.evaluations.batch` (and in the background by :mod:`ntm.apps.evaluations.tasks`).
Write results only through these two modules, so that the roll-ups stay equal to the results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from ntm.apps.observations.models import Fact
from ntm.apps.observations.workflow import mark_approved
from ntm.apps.units.models import Unit
from ntm.apps.units.services import communes_at
from ntm.apps.units.thresholds import context_for
from ntm.core import units as core_units
from ntm.core.catalog import Catalog, CriteriaSet, default_catalog, prerequisites
from ntm.core.evaluation import ChildStats, Observation, Rollup, SetResult, UnitScore, evaluate, rollup
from ntm.core.periods import Period
from ntm.core.values import stored_truth
from ntm.web.cache import changed

from . import dataview, sql
from .dataview import ALL, APPROVED, DataView
from .models import Result, ResultAll

COMMUNE_TYPES = core_units.COMMUNE_TYPES  # derived from the commune sets' level


_OBS_COLUMNS = ("indicator", "value_num", "value_text", "assessment", "not_applicable")


def _flag(value) -> bool | None:
    return None if value is None else bool(value)


def _observations_of(unit: Unit, period: str, view: DataView):
    """The observations ``view`` evaluates (the latest saved, or the approved ones) of a unit and period."""
    return view.observations().filter(unit=unit, period=period)


def current_observations(unit: Unit, set_code: str, period: str, view: DataView = ALL) -> dict[str, Observation]:
    """The observations ``view`` evaluates: the latest saved (:data:`ALL`) or the approved ones."""
    rows = _observations_of(unit, period, view).filter(set_code=set_code).values_list(*_OBS_COLUMNS)
    return {row[0]: _observation(*row) for row in rows}


def _observation(code: str, num, text, assessment, na) -> Observation:
    """The engine's observation from a stored row's columns (indicator, value_num, value_text,
    assessment, not_applicable)."""
    value: object = num if num is not None else (text or None)
    return Observation(code, stored_truth(value), _flag(assessment), bool(na))


def _inputs(
    unit: Unit, period: str, set_codes: tuple[str, ...], with_facts: bool, view: DataView = ALL
) -> tuple[dict[str, float | None] | None, Callable[[str], dict[str, Observation]]]:
    """The unit's facts (None unless ``with_facts``) and the observations ``view`` evaluates for
    ``set_codes`` in the period; the observations of one set are made engine
    observations when asked for (a dependent set is evaluated only when its prerequisite's standard
    moved)."""
    by_set: dict[str, list[tuple]] = {}
    for row in (
        _observations_of(unit, period, view).filter(set_code__in=set_codes).values_list("set_code", *_OBS_COLUMNS)
    ):
        by_set.setdefault(row[0], []).append(row[1:])

    def observations(set_code: str) -> dict[str, Observation]:
        return {row[0]: _observation(*row) for row in by_set.get(set_code, ())}

    return (current_facts(unit, period) if with_facts else None), observations


def current_facts(unit: Unit, period: str) -> dict[str, float | None]:
    return dict(Fact.objects.filter(unit=unit, period=period, is_current=True).values_list("name", "value"))


def _prerequisites(cs: CriteriaSet) -> frozenset[str]:
    return prerequisites.direct(cs)


def _uses_facts(cs: CriteriaSet) -> bool:
    return any(c.type in ("fact_min", "fact_true") for c in cs.conditions)


def child_stats(unit: Unit, cs: CriteriaSet, period: Period, view: DataView = ALL) -> ChildStats:
    """For district-level conditions: results (in ``view``) of the unit's child communes at the end of
    the period."""
    stats = ChildStats()
    children = list(communes_at(unit, period.end))
    for c in cs.conditions:
        if c.type != "children_share":
            continue
        pool = [u for u in children if not c.child_types or u.type in c.child_types]
        ids = [u.id for u in pool]
        if c.set:
            yes = view.result.objects.filter(
                unit_id__in=ids, set_code=c.set, period=period.key, standard_met=True
            ).count()
        else:
            yes = Fact.objects.filter(
                unit_id__in=ids, name=c.fact, period=period.key, is_current=True, value__gte=0.5
            ).count()
        stats.counts[ChildStats.key(c.set, c.fact, c.child_types)] = (yes, len(pool))
    return stats


def compute(
    unit: Unit,
    set_code: str,
    period: str | Period,
    *,
    catalog: Catalog | None = None,
    standards: dict[str, bool | None] | None = None,
    facts: dict[str, float | None] | None = None,
    observations: dict[str, Observation] | None = None,
    view: DataView = ALL,
) -> SetResult:
    """Evaluate one unit, set and period from the stored observations of ``view`` (the latest saved,
    or the approved ones). ``standards`` (the unit's ``standard_met`` for the prerequisite sets, in
    the same view), ``facts`` and the ``observations`` themselves are read unless the caller gives them."""
    catalog = catalog or default_catalog()
    p = Period.parse(period) if isinstance(period, str) else period
    cs = catalog.get(set_code)
    obs = current_observations(unit, set_code, p.key, view) if observations is None else observations
    if standards is None:
        prereq_codes = _prerequisites(cs)
        standards = (
            dict(
                view.result.objects.filter(unit=unit, period=p.key, set_code__in=prereq_codes).values_list(
                    "set_code", "standard_met"
                )
            )
            if prereq_codes
            else {}
        )
    if facts is None:
        facts = current_facts(unit, p.key) if _uses_facts(cs) else {}
    children = child_stats(unit, cs, p, view) if any(c.type == "children_share" for c in cs.conditions) else None
    return evaluate(
        cs,
        obs,
        context_for(unit, p.year, on=p.end),
        facts=facts,
        standards=standards,
        children=children,
        catalog_version=cs.digest,
    )


# what store() and evaluate_unit() read of a stored result row (locked for the write that follows)
_FOUND = ("id", "criteria_met", "indicators_met", "standard_met", "catalog_version")
_UNREAD = object()


def _locked_result(unit: Unit, set_code: str, period_key: str, view: DataView = ALL) -> tuple | None:
    return _locked_results(unit, (set_code,), period_key, view).get(set_code)


def _locked_results(unit: Unit, set_codes: tuple[str, ...], period_key: str, view: DataView = ALL) -> dict[str, tuple]:
    """{set code: stored row} of the unit's results in ``view`` for ``set_codes`` (those that exist),
    locked: a set and the sets that depend on it in one statement."""
    rows = (
        view.result.objects.select_for_update()
        .filter(unit=unit, period=period_key, set_code__in=set_codes)
        .values_list("set_code", *_FOUND)
    )
    return {code: (pk, crit, ind, bool(standard), version) for code, pk, crit, ind, standard, version in rows}


def store(unit: Unit, set_code: str, period: Period, r: SetResult, *, found=_UNREAD, view: DataView = ALL):
    """Write one result of ``view`` and apply its change to the stored roll-ups of the unit's ancestors.

    ``found``: the row as ``_locked_result`` returned it (None: no row yet), when the caller has
    already locked and read it."""
    if found is _UNREAD:
        found = _locked_result(unit, set_code, period.key, view)
    old = found[1:4] if found else None
    fields = dict(
        year=period.year,
        criteria_met=r.criteria_met,
        criteria_total=r.criteria_total,
        indicators_met=r.indicators_met,
        indicators_total=r.indicators_total,
        standard_met=r.standard_met,
        unmet_criteria=r.unmet_criteria,
        unmet_indicators=r.unmet_indicators,
        conflicts=r.conflicts,
        detail=r.compact(),
        catalog_version=r.catalog_version,
    )
    score = (r.criteria_met, r.indicators_met, r.standard_met)
    # the row is already locked above: one UPDATE (or INSERT) instead of update_or_create's second lookup
    updated = view.result.objects.filter(pk=found[0]).update(**fields, computed_at=timezone.now()) if found else 0
    if updated:
        obj = view.result(pk=found[0], unit=unit, set_code=set_code, period=period.key, **fields)
    else:
        obj = view.result.objects.create(unit=unit, set_code=set_code, period=period.key, **fields)
    apply_rollup_delta(unit, set_code, period, old, score, view=view)
    # kept dashboards are patched for this unit and period (see ntm.web.cache)
    changed("results", units=(unit.id,), periods=(period.key,), added=found is None)
    return obj


def dependents(set_code: str, catalog: Catalog | None = None) -> list[str]:
    """Sets whose standard depends on ``set_code`` (nâng cao on NTM, kiểu mẫu on nâng cao), transitively."""
    return prerequisites.dependents(set_code, catalog or default_catalog())


def evaluate_unit(
    unit: Unit, set_code: str, period: str | Period, *, catalog: Catalog | None = None, view: DataView = ALL
):
    """Re-evaluate one unit, set and period in ``view``, then the sets that depend on it for the same
    unit. A save changes the latest observations: :data:`ALL` (the default); an approval changes the
    approved ones: :data:`APPROVED` (:func:`approve_cell`).

    A dependent set (nâng cao on NTM, kiểu mẫu on nâng cao) reads of its prerequisite only the stored
    ``standard_met``; its other inputs (its own observations, the unit's facts) are not changed by
    this evaluation. So it is evaluated again only when that standard changed here, or when the
    prerequisite's row is new or was computed with another catalogue; otherwise its stored result
    cannot change and stays. Dependents without a stored result are not created here.

    Runs in the caller's transaction when there is one (no savepoint: a failure there rolls the whole
    of it back anyway), else in its own."""
    catalog = catalog or default_catalog()
    p = Period.parse(period) if isinstance(period, str) else period
    catalog.get(set_code)
    chain = dependents(set_code, catalog)
    with transaction.atomic(savepoint=False):
        # the rows (this set's and its dependents') are locked before the observations are read: a
        # concurrent save of the same cell waits here, then evaluates with what that one committed
        locked = _locked_results(unit, (set_code, *chain), p.key, view)
        found = locked.get(set_code)
        # the inputs of this set and of the dependents that have a result, read once for all of them
        codes = (set_code, *(d for d in chain if d in locked))
        facts, observations = _inputs(unit, p.key, codes, any(_uses_facts(catalog.get(c)) for c in codes), view)
        r = compute(
            unit,
            set_code,
            p,
            catalog=catalog,
            facts=facts if facts is not None else {},
            observations=observations(set_code),
            view=view,
        )
        result = store(unit, set_code, p, r, found=found, view=view)
        known = {set_code: r.standard_met}
        moved = {set_code} if _standard_moved(found, r) else set()
        for dep in chain if moved else ():
            pre = _prerequisites(catalog.get(dep))
            if not pre & moved:
                continue
            dep_found = locked.get(dep)
            if dep_found is None:
                continue
            standards = {s: known[s] for s in pre} if pre <= known.keys() else None
            dr = compute(
                unit,
                dep,
                p,
                catalog=catalog,
                standards=standards,
                facts=facts,
                observations=observations(dep),
                view=view,
            )
            store(unit, dep, p, dr, found=dep_found, view=view)
            known[dep] = dr.standard_met
            if _standard_moved(dep_found, dr):
                moved.add(dep)
    return result


def approve_cell(unit: Unit, set_code: str, period: str | Period, *, catalog: Catalog | None = None):
    """The sheet of a unit, set and period has just been approved: its current observations become
    the approved ones (``observations.services.mark_approved``) and the published figures
    (:data:`APPROVED`) are evaluated from them, with the roll-ups of its ancestors. Called by
    ``workflow.transition`` in the approval's transaction."""
    p = Period.parse(period) if isinstance(period, str) else period
    with transaction.atomic(savepoint=False):
        mark_approved(unit, set_code, p.key)
        return evaluate_unit(unit, set_code, p, catalog=catalog, view=APPROVED)


def _standard_moved(found: tuple | None, r: SetResult) -> bool:
    """Whether the sets depending on this one may have been computed with another input than ``r``."""
    return found is None or found[3] != r.standard_met or found[4] != r.catalog_version


def rollup_for(
    parent: Unit,
    set_code: str,
    period: str | Period,
    *,
    at: dt.date | None = None,
    types: Iterable[str] = COMMUNE_TYPES,
    catalog: Catalog | None = None,
    view: DataView | None = None,
) -> Rollup:
    """Counts and averages over the communes of ``parent`` as the hierarchy stood at ``at``
    (default: the end of the period), in ``view`` (default: :func:`.dataview.current`). Read from
    the stored roll-ups when they exist for the hierarchy of that date (the 2024 one before 1 July
    2025, the 2025 one from then), else computed from the stored results; both give the same figures."""
    catalog = catalog or default_catalog()
    view = view or dataview.current()
    p = Period.parse(period) if isinstance(period, str) else period
    cs = catalog.get(set_code)
    types = tuple(types)
    date = at or p.end
    if types == tuple(COMMUNE_TYPES) and parent.is_valid_at(date):
        stored = stored_rollup(parent, cs, p, date, view)
        if stored is not None:
            return stored
    return computed_rollup(parent, cs, p, date, types, view)


def computed_rollup(
    parent: Unit,
    cs: CriteriaSet,
    p: Period,
    date: dt.date,
    types: Iterable[str] = COMMUNE_TYPES,
    view: DataView | None = None,
) -> Rollup:
    """The roll-up computed from the stored results (of ``view``) of the communes of ``parent`` at ``date``."""
    view = view or dataview.current()
    types = tuple(types)
    communes = [u for u in communes_at(parent, date) if not types or u.type in types]
    ids = [u.id for u in communes]
    rows = view.result.objects.filter(unit_id__in=ids, set_code=cs.code, period=p.key).values_list(
        "unit_id", "criteria_met", "indicators_met", "standard_met"
    )
    scores = [UnitScore(str(uid), c, i, s) for uid, c, i, s in rows]
    return rollup(
        cs.code,
        scores,
        units_total=len(communes),
        criteria_total=cs.criteria_count,
        indicators_total=cs.indicator_count,
    )


def stored_rollup(
    parent: Unit, cs: CriteriaSet, p: Period, date: dt.date, view: DataView | None = None
) -> Rollup | None:
    """The stored roll-up (of ``view``) of the current generation for the hierarchy at ``date``, or None
    (one query)."""
    view = view or dataview.current()
    current = view.state.objects.filter(set_code=cs.code, period=p.key).values("generation")[:1]
    row = (
        view.rollup.objects.filter(
            unit=parent,
            set_code=cs.code,
            period=p.key,
            edition=core_units.edition_at(date),
            generation=Subquery(current),
        )
        .values_list(
            "units_total", "units_with_results", "units_at_standard", "sum_criteria", "sum_indicators", "distribution"
        )
        .first()
    )
    if row is None:
        return None
    total, n, at_standard, crit, ind, dist = row
    return Rollup(
        set_code=cs.code,
        units_total=max(total, n),
        units_with_results=n,
        units_at_standard=at_standard,
        criteria_total=cs.criteria_count,
        indicators_total=cs.indicator_count,
        average_criteria=crit / n if n else None,
        average_indicators=ind / n if n else None,
        distribution={int(k): v for k, v in (dist or {}).items() if v},
    )


# -- incremental roll-ups --------------------------------------------------------------------
Score = tuple[int, int, bool]  # criteria met, indicators met, standard met


def _counted(unit: Unit, date: dt.date, types: Iterable[str] = COMMUNE_TYPES) -> bool:
    return unit.level == "commune" and unit.type in tuple(types) and unit.is_valid_at(date)


def _delta_needed(unit: Unit, p: Period, old: Score | None, new: Score | None) -> tuple | None:
    """(old, new) as plain values when the change moves the roll-ups of the unit's ancestors, else None."""
    old = None if old is None else (int(old[0]), int(old[1]), bool(old[2]))
    new = None if new is None else (int(new[0]), int(new[1]), bool(new[2]))
    if old == new or not _counted(unit, p.end):
        return None
    return old, new


def apply_rollup_delta(
    unit: Unit,
    set_code: str,
    period: str | Period,
    old: Score | None,
    new: Score | None,
    *,
    view: DataView = ALL,
) -> None:
    """A commune's result in ``view`` for a set and period went from ``old`` to ``new`` (None: no
    result): adjust the stored roll-ups of its ancestors (the district, the province and the root), at
    most three rows, in one statement (:func:`.sql.rollup_delta`). The first result of a set and period
    builds the roll-ups of every parent once instead, and so does a change of the hierarchy since they
    were built. Runs in the caller's transaction (the save's, or the delete's)."""
    p = Period.parse(period) if isinstance(period, str) else period
    needed = _delta_needed(unit, p, old, new)
    if needed is None:
        return
    old, new = needed
    from .batch import rebuild_rollups

    ancestors = unit.ancestor_ids
    if ancestors and sql.rollup_delta(view, set_code, p.key, ancestors, old, new) == len(ancestors):
        return  # the usual case: every ancestor's row of the current generation adjusted in one statement
    # no roll-ups yet for this set and period, or not for every ancestor (the hierarchy changed since
    # they were built): build them from the stored results, which overwrites a partial change above
    generation = (
        view.state.objects.select_for_update()
        .filter(set_code=set_code, period=p.key)
        .values_list("generation", flat=True)
        .first()
    )
    if generation is None:  # the first result of this set and period: build every parent's roll-up
        if new is None:
            return
        try:
            with transaction.atomic():
                rebuild_rollups(set_code, p, view=view)  # reads the result just written
            return
        except IntegrityError:  # another request built them at the same moment: build from the results
            pass
    elif not ancestors:
        return
    rebuild_rollups(set_code, p, view=view)


@receiver(post_delete, sender=Result, dispatch_uid="ntm-result-deleted")
@receiver(post_delete, sender=ResultAll, dispatch_uid="ntm-result-all-deleted")
def _result_deleted(sender, instance, **kwargs) -> None:
    """A deleted result leaves the roll-ups of its ancestors (queryset deletes included)."""
    try:
        unit = Unit.objects.get(pk=instance.unit_id)
    except Unit.DoesNotExist:
        return
    apply_rollup_delta(
        unit,
        instance.set_code,
        instance.period,
        (instance.criteria_met, instance.indicators_met, instance.standard_met),
        None,
        view=dataview.of_result(instance),
    )


def stored_periods(set_code: str, view: DataView | None = None) -> list[str]:
    """Periods with stored roll-ups for a set (in ``view``), newest first (a tiny table: cheap for every page)."""
    keys = (view or dataview.current()).state.objects.filter(set_code=set_code).values_list("period", flat=True)
    return sorted(keys, key=Period.parse, reverse=True)


def explanation(result, *, catalog: Catalog | None = None) -> dict:
    """The full explanation of a stored result (indicator by indicator, criteria, conditions).
    Stored results keep only the status letters (``SetResult.compact``); the explanation is
    computed again for this one unit from the same observations (the approved ones for a
    :class:`Result`, the latest saved for a :class:`ResultAll`), without storing it. (Results
    stored before that kept the whole explanation, and those of a set no longer in the catalogue:
    what was stored is returned as it is.)"""
    return explanations([result], catalog=catalog)[result.set_code]


def explanations(results: list, *, catalog: Catalog | None = None) -> dict[str, dict]:
    """{set code: full explanation} of stored results of ONE unit and period and one view (as
    :func:`explanation`), reading that unit's observations and facts once for all its sets."""
    catalog = catalog or default_catalog()
    view = dataview.of_result(results[0]) if results else ALL
    out: dict[str, dict] = {}
    todo = []
    for r in results:
        if "indicator_results" in (r.detail or {}) or r.set_code not in catalog:
            out[r.set_code] = r.detail or {}
        else:
            todo.append(r)
    if not todo:
        return out
    unit, period = todo[0].unit, todo[0].period
    codes = tuple(dict.fromkeys(r.set_code for r in todo))
    facts, observations = _inputs(unit, period, codes, any(_uses_facts(catalog.get(c)) for c in codes), view)
    standards = {r.set_code: r.standard_met for r in results}
    for r in todo:
        pre = _prerequisites(catalog.get(r.set_code))
        out[r.set_code] = compute(
            unit,
            r.set_code,
            period,
            catalog=catalog,
            facts=facts or {},
            observations=observations(r.set_code),
            view=view,
            standards={s: standards[s] for s in pre if s in standards} if pre <= standards.keys() else None,
        ).to_dict()
    return out


def stored_figures(unit_code: str, set_code: str, period: Period | None) -> tuple[int, int] | None:
    """``(criteria_met, indicators_met)`` stored for a unit and set — the report checker's lookup.

    The stored period equal to ``period`` wins; otherwise the latest stored period inside it (a
    report "năm 2023" is compared with the last month evaluated in 2023); without a period, the
    latest stored result. None when nothing is stored.
    """
    qs = dataview.current().result.objects.filter(unit__uid=unit_code, set_code=set_code)
    if period is not None:
        exact = qs.filter(period=period.key).values_list("criteria_met", "indicators_met").first()
        if exact:
            return exact
        inside = [r for r in qs.values_list("period", "criteria_met", "indicators_met") if _within(r[0], period)]
        if not inside:
            return None
        latest = max(inside, key=lambda r: Period.parse(r[0]).end)
        return latest[1], latest[2]
    latest = max(
        qs.values_list("period", "criteria_met", "indicators_met"), key=lambda r: Period.parse(r[0]).end, default=None
    )
    return (latest[1], latest[2]) if latest else None


def _within(key: str, period: Period) -> bool:
    try:
        p = Period.parse(key)
    except ValueError:
        return False
    return period.start <= p.start and p.end <= period.end
