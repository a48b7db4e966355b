"""The system's own bulletins pass its report checker: for every demo period and every unit level, issued
on a date long after the period (07/12/2026), the checker reads the period of the bulletin (not its date
of issue), measures every figure against the set of that period, finds nothing inconsistent, and every
figure it compares with the stored results (each commune, each count and average) matches them."""

from __future__ import annotations

import datetime as dt

import pytest

from ntm.apps.claims.services import StoredLookup
from ntm.apps.reports.services import bulletin
from ntm.apps.units.services import resolve_unit
from ntm.core.claims import compare_with, extract
from ntm.core.claims.resolver import units_resolver
from ntm.core.periods import Period
from ntm.core.reports.model import to_text
from ntm.demo import PERIODS

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ISSUED = dt.date(2026, 12, 7)  # frozen: a bulletin for 7/2023 printed in December 2026
UNITS = ["xa:13570@2024", "huyen:353@2024", "huyen:198@2024", "tinh:35@2024", "tinh:22@2024", "vn"]


@pytest.fixture(scope="module")
def resolver():
    return units_resolver(None)


class Counting(StoredLookup):
    """Counts the roll-ups actually compared (counts of communes at the standard, averages)."""

    compared = 0

    def rollup(self, *a):
        r = super().rollup(*a)
        self.compared += r is not None
        return r


@pytest.mark.parametrize("uid", UNITS)
def test_own_bulletins_give_no_finding_for_any_period(demo, uid, resolver):
    unit = resolve_unit(uid)
    lookup = Counting()
    for period in PERIODS:
        doc, data = bulletin(unit, period, issued=ISSUED)
        for tables in (False, True):  # the text of the DOCX/PDF, and the .txt export with its tables
            text = to_text(doc, tables=tables)
            assert "ngày 07 tháng 12 năm 2026" in text
            report = extract(text, resolver=resolver)
            where = f"{uid} {period} tables={tables}"
            assert report.period is not None and report.period.key == Period.parse(period).key, where
            assert report.findings == [], (where, [(f.title, f.message) for f in report.findings])
            assert {c.set for c in report.claims if c.kind != "units"} <= {s.code for s in data.sets}, where
            assert compare_with(report, lookup) == [], where
            resolved = [c for c in report.claims if c.unit_code and c.kind != "units" and not c.average]
            assert len(resolved) >= sum(len(r.scores) for r in data.rows if len(data.rows) <= 60) * 2, where
    if unit.level != "commune":  # the counts and averages over communes were compared too
        assert lookup.compared >= len(PERIODS) * 2
