"""The results export: the stored results of a selection (those of the data view read: approved,
or including unapproved data), as the rows and columns every export format writes
(:mod:`ntm.apps.observations.exports` holds the streams; :mod:`ntm.apps.observations.exchange`
offers it as the "results" kind, registered by ``EvaluationsConfig.ready``)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from ntm.apps.observations.exports import chunks, iso, unit_names, within
from ntm.apps.units.models import Unit

from .dataview import current, results
from .models import Result

RESULT_COLUMNS = [
    ("unit", "Mã đơn vị"),
    ("unit_name", "Đơn vị"),
    ("set", "Bộ tiêu chí"),
    ("period", "Kỳ"),
    ("criteria_met", "Số tiêu chí đạt"),
    ("criteria_total", "Tổng số tiêu chí"),
    ("indicators_met", "Số chỉ tiêu đạt"),
    ("indicators_total", "Tổng số chỉ tiêu"),
    ("standard_met", "Đạt chuẩn"),
    ("unmet_criteria", "Tiêu chí chưa đạt"),
    ("unmet_indicators", "Chỉ tiêu chưa đạt"),
    ("conflicts", "Mâu thuẫn"),
    ("catalog_version", "Phiên bản bộ tiêu chí"),
    ("computed_at", "Thời điểm tính"),
]


def select_results(
    user=None,
    *,
    unit: Unit | None = None,
    set_code: str | None = None,
    period: str | None = None,
    standard: bool | None = None,
) -> QuerySet[Result]:
    qs = within(results().objects.all(), user, unit, set_code, period)
    if standard is not None:
        qs = qs.filter(standard_met=standard)
    return qs.order_by("unit_id", "set_code", "period")


def result_rows(qs: QuerySet[Result]) -> Iterator[list]:
    cache: dict[int, tuple[str, str]] = {}
    fields = (
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
        "conflicts",
        "catalog_version",
        "computed_at",
    )
    for chunk in chunks(qs, fields):
        unit_names((r["unit_id"] for r in chunk), cache)
        for r in chunk:
            uid, name = cache[r["unit_id"]]
            yield [
                uid,
                name,
                r["set_code"],
                r["period"],
                r["criteria_met"],
                r["criteria_total"],
                r["indicators_met"],
                r["indicators_total"],
                "có" if r["standard_met"] else "không",
                "; ".join(str(x) for x in r["unmet_criteria"] or []),
                "; ".join(r["unmet_indicators"] or []),
                "; ".join(r["conflicts"] or []),
                r["catalog_version"],
                iso(r["computed_at"]),
            ]


def suffix() -> str:
    """Added to the file name: the figures of the view read are named so when they include
    unapproved data."""
    return "" if current().approved_only else "-gom-chua-duyet"
