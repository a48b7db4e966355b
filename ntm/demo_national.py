"""Synthetic national data: every xã of the country, quarterly, for both 2021–2025 commune sets.

``ntm demo --national [--years N]`` fills the database with self-assessments for every commune of
type **Xã** of the hierarchy before 1 July 2025 (7,692 xã under 696 districts) and of the hierarchy
from that date (2,621 xã), for ``xa-ntm-2021`` (57 indicators) and ``xa-nang-cao-2021`` (75):

- the 2024 hierarchy: every quarter of the N years before 2025 (N = 2: 2023-Q1 … 2024-Q4);
- the 2025 hierarchy: quarterly from 2025-Q3, at most 4·N quarters and only quarters already over.

Only xã are generated: the NTM programme evaluates xã, and roll-ups count xã only (phường and thị
trấn are urban units with their own standards — :data:`ntm.core.units.COMMUNE_TYPES`).

The figures are made to look like the national reports, not to reproduce any of them: about 73 % of
xã meet the NTM standard at the start of 2023 and 78 % at the end of 2024, then growing at a quarter of
that pace in the new hierarchy (about 80 % in 2026; from about half in the
northern mountains to nearly all in the Red River delta), about 30 % nâng cao at the end of 2024,
an average of about 17 of the 19 criteria. A commune's criteria are met in an order of its own that
favours the easy ones (the hard ones — environment, health, production, income — come last), so a
commune improves quarter after quarter; some communes at the standard lose a "dynamic" indicator of
the catalogue (``dynamic: true``: income, poverty, labour, health insurance, environment) for one to
three quarters. A 2025 commune inherits the position of the xã it was merged from.

Officials decide most indicators by assessment (the official thresholds of 2021–2025 are mostly
unknown: see the catalogue); where a threshold applies to the commune, a value consistent with the
assessment is written too, so the rule decides.

Rows are written in bulk (executemany on SQLite, COPY on PostgreSQL), one transaction per set and
period, and evaluated with the vectorised engine straight from the generated arrays (the same
``evaluate_batch`` the database batch path uses), then the stored roll-ups are rebuilt. The data stand
for approved reports: the values are the approved ones, each sheet has an approved submission, and the
results are stored in both views of the figures (approved, and including unapproved data — the same
here). Running it again replaces the previous national demo data (rows with ``source = "demo-national"``);
cells that already hold values entered by someone else are left alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ntm.core import units as core_units
from ntm.core.catalog import CriteriaSet, Kind, default_catalog, prerequisites
from ntm.core.evaluation import BatchInput, evaluate_batch, threshold_matrix
from ntm.core.periods import Period

SETS = ("xa-ntm-2021", "xa-nang-cao-2021")
SOURCE = "demo-national"
SOURCE_BATCH = "national"  # the batch id of its values (the history rows made current after a write)
TYPES = ("Xã",)
SEED = 2021
AUTHOR = "Dữ liệu mẫu toàn quốc"

# Share of xã at the standard by region, at the start of 2023 and at the end of 2024 (then the same
# pace, capped at 100 %). Shapes of the national reports, not their exact figures.
NTM_SHARE = {
    "DBSH": (0.975, 1.0),
    "DNB": (0.87, 0.94),
    "DBSCL": (0.78, 0.86),
    "BTB": (0.78, 0.86),
    "DHNTB": (0.73, 0.81),
    "TN": (0.53, 0.62),
    "TDMNPB": (0.47, 0.56),
}
NC_SHARE = {
    "DBSH": (0.46, 0.62),
    "DNB": (0.36, 0.50),
    "DBSCL": (0.20, 0.32),
    "BTB": (0.18, 0.30),
    "DHNTB": (0.15, 0.25),
    "TN": (0.07, 0.13),
    "TDMNPB": (0.05, 0.10),
}
BASE = Period(2023, quarter=1)  # time 0 of the share curves; 2024-Q4 is time 7
# criteria hardest first (environment, health, production, income, planning…): met last
HARD_FIRST = [17, 15, 13, 1, 10, 11, 12, 2, 14, 9, 16, 5, 18, 3, 6, 4, 8, 19, 7]
REGRESSION_CHANCE = 0.12  # of a commune at the standard losing a dynamic indicator for 1–3 quarters


def quarter_index(p: Period) -> int:
    return (p.year - BASE.year) * 4 + (p.quarter or 1) - 1


def quarters(first: Period, count: int, *, until: dt.date | None = None) -> list[Period]:
    out, y, q = [], first.year, first.quarter or 1
    while len(out) < count:
        p = Period(y, quarter=q)
        if until is not None and p.end >= until:
            break
        out.append(p)
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def periods_for(years: int, today: dt.date | None = None) -> dict[str, list[Period]]:
    """Quarters of each hierarchy: the N years before 2025 (2024 edition); from 2025-Q3, at most 4·N
    quarters already over (2025 edition)."""
    today = today or dt.date.today()
    return {
        core_units.EDITION_2024: quarters(Period(2025 - years, quarter=1), 4 * years),
        core_units.EDITION_2025: quarters(Period(2025, quarter=3), 4 * years, until=today),
    }


# -- the communes ----------------------------------------------------------------------------
@dataclass
class Communes:
    """The xã of one hierarchy, in code order, with their latent position (0 = best)."""

    edition: str
    ids: np.ndarray
    regions: list[str]
    rank: np.ndarray  # uniform 0..1 within the region: NTM when rank < share(t)
    rng_seed: int
    contexts: list = field(default_factory=list)


LATER_PACE = 0.25  # after 2024-Q4 (time 7) the shares grow at a quarter of the 2023–2024 pace


def _shares(table: dict[str, tuple[float, float]], regions: Sequence[str], t: float) -> np.ndarray:
    s0 = np.array([table.get(r, (0.7, 0.78))[0] for r in regions])
    s1 = np.array([table.get(r, (0.7, 0.78))[1] for r in regions])
    t_eff = min(t, 7.0) + max(t - 7.0, 0.0) * LATER_PACE
    return np.clip(s0 + (s1 - s0) * t_eff / 7.0, 0.0, 1.0)


def _rank_within(values: np.ndarray, regions: Sequence[str]) -> np.ndarray:
    out = np.empty(values.size)
    regions_arr = np.array(regions)
    for r in set(regions):
        idx = np.flatnonzero(regions_arr == r)
        order = np.argsort(np.argsort(values[idx], kind="stable"), kind="stable")
        out[idx] = (order + 0.5) / idx.size
    return out


def select_communes(
    edition: str,
    *,
    provinces: Iterable[str] = (),
    limit: int | None = None,
    types: Sequence[str] | None = TYPES,
    spread: bool = False,
) -> tuple[Communes, Communes]:
    """(all xã of the edition, the selected ones), the latents drawn for all so that a subset gets the
    same figures as the full run. ``types=None`` takes every commune-level unit (xã, phường, thị trấn:
    the benchmark's "every commune"). ``limit`` keeps the first communes in code order, or with
    ``spread`` an evenly spaced sample of the country (a small run with national-looking figures)."""
    from ntm.apps.units.models import Unit, UnitLink
    from ntm.apps.units.services import resolve_unit

    units = Unit.objects.filter(level="commune", edition=edition)
    if types is not None:
        units = units.filter(type__in=types)
    rows = list(units.order_by("code").values_list("id", "region", "path"))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    regions = [r[1] or "DBSH" for r in rows]
    rng = np.random.default_rng([SEED, int(edition)])
    if edition == core_units.EDITION_2024:
        rank = _rank_within(rng.random(ids.size), regions)
    else:  # a merged commune starts where the xã it came from stood
        old_all, _ = select_communes(core_units.EDITION_2024)
        old_rank = dict(zip(old_all.ids.tolist(), old_all.rank.tolist()))
        preds: dict[int, list[float]] = {}
        for pred, succ in UnitLink.objects.filter(successor_id__in=ids.tolist()).values_list(
            "predecessor_id", "successor_id"
        ):
            if pred in old_rank:
                preds.setdefault(succ, []).append(old_rank[pred])
        fresh = rng.random(ids.size)
        raw = np.array([np.mean(preds[u]) if u in preds else fresh[k] for k, u in enumerate(ids.tolist())])
        rank = _rank_within(raw, regions)
    everyone = Communes(edition, ids, regions, rank, int(edition))
    keep = np.ones(ids.size, dtype=bool)
    prov_list = list(provinces)
    if prov_list:
        date = core_units.END_2024 if edition == core_units.EDITION_2024 else core_units.REFORM_DATE
        prefixes = []
        for ref in prov_list:
            try:
                prefixes.append(resolve_unit(ref, date).path)
            except LookupError:
                continue
        keep = np.array([any(r[2].startswith(p) for p in prefixes) for r in rows], dtype=bool)
    idx = np.flatnonzero(keep)
    if limit is not None and spread and idx.size > limit:
        idx = idx[np.linspace(0, idx.size - 1, limit).round().astype(np.int64)]
    elif limit is not None:
        idx = idx[:limit]
    chosen = Communes(edition, ids[idx], [regions[i] for i in idx], rank[idx], int(edition))
    chosen.positions = idx  # type: ignore[attr-defined]
    return everyone, chosen


# -- what each commune meets -----------------------------------------------------------------
@dataclass
class Plan:
    """Per commune and set: the order in which criteria get met, the indicator that blocks each
    unmet criterion, how fast the commune closes its gap, and its regression episode."""

    crit_rank: np.ndarray  # (units, criteria): position of the criterion in the commune's order
    blocker: np.ndarray  # (units, indicators): True for the indicator that keeps its criterion unmet
    partial: np.ndarray  # (units, indicators): uniform, an indicator of an unmet criterion met if < 0.6
    rate: np.ndarray  # criteria gained per quarter before the standard
    floor: np.ndarray  # fewest criteria met
    reg_start: np.ndarray  # quarter index of the regression episode (huge: none)
    reg_len: np.ndarray
    reg_col: np.ndarray  # column of the dynamic indicator lost


def make_plan(cs: CriteriaSet, n_units: int, regions: Sequence[str], seed: Sequence[int]) -> Plan:
    rng = np.random.default_rng(list(seed))
    numbers = [c.number for c in cs.criteria]
    hard = {n: len(HARD_FIRST) - HARD_FIRST.index(n) if n in HARD_FIRST else 0 for n in numbers}
    key = np.array([hard[n] for n in numbers], dtype=float) + rng.normal(0, 4.0, (n_units, len(numbers)))
    order = np.argsort(key, axis=1)  # easiest first
    crit_rank = np.argsort(order, axis=1)
    col_crit = np.array([numbers.index(int(i.code.split(".")[0])) for i in cs.indicators])
    blocker = np.zeros((n_units, cs.indicator_count), dtype=bool)
    for k in range(len(numbers)):
        cols = np.flatnonzero(col_crit == k)
        pick = cols[rng.integers(0, cols.size, n_units)]
        blocker[np.arange(n_units), pick] = True
    mountain = np.array([r in ("TDMNPB", "TN") for r in regions])
    dynamic = np.flatnonzero([i.dynamic for i in cs.indicators])
    has_episode = rng.random(n_units) < REGRESSION_CHANCE
    return Plan(
        crit_rank=crit_rank,
        blocker=blocker,
        partial=rng.random((n_units, cs.indicator_count)),
        rate=rng.uniform(0.45, 1.0, n_units),
        floor=np.where(mountain, rng.integers(5, 10, n_units), rng.integers(8, 13, n_units)),
        reg_start=np.where(has_episode, rng.integers(0, 16, n_units), 10**6),
        reg_len=rng.integers(1, 4, n_units),
        reg_col=dynamic[rng.integers(0, dynamic.size, n_units)] if dynamic.size else np.full(n_units, -1),
    )


def met_matrix(
    cs: CriteriaSet,
    plan: Plan,
    rank: np.ndarray,
    regions: Sequence[str],
    t: int,
    shares: dict[str, tuple[float, float]],
) -> np.ndarray:
    """(units, indicators) booleans: which indicators each commune meets at quarter ``t``."""
    share_now = _shares(shares, regions, t)
    at_standard = rank < share_now
    # quarters until the commune reaches the standard, at its region's pace
    s0 = _shares(shares, regions, 0)
    pace = np.maximum((_shares(shares, regions, 7) - s0) / 7.0, 0.004)
    behind = np.maximum(rank - share_now, 0.0) / pace
    K = cs.criteria_count
    n_met = np.where(at_standard, K, np.clip(K - np.ceil(plan.rate * behind / 1.2), plan.floor, K - 1)).astype(int)
    crit_met = plan.crit_rank < n_met[:, None]
    col_crit = np.array([[c.number for c in cs.criteria].index(int(i.code.split(".")[0])) for i in cs.indicators])
    met = crit_met[:, col_crit] | (~plan.blocker & (plan.partial < 0.6))
    lost = (t >= plan.reg_start) & (t < plan.reg_start + plan.reg_len) & (plan.reg_col >= 0)
    rows = np.flatnonzero(lost)
    met[rows, plan.reg_col[rows]] = False
    return met


def values_for(cs: CriteriaSet, thresholds: np.ndarray, met: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Values consistent with ``met`` where a threshold applies (NaN elsewhere), one decimal."""
    out = np.full(met.shape, np.nan)
    for j, ind in enumerate(cs.indicators):
        th = thresholds[:, j]
        rows = np.flatnonzero(~np.isnan(th))
        if not rows.size or ind.kind in (Kind.BOOLEAN, Kind.LEVEL):
            continue
        t, m, u = th[rows], met[rows, j], rng.random(rows.size)
        percent = ind.kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT)
        cap = np.full(rows.size, 100.0) if percent else t * 1.5 + 1
        if ind.kind in (Kind.MIN_PERCENT, Kind.MIN_AMOUNT):
            hi = np.minimum(cap, t * 1.15 + 1)
            v = np.where(m, t + u * (hi - t), t * 0.8 + u * (t - 0.1 - t * 0.8))
            v = np.where(m, np.ceil(v * 10) / 10, np.floor(v * 10) / 10)
        else:
            hi = np.minimum(cap, t * 1.3 + 1)
            v = np.where(m, t * 0.6 + u * (t * 0.4), t + 0.1 + u * (hi - t - 0.1))
            v = np.where(m, np.floor(v * 10) / 10, np.ceil(v * 10) / 10)
        out[rows, j] = v
    return out


