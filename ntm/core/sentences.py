"""The sentences bulletins, summaries and pages write about results, built in one place so that every
page, document and API says it the same way:

- a scorecard: "17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới";
- a unit's line: "Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới; 17/19 tiêu chí với
  70/75 chỉ tiêu nông thôn mới nâng cao";
- a roll-up: "20 xã đạt bình quân 17,87/19 tiêu chí; 55,75/57 chỉ tiêu; 14/20 xã đạt chuẩn (70,00%)".

Numbers follow :mod:`ntm.core.formatting` (comma decimals, dot thousands). Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import formatting as fmt

__all__ = ["NO_RESULT", "scorecard_phrase", "unit_line", "rollup_sentence"]

NO_RESULT = "chưa có kết quả đánh giá"


def scorecard_phrase(
    criteria_met: int, criteria_total: int, indicators_met: int, indicators_total: int, set_name: str = ""
) -> str:
    """ "17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới" (without ``set_name``: "… 54/57 chỉ tiêu")."""
    return (
        f"{criteria_met}/{criteria_total} tiêu chí với {indicators_met}/{indicators_total} chỉ tiêu {set_name}".strip()
    )


def unit_line(name: str, phrases: Iterable[str]) -> str:
    """ "Xã Nguyên Lý: đạt <phrase>; <phrase>", or "Xã Nguyên Lý: chưa có kết quả đánh giá" without any."""
    parts = list(phrases)
    if not parts:
        return f"{name}: {NO_RESULT}"
    return f"{name}: đạt " + "; ".join(parts)


def rollup_sentence(
    *,
    units_total: int,
    units_with_results: int,
    units_at_standard: int,
    average_criteria: float | None,
    criteria_total: int,
    average_indicators: float | None,
    indicators_total: int,
    noun: str = "xã",
) -> str:
    """ "20 xã đạt bình quân 17,87/19 tiêu chí; 55,75/57 chỉ tiêu; 14/20 xã đạt chuẩn (70,00%)" — with
    thousands separated for a national figure ("6.084/7.692 xã"); "20 xã: chưa có kết quả" without any."""
    n = fmt.number
    if not units_with_results or average_criteria is None:
        return f"{n(units_total)} {noun}: chưa có kết quả"
    return (
        f"{n(units_with_results)} {noun} đạt bình quân {fmt.fraction(average_criteria, criteria_total)} tiêu chí; "
        f"{fmt.fraction(average_indicators or 0, indicators_total)} chỉ tiêu; "
        f"{n(units_at_standard)}/{n(units_total)} {noun} đạt chuẩn ({fmt.percent(units_at_standard, units_total)})"
    )
