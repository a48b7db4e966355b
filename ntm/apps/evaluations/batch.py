"""National evaluation from the database: one SELECT → NumPy arrays → ``evaluate_batch`` → one bulk
upsert of the stored results, then the roll-ups of every parent unit in one pass.

The single-unit path (:func:`ntm.apps.evaluations.services.evaluate_unit`) stays the reference for
one commune and for explanations; this path gives the same stored figures for thousands of communes
at once (a test checks that both agree) and is what a full re-evaluation, the national demo and the
benchmark use.

- :func:`evaluate_cell` — one set and one period for every unit that has observations or results,
  written to the live results (with the roll-ups rebuilt in the same transaction) or to a staged
  re-evaluation run (see :mod:`ntm.apps.evaluations.tasks`);
- :func:`rebuild_rollups` — the roll-ups of every parent (the root, provinces, districts) of one set
  and period as the hierarchy stood at the end of the period: NumPy group sums over the unit paths;
- :func:`observation_query` — the SELECT of a cell (the benchmark's floor fetches it row by row;
  :func:`load_cell` reads the same rows as one text per column).

Every function here works on one view of the figures (:mod:`.dataview`, ``view=``): the approved
observations into :class:`~.models.Result`, or the latest saved ones into :class:`~.models.ResultAll`
(the default: what saves and imports change).

Results written here keep a compact explanation (``detail = {"mode": "batch", "statuses": "MMNX…"}``,
one letter per indicator in catalogue order); :func:`ntm.apps.evaluations.services.explanation`
recomputes the full explanation of one unit when a page asks for it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from ntm.apps.observations.models import Fact
from ntm.apps.units.models import Unit
from ntm.core import units as core_units
from ntm.core.catalog import Catalog, Context, CriteriaSet, Kind, default_catalog, prerequisites
from ntm.core.evaluation import BatchInput, BatchResult, evaluate_batch
from ntm.core.evaluation.model import STATUS_LETTERS as _LETTERS
from ntm.core.evaluation.model import Status
from ntm.core.periods import Period
from ntm.core.values import stored_truth
from ntm.web.cache import changed

from .dataview import ALL, VIEWS, DataView
from .models import ReevaluationRun, StagedResult

# one letter per indicator status, indexed by STATUS_CODES + 1 (no data -1, not met 0, met 1, not applicable 2)
# status codes −1 (no data), 0, 1, 2 → the letters of SetResult.compact
STATUS_LETTERS = np.frombuffer(
    "".join(_LETTERS[s] for s in (Status.NO_DATA, Status.NOT_MET, Status.MET, Status.NOT_APPLICABLE)).encode(),
    dtype=np.uint8,
)
_CHUNK = 5000


# -- units -----------------------------------------------------------------------------------
@dataclass
class UnitInfo:
    level: str
    type: str
    path: str
    region: str
    special: bool
    group: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    @property
    def path_ids(self) -> list[int]:
        return [int(x) for x in self.path.strip("/").split("/") if x]


class UnitTable:
    """Every unit, read once (≈14,000 rows): contexts for thresholds and paths for roll-ups."""

    def __init__(self) -> None:
        self.info: dict[int, UnitInfo] = {}
        self.province_code: dict[int, str] = {}
        for pk, level, type_, path, region, special, group, vf, vt, code in Unit.objects.values_list(
            "id", "level", "type", "path", "region", "special", "commune_group", "valid_from", "valid_to", "code"
        ):
            self.info[pk] = UnitInfo(level, type_, path, region, bool(special), group, vf, vt)
            if level == "province":
                self.province_code[pk] = code
        self._contexts: dict[tuple, Context] = {}
        self._classes = None  # the dated classifications (groups, ĐBKK/ATK), read when first needed
        self._hierarchies: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}

    def hierarchy(self, date: dt.date, types: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(parent ids sorted, commune ids, pair → parent position, pair → commune position) of the
        hierarchy valid at ``date``: one pair per commune of ``types`` and each of its ancestors.
        Cached per date, since every set and period of a run shares a handful of dates."""
        key = (date, types)
        got = self._hierarchies.get(key)
        if got is not None:
            return got
        parents, communes, paths = [], [], []
        for pk, u in self.info.items():
            if not core_units.valid_at(u.valid_from, u.valid_to, date):
                continue
            if u.level == "commune":
                if u.type in types:
                    communes.append(pk)
                    paths.append(u.path_ids[:-1])
            else:
                parents.append(pk)
        parent_ids = np.array(sorted(parents), dtype=np.int64)
        commune_ids = np.array(communes, dtype=np.int64)
        pos = {p: i for i, p in enumerate(parent_ids.tolist())}
        pair_parent = np.fromiter((pos[a] for anc in paths for a in anc if a in pos), dtype=np.int64)
        pair_commune = np.fromiter((k for k, anc in enumerate(paths) for a in anc if a in pos), dtype=np.int64)
        got = self._hierarchies[key] = (parent_ids, commune_ids, pair_parent, pair_commune)
        return got

    def context(self, unit_id: int, year: int, on: dt.date | None = None) -> Context:
        """As :func:`ntm.apps.evaluations.services.context_for`: the group and ĐBKK/ATK status in
        force on ``on`` (default the end of the year)."""
        u = self.info[unit_id]
        ids = u.path_ids
        province = self.province_code.get(ids[1]) if len(ids) > 1 else None
        if u.level == "commune":
            if self._classes is None:
                from ntm.apps.units.classifications import Table

                self._classes = Table()
            group, special = self._classes.at(unit_id, on or dt.date(year, 12, 31))
        else:
            group, special = "", False
        key = (u.region, group, province, special, year)
        ctx = self._contexts.get(key)
        if ctx is None:
            ctx = self._contexts[key] = Context(
                region=u.region or None, group=group or None, province=province, special=special, year=year
            )
        return ctx


