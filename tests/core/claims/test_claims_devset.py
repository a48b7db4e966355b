"""The development set: texts written in the shapes of real reports (``cases/*.yaml``, see its README),
each with the figures a careful reader takes from it and the inconsistencies planted in it.

Every case must give every expected figure with the expected set, no error finding except the planted
ones, and every planted one. ``bench/claims_devset.py`` prints the score over the whole set."""

from __future__ import annotations

from pathlib import Path

import pytest

from ntm.core.claims import extract
from ntm.core.claims.scoring import load_cases, score_case, summary

CASES = load_cases(Path(__file__).parent / "cases")


def test_the_development_set_is_large_and_varied():
    assert len(CASES) >= 40
    assert {c["level"] for c in CASES} == {"commune", "district", "province", "national"}
    periods = {str(c["period"])[:4] for c in CASES}
    assert {"2011", "2014", "2017", "2021", "2023", "2026"} <= periods
    assert sum(len(c.get("findings") or []) for c in CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case, cat):
    report = extract(case["text"], catalog=cat)
    s = score_case(case, report)
    assert s.period_ok is not False, report.period
    assert s.missed == [], [(c.subject, c.set, c.kind, c.achieved, c.total, c.percent) for c in report.claims]
    assert s.wrong_set == [] and s.missing_set == []
    assert s.wrong_subject == []
    assert s.false_alarms == [], [f.message for f in s.false_alarms]
    assert s.planted_missed == [], [f.message for f in report.findings]


def test_score(cat):
    scores = [score_case(c, extract(c["text"], catalog=cat)) for c in CASES]
    r = summary(scores)
    assert r["found_pct"] >= 90 and r["wrong_set"] == 0 and r["false_alarms"] == 0
    assert r["planted_found"] == r["planted"]
