"""What observations announce: every write of values says which cells it changed, every approval
which cell it approved. Observations never calls the evaluator; the evaluations app subscribes
(``EvaluationsConfig.ready``, :mod:`ntm.apps.evaluations.subscribers`) and recomputes.

Both signals are sent inside the writing transaction and handled synchronously, as the writes were
evaluated before: a saved form shows its new result on the next page, an import's results are
written with its values (or a background re-evaluation is queued in the same transaction).

- :data:`cells_changed`, sent by :func:`announce` with ``change=`` a :class:`CellsChanged`; the
  receivers write what they did back into it (``results``, ``run``, ``batch_path``);
- :data:`cells_approved`, sent by :func:`announce_approval` with ``unit``, ``set_code``, ``period``
  (a :class:`~ntm.core.periods.Period`) and ``catalog``: the cell's current values have just become
  its approved ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.dispatch import Signal

from ntm.core.catalog import Catalog
from ntm.core.periods import Period

Cell = tuple[int, str, str]  # (unit id, set code, period key)

cells_changed = Signal()
cells_approved = Signal()


@dataclass
class CellsChanged:
    """The cells whose values one write changed, what the writer allows, and what was done."""

    cells: dict[Cell, object]  # cell -> its Unit
    catalog: Catalog
    source: str  # "form", "api", "import", "chep-tu-…"
    indicators: frozenset[str] = frozenset()
    user: object | None = None
    batch: str = ""
    # False: the caller evaluates afterwards itself (demo data, benchmarks, scripts)
    evaluate: bool = True
    # above this many cells a bulk writer accepts the batch path (None: always cell by cell)
    batch_above: int | None = None
    # above ``batch_above`` cells, a background re-evaluation may be queued instead
    background: bool = False
    reason: str = ""
    progress: Callable[[str, int, int], None] | None = None
    # written by the receivers: the stored result of each cell evaluated at once, whether the batch
    # path was taken, the background run queued
    results: dict[Cell, object] = field(default_factory=dict)
    batch_path: bool = False
    run: object | None = None


def announce(change: CellsChanged) -> CellsChanged:
    """Send :data:`cells_changed` (nothing when no cell changed); returns ``change`` as the
    receivers left it."""
    if change.cells:
        cells_changed.send(sender=CellsChanged, change=change)
    return change


def announce_approval(unit, set_code: str, period: Period, catalog: Catalog) -> None:
    cells_approved.send(sender=CellsChanged, unit=unit, set_code=set_code, period=period, catalog=catalog)
