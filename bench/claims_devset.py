"""Score of the report checker on its development set: texts written in the shapes of real reports
(``tests/core/claims/cases/*.yaml``) and the seed reports with their expected figures
(the published samples beside the checkout, ``../shared/samples/reports``).

    .venv/bin/python bench/claims_devset.py        # the score
    .venv/bin/python bench/claims_devset.py -v     # and every miss, wrong set and false alarm

Prints figures found (%), wrong set attributions, false alarms (error findings that are not a planted
inconsistency) and planted inconsistencies found; the last line is a JSON summary. Exit code 0 when
the goals hold (≥ 90 % found, no wrong set, no false alarm, every planted inconsistency found).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ntm.core.claims import extract  # noqa: E402
from ntm.core.claims.scoring import load_cases, score_case, summary  # noqa: E402

CASES = ROOT / "tests" / "core" / "claims" / "cases"
SAMPLES = Path(os.environ.get("NTM_SAMPLES") or ROOT.parent / "shared" / "samples" / "reports")  # not in the repository


def sample_cases() -> list[dict]:
    out = []
    for exp in sorted(SAMPLES.glob("*.expected.json")):
        data = json.loads(exp.read_text(encoding="utf-8"))
        findings = [
            {
                "code": ["unmet-count-mismatch", "unmet-list-count"],
                "reported": str(f["reported"]),
                "expected": str(f["expected"]),
            }
            for f in data.get("findings") or []
        ]
        out.append(
            {
                "id": exp.name.removesuffix(".expected.json"),
                "source": "samples",
                "text": (SAMPLES / exp.name.replace(".expected.json", ".txt")).read_text(encoding="utf-8"),
                "claims": data.get("claims") or [],
                "findings": findings,
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    cases = load_cases(CASES) + sample_cases()
    scores = []
    for case in cases:
        report = extract(case["text"], source=case["id"])
        s = score_case(case, report)
        scores.append(s)
        if a.verbose and (
            s.missed
            or s.wrong_set
            or s.false_alarms
            or s.planted_missed
            or s.period_ok is False
            or s.missing_set
            or s.wrong_subject
        ):
            print(f"— {s.id} ({case.get('source')})")
            if s.period_ok is False:
                print(f"    kỳ báo cáo: đọc được {report.period.key if report.period else None}, cần {case['period']}")
            for e in s.missed:
                print(f"    bỏ sót: {e}")
            for e, got in s.wrong_set:
                print(f"    sai bộ tiêu chí: {e} → {got}")
            for e in s.missing_set:
                print(f"    thiếu bộ tiêu chí: {e}")
            for e, got in s.wrong_subject:
                print(f"    sai đơn vị: {e} → {got}")
            for f in s.false_alarms:
                print(f"    báo lỗi nhầm: {f.code} {f.message}")
            for p in s.planted_missed:
                print(f"    không thấy lỗi cài vào: {p}")
        if a.verbose and s.warnings:
            for f in report.warnings:
                print(f"— {s.id}: cảnh báo {f.code}: {f.message}")
    r = summary(scores)
    print(
        f"{r['cases']} văn bản, {r['figures']} số liệu: tìm thấy {r['found']} ({r['found_pct']}%); "
        f"sai bộ tiêu chí: {r['wrong_set']} (thiếu bộ: {r['missing_set']}); sai đơn vị: {r['wrong_subject']}; "
        f"báo lỗi nhầm: {r['false_alarms']} (cảnh báo: {r['warnings']}); "
        f"lỗi cài vào: tìm thấy {r['planted_found']}/{r['planted']}; sai kỳ báo cáo: {r['periods_wrong']}"
    )
    print(json.dumps({"bench": "claims-devset", **r}, ensure_ascii=False))
    ok = (
        (r["found_pct"] or 0) >= 90
        and r["wrong_set"] == 0
        and r["false_alarms"] == 0
        and r["planted_found"] == r["planted"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