# -- reading ---------------------------------------------------------------------------------
def observation_query(set_code: str, period: str, within=None, view: DataView = ALL) -> tuple[str, Sequence]:
    """The one SELECT of a cell: the observations ``view`` evaluates (current, or approved) of a set and
    period (``within``: a unit whose subtree only is read). Returns SQL with ``%s`` placeholders and
    its parameters."""
    qs = view.observations().filter(set_code=set_code, period=period)
    if within is not None:
        qs = qs.filter(unit__path__startswith=within.path)
    qs = qs.values_list("unit_id", "indicator", "value_num", "value_text", "assessment", "not_applicable")
    sql, params = qs.query.sql_with_params()
    return sql, params


def _text_value(ind, text: str) -> float:
    """A value stored only as text (booleans "có"/"không", level names), as ``encode`` reads it."""
    v = stored_truth(text)
    if ind.kind == Kind.BOOLEAN:
        return 1.0 if v else 0.0
    if ind.kind == Kind.LEVEL:
        levels = ind.levels or []
        return float(levels.index(str(v))) if str(v) in levels else np.nan
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return np.nan


@dataclass
class Loaded:
    unit_ids: np.ndarray  # sorted, one row of the batch per unit
    batch: BatchInput
    observations: int


_AGGREGATES = {
    # one row back: every column as one text, split and parsed in C (str.split, NumPy's parser)
    "postgresql": (
        "string_agg({}, {})",
        "chr(31)",
        (
            "unit_id::text",
            "indicator",
            "coalesce(value_num::text, 'nan')",
            "coalesce(assessment::int, -1)::text",
            "not_applicable::int::text",
        ),
    ),
    "sqlite": (
        "group_concat({}, {})",
        "char(31)",
        ("unit_id", "indicator", "coalesce(value_num, 'nan')", "coalesce(assessment, -1)", "not_applicable"),
    ),
}


