"""Read-side queries for the dashboards: a constant number of queries per page, whatever the size
of the unit (one for the communes, one per set/period for their results, one for the trend).

Everything here reads stored results of the view being read (:func:`.dataview.current`: the approved
figures, :class:`~ntm.apps.evaluations.models.Result`, unless a reviewer chose those including
unapproved data); nothing is re-evaluated when a page opens. Results are fetched with ``values()`` and without the large
``detail`` JSON except where a single unit's explanation is shown.

Vocabulary:

- *tier* — the standard a set stands for: ``ntm`` (đạt chuẩn nông thôn mới), ``nang_cao``
  (nâng cao), ``kieu_mau`` (kiểu mẫu);
- *best standard* of a commune — the highest tier whose set it meets in the period; ``below``
  when it has results but meets none, ``nodata`` when it has no result at all.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Avg, Count, Max, Q, QuerySet

from ntm.apps.accounts.communes import commune_q
from ntm.apps.accounts.permissions import can_view, viewer_key, visible_q
from ntm.apps.catalog.choices import TIERS, code_label, commune_sets, set_label, tier_sets  # noqa: F401  (the pages read them from here)
from ntm.apps.ops.sql import statement
from ntm.apps.units.models import Level, Unit
from ntm.core import formatting as fmt
from ntm.core import gaps as core_gaps
from ntm.core import periods as core_periods
from ntm.core import sentences, standards
from ntm.core.catalog import Catalog, CriteriaSet, default_catalog
from ntm.core.codes import code_key
from ntm.core.evaluation import rollup_of
from ntm.core.evaluation.rollup import Rollup
from ntm.core.periods import Period
from ntm.core.units import REFORM_DATE
from ntm.web.cache import memo

from . import dataview
from .services import COMMUNE_TYPES


def _results():
    """The stored results of the view being read (the approved ones unless a reviewer chose otherwise)."""
    return dataview.current().result


STANDARDS = standards.STANDARDS  # best first, as tables list them
STANDARD_LABELS = standards.STANDARD_LABELS  # pages translate them where they show them
STANDARD_SHORT = {
    "hien_dai": "hiện đại",
    "kieu_mau": "kiểu mẫu",
    "nang_cao": "nâng cao",
    "ntm": "NTM",
    "below": "chưa đạt",
    "nodata": "chưa có kết quả",
}
STANDARD_COLORS = {
    "hien_dai": "#0b6e75",
    "kieu_mau": "#6a3d9a",
    "nang_cao": "#1f5fa8",
    "ntm": "#1e7b34",
    "below": "#d9822b",
    "nodata": "#a3abb5",
}
NEXT_TIER = {
    "below": "ntm",
    "ntm": "nang_cao",
    "nang_cao": "kieu_mau",
    "kieu_mau": None,
    "nodata": "ntm",
    "hien_dai": None,
}


def next_tier(best: str, tiers: dict) -> str | None:
    """The next standard a commune at ``best`` works towards among the tiers of the period (2021–2025:
    NTM → nâng cao → kiểu mẫu; 2026–2030: NTM → hiện đại)."""
    return standards.next_tier(best, tiers)


RESULT_FIELDS = (
    "unit_id",
    "set_code",
    "period",
    "criteria_met",
    "criteria_total",
    "indicators_met",
    "indicators_total",
    "standard_met",
    "unmet_criteria",
    "unmet_indicators",
)
_JSON_FIELDS = ("unmet_criteria", "unmet_indicators")
LEAN_FIELDS = tuple(f for f in RESULT_FIELDS if f not in _JSON_FIELDS)  # what the overview page needs
NO_SECTOR = core_gaps.NO_SECTOR


# -- periods and sets ------------------------------------------------------------------------
def period_key(key: str) -> tuple:
    """Chronological sort key for period strings ("2023-07", "2023-Q3", "2023")."""
    return core_periods.period_order(key)


def sort_periods(keys: Iterable[str], *, reverse: bool = False) -> list[str]:
    return core_periods.sort_periods(keys, reverse=reverse)


# -- communes --------------------------------------------------------------------------------
def communes_qs(parent: Unit, date: dt.date, user) -> QuerySet[Unit]:
    """The xã under ``parent`` as the hierarchy stood on ``date``, limited to what ``user`` may see.
    Raises ``UnitLookupError`` when ``parent`` was not in force on ``date``."""
    from ntm.apps.units.services import communes_at

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


def sees_all_of(user, parent: Unit) -> bool:
    """True when ``user`` may see every unit under ``parent`` (then no per-user filter is needed)."""
    return can_view(user, parent)


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
        from ntm.apps.units.models import UnitLink

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


# -- results ---------------------------------------------------------------------------------
def results_by_unit(
    units: Q | list[int], set_codes: Iterable[str], period: str, *, lean: bool = False
) -> dict[int, dict[str, dict]]:
    """{unit id: {set code: result row}} for one period, in ONE query (no ``detail``). ``units`` is
    a list of unit ids or a filter on results (``commune_q(..., prefix="unit__")``); ``lean``: without
    the lists of unmet criteria and indicators (the overview shows counts only).

    Read with the plain cursor: a national page reads ~30,000 rows, and Django's per-row converters
    (two JSON fields) cost several times the query itself."""
    names = LEAN_FIELDS if lean else RESULT_FIELDS
    set_codes = list(set_codes)
    if isinstance(units, list) and not (units and set_codes):
        return {}
    if isinstance(units, list) and len(units) <= 32:  # a kept page patched after a save: plain SQL (ops.sql),
        # one text per number of communes (hence the bound)
        table = _results()._meta.db_table
        sql = statement(
            ("results-by-unit", table, names, len(set_codes), len(units)),
            lambda qn: (
                f"SELECT {', '.join(qn(n) for n in names)} FROM {qn(table)} "
                f"WHERE {qn('set_code')} IN ({', '.join(['%s'] * len(set_codes))}) AND {qn('period')} = %s "
                f"AND {qn('unit_id')} IN ({', '.join(['%s'] * len(units))})"
            ),
        )
        params = [*set_codes, period, *units]
    else:
        model = _results()
        qs = model.objects.filter(unit_id__in=units) if isinstance(units, list) else model.objects.filter(units)
        qs = qs.filter(set_code__in=set_codes, period=period)
        sql, params = qs.order_by().values_list(*names).query.sql_with_params()
    out: dict[int, dict[str, dict]] = defaultdict(dict)
    loads = json.loads
    decode = () if lean else _JSON_FIELDS
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for row in cur.fetchall():
            r = dict(zip(names, row))
            for name in decode:
                v = r[name]
                if isinstance(v, (str, bytes)):
                    r[name] = loads(v)
            r["standard_met"] = bool(r["standard_met"])
            out[r["unit_id"]][r["set_code"]] = r
    return out


def best_standard(by_set: dict[str, dict] | None, tiers: dict[str, CriteriaSet]) -> str:
    if not by_set:
        return "nodata"
    best = "below"
    for tier in TIERS:
        cs = tiers.get(tier)
        if cs is not None and (r := by_set.get(cs.code)) and r["standard_met"]:
            best = tier
    if best == "below" and not any(cs.code in by_set for cs in tiers.values()):
        return "nodata"  # results only for other sets (e.g. a provincial set)
    return best


def scorecard_phrase(r: dict, short_name: str) -> str:
    """'17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới'."""
    return sentences.scorecard_phrase(
        r["criteria_met"], r["criteria_total"], r["indicators_met"], r["indicators_total"], short_name
    )


def scorecard_sentence(name: str, results: list[tuple[dict, str]]) -> str:
    """As bulletins write it: 'Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới;
    17/19 tiêu chí với 70/75 chỉ tiêu nông thôn mới nâng cao'."""
    return sentences.unit_line(name, (scorecard_phrase(r, short) for r, short in results))


