"""Periods of different kinds (months, quarters, years) can be sorted together."""

from __future__ import annotations

from ntm.core.periods import Period, period_order, sort_periods


def test_months_quarters_and_years_sort_together_by_their_last_day():
    keys = ["2024-Q1", "2024-04", "2024", "2024-01", "2023-Q4", "2024-12", "2024-03", "2024-Q4", "2024-02"]
    got = [p.key for p in sorted(Period.parse(k) for k in keys)]
    assert got == ["2023-Q4", "2024-01", "2024-02", "2024-Q1", "2024-03", "2024-04", "2024", "2024-Q4", "2024-12"]


def test_periods_of_one_kind_keep_their_calendar_order():
    assert Period.parse("2023-12") < Period.parse("2024-01") < Period.parse("2024-11")
    assert Period.parse("2023-Q4") < Period.parse("2024-Q1") and Period.parse("2023") < Period.parse("2024")
    assert max(Period.parse(k) for k in ("2024-Q1", "2024-03")).key == "2024-03"  # the most specific
    assert Period.parse("2024-03") == Period.parse("2024-3") and Period.parse("2024-3") <= Period.parse("2024-03")


def test_period_texts_sort_by_the_same_order():
    keys = ["2024-Q1", "2024-04", "2024", "2024-3", "2023-Q4", "2024-12", "2024-Q4", "2024-Q4"]
    assert sort_periods(keys) == ["2023-Q4", "2024-Q1", "2024-3", "2024-04", "2024", "2024-Q4", "2024-12"]
    assert sort_periods(keys, reverse=True)[0] == "2024-12"
    assert period_order("2024-03") == period_order("2024-3")  # two spellings of one month sort as one
    assert max(["2024-Q1", "2024-03"], key=period_order) == "2024-03"  # the latest is the most specific