def _columns(cs: CriteriaSet, period: Period, within, view: DataView = ALL) -> tuple[np.ndarray, ...] | None:
    """(units, columns, values, assessments, not applicable) of the cell's observations from ONE row
    holding each column as one text, or None when the database has no string aggregate. Creating a
    Python tuple per row would cost more than the rest of the evaluation together; the aggregates of
    one query see the rows in the same order."""
    spec = _AGGREGATES.get(connection.vendor)
    if spec is None:
        return None
    agg, unit_sep, exprs = spec
    sql, params = observation_query(cs.code, period.key, within, view)
    parts = [agg.format(e, unit_sep if e == "indicator" else "','") for e in exprs]
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*), {', '.join(parts)} FROM ({sql}) cell", params)
        n, t_units, t_codes, t_vals, t_ass, t_na = cur.fetchone()
    if not n:
        return (
            np.empty(0, dtype=np.int64),
            np.empty(0, dtype=np.int64),
            np.empty(0),
            np.empty(0, dtype=np.int8),
            np.empty(0, dtype=bool),
        )
    col = {ind.code: j for j, ind in enumerate(cs.indicators)}
    units = np.fromstring(t_units, dtype=np.int64, sep=",")
    cols = np.array([col.get(c, -1) for c in t_codes.split(chr(31))], dtype=np.int64)
    vals = np.fromstring(t_vals, dtype=float, sep=",")
    ass = np.fromstring(t_ass, dtype=np.int8, sep=",")
    na = np.fromstring(t_na, dtype=np.int8, sep=",").astype(bool)
    if not (units.size == cols.size == vals.size == ass.size == na.size == n):
        raise RuntimeError(
            f"{cs.code} {period.key}: {n} observations read as columns of {units.size}, {cols.size}, "
            f"{vals.size}, {ass.size}, {na.size} values"
        )
    return units, cols, vals, ass, na


def _text_only(cs: CriteriaSet, period: Period, within, view: DataView = ALL) -> list[tuple[int, str, str]]:
    """(unit, indicator, text) of the values entered as text alone ("có", a level name): few rows."""
    sql, params = observation_query(cs.code, period.key, within, view)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT unit_id, indicator, value_text FROM ({sql}) cell WHERE value_num IS NULL AND value_text <> ''",
            params,
        )
        return cur.fetchall()


def load_cell(
    cs: CriteriaSet,
    period: Period,
    table: UnitTable,
    *,
    within=None,
    extra_units: Iterable[int] = (),
    view: DataView = ALL,
) -> Loaded:
    """Read the observations ``view`` evaluates of one set and period into batch arrays: one row with
    every column as a text (:func:`_columns`), or row by row on other databases."""
    col = {ind.code: j for j, ind in enumerate(cs.indicators)}
    got = _columns(cs, period, within, view)
    texts: list[tuple[int, str, str]] = []
    if got is not None:
        obs_units, cols, vals, ass, na = got
        if np.isnan(vals).any():
            texts = _text_only(cs, period, within, view)
    else:
        sql, params = observation_query(cs.code, period.key, within, view)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        if rows:
            uid_c, ind_c, num_c, text_c, ass_c, na_c = zip(*rows)
            obs_units = np.array(uid_c, dtype=np.int64)
            cols = np.array([col.get(c, -1) for c in ind_c], dtype=np.int64)
            vals, na = np.array(num_c, dtype=float), np.array(na_c, dtype=bool)
            ass = np.array([-1 if a is None else int(a) for a in ass_c], dtype=np.int8)
            texts = [(u, c, t) for u, c, v, t in zip(uid_c, ind_c, num_c, text_c) if v is None and t]
        else:
            obs_units, cols, vals = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
            ass, na = np.empty(0, dtype=np.int8), np.empty(0, dtype=bool)
    is_bool = np.array([ind.kind == Kind.BOOLEAN for ind in cs.indicators] + [False])
    b = is_bool[cols] & ~np.isnan(vals)
    vals[b] = (vals[b] != 0).astype(float)
    keep = cols >= 0  # observations of indicators the set no longer has are ignored
    if not keep.all():
        obs_units, cols, vals, ass, na = obs_units[keep], cols[keep], vals[keep], ass[keep], na[keep]
    unit_ids = np.union1d(obs_units, np.fromiter(extra_units, dtype=np.int64))
    unit_ids = unit_ids[np.isin(unit_ids, np.fromiter(table.info, dtype=np.int64))]
    contexts = [table.context(u, period.year, period.end) for u in unit_ids.tolist()]
    batch = BatchInput.empty(cs, contexts)
    if obs_units.size:
        r = np.searchsorted(unit_ids, obs_units)
        ok = (r < unit_ids.size) & (unit_ids[np.minimum(r, max(unit_ids.size - 1, 0))] == obs_units)
        r, c = r[ok], cols[ok]
        batch.present[r, c] = True
        batch.values[r, c] = vals[ok]
        batch.assessments[r, c] = ass[ok]
        batch.not_applicable[r, c] = na[ok]
    if texts:
        row_of = {u: k for k, u in enumerate(unit_ids.tolist())}
        for u, code, text in texts:
            if code in col and u in row_of:
                batch.values[row_of[u], col[code]] = _text_value(cs.indicators[col[code]], text)
    return Loaded(unit_ids, batch, int(obs_units.size))


