"""Scoring the checker against texts whose figures were read by hand.

A *case* is a text with what a careful reader takes from it::

    {"id": "…", "text": "…", "period": "2022-06",
     "claims": [{"subject": "cả nước", "set": "xa-ntm-2021", "kind": "units", "achieved": 5775,
                 "total": 8227, "percent": 70.2}, …],
     "findings": [{"code": "percent-mismatch", "reported": "81,3%"}]}   # the planted inconsistencies

and the score counts, over a set of cases:

- **figures found**: expected claims matched by an extracted claim of the same kind, achieved,
  total (and percent and subject when the case gives them);
- **wrong set attributions**: matched claims given another set than the case's (a set where the
  case has none counts as wrong; no set where the case has one is counted apart as *missing*);
- **false alarms**: error findings that are not a planted inconsistency;
- **planted inconsistencies found**: planted findings matched by an error finding of that code.

Used by ``tests/core/claims/test_claims_devset.py`` and ``bench/claims_devset.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import Claim, Finding, Report
from .text import fold

EPS = 1e-6


@dataclass
class CaseScore:
    id: str
    expected: int = 0
    found: int = 0
    missed: list[dict] = field(default_factory=list)
    wrong_set: list[tuple[dict, str | None]] = field(default_factory=list)
    missing_set: list[dict] = field(default_factory=list)
    wrong_subject: list[tuple[dict, str | None]] = field(default_factory=list)
    planted: int = 0
    planted_found: int = 0
    planted_missed: list[dict] = field(default_factory=list)
    false_alarms: list[Finding] = field(default_factory=list)
    warnings: int = 0
    period_ok: bool | None = None


def load_cases(paths: list[Path] | Path) -> list[dict]:
    import yaml

    if isinstance(paths, Path):
        paths = sorted(paths.glob("*.yaml")) if paths.is_dir() else [paths]
    out: list[dict] = []
    for p in paths:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or []
        for case in data:
            case.setdefault("source", p.name)
            out.append(case)
    return out


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= EPS


def _matches(e: dict, c: Claim) -> bool:
    if c.kind != e["kind"] or not _same(e.get("achieved"), c.achieved) or not _same(e.get("total"), c.total):
        return False
    if "percent" in e and not _same(e["percent"], c.percent):
        return False
    if e.get("subject") and fold(e["subject"]) != fold(c.subject or ""):
        return None  # type: ignore[return-value]  # the figure, read for another unit
    return True


def score_case(case: dict, report: Report) -> CaseScore:
    s = CaseScore(case.get("id", "?"))
    if case.get("period") is not None:
        s.period_ok = bool(report.period) and report.period.key == str(case["period"])
    used: set[int] = set()
    for e in case.get("claims") or []:
        s.expected += 1
        hit = None
        other_subject = None
        for i, c in enumerate(report.claims):
            if i in used:
                continue
            m = _matches(e, c)
            if m:
                hit = i
                break
            if m is None and other_subject is None:
                other_subject = i
        if hit is None and other_subject is not None:
            hit = other_subject
            s.wrong_subject.append((e, report.claims[hit].subject))
        if hit is None:
            s.missed.append(e)
            continue
        used.add(hit)
        s.found += 1
        got = report.claims[hit].set
        want = e.get("set")
        if got != want:
            if got is None:
                s.missing_set.append(e)
            else:
                s.wrong_set.append((e, got))
    planted = list(case.get("findings") or [])
    s.planted = len(planted)
    errors = [f for f in report.findings if f.severity == "error"]
    s.warnings = sum(1 for f in report.findings if f.severity == "warning")
    matched: set[int] = set()
    for p in planted:
        codes = p["code"] if isinstance(p["code"], list) else [p["code"]]
        for j, f in enumerate(errors):
            if j in matched or f.code not in codes:
                continue
            if p.get("reported") is not None and str(p["reported"]) != str(f.reported):
                continue
            if p.get("expected") is not None and str(p["expected"]) != str(f.expected):
                continue
            matched.add(j)
            s.planted_found += 1
            break
        else:
            s.planted_missed.append(p)
    s.false_alarms = [f for j, f in enumerate(errors) if j not in matched]
    return s


def summary(scores: list[CaseScore]) -> dict[str, Any]:
    expected = sum(s.expected for s in scores)
    found = sum(s.found for s in scores)
    planted = sum(s.planted for s in scores)
    return {
        "cases": len(scores),
        "figures": expected,
        "found": found,
        "found_pct": round(100.0 * found / expected, 1) if expected else None,
        "wrong_set": sum(len(s.wrong_set) for s in scores),
        "missing_set": sum(len(s.missing_set) for s in scores),
        "wrong_subject": sum(len(s.wrong_subject) for s in scores),
        "false_alarms": sum(len(s.false_alarms) for s in scores),
        "warnings": sum(s.warnings for s in scores),
        "planted": planted,
        "planted_found": sum(s.planted_found for s in scores),
        "periods_wrong": sum(1 for s in scores if s.period_ok is False),
    }