def rollup_sentence(r: Rollup, noun: str = "xã") -> str:
    """As bulletins write it, with thousands separated: "20 xã đạt bình quân 17,87/19 tiêu chí;
    55,75/57 chỉ tiêu; 14/20 xã đạt chuẩn (70,00%)" — "6.084/7.692" for a national figure."""
    return sentences.rollup_sentence(
        units_total=r.units_total,
        units_with_results=r.units_with_results,
        units_at_standard=r.units_at_standard,
        average_criteria=r.average_criteria,
        criteria_total=r.criteria_total,
        average_indicators=r.average_indicators,
        indicators_total=r.indicators_total,
        noun=noun,
    )


# -- the overview ------------------------------------------------------------------------------
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


def scope_key(user, parent: Unit) -> tuple:
    """What ``user`` may see under ``parent``, as a key: pages computed for one user serve every
    user who sees the same communes."""
    return ("all",) if can_view(user, parent) else viewer_key(user)


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
    from ntm.apps.units.models import UnitLink

    return UnitLink.objects.filter(
        successor__in=Unit.objects.filter(_successors_q(parent, date, user)), predecessor__type__in=COMMUNE_TYPES
    ).values("predecessor_id")


def lineage_rows(parent: Unit, date: dt.date, user) -> tuple[list[dict], list[dict]]:
    """(old xã, today's communes they became). Each old xã once, as a copy of its row carrying its
    successor (``successor_id``, ``successor_uid``, ``successor_name``) and that successor's parent
    as ``parent_id`` (so that the national overview groups it under today's province). An old xã
    divided among several communes goes with the one that took its name (the lineage's default)."""
    from ntm.apps.units.models import UnitLink

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