def _standards(set_code: str, period: str, run: ReevaluationRun | None, view: DataView = ALL) -> dict[int, bool]:
    """Standard met per unit for a prerequisite set, in ``view``: the staged results of ``run`` when it
    holds that set, else the live results."""
    if run is not None:
        staged = dict(
            StagedResult.objects.filter(run=run, view=view.code, set_code=set_code, period=period).values_list(
                "unit_id", "standard_met"
            )
        )
        if staged:
            return staged
    return dict(view.result.objects.filter(set_code=set_code, period=period).values_list("unit_id", "standard_met"))


def _condition_inputs(
    cs: CriteriaSet, period: Period, unit_ids: np.ndarray, run: ReevaluationRun | None, view: DataView = ALL
):
    prerequisites: dict[str, np.ndarray] = {}
    facts: dict[str, np.ndarray] = {}
    for c in cs.conditions:
        if c.recognition_only:
            continue
        if c.type == "prerequisite" and c.set and c.set not in prerequisites:
            std = _standards(c.set, period.key, run, view)
            prerequisites[c.set] = np.fromiter(
                (bool(std.get(u)) for u in unit_ids.tolist()), dtype=bool, count=unit_ids.size
            )
        elif c.type in ("fact_true", "fact_min") and c.fact and c.fact not in facts:
            got = dict(
                Fact.objects.filter(name=c.fact, period=period.key, is_current=True).values_list("unit_id", "value")
            )
            facts[c.fact] = np.array([got.get(u) for u in unit_ids.tolist()], dtype=float)
    return prerequisites, facts


# -- writing ---------------------------------------------------------------------------------
_RESULT_COLUMNS = (
    "unit_id",
    "set_code",
    "period",
    "year",
    "criteria_met",
    "criteria_total",
    "indicators_met",
    "indicators_total",
    "standard_met",
    "unmet_criteria",
    "unmet_indicators",
    "conflicts",
    "detail",
    "catalog_version",
    "computed_at",
)
_JSON_COLUMNS = {"unmet_criteria", "unmet_indicators", "conflicts", "detail"}


def _upsert_sql(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    qn = connection.ops.quote_name
    pg = connection.vendor == "postgresql"
    marks = ", ".join("CAST(%s AS jsonb)" if (pg and c in _JSON_COLUMNS) else "%s" for c in columns)
    updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in columns if c not in key)
    return (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(qn(c) for c in key)}) DO UPDATE SET {updates}"
    )


def _json_lists(mat: np.ndarray, labels: Sequence[object]) -> list[str]:
    """Per row of a boolean matrix, the JSON list of the labels where it is true. Most rows repeat
    (every commune at the standard has ``[]``): the JSON is built once per distinct row."""
    if not mat.shape[0]:
        return []
    packed = np.packbits(mat.astype(bool), axis=1)
    uniq, inverse = np.unique(packed, axis=0, return_inverse=True)
    width = mat.shape[1]
    texts = [
        json.dumps([labels[j] for j in np.flatnonzero(np.unpackbits(u)[:width])], ensure_ascii=False) for u in uniq
    ]
    return [texts[k] for k in inverse.ravel().tolist()]


def batch_rows(cs: CriteriaSet, period: Period, unit_ids: np.ndarray, res: BatchResult, computed_at) -> list[tuple]:
    """Rows of ``_RESULT_COLUMNS`` for the results of a batch."""
    n = unit_ids.size
    if not n:
        return []
    codes = cs.indicator_codes()
    unmet_c = _json_lists(~res.criteria_met, [c.number for c in cs.criteria])
    unmet_i = _json_lists(~res.counts_as_met, codes)
    confl = _json_lists(res.conflict, codes)
    letters = STATUS_LETTERS[res.status.astype(np.int64) + 1]
    statuses = np.ascontiguousarray(letters).view(f"S{cs.indicator_count}").ravel()
    when = connection.ops.adapt_datetimefield_value(computed_at)
    n_criteria, n_indicators, version = cs.criteria_count, cs.indicator_count, cs.digest
    details = ['{"mode": "batch", "statuses": "' + b.decode() + '"}' for b in statuses.tolist()]
    return [
        (u, cs.code, period.key, period.year, nc, n_criteria, ni, n_indicators, std, uc, ui, cf, d, version, when)
        for u, nc, ni, std, uc, ui, cf, d in zip(
            unit_ids.tolist(),
            res.n_criteria_met.tolist(),
            res.n_indicators_met.tolist(),
            res.standard_met.tolist(),
            unmet_c,
            unmet_i,
            confl,
            details,
        )
    ]