# -- writing ---------------------------------------------------------------------------------
def _columns() -> tuple[str, ...]:
    """The columns of :func:`_rows`' tuples: a version's (``VALUE_COLUMNS``), approved (``is_approved``
    before ``source``)."""
    from ntm.apps.observations.models import VALUE_COLUMNS

    at = VALUE_COLUMNS.index("source")
    return (*VALUE_COLUMNS[:at], "is_approved", *VALUE_COLUMNS[at:])


def _rows(cs: CriteriaSet, p: Period, ids: np.ndarray, met: np.ndarray, values: np.ndarray, when) -> Iterable[tuple]:
    n_units, n_ind = met.shape
    n = n_units * n_ind
    flat_v = values.ravel()
    has = np.flatnonzero(~np.isnan(flat_v))
    num: list = [None] * n
    text = [""] * n
    for k, v in zip(has.tolist(), flat_v[has].tolist()):
        num[k] = v
        text[k] = f"{v:g}".replace(".", ",")
    codes = cs.indicator_codes() * n_units
    return zip(
        np.repeat(ids, n_ind).tolist(),
        repeat(cs.code),
        codes,
        repeat(p.key),
        repeat(p.year),
        text,
        num,
        met.ravel().tolist(),
        repeat(False),
        repeat(""),
        repeat(""),
        repeat(1),
        repeat(True),
        repeat(SOURCE),
        repeat(SOURCE_BATCH),
        repeat(None),
        repeat(AUTHOR),
        repeat(when),
    )