@dataclass
class SuccessorGroup:
    """One of today's communes and the old xã it was formed from, each with its own result: no rule
    combining them into one status exists in the catalogue, so none is computed."""

    unit: dict
    rows: list[CommuneRow]
    tier_label: str  # "nông thôn mới"
    at_standard: int  # old xã at the tier's standard in the period
    with_results: int

    @property
    def sentence(self) -> str:
        """ "3/3 xã cũ đạt chuẩn nông thôn mới" (with how many have no result)."""
        n = len(self.rows)
        text = f"{self.at_standard}/{n} xã cũ đạt chuẩn {self.tier_label}"
        if self.with_results < n:
            text += f" ({n - self.with_results} xã cũ chưa có kết quả)"
        return text


def lineage_groups(ov: Overview) -> list[SuccessorGroup]:
    """Today's communes with their predecessors' rows (no query), in name order; each old xã's line
    reads as bulletins write it ("Xã Công Lý (cũ): đạt 16/19 tiêu chí với 53/57 chỉ tiêu …")."""

    def build() -> list[SuccessorGroup]:
        members: dict[int, list[CommuneRow]] = defaultdict(list)
        for r in ov.rows:
            members[r.unit["successor_id"]].append(r)
        ntm = ov.tiers.get("ntm") or ov.set
        out = []
        for s in ov.successors or []:
            rows = sorted(members.get(s["id"], []), key=lambda r: r.unit["name"])
            for r in rows:
                r.cards = [
                    (res, set_label(cs))
                    for cs in (ov.tiers.get(t) for t in TIERS)
                    if cs is not None and (res := r.results.get(cs.code))
                ]
            out.append(
                SuccessorGroup(
                    s,
                    rows,
                    set_label(ntm),
                    sum(1 for r in rows if (x := r.results.get(ntm.code)) and x["standard_met"]),
                    sum(1 for r in rows if ntm.code in r.results),
                )
            )
        out.sort(key=lambda g: (not g.with_results, g.unit["name"]))  # those with results first
        return out

    return ov.derived("lineage-groups", build)


def predecessor_sentence(row: CommuneRow) -> str:
    """ "Xã Công Lý (cũ): đạt 16/19 tiêu chí với 53/57 chỉ tiêu nông thôn mới"."""
    return scorecard_sentence(f"{row.unit['name']} (cũ)", row.cards)


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
        from ntm.apps.units.services import communes_at

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


def sort_rows(rows: list[CommuneRow]) -> list[CommuneRow]:
    """Best standard first, then most criteria and indicators met, then name; communes without
    results last, by name (most of a national list: sorted apart, by name only)."""
    rank = {k: i for i, k in enumerate(STANDARDS)}
    scored = sorted(
        (r for r in rows if r.best != "nodata"),
        key=lambda r: (
            rank[r.best],
            -(r.main["criteria_met"] if r.main else -1),
            -(r.main["indicators_met"] if r.main else -1),
            r.unit["name"],
        ),
    )
    return scored + sorted((r for r in rows if r.best == "nodata"), key=lambda r: r.unit["name"])


# -- gap analysis ------------------------------------------------------------------------------
Gap = core_gaps.Gap  # what a commune lacks for its next standard (ntm.core.gaps)
SectorLoad = core_gaps.SectorLoad
indicator_info = core_gaps.indicator_info


