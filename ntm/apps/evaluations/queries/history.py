"""One commune's page: every stored result of the unit over the periods, its explanations, what
changed against an earlier period, and the indicators it lost on the way."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from ntm.core import standards
from ntm.core.catalog import Catalog, CriteriaSet
from ntm.core.codes import code_key
from ntm.core.periods import Period

from ..services import explanations
from .gap_analysis import indicator_info
from .periods import period_key, sort_periods
from .results import RESULT_FIELDS, _results


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
