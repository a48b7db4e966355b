"""The figures of an overview computed from its commune rows and stored results: communes per
standard, the trend over the periods (one aggregate query), and the summary per child unit."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q

from ntm.apps.catalog.choices import TIERS
from ntm.apps.units.models import Unit
from ntm.core import formatting as fmt
from ntm.core.catalog import CriteriaSet
from ntm.core.periods import Period

from .periods import period_key
from .results import STANDARD_COLORS, STANDARD_LABELS, STANDARDS, _results


@dataclass
class StandardCount:
    key: str
    label: str
    color: str
    count: int
    percent: str
    cumulative: int | None = None  # this standard or higher
    cumulative_percent: str = ""


@dataclass(slots=True)
class CommuneRow:
    unit: dict
    best: str
    results: dict[str, dict]  # set code -> row
    main: dict | None  # the row of the selected set
    cards: list = field(default_factory=list)  # filled by the commune list

    @property
    def best_label(self) -> str:
        return STANDARD_LABELS[self.best]


@dataclass
class TrendPoint:
    period: str
    label: str
    units: int
    average_criteria: float | None
    average_indicators: float | None
    at_standard: int
    share: float  # % of the communes of the unit at the date
    average_text: str = ""
    share_text: str = ""


@dataclass
class ChildSummary:
    unit: dict
    communes: int
    with_results: int
    at_standard: int
    share_text: str
    average_text: str


def standard_counts(rows: list[CommuneRow], tiers: dict[str, CriteriaSet]) -> list[StandardCount]:
    n = len(rows)
    counts = Counter(r.best for r in rows)
    out = []
    running = 0
    for key in STANDARDS:
        if key in TIERS and key not in tiers:
            continue
        c = counts.get(key, 0)
        sc = StandardCount(key, STANDARD_LABELS[key], STANDARD_COLORS[key], c, fmt.percent(c, n) if n else "–")
        if key in TIERS:
            running += c
            sc.cumulative = running
            sc.cumulative_percent = fmt.percent(running, n) if n else "–"
        out.append(sc)
    return out


def trend(
    units: Q, cs: CriteriaSet, communes_total: int, *, by_unit: bool = False, periods: Iterable[str] | None = None
) -> list[TrendPoint]:
    """For each period with results for set ``cs``: averages and communes at standard, over the
    communes selected by ``units`` (a filter on results: the hierarchy at the overview's date) —
    ONE aggregate query (``periods``: only those). ``by_unit``: ``units`` selects a few hundred unit
    ids; the query then groups every set of those units (read through the (unit, set, period)
    index, which SQLite would not choose beside a condition on the set) and keeps the rows of
    ``cs`` here."""
    agg = dict(
        n=Count("id"),
        avg_c=Avg("criteria_met"),
        avg_i=Avg("indicators_met"),
        met=Count("id", filter=Q(standard_met=True)),
    )
    qs = _results().objects.filter(units)
    if periods is not None:
        qs = qs.filter(period__in=list(periods))
    if by_unit:
        rows = [r for r in qs.values("set_code", "period").annotate(**agg) if r["set_code"] == cs.code]
    else:
        rows = qs.filter(set_code=cs.code).values("period").annotate(**agg)
    return [
        trend_point(r["period"], r["n"], r["avg_c"], r["avg_i"], r["met"], cs, communes_total)
        for r in sorted(rows, key=lambda r: period_key(r["period"]))
    ]


def trend_point(
    key: str, n: int, avg_c: float | None, avg_i: float | None, met: int, cs: CriteriaSet, communes_total: int
) -> TrendPoint:
    share = 100.0 * met / communes_total if communes_total else 0.0
    return TrendPoint(
        key,
        Period.parse(key).label,
        n,
        avg_c,
        avg_i,
        met,
        share,
        average_text=fmt.fraction(avg_c, cs.criteria_count) if avg_c is not None else "–",
        share_text=fmt.percent(met, communes_total) if communes_total else "–",
    )


def children_summary(
    parent: Unit,
    rows: list[CommuneRow],
    groups: tuple | None = None,
    *,
    only: set[int] | None = None,
    previous: list[ChildSummary] | None = None,
) -> list[ChildSummary]:
    """Per child unit of ``parent`` (provinces of the nation, districts of a province): communes,
    with results, at standard. ``groups``: what :func:`child_groups` found for these rows (else
    read now). ``only`` (child ids) with ``previous`` (the summaries before a few communes changed):
    those children are counted again, the others are taken from ``previous``."""
    child_of, names = groups if groups is not None else child_groups(parent, rows)
    if not child_of:
        return []
    totals: Counter[int] = Counter()
    members: dict[int, list[CommuneRow]] = defaultdict(list)
    for r in rows:
        cid = child_of.get(r.unit["parent_id"])
        if cid is None or (only is not None and cid not in only):
            continue
        totals[cid] += 1
        if r.main is not None:
            members[cid].append(r)
    out = [] if only is None else [c for c in previous if c.unit["id"] not in only]
    for cid, n in totals.items():
        with_results = members[cid]
        met = sum(1 for m in with_results if m.main["standard_met"])
        avg = (sum(m.main["criteria_met"] for m in with_results) / len(with_results)) if with_results else None
        total = with_results[0].main["criteria_total"] if with_results else 0
        out.append(
            ChildSummary(
                names.get(cid, {"id": cid, "uid": "", "name": str(cid)}),
                n,
                len(with_results),
                met,
                (fmt.percent(met, n) if met else "0,00%") if n else "–",
                fmt.fraction(avg, total) if avg is not None else "–",
            )
        )
    out.sort(key=lambda c: (-c.with_results, c.unit["name"]))
    return out


def child_groups(parent: Unit, rows: list[CommuneRow]) -> tuple[dict[int, int], dict[int, dict]]:
    """For the communes in ``rows``: {commune's parent id: the child of ``parent`` it lies in} and
    those children's id/uid/name — the communes' parents are mapped, not the communes (ONE query
    for those units, one for the children's names)."""
    depth = len(parent.path.strip("/").split("/"))
    parent_ids = list({r.unit["parent_id"] for r in rows})
    parents = Unit.objects.filter(id__in=parent_ids).values_list("id", "path")
    child_of = {
        pid: int(path.strip("/").split("/")[depth]) for pid, path in parents if len(path.strip("/").split("/")) > depth
    }
    if not child_of:
        return {}, {}
    names = {u["id"]: u for u in Unit.objects.filter(id__in=set(child_of.values())).values("id", "uid", "name", "path")}
    return child_of, names
