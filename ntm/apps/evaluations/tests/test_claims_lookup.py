"""The report checker compares published figures with stored results (``ntm claims check --db``)."""

from __future__ import annotations

import io
import json

import pytest

from ntm.apps.evaluations.models import Result
from ntm.apps.evaluations.services import stored_figures
from ntm.apps.units.models import Unit
from ntm.core.claims.cli import run
from ntm.core.periods import Period

pytestmark = pytest.mark.django_db

TEXT = (
    "BẢN TIN NÔNG THÔN MỚI huyện Lý Nhân, tỉnh Hà Nam, tháng 7/2023.\n"
    "+ Xã Nguyên Lý: đạt 18/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới.\n"
)


def _result(unit, period, criteria, indicators):
    return Result.objects.create(
        unit=unit,
        set_code="xa-ntm-2021",
        period=period,
        year=int(period[:4]),
        criteria_met=criteria,
        criteria_total=19,
        indicators_met=indicators,
        indicators_total=57,
        standard_met=criteria == 19,
        catalog_version="t",
    )


def test_lookup_prefers_the_same_period_then_the_latest_inside_it():
    u = Unit.objects.get(uid="xa:13570@2024")
    _result(u, "2023-06", 16, 53)
    _result(u, "2023-07", 17, 54)
    assert stored_figures(u.uid, "xa-ntm-2021", Period.parse("2023-07")) == (17, 54)
    assert stored_figures(u.uid, "xa-ntm-2021", Period.parse("2023")) == (17, 54)  # last month of the year stored
    assert stored_figures(u.uid, "xa-ntm-2021", Period.parse("2023-Q2")) == (16, 53)
    assert stored_figures(u.uid, "xa-ntm-2021", Period.parse("2022")) is None
    assert stored_figures(u.uid, "xa-nang-cao-2021", Period.parse("2023-07")) is None


def test_check_against_the_database_flags_a_published_figure_that_differs(tmp_path):
    from ntm.core.claims.resolver import units_resolver

    _result(Unit.objects.get(uid="xa:13570@2024"), "2023-07", 17, 54)
    f = tmp_path / "ban-tin.txt"
    f.write_text(TEXT, encoding="utf-8")
    out = io.StringIO()
    assert run([str(f)], "json", out, resolver=units_resolver(None), lookup=stored_figures) == 0  # warnings only
    assert '"stored-mismatch"' in out.getvalue()
    finding = next(f for f in json.loads(out.getvalue())["findings"] if f["code"] == "stored-mismatch")
    assert (finding["reported"], finding["expected"]) == ("18", "17")
    out = io.StringIO()
    run([str(f)], "json", out, resolver=units_resolver(None))  # without --db nothing is compared
    assert "stored-mismatch" not in out.getvalue()
