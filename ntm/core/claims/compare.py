"""The figures of a report against the results stored in the system.

Two lookups, both given by the caller (the core knows no database):

- ``lookup(unit_code, set_code, period) -> (criteria_met, indicators_met) | None`` for one unit's
  own figures ("Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu");
- ``rollup(unit_code, set_code, period) -> (units_total, units_with_results, units_at_standard,
  average_criteria, average_indicators) | None`` for counts and averages over the communes of a
  unit ("18/20 xã đạt chuẩn", "20 xã đạt bình quân 18,3/19 tiêu chí"); ``unit_code`` is
  :data:`NATIONAL` for "cả nước". The lookup object may carry it as ``lookup.rollup``.

Only current figures of the report's own period are compared (not targets, not "năm 2017 …").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ntm.core import formatting as fmt

from .checks import TITLES, _Ctx, _frac, _kwc, _n
from .model import Claim, Finding, Period, Report

NATIONAL = "national"
EPS = 1e-9
Lookup = Callable[[str, str, Any], "tuple[float | None, float | None] | None"]
Rollup = Callable[[str, str, Any], "tuple | None"]


def compare_with(
    claims: Report | Iterable[Claim],
    lookup: Lookup | None,
    *,
    period: Period | None = None,
    severity: str = "warning",
    text: str | None = None,
    rollup: Rollup | None = None,
) -> list[Finding]:
    """Findings where a published figure differs from the stored result (``period`` defaults to the
    report's period)."""
    if isinstance(claims, Report):
        period = period or claims.period
        text = claims.text if text is None else text
        items = claims.claims
    else:
        items = list(claims)
    rollup = rollup or getattr(lookup, "rollup", None)
    ctx = _Ctx(text, None, claims.layout if isinstance(claims, Report) else None) if text is not None else None
    out: list[Finding] = []
    when = f", {period.label}" if period is not None else ""

    def add(c: Claim, message: str, reported: str, expected: str, suggestion: str) -> None:
        span = c.figure_span if text is not None else c.span
        out.append(
            Finding(
                severity=severity,
                code="stored-mismatch",  # type: ignore[arg-type]
                message=message,
                reported=reported,
                expected=expected,
                text=(text[span[0] : span[1]] if text is not None else c.text),
                span=span,
                subject=c.subject,
                set=c.set,
                claim_span=c.span,
                title=TITLES["stored-mismatch"],
                suggestion=suggestion,
                sentence=ctx.sentence(span) if ctx is not None else c.text,
            )
        )

    for c in items:
        if not c.set or c.modality != "current" or c.when is not None:
            continue
        if c.kind in ("criteria", "indicators") and not c.average and c.aggregate_of is None:
            if lookup is None or not c.unit_code or c.achieved is None:
                continue
            stored = _call(lookup, c.unit_code, c.set, period)
            if not stored:
                continue
            value = stored[0] if c.kind == "criteria" else stored[1]
            if value is None or abs(float(value) - c.achieved) <= EPS:
                continue
            add(
                c,
                f"Văn bản ghi {c.subject} đạt {_frac(c)} {_kwc(c)}, kết quả đánh giá lưu trong hệ thống là "
                f"{_n(value)} {_kwc(c)} ({c.set}{when}).",
                _n(c.achieved),
                _n(value),
                f"Đối chiếu lại với kết quả đánh giá: {_n(value)} {_kwc(c)}.",
            )
        elif rollup is not None:
            _compare_rollup(c, rollup, period, when, add)
    return out


def _call(fn, unit: str, set_code: str, period: Any):
    try:
        return fn(unit, set_code, period)
    except Exception:
        return None


def _compare_rollup(c: Claim, rollup: Rollup, period: Period | None, when: str, add) -> None:
    if c.kind == "units":
        unit = NATIONAL if c.level == "national" else c.unit_code
        if not unit or c.unit_type != "xã" or c.count == "class":
            return
        r = _call(rollup, unit, c.set, period)
        if not r:
            return
        total, _with, at_standard, _ac, _ai = r
        where = c.subject or "đơn vị"
        if c.achieved is not None and abs(at_standard - c.achieved) > EPS:
            add(
                c,
                f"Văn bản ghi {where} có {_n(c.achieved)} xã đạt chuẩn ({c.set}); theo kết quả đánh giá lưu "
                f"trong hệ thống là {_n(at_standard)}/{_n(total)} xã{when}.",
                _n(c.achieved),
                _n(at_standard),
                f"Đối chiếu lại số xã đạt chuẩn: {_n(at_standard)} xã.",
            )
        elif c.total is not None and abs(total - c.total) > EPS:
            add(
                c,
                f"Văn bản ghi {where} có tổng số {_n(c.total)} xã; hệ thống có {_n(total)} xã{when}.",
                _n(c.total),
                _n(total),
                f"Đối chiếu lại tổng số xã: {_n(total)}.",
            )
        elif c.achieved is None and c.percent is not None and total:
            exact = at_standard * 100.0 / total
            places = c.percent_places or 0
            if abs(exact - c.percent) > 0.5 * 10**-places + 1e-9 and not c.percent_approx:
                right = fmt.percent(exact, places=max(places, 1))
                add(
                    c,
                    f"Văn bản ghi {fmt.number(c.percent, places)}% số xã của {where} đạt chuẩn ({c.set}); theo kết "
                    f"quả đánh giá là {_n(at_standard)}/{_n(total)} xã = {right}{when}.",
                    f"{fmt.number(c.percent, places)}%",
                    right,
                    f"Đối chiếu lại tỷ lệ: {right}.",
                )
        return
    if not c.average or c.achieved is None:
        return
    unit = NATIONAL if (c.level == "national" and c.aggregate_of is None) else c.container_code
    if not unit:
        return
    r = _call(rollup, unit, c.set, period)
    if not r:
        return
    total, with_results, _at, avg_c, avg_i = r
    if c.aggregate_of is not None and c.aggregate_of not in (with_results, total):
        return  # an average over a group of communes, not over all of them
    stored = avg_c if c.kind == "criteria" else avg_i
    if stored is None:
        return
    places = c.achieved_places
    if abs(round(stored, places) - c.achieved) > 0.5 * 10**-places + 1e-9:
        right = fmt.number(stored, max(places, 2), trim=True)
        add(
            c,
            f"Văn bản ghi bình quân {_n(c.achieved)} {_kwc(c)} ({c.set}); theo kết quả đánh giá lưu trong hệ "
            f"thống, bình quân của {with_results} xã là {right}{when}.",
            _n(c.achieved),
            right,
            f"Đối chiếu lại số bình quân: {right}.",
        )
