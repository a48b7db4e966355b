"""What the evaluation does when observations change: it listens, the writers never call it.

- :func:`cells_changed` (:data:`ntm.apps.observations.signals.cells_changed`, inside the writing
  transaction): the written cells are evaluated one by one at once — the saved page shows its new
  result — unless the writer accepts the batch path for many cells (an import): then every written
  set and the sets depending on it are evaluated for the units under the cells' common ancestor,
  or, when the writer allows it, a background re-evaluation is queued in the same transaction.
- :func:`cells_approved` (``cells_approved``, in the approval's transaction): the published figures
  (approved values) of the cell are evaluated, with the roll-ups of its ancestors.

Connected by :meth:`EvaluationsConfig.ready <ntm.apps.evaluations.apps.EvaluationsConfig.ready>`.
"""

from __future__ import annotations

from ntm.apps.observations.signals import CellsChanged
from ntm.apps.observations.signals import cells_approved as approved_signal
from ntm.apps.observations.signals import cells_changed as changed_signal
from ntm.apps.units.models import Unit
from ntm.apps.units.services import common_ancestor
from ntm.core.catalog import prerequisites

from .batch import UnitTable, evaluate_period
from .dataview import ALL, APPROVED
from .services import dependents, evaluate_unit
from .tasks import start_reevaluation, with_dependents


def cells_changed(sender, change: CellsChanged, **kwargs) -> None:
    if not change.evaluate or not change.cells:
        return
    cells, catalog = change.cells, change.catalog
    if change.batch_above is None or len(cells) <= change.batch_above:
        # a save changes the latest values: the figures including unapproved data; the published
        # (approved) figures change only when a reviewer approves the sheet
        order = sorted(cells.items(), key=lambda kv: (kv[0][2], prerequisites.depth(kv[0][1], catalog), kv[0][0]))
        for k, (key, unit) in enumerate(order, start=1):
            change.results[key] = evaluate_unit(unit, key[1], key[2], catalog=catalog, view=ALL)
            if change.progress and (k % 200 == 0 or k == len(order)):
                change.progress("Đánh giá lại", k, len(order))
        return
    if change.background:
        change.run = start_reevaluation(
            with_dependents({k[1] for k in cells}, catalog),
            sorted({k[2] for k in cells}),
            reason=change.reason or "số liệu thay đổi",
            user=change.user if getattr(change.user, "pk", None) else None,
        )
        return
    _batch(change)
    change.batch_path = True


def _batch(change: CellsChanged) -> None:
    """Every written set (and the sets depending on it) of each period, for the units under the
    cells' common ancestor, with the batch path."""
    catalog = change.catalog
    by_period: dict[str, tuple[set[str], dict[int, Unit]]] = {}
    for (unit_id, set_code, period), unit in change.cells.items():
        sets, units = by_period.setdefault(period, (set(), {}))
        sets.add(set_code)
        sets.update(dependents(set_code, catalog))
        units[unit_id] = unit
    table = UnitTable()
    for k, (period, (sets, units)) in enumerate(sorted(by_period.items()), start=1):
        evaluate_period(
            period, sorted(sets), catalog=catalog, table=table, within=common_ancestor(list(units.values()))
        )
        if change.progress:
            change.progress("Đánh giá lại", k, len(by_period))


def cells_approved(sender, unit, set_code: str, period, catalog, **kwargs) -> None:
    evaluate_unit(unit, set_code, period, catalog=catalog, view=APPROVED)


def connect() -> None:
    changed_signal.connect(cells_changed, dispatch_uid="ntm-evaluations-cells-changed")
    approved_signal.connect(cells_approved, dispatch_uid="ntm-evaluations-cells-approved")
