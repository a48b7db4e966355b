"""Roll-ups over a parent unit: how many communes reach each standard, average criteria met.

"8 xã đạt bình quân 17,87/19 tiêu chí": the average is over the communes of the parent at
the date, each counted once, from their latest results for the period.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ntm.core import formatting as fmt


@dataclass(frozen=True)
class UnitScore:
    unit: str
    criteria_met: int
    indicators_met: int
    standard_met: bool


@dataclass
class Rollup:
    set_code: str
    units_total: int  # communes of the parent at the date
    units_with_results: int
    units_at_standard: int
    criteria_total: int
    indicators_total: int
    average_criteria: float | None
    average_indicators: float | None
    distribution: dict[int, int] = field(default_factory=dict)  # criteria met -> number of units

    @property
    def share_at_standard(self) -> float:
        return 100.0 * self.units_at_standard / self.units_total if self.units_total else 0.0

    def sentence(self, noun: str = "xã") -> str:
        """E.g. "8 xã đạt bình quân 17,87/19 tiêu chí; 55,75/57 chỉ tiêu; 6/8 xã đạt chuẩn (75,00%)"."""
        if not self.units_with_results or self.average_criteria is None:
            return f"{self.units_total} {noun}: chưa có kết quả"
        return (
            f"{self.units_with_results} {noun} đạt bình quân "
            f"{fmt.fraction(self.average_criteria, self.criteria_total)} tiêu chí; "
            f"{fmt.fraction(self.average_indicators or 0, self.indicators_total)} chỉ tiêu; "
            f"{self.units_at_standard}/{self.units_total} {noun} đạt chuẩn ({fmt.percent(self.units_at_standard, self.units_total)})"
        )

    def to_dict(self) -> dict:
        return {
            "set": self.set_code,
            "units_total": self.units_total,
            "units_with_results": self.units_with_results,
            "units_at_standard": self.units_at_standard,
            "share_at_standard": round(self.share_at_standard, 2),
            "average_criteria": None if self.average_criteria is None else round(self.average_criteria, 2),
            "average_indicators": None if self.average_indicators is None else round(self.average_indicators, 2),
            "criteria_total": self.criteria_total,
            "indicators_total": self.indicators_total,
            "distribution": {str(k): v for k, v in sorted(self.distribution.items())},
        }


def rollup(
    set_code: str, scores: Iterable[UnitScore], *, units_total: int, criteria_total: int, indicators_total: int
) -> Rollup:
    seen: dict[str, UnitScore] = {}
    for s in scores:
        seen[s.unit] = s  # each unit once (the last, i.e. latest, wins)
    kept = seen.values()
    return rollup_of(
        set_code,
        [s.criteria_met for s in kept],
        [s.indicators_met for s in kept],
        sum(1 for s in kept if s.standard_met),
        units_total=units_total,
        criteria_total=criteria_total,
        indicators_total=indicators_total,
    )


def rollup_of(
    set_code: str,
    criteria: list[int],
    indicators: list[int],
    at_standard: int,
    *,
    units_total: int,
    criteria_total: int,
    indicators_total: int,
) -> Rollup:
    """The roll-up of units given column by column, one entry per unit (each unit once): criteria met,
    indicators met, and how many of them reach the standard."""
    n = len(criteria)
    return Rollup(
        set_code=set_code,
        units_total=max(units_total, n),
        units_with_results=n,
        units_at_standard=at_standard,
        criteria_total=criteria_total,
        indicators_total=indicators_total,
        average_criteria=sum(criteria) / n if n else None,
        average_indicators=sum(indicators) / n if n else None,
        distribution=dict(Counter(criteria)),
    )
