"""The stored results of a set of units in one period: the result rows (one query, without the
large ``detail``), the best standard each commune reaches, and the scorecard and roll-up sentences
as bulletins write them."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q

from ntm.apps.catalog.choices import TIERS
from ntm.apps.ops.sql import statement
from ntm.core import sentences, standards
from ntm.core.catalog import CriteriaSet
from ntm.core.evaluation.rollup import Rollup

from .. import dataview


def _results():
    """The stored results of the view being read (the approved ones unless a reviewer chose otherwise)."""
    return dataview.current().result


STANDARDS = standards.STANDARDS  # best first, as tables list them
STANDARD_LABELS = standards.STANDARD_LABELS  # pages translate them where they show them
STANDARD_COLORS = {
    "hien_dai": "#0b6e75",
    "kieu_mau": "#6a3d9a",
    "nang_cao": "#1f5fa8",
    "ntm": "#1e7b34",
    "below": "#d9822b",
    "nodata": "#a3abb5",
}


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