def gaps(ov: Overview) -> list[Gap]:
    """For each commune with results, what it lacks for its next standard (NTM → nâng cao → kiểu
    mẫu), fewest unmet indicators first; communes whose next standard has not been evaluated come
    after, and communes at the highest standard last. Uses the rows of ``ov`` (no query)."""
    return core_gaps.gaps(ov.rows, ov.tiers)


def sector_ranking(gap_list: list[Gap]) -> list[SectorLoad]:
    """Which responsible sector owns the most unmet indicators across the communes
    (:func:`ntm.core.gaps.sector_ranking`). No query."""
    return core_gaps.sector_ranking(gap_list)


# -- one commune ---------------------------------------------------------------------------------
TIER_RANK = standards.TIER_RANK


def set_order(catalog: Catalog, code: str) -> tuple:
    return standards.set_order(catalog, code)


def unit_history(unit_ids: list[int]) -> dict[int, dict[str, dict[str, dict]]]:
    """{unit id: {set code: {period: row}}} — every result of these units, ONE query, no detail."""
    out: dict[int, dict[str, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for r in _results().objects.filter(unit_id__in=unit_ids).values(*RESULT_FIELDS):
        out[r["unit_id"]][r["set_code"]][r["period"]] = r
    return out


def details_for(unit_id: int, period: str) -> dict[str, dict]:
    """{set code: explanation} of one unit and period. Stored results keep only one status letter
    per indicator: each explanation is computed again from the unit's observations
    (:func:`~ntm.apps.evaluations.services.explanation`; a set no longer in the catalogue keeps
    what was stored)."""
    from .services import explanations

    return explanations(list(_results().objects.filter(unit_id=unit_id, period=period).select_related("unit")))


@dataclass
class Change:
    label: str  # "so với kỳ trước (tháng 6/2023)"
    base_period: str
    base: dict
    gained_criteria: list[int]
    lost_criteria: list[int]
    gained_indicators: list[dict]
    lost_indicators: list[dict]
    criteria_delta: int
    indicators_delta: int

    @property
    def unchanged(self) -> bool:
        return not (self.gained_indicators or self.lost_indicators or self.gained_criteria or self.lost_criteria)


def change(cs: CriteriaSet | None, base_period: str, base: dict, now: dict, label: str) -> Change:
    before_i, now_i = set(base["unmet_indicators"]), set(now["unmet_indicators"])
    before_c, now_c = {int(c) for c in base["unmet_criteria"]}, {int(c) for c in now["unmet_criteria"]}

    def info(codes: set[str]) -> list[dict]:
        return [
            indicator_info(cs, c)
            if cs
            else {"code": c, "content": "", "criterion": int(c.split(".")[0]), "dynamic": False}
            for c in sorted(codes, key=code_key)
        ]

    return Change(
        label,
        base_period,
        base,
        gained_criteria=sorted(before_c - now_c),
        lost_criteria=sorted(now_c - before_c),
        gained_indicators=info(before_i - now_i),
        lost_indicators=info(now_i - before_i),
        criteria_delta=now["criteria_met"] - base["criteria_met"],
        indicators_delta=now["indicators_met"] - base["indicators_met"],
    )


def start_of_year_period(periods: list[str], period: Period) -> str | None:
    """The baseline 'đầu năm': the last period ending before 1 January of the year, otherwise the
    first period of the year (when it is not the period itself). ``periods`` oldest first."""
    jan1 = dt.date(period.year, 1, 1)
    before = [k for k in periods if Period.parse(k).end < jan1]
    if before:
        return before[-1]
    same_year = [
        k
        for k in periods
        if Period.parse(k).year == period.year and k != period.key and period_key(k) < period_key(period.key)
    ]
    return same_year[0] if same_year else None


def regressions(cs: CriteriaSet | None, by_period: dict[str, dict], upto: str) -> list[dict]:
    """Every indicator that went from met to unmet between consecutive periods, up to ``upto``."""
    keys = [k for k in sort_periods(by_period) if period_key(k) <= period_key(upto)]
    out = []
    for a, b in zip(keys, keys[1:]):
        lost = set(by_period[b]["unmet_indicators"]) - set(by_period[a]["unmet_indicators"])
        for code in sorted(lost, key=code_key):
            info = indicator_info(cs, code) if cs else {"code": code, "content": "", "dynamic": False}
            out.append({"from": Period.parse(a).label, "to": Period.parse(b).label, "from_key": a, "to_key": b, **info})
    return out
