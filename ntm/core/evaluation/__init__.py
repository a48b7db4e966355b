"""The explainable evaluation engine (pure Python + NumPy, no Django).

- :func:`evaluate` — one unit, one set, every decision explained;
- :func:`evaluate_batch` — many units at once, same rules, vectorised;
- :func:`rollup` — counts and averages over a parent unit.

Values are read by :mod:`ntm.core.values` (numbers, yes/no and assessment words), the same parser
for every way a value comes in.
"""

from .batch import BatchInput, BatchResult, encode, evaluate_batch, threshold_matrix
from .engine import ChildStats, evaluate, evaluate_conditions, evaluate_indicator
from .model import ConditionResult, CriterionResult, IndicatorResult, Observation, SetResult, Status
from .rollup import Rollup, UnitScore, rollup, rollup_of

__all__ = [
    "BatchInput",
    "BatchResult",
    "ChildStats",
    "ConditionResult",
    "CriterionResult",
    "IndicatorResult",
    "Observation",
    "Rollup",
    "SetResult",
    "Status",
    "UnitScore",
    "encode",
    "evaluate",
    "evaluate_batch",
    "evaluate_conditions",
    "evaluate_indicator",
    "rollup",
    "rollup_of",
    "threshold_matrix",
]
