"""Keep stored results current: evaluate a unit after its observations change, roll up a parent.

The rules live in :mod:`ntm.core.evaluation`; this module only gathers inputs from the
database and stores the outputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from ntm.apps.units.models import Unit
from ntm.core.catalog import Catalog, Context, CriteriaSet, default_catalog
from ntm.core.evaluation import ChildStats, Observation, Rollup, SetResult, UnitScore, evaluate, rollup
from ntm.core.periods import Period

from .models import Result

COMMUNE_TYPES = ("Xã",)


def _province_code(unit: Unit) -> str | None:
    if unit.level == "province":
        return unit.code
    ids = [int(x) for x in unit.path.strip("/").split("/") if x]
    prov = Unit.objects.filter(id__in=ids, level="province").values_list("code", flat=True).first()
    return prov


def context_for(unit: Unit, year: int) -> Context:
    return Context(
        region=unit.region or None,
        group=unit.commune_group or None,
        province=_province_code(unit),
        special=bool(unit.special),
        year=year,
    )


def current_observations(unit: Unit, set_code: str, period: str) -> dict[str, Observation]:
    from ntm.apps.observations.models import Observation as Obs

    out = {}
    for o in Obs.objects.current().filter(unit=unit, set_code=set_code, period=period).only(
        "indicator", "value_text", "value_num", "assessment", "not_applicable"
    ):
        value: object
        if o.value_num is not None:
            value = o.value_num
        elif o.value_text:
            value = o.value_text
        else:
            value = None
        out[o.indicator] = Observation(o.indicator, _typed(value), o.assessment, o.not_applicable)
    return out


def _typed(value: object) -> object:
    if isinstance(value, str) and value.lower() in ("có", "đạt", "true"):
        return True
    if isinstance(value, str) and value.lower() in ("không", "chưa đạt", "false"):
        return False
    return value


def current_facts(unit: Unit, period: str) -> dict[str, float | None]:
    from ntm.apps.observations.models import Fact

    return {f.name: f.value for f in Fact.objects.filter(unit=unit, period=period, is_current=True)}


def child_stats(unit: Unit, cs: CriteriaSet, period: Period) -> ChildStats:
    """For district-level conditions: results of the unit's child communes at the end of the period."""
    from ntm.apps.observations.models import Fact
    from ntm.apps.units.services import communes_at

    stats = ChildStats()
    children = list(communes_at(unit, period.end))
    for c in cs.conditions:
        if c.type != "children_share":
            continue
        pool = [u for u in children if not c.child_types or u.type in c.child_types]
        ids = [u.id for u in pool]
        if c.set:
            yes = Result.objects.filter(unit_id__in=ids, set_code=c.set, period=period.key, standard_met=True).count()
        else:
            yes = Fact.objects.filter(unit_id__in=ids, name=c.fact, period=period.key, is_current=True, value__gte=0.5).count()
        stats.counts[ChildStats.key(c.set, c.fact, c.child_types)] = (yes, len(pool))
    return stats


def compute(unit: Unit, set_code: str, period: str | Period, *, catalog: Catalog | None = None) -> SetResult:
    catalog = catalog or default_catalog()
    p = Period.parse(period) if isinstance(period, str) else period
    cs = catalog.get(set_code)
    obs = current_observations(unit, set_code, p.key)
    prereq_codes = {c.set for c in cs.conditions if c.type == "prerequisite" and c.set}
    standards = dict(
        Result.objects.filter(unit=unit, period=p.key, set_code__in=prereq_codes).values_list("set_code", "standard_met")
    )
    children = child_stats(unit, cs, p) if any(c.type == "children_share" for c in cs.conditions) else None
    return evaluate(
        cs, obs, context_for(unit, p.year), facts=current_facts(unit, p.key), standards=standards, children=children,
        catalog_version=cs.digest,
    )


def store(unit: Unit, set_code: str, period: Period, r: SetResult) -> Result:
    obj, _ = Result.objects.update_or_create(
        unit=unit, set_code=set_code, period=period.key,
        defaults=dict(
            year=period.year, criteria_met=r.criteria_met, criteria_total=r.criteria_total,
            indicators_met=r.indicators_met, indicators_total=r.indicators_total, standard_met=r.standard_met,
            unmet_criteria=r.unmet_criteria, unmet_indicators=r.unmet_indicators, conflicts=r.conflicts,
            detail=r.to_dict(), catalog_version=r.catalog_version,
        ),
    )
    return obj


def dependents(set_code: str, catalog: Catalog | None = None) -> list[str]:
    """Sets whose standard depends on ``set_code`` (nâng cao on NTM, kiểu mẫu on nâng cao), transitively."""
    catalog = catalog or default_catalog()
    out: list[str] = []
    frontier = [set_code]
    while frontier:
        code = frontier.pop()
        for s in catalog:
            if any(c.type == "prerequisite" and c.set == code for c in s.conditions) and s.code not in out:
                out.append(s.code)
                frontier.append(s.code)
    return out


@transaction.atomic
def evaluate_unit(unit: Unit, set_code: str, period: str | Period, *, catalog: Catalog | None = None) -> Result:
    """Re-evaluate one unit, set and period, then the sets that depend on it for the same unit."""
    p = Period.parse(period) if isinstance(period, str) else period
    result = store(unit, set_code, p, compute(unit, set_code, p, catalog=catalog))
    for dep in dependents(set_code, catalog):
        if Result.objects.filter(unit=unit, set_code=dep, period=p.key).exists():
            store(unit, dep, p, compute(unit, dep, p, catalog=catalog))
    return result


def rollup_for(parent: Unit, set_code: str, period: str | Period, *, at: dt.date | None = None,
               types: Iterable[str] = COMMUNE_TYPES, catalog: Catalog | None = None) -> Rollup:
    """Counts and averages over the communes of ``parent`` as the hierarchy stood at ``at``
    (default: the end of the period)."""
    from ntm.apps.units.services import communes_at

    catalog = catalog or default_catalog()
    p = Period.parse(period) if isinstance(period, str) else period
    cs = catalog.get(set_code)
    types = tuple(types)
    communes = [u for u in communes_at(parent, at or p.end) if not types or u.type in types]
    ids = [u.id for u in communes]
    rows = Result.objects.filter(unit_id__in=ids, set_code=set_code, period=p.key).values_list(
        "unit_id", "criteria_met", "indicators_met", "standard_met"
    )
    scores = [UnitScore(str(uid), c, i, s) for uid, c, i, s in rows]
    return rollup(set_code, scores, units_total=len(communes), criteria_total=cs.criteria_count,
                  indicators_total=cs.indicator_count)