def write_submissions(set_code: str, p: Period, ids: np.ndarray, when) -> None:
    """An approved submission for each generated sheet (the completeness counts see them approved)."""
    from ntm.apps.observations.models import Submission

    Submission.objects.bulk_create(
        [
            Submission(
                unit_id=u,
                set_code=set_code,
                period=p.key,
                year=p.year,
                state="approved",
                submitted_by_name=AUTHOR,
                submitted_at=when,
                reviewed_by_name=AUTHOR,
                reviewed_at=when,
            )
            for u in ids.tolist()
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )


def write_observations(rows: Iterable[tuple], advance=None, chunk: int = 50_000) -> int:
    """Append the generated versions (approved) to the history, then make them the current values
    (:func:`ntm.apps.observations.sql.make_current`, on the server). Returns how many were written."""
    from ntm.apps.observations import sql

    after = sql.last_version(connection)
    n = _append(rows, advance, chunk)
    sql.make_current(connection, SOURCE_BATCH, after)
    return n


def _append(rows: Iterable[tuple], advance, chunk: int) -> int:
    from ntm.apps.observations.models import ObservationVersion

    table = ObservationVersion._meta.db_table
    qn = connection.ops.quote_name
    columns = _columns()
    n = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
                    if advance and n % chunk == 0:
                        advance(chunk)
            if advance:
                advance(n % chunk)
            return n
        sql = (
            f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        )
        buf: list[tuple] = []
        for row in rows:
            buf.append(row)
            if len(buf) == chunk:
                cur.executemany(sql, buf)
                n += len(buf)
                buf = []
                if advance:
                    advance(chunk)
        if buf:
            cur.executemany(sql, buf)
            n += len(buf)
            if advance:
                advance(len(buf))
    return n


def clear_previous(periods: Iterable[Period]) -> int:
    """Remove the previous national demo observations and submissions, and the results left without
    observations (in both views)."""
    from ntm.apps.evaluations.models import Result, ResultAll
    from ntm.apps.observations.models import Observation, ObservationVersion, Submission

    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cur:
        n = Observation.objects.filter(source=SOURCE).count()
        for model in (Observation, ObservationVersion):
            table = qn(model._meta.db_table)
            if not model.objects.exclude(source=SOURCE).exists():
                if connection.vendor == "postgresql":
                    try:
                        with transaction.atomic():  # a savepoint: TRUNCATE is refused inside a transaction
                            cur.execute(f"TRUNCATE {table}")  # that already wrote rows (pending FK checks)
                    except OperationalError:
                        cur.execute(f"DELETE FROM {table}")
                else:
                    cur.execute(f"DELETE FROM {table}")
            else:
                model.objects.filter(source=SOURCE)._raw_delete(connection.alias)
        keys = [p.key for p in periods]
        Submission.objects.filter(set_code__in=SETS, period__in=keys, submitted_by_name=AUTHOR).delete()
        for model in (Result, ResultAll):
            orphans = model.objects.filter(set_code__in=SETS, period__in=keys).exclude(
                unit_id__in=Observation.objects.filter(set_code__in=SETS, period__in=keys).values("unit_id")
            )
            orphans._raw_delete(connection.alias)
    return n


def _taken(set_codes: Sequence[str], p: Period) -> set[int]:
    """Units with values entered by someone else for this period: their cells are left alone."""
    from ntm.apps.observations.models import Observation

    return set(
        Observation.objects.filter(set_code__in=set_codes, period=p.key)
        .exclude(source=SOURCE)
        .values_list("unit_id", flat=True)
        .distinct()
        .order_by()
    )


# -- the whole run ---------------------------------------------------------------------------
@dataclass
class Summary:
    communes: dict[str, int] = field(default_factory=dict)
    periods: dict[str, list[str]] = field(default_factory=dict)
    observations: int = 0
    results: int = 0
    seconds: float = 0.0
    national: dict[str, dict] = field(default_factory=dict)  # last period of each edition: share, average


def build_national(
    years: int = 2,
    *,
    console: Console | None = None,
    provinces: Iterable[str] = (),
    limit: int | None = None,
    today: dt.date | None = None,
    editions: Sequence[str] | None = None,
    periods: dict[str, list[Period]] | None = None,
    types: Sequence[str] | None = TYPES,
    clear: bool = True,
    spread: bool = False,
) -> Summary:
    """Generate, write and evaluate the national demo data; see the module docstring.

    ``provinces`` (names or codes) and ``limit`` (xã per hierarchy) keep a subset, for tests and quick
    benchmarks; ``periods`` overrides the quarters of each edition; ``types=None`` generates every
    commune-level unit, not only xã (the benchmark); ``clear=False`` keeps the national demo data
    already there (the benchmark builds periods of different sizes one call at a time); ``spread``
    makes ``limit`` an evenly spaced sample of the country instead of the first communes.
    """
    from ntm.apps.evaluations import batch
    from ntm.apps.evaluations.dataview import VIEWS
    from ntm.apps.evaluations.services import context_for  # noqa: F401  (same contexts as the single path)

    console = console or Console()
    started = time.perf_counter()
    cat = default_catalog()
    sets = [cat.get(s) for s in SETS]
    plan_periods = periods or periods_for(years, today)
    if editions is not None:
        plan_periods = {e: ps for e, ps in plan_periods.items() if e in editions}
    summary = Summary(periods={e: [p.key for p in ps] for e, ps in plan_periods.items()})
    all_periods = [p for ps in plan_periods.values() for p in ps]
    table = batch.UnitTable()
    when = timezone.now()

    work = []
    for edition, ps in plan_periods.items():
        if not ps:
            continue
        everyone, chosen = select_communes(edition, provinces=provinces, limit=limit, types=types, spread=spread)
        if not chosen.ids.size:
            continue
        summary.communes[edition] = int(chosen.ids.size)
        work.append((edition, everyone, chosen, ps))
    total_rows = sum(c.ids.size * sum(s.indicator_count for s in sets) * len(ps) for _, _, c, ps in work)
    total_cells = sum(len(sets) * len(ps) for *_, ps in work)

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as progress:
        t_clear = progress.add_task("Xóa dữ liệu mẫu toàn quốc cũ", total=1)
        if clear:
            clear_previous(all_periods)
        progress.update(t_clear, completed=1)
        t_rows = progress.add_task("Ghi số liệu chỉ tiêu", total=total_rows)
        t_eval = progress.add_task("Đánh giá và tổng hợp", total=total_cells)
        for edition, everyone, chosen, ps in work:
            pos = chosen.positions  # type: ignore[attr-defined]
            contexts = [table.context(u, 2024) for u in chosen.ids.tolist()]
            plans = {
                cs.code: make_plan(cs, everyone.ids.size, everyone.regions, [SEED, int(edition), k])
                for k, cs in enumerate(sets)
            }
            plans = {
                code: Plan(**{f: getattr(pl, f)[pos] for f in Plan.__dataclass_fields__}) for code, pl in plans.items()
            }
            shares = {"xa-ntm-2021": NTM_SHARE, "xa-nang-cao-2021": NC_SHARE}
            for p in ps:
                t = quarter_index(p)
                taken = _taken(SETS, p)
                keep = np.array([u not in taken for u in chosen.ids.tolist()], dtype=bool)
                ids = chosen.ids[keep]
                ctx = [dataclasses.replace(c, year=p.year) for c, k in zip(contexts, keep) if k]
                rng = np.random.default_rng([SEED, int(edition), t])
                standards: dict[str, np.ndarray] = {}
                for cs in sets:
                    plan = plans[cs.code]
                    sub = Plan(**{f: getattr(plan, f)[keep] for f in Plan.__dataclass_fields__})
                    met = met_matrix(
                        cs, sub, chosen.rank[keep], [r for r, k in zip(chosen.regions, keep) if k], t, shares[cs.code]
                    )
                    thr = threshold_matrix(cs, ctx)
                    values = values_for(cs, thr, met, rng)
                    with transaction.atomic():
                        n = write_observations(
                            _rows(cs, p, ids, met, values, when), advance=lambda k: progress.advance(t_rows, k)
                        )
                        summary.observations += n
                        b = BatchInput(
                            contexts=ctx,
                            values=values,
                            assessments=met.astype(np.int8),
                            present=np.ones(met.shape, dtype=bool),
                            not_applicable=np.zeros(met.shape, dtype=bool),
                        )
                        prereq = {
                            code: standards.get(code, np.zeros(ids.size, dtype=bool))
                            for code in prerequisites.direct(cs, standard_only=True)
                        }
                        res = evaluate_batch(cs, b, prerequisites=prereq)
                        standards[cs.code] = res.standard_met
                        rows = batch.batch_rows(cs, p, ids, res, when)
                        write_submissions(cs.code, p, ids, when)
                        for view in VIEWS.values():  # approved data: the same figures in both views
                            batch._write(
                                view.result._meta.db_table,
                                batch._RESULT_COLUMNS,
                                ("unit_id", "set_code", "period"),
                                rows,
                            )
                            batch.rebuild_rollups(cs.code, p, table=table, view=view)
                        summary.results += len(rows)
                    progress.advance(t_eval)
            last = ps[-1]
            summary.national[edition] = _national_figures(last, sets)
    summary.seconds = time.perf_counter() - started
    return summary


def _national_figures(p: Period, sets: Sequence[CriteriaSet]) -> dict:
    from ntm.apps.evaluations.services import rollup_for
    from ntm.apps.units.models import Unit

    root = Unit.objects.get(uid=core_units.ROOT_UID)
    out = {"period": p.key}
    for cs in sets:
        r = rollup_for(root, cs.code, p)
        out[cs.code] = {
            "units": r.units_with_results,
            "at_standard": r.units_at_standard,
            "share": round(100.0 * r.units_at_standard / r.units_with_results, 2) if r.units_with_results else None,
            "average_criteria": None if r.average_criteria is None else round(r.average_criteria, 2),
        }
    return out


def cmd_demo_national(
    years: int = 2,
    console: Console | None = None,
    *,
    provinces: Iterable[str] = (),
    limit: int | None = None,
    all_types: bool = False,
) -> int:
    """``ntm demo --national [--years N] [--all-types]``: print what was made and the national figures."""
    from ntm.core import formatting as fmt

    console = console or Console()
    s = build_national(years, console=console, provinces=provinces, limit=limit, types=None if all_types else TYPES)
    for edition, n in s.communes.items():
        keys = s.periods[edition]
        console.print(
            f"Địa giới {'trước' if edition == core_units.EDITION_2024 else 'từ'} 01/07/2025: {fmt.number(n)} {'đơn vị cấp xã' if all_types else 'xã'}, "
            f"{len(keys)} quý ({keys[0]} … {keys[-1]})."
        )
        fig = s.national.get(edition, {})
        for code in SETS:
            f = fig.get(code)
            if f and f["units"]:
                console.print(
                    f"  {code} {fig['period']}: {fmt.number(f['at_standard'])}/{fmt.number(f['units'])} xã đạt chuẩn "
                    f"({fmt.number(f['share'], 2)}%), bình quân {fmt.number(f['average_criteria'], 2)} tiêu chí/xã"
                )
    console.print(
        f"{fmt.number(s.observations)} số liệu chỉ tiêu, {fmt.number(s.results)} kết quả — "
        f"{fmt.number(s.seconds, 1)} giây."
    )
    return 0