def single_rows(
    cs: CriteriaSet, period: Period, unit_ids: np.ndarray, computed_at, catalog: Catalog, view: DataView = ALL
) -> list[tuple]:
    """The per-unit path, for sets whose conditions the batch cannot evaluate (districts: children_share)."""
    from .services import compute

    when = connection.ops.adapt_datetimefield_value(computed_at)
    rows = []
    for unit in Unit.objects.filter(id__in=unit_ids.tolist()).order_by("id"):
        r = compute(unit, cs.code, period, catalog=catalog, view=view)
        rows.append(
            (
                unit.pk,
                cs.code,
                period.key,
                period.year,
                r.criteria_met,
                r.criteria_total,
                r.indicators_met,
                r.indicators_total,
                r.standard_met,
                json.dumps(r.unmet_criteria),
                json.dumps(r.unmet_indicators),
                json.dumps(r.conflicts),
                json.dumps(r.to_dict(), ensure_ascii=False),
                r.catalog_version,
                when,
            )
        )
    return rows


def _write(table: str, columns: Sequence[str], key: Sequence[str], rows: list[tuple]) -> None:
    """Upsert ``rows``: on PostgreSQL through COPY into a temporary table and one INSERT … SELECT …
    ON CONFLICT (no per-value parameter handling in Python); elsewhere executemany in chunks."""
    if rows and table in {v.result._meta.db_table for v in VIEWS.values()}:
        changed("results")  # cached dashboards are recomputed once this transaction commits
    if connection.vendor == "postgresql" and len(rows) > 50:
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in columns)
        stage = qn("ntm_stage_" + table)
        updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in columns if c not in key)
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {stage}")
            cur.execute(f"CREATE TEMPORARY TABLE {stage} AS SELECT {cols} FROM {qn(table)} WITH NO DATA")
            with cur.cursor.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
            cur.execute(
                f"INSERT INTO {qn(table)} ({cols}) SELECT {cols} FROM {stage} "
                f"ON CONFLICT ({', '.join(qn(c) for c in key)}) DO UPDATE SET {updates}"
            )
            cur.execute(f"DROP TABLE {stage}")
        return
    sql = _upsert_sql(table, columns, key)
    with connection.cursor() as cur:
        for i in range(0, len(rows), _CHUNK):
            cur.executemany(sql, rows[i : i + _CHUNK])


# -- one cell --------------------------------------------------------------------------------
@dataclass
class CellStats:
    set_code: str
    period: str
    units: int = 0
    observations: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def batchable(cs: CriteriaSet) -> bool:
    return all(c.recognition_only or c.type != "children_share" for c in cs.conditions)


