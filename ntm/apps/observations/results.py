"""What the entry pages show of the stored results, read without importing the evaluations app.

Observations sits below evaluations: evaluations reads observations and recomputes when they
change (:mod:`.signals`); observations never calls it. The entry pages still show results — the
totals of the sheet just saved, the prerequisite standards and child counts a form evaluates with,
the results of the sheets waiting for review, the period a page opens on — and read them through
the :class:`Readers` the evaluations app provides when it starts (``EvaluationsConfig.ready`` calls
:func:`provide`). Without a provider the pages show no result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ntm.core.catalog import CriteriaSet
from ntm.core.evaluation import ChildStats
from ntm.core.periods import Period

Cell = tuple[int, str, str]  # (unit id, set code, period key)


def _nothing(*args, **kwargs):
    return None


@dataclass(frozen=True)
class Readers:
    """Functions reading the stored working figures (including unapproved values), by what the
    pages ask."""

    # {set code: standard met} of a unit's results for some sets in a period (key)
    standards: Callable[[object, str, set[str]], dict[str, bool | None]] = lambda unit, period, codes: {}
    # the counts of a district's children_share conditions
    children: Callable[[object, CriteriaSet, Period], ChildStats | None] = _nothing
    # {cell: result} for the given cells (a result has criteria_met, criteria_total, indicators_met,
    # indicators_total, standard_met)
    of_cells: Callable[[list[Cell]], dict] = lambda cells: {}
    # the newest period with a result among the units a user may see, or None
    latest_period: Callable[[object], str | None] = _nothing
    # the period a page opens on: the newest with approved data in the subtree of a unit, or None
    latest_approved_period: Callable[..., str | None] = _nothing


_readers = Readers()


def provide(readers: Readers) -> None:
    """Called by the evaluations app when it starts."""
    global _readers
    _readers = readers


def readers() -> Readers:
    return _readers
