"""The vectorised path: evaluate many units against one set at once with NumPy.

Same rules as :func:`ntm.core.evaluation.engine.evaluate` (a test checks that both agree on
random data). Used for national re-evaluation, where ~10,000 communes × 75 indicators are
evaluated in one pass; the single-unit path is kept for explanations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ntm.core.catalog import Context, CriteriaSet, Kind

from .model import Observation, Status

STATUS_CODES = {Status.MET: 1, Status.NOT_MET: 0, Status.NO_DATA: -1, Status.NOT_APPLICABLE: 2}
_MIN = (Kind.MIN_PERCENT, Kind.MIN_AMOUNT, Kind.LEVEL)
_MAX = (Kind.MAX_PERCENT, Kind.MAX_AMOUNT)


@dataclass
class BatchInput:
    """Arrays of shape (units, indicators), columns in ``cs.indicators`` order.

    values: float, NaN = no value (booleans 1/0, levels as their index);
    assessments: int8, -1 = none, 0 = chưa đạt, 1 = đạt;
    present: an observation exists; not_applicable: the unit is exempt.
    """

    contexts: Sequence[Context]
    values: np.ndarray
    assessments: np.ndarray
    present: np.ndarray
    not_applicable: np.ndarray

    @classmethod
    def empty(cls, cs: CriteriaSet, contexts: Sequence[Context]) -> BatchInput:
        u, i = len(contexts), cs.indicator_count
        return cls(
            contexts=list(contexts),
            values=np.full((u, i), np.nan),
            assessments=np.full((u, i), -1, dtype=np.int8),
            present=np.zeros((u, i), dtype=bool),
            not_applicable=np.zeros((u, i), dtype=bool),
        )


@dataclass
class BatchResult:
    status: np.ndarray  # int8 (units, indicators): STATUS_CODES
    counts_as_met: np.ndarray  # bool (units, indicators)
    conflict: np.ndarray  # bool (units, indicators)
    criteria_met: np.ndarray  # bool (units, criteria)
    n_criteria_met: np.ndarray  # int (units,)
    n_indicators_met: np.ndarray  # int (units,)
    standard_met: np.ndarray  # bool (units,)


def encode(
    cs: CriteriaSet, contexts: Sequence[Context], observations: Sequence[Mapping[str, Observation]]
) -> BatchInput:
    """Build batch arrays from per-unit observation mappings (tests, small batches)."""
    b = BatchInput.empty(cs, contexts)
    col = {ind.code: j for j, ind in enumerate(cs.indicators)}
    for u, obs in enumerate(observations):
        for code, o in obs.items():
            j = col[code]
            ind = cs.indicators[j]
            b.present[u, j] = True
            b.not_applicable[u, j] = o.not_applicable
            if o.assessment is not None:
                b.assessments[u, j] = 1 if o.assessment else 0
            if o.value is not None:
                if ind.kind == Kind.BOOLEAN:
                    b.values[u, j] = 1.0 if o.value else 0.0
                elif ind.kind == Kind.LEVEL:
                    b.values[u, j] = float((ind.levels or []).index(str(o.value)))
                else:
                    b.values[u, j] = float(o.value)  # type: ignore[arg-type]
    return b


def threshold_matrix(cs: CriteriaSet, contexts: Sequence[Context]) -> np.ndarray:
    """(units, indicators) thresholds, NaN where none applies; computed once per distinct context."""
    index: dict[Context, int] = {}
    rows: list[np.ndarray] = []
    idx = np.empty(len(contexts), dtype=np.int64)
    for u, ctx in enumerate(contexts):
        k = index.get(ctx)
        if k is None:
            row = np.full(cs.indicator_count, np.nan)
            for j, ind in enumerate(cs.indicators):
                if ind.kind == Kind.BOOLEAN:
                    continue
                t = cs.threshold(ind.code, ctx)
                if t is None:
                    continue
                row[j] = float((ind.levels or []).index(str(t.value))) if ind.kind == Kind.LEVEL else float(t.value)  # type: ignore[arg-type]
            k = index[ctx] = len(rows)
            rows.append(row)
        idx[u] = k
    table = np.vstack(rows) if rows else np.empty((0, cs.indicator_count))
    return table[idx]


def evaluate_batch(
    cs: CriteriaSet,
    b: BatchInput,
    *,
    prerequisites: Mapping[str, np.ndarray] | None = None,
    facts: Mapping[str, np.ndarray] | None = None,
) -> BatchResult:
    kinds = [ind.kind for ind in cs.indicators]
    is_bool = np.array([k == Kind.BOOLEAN for k in kinds])
    is_max = np.array([k in _MAX for k in kinds])
    thr = threshold_matrix(cs, b.contexts)

    has_val = ~np.isnan(b.values)
    with np.errstate(invalid="ignore"):
        ge = b.values >= thr
        le = b.values <= thr
    numeric_rule = np.where(is_max, le, ge)
    rule_known = has_val & (is_bool | ~np.isnan(thr))
    rule_ok = np.where(is_bool, b.values >= 0.5, numeric_rule)

    assessed = b.assessments >= 0
    assess_ok = b.assessments == 1
    decided = np.where(rule_known, rule_ok, assess_ok)
    known = rule_known | assessed

    na = b.not_applicable & b.present
    present = b.present & ~na
    met = present & known & decided
    status = np.full(b.values.shape, STATUS_CODES[Status.NO_DATA], dtype=np.int8)
    status[present & known & decided] = STATUS_CODES[Status.MET]
    status[present & known & ~decided] = STATUS_CODES[Status.NOT_MET]
    status[na] = STATUS_CODES[Status.NOT_APPLICABLE]
    counts = met | (na & cs.data.not_applicable_counts_as_met)
    conflict = present & rule_known & assessed & (rule_ok != assess_ok)

    # criterion = all its indicators; columns are sorted by code, so each criterion is a run
    crit_of_col = np.array([int(ind.code.split(".")[0]) for ind in cs.indicators])
    numbers = [c.number for c in cs.criteria]
    starts = np.array([int(np.argmax(crit_of_col == n)) for n in numbers])
    if counts.shape[0]:
        criteria_met = np.logical_and.reduceat(counts, starts, axis=1)
    else:
        criteria_met = np.zeros((0, len(numbers)), dtype=bool)
    n_crit = criteria_met.sum(axis=1)
    n_ind = counts.sum(axis=1)

    standard = criteria_met.all(axis=1)
    prerequisites = prerequisites or {}
    facts = facts or {}
    for c in cs.conditions:
        if c.recognition_only:
            continue
        if c.type == "prerequisite":
            arr = prerequisites.get(c.set or "")
            standard &= arr.astype(bool) if arr is not None else False
        elif c.type in ("fact_true", "fact_min"):
            arr = facts.get(c.fact or "")
            if arr is None:
                standard &= False
            else:
                with np.errstate(invalid="ignore"):
                    ok = (arr >= float(c.value or 0)) if c.type == "fact_min" else (arr >= 0.5)
                standard &= ok & ~np.isnan(arr)
        else:
            raise ValueError(f"condition type {c.type!r} is evaluated per unit, not in batch")
    return BatchResult(status, counts, conflict, criteria_met, n_crit, n_ind, standard)