def evaluate_cell(
    set_code: str,
    period: str | Period,
    *,
    catalog: Catalog | None = None,
    run: ReevaluationRun | None = None,
    within=None,
    table: UnitTable | None = None,
    rollups: bool = True,
    view: DataView = ALL,
) -> CellStats:
    """Evaluate one set and period in ``view`` for every unit with observations of that view (the
    latest saved, or the approved ones) or a stored result (under ``within`` if given).

    Without ``run`` the live results are upserted and, with ``rollups``, the stored roll-ups of the
    set and period are rebuilt in the same transaction. With ``run`` the results go to the run's
    staging table and nothing a reader sees changes (see :func:`ntm.apps.evaluations.tasks.switch`).
    Prerequisites (nâng cao needs NTM) are read from the run's staged results when it has them,
    else from the live results: evaluate NTM before nâng cao.
    """
    catalog = catalog or default_catalog()
    cs = catalog.get(set_code)
    p = Period.parse(period) if isinstance(period, str) else period
    stats = CellStats(cs.code, p.key)
    t0 = time.perf_counter()
    table = table or UnitTable()
    existing = view.result.objects.filter(set_code=cs.code, period=p.key)
    if within is not None:
        existing = existing.filter(unit__path__startswith=within.path)
    extra = list(existing.values_list("unit_id", flat=True))
    stats.seconds["units"] = time.perf_counter() - t0

    t = time.perf_counter()
    snapshot = timezone.now()  # the results reflect the observations committed at this time
    loaded = load_cell(cs, p, table, within=within, extra_units=extra, view=view)
    stats.units, stats.observations = int(loaded.unit_ids.size), loaded.observations
    stats.seconds["read"] = time.perf_counter() - t

    t = time.perf_counter()
    now = snapshot
    if batchable(cs):
        prerequisites, facts = _condition_inputs(cs, p, loaded.unit_ids, run, view)
        res = evaluate_batch(cs, loaded.batch, prerequisites=prerequisites, facts=facts)
        stats.seconds["evaluate"] = time.perf_counter() - t
        t = time.perf_counter()
        rows = batch_rows(cs, p, loaded.unit_ids, res, now)
    else:
        rows = single_rows(cs, p, loaded.unit_ids, now, catalog, view)
        stats.seconds["evaluate"] = time.perf_counter() - t
        t = time.perf_counter()
    stats.seconds["prepare"] = time.perf_counter() - t

    t = time.perf_counter()
    with transaction.atomic():
        if run is None:
            _write(view.result._meta.db_table, _RESULT_COLUMNS, ("unit_id", "set_code", "period"), rows)
            stats.seconds["write"] = time.perf_counter() - t
            if rollups:
                t = time.perf_counter()
                rebuild_rollups(cs.code, p, catalog=catalog, table=table, view=view)
                stats.seconds["rollups"] = time.perf_counter() - t
        else:
            _write(
                StagedResult._meta.db_table,
                ("run_id", "view") + _RESULT_COLUMNS,
                ("run_id", "view", "unit_id", "set_code", "period"),
                [(run.pk, view.code) + r for r in rows],
            )
            stats.seconds["write"] = time.perf_counter() - t
    return stats


def evaluate_period(period: str | Period, set_codes: Sequence[str], **kwargs) -> list[CellStats]:
    """Several sets of one period, prerequisites first."""

    catalog = kwargs.get("catalog") or default_catalog()
    kwargs["catalog"] = catalog
    kwargs.setdefault("table", UnitTable())
    return [
        evaluate_cell(s, period, **kwargs)
        for s in sorted(set_codes, key=lambda s: (prerequisites.depth(s, catalog), s))
    ]


# -- roll-ups --------------------------------------------------------------------------------
@dataclass
class RollupArrays:
    """Per parent unit: counts, sums and the distribution of criteria met (columns 0..K)."""

    parent_ids: np.ndarray
    units_total: np.ndarray
    with_results: np.ndarray
    at_standard: np.ndarray
    sum_criteria: np.ndarray
    sum_indicators: np.ndarray
    distribution: np.ndarray  # (parents, K + 1)


def compute_rollups(
    scores: Sequence[tuple[int, int, int, bool]], date: dt.date, table: UnitTable, types: Sequence[str] | None = None
) -> RollupArrays:
    """Group sums over the path prefixes of the communes valid at ``date``: every parent (root,
    provinces, districts) valid at the date gets a row, with or without results."""
    from .services import COMMUNE_TYPES

    types = tuple(types or COMMUNE_TYPES)
    parent_ids, commune_ids, pair_parent, pair_commune = table.hierarchy(date, types)

    has = np.zeros(commune_ids.size, dtype=bool)
    crit = np.zeros(commune_ids.size, dtype=np.int64)
    ind = np.zeros(commune_ids.size, dtype=np.int64)
    std = np.zeros(commune_ids.size, dtype=bool)
    if scores and commune_ids.size:
        s_ids, s_crit, s_ind, s_std = (np.array(x) for x in zip(*scores))
        order = np.argsort(commune_ids)
        sorted_ids = commune_ids[order]
        r = np.searchsorted(sorted_ids, s_ids)
        ok = (r < sorted_ids.size) & (sorted_ids[np.minimum(r, sorted_ids.size - 1)] == s_ids)
        k = order[r[ok]]
        has[k], crit[k], ind[k], std[k] = True, s_crit[ok], s_ind[ok], s_std[ok].astype(bool)
    P = parent_ids.size
    K = int(crit.max()) if crit.size else 0

    def total(weights):
        return np.bincount(pair_parent, weights=weights[pair_commune], minlength=P).astype(np.int64)

    dist = (
        np.bincount(
            pair_parent * (K + 1) + crit[pair_commune], weights=has[pair_commune].astype(float), minlength=P * (K + 1)
        )
        .astype(np.int64)
        .reshape(P, K + 1)
    )
    return RollupArrays(
        parent_ids,
        np.bincount(pair_parent, minlength=P).astype(np.int64),
        total(has.astype(float)),
        total(std.astype(float)),
        total(crit.astype(float)),
        total(ind.astype(float)),
        dist,
    )


