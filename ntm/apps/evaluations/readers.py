"""The stored results the entry pages of observations show, provided to them when the app starts
(:func:`ntm.apps.observations.results.provide`, called by ``EvaluationsConfig.ready``): observations
reads them without importing this app."""

from __future__ import annotations

from ntm.apps.accounts.permissions import visible_q
from ntm.apps.observations.results import Cell, Readers

from .models import ResultAll
from .queries.periods import latest_approved_period
from .services import child_stats


def standards(unit, period: str, set_codes: set[str]) -> dict[str, bool | None]:
    if not set_codes:
        return {}
    return dict(
        ResultAll.objects.filter(unit=unit, period=period, set_code__in=set_codes).values_list(
            "set_code", "standard_met"
        )
    )


def of_cells(cells: list[Cell]) -> dict:
    if not cells:
        return {}
    wanted = set(cells)
    fields = ("unit_id", "set_code", "period", "criteria_met", "criteria_total", "indicators_met", "indicators_total")
    rows = ResultAll.objects.only(*fields, "standard_met").filter(
        unit_id__in={c[0] for c in cells}, set_code__in={c[1] for c in cells}, period__in={c[2] for c in cells}
    )
    return {k: r for r in rows if (k := (r.unit_id, r.set_code, r.period)) in wanted}


def latest_period(user) -> str | None:
    return ResultAll.objects.filter(visible_q(user)).order_by("-period").values_list("period", flat=True).first()


READERS = Readers(
    standards=standards,
    children=child_stats,
    of_cells=of_cells,
    latest_period=latest_period,
    latest_approved_period=latest_approved_period,
)