def _distribution_json(row: np.ndarray) -> str:
    return json.dumps({str(k): int(v) for k, v in enumerate(row.tolist()) if v})


_ROLLUP_COLUMNS = (
    "unit_id",
    "set_code",
    "period",
    "generation",
    "edition",
    "units_total",
    "units_with_results",
    "units_at_standard",
    "sum_criteria",
    "sum_indicators",
    "distribution",
    "computed_at",
)


def rebuild_rollups(
    set_code: str,
    period: str | Period,
    *,
    generation: int | None = None,
    run: ReevaluationRun | None = None,
    catalog: Catalog | None = None,
    table: UnitTable | None = None,
    switch: bool = True,
    view: DataView = ALL,
) -> int:
    """Recompute the stored roll-ups of ``view`` for one set and period from its results (the live ones,
    or the staged ones of ``run``) into ``generation`` (default: the current one, or 0 for a first build).
    With ``switch``, the set and period's state then points at that generation. Returns the number
    of parent rows written. Call inside a transaction to make the switch atomic with the results."""
    p = Period.parse(period) if isinstance(period, str) else period
    date = p.end
    table = table or UnitTable()
    with transaction.atomic():
        state = view.state.objects.select_for_update().filter(set_code=set_code, period=p.key).first()
        if generation is None:
            generation = state.generation if state else 0
        source = (
            StagedResult.objects.filter(run=run, view=view.code) if run is not None else view.result.objects
        ).filter(set_code=set_code, period=p.key)
        scores = list(source.values_list("unit_id", "criteria_met", "indicators_met", "standard_met"))
        agg = compute_rollups(scores, date, table)
        edition = core_units.edition_at(date)
        when = connection.ops.adapt_datetimefield_value(timezone.now())
        rows = [
            (u, set_code, p.key, generation, edition, t, w, s, c, i, _distribution_json(d), when)
            for u, t, w, s, c, i, d in zip(
                agg.parent_ids.tolist(),
                agg.units_total.tolist(),
                agg.with_results.tolist(),
                agg.at_standard.tolist(),
                agg.sum_criteria.tolist(),
                agg.sum_indicators.tolist(),
                agg.distribution,
            )
        ]
        view.rollup.objects.filter(set_code=set_code, period=p.key, generation=generation).delete()
        qn = connection.ops.quote_name
        pg = connection.vendor == "postgresql"
        marks = ", ".join("CAST(%s AS jsonb)" if (pg and c == "distribution") else "%s" for c in _ROLLUP_COLUMNS)
        sql = (
            f"INSERT INTO {qn(view.rollup._meta.db_table)} ({', '.join(qn(c) for c in _ROLLUP_COLUMNS)}) "
            f"VALUES ({marks})"
        )
        with connection.cursor() as cur:
            cur.executemany(sql, rows)
        if switch:
            point_to_generation(set_code, p, generation, edition, state, view=view)
    return len(rows)


def point_to_generation(
    set_code: str, period: Period, generation: int, edition: str, state, *, view: DataView = ALL
) -> None:
    """Make ``generation`` the current roll-ups of ``view`` for a set and period and drop the previous one."""
    now = timezone.now()
    if state is None:
        view.state.objects.create(
            set_code=set_code, period=period.key, generation=generation, edition=edition, built_at=now
        )
        return
    old = state.generation
    state.generation, state.edition, state.built_at = generation, edition, now
    state.save(update_fields=["generation", "edition", "built_at", "updated_at"])
    if old != generation:
        view.rollup.objects.filter(set_code=set_code, period=period.key, generation=old).delete()
