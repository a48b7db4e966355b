"""Known vulnerabilities in the locked dependencies (pip-audit over a lock file), for .ci/run.

Exit 1 when the advisory data names a vulnerability in a locked package; exit 0 when none is known —
and also when the advisory data could not be reached (no network, or an index that does not serve
PyPI's per-release JSON with its ``vulnerabilities``), saying so plainly: "not checked" is never
reported as "no known vulnerability".

    python scripts/audit_deps.py [requirements-test.lock]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def judge(report: dict | None, error: str = "") -> tuple[int, list[str]]:
    """(exit code, lines to print) for a pip-audit JSON report (None when pip-audit did not produce one)."""
    if report is None:
        return 0, [
            f"KHÔNG KIỂM TRA ĐƯỢC / NOT CHECKED: advisory data could not be reached ({error.strip() or 'no report'})."
        ]
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    lines = []
    for d in vulnerable:
        for v in d["vulns"]:
            fix = ", ".join(v.get("fix_versions") or []) or "no fixed release yet"
            lines.append(f"VULNERABLE {d['name']} {d['version']}: {v['id']} (fixed in: {fix})")
    if vulnerable:
        lines.append(
            f"{len(vulnerable)} locked package(s) with a known vulnerability: upgrade the pin in "
            "pyproject.toml (or the dependency that pulls it in), run scripts/lock.sh."
        )
        return 1, lines
    if deps and audited == 0:
        return 0, [
            f"KHÔNG KIỂM TRA ĐƯỢC / NOT CHECKED: advisory data could not be reached for any of the "
            f"{len(deps)} locked packages ({skipped[0]['skip_reason']})."
        ]
    lines.append(f"No known vulnerability in {audited} locked packages.")
    if skipped:
        lines.append(
            "Not checked (no advisory data): "
            + ", ".join(f"{d['name']} {d.get('version', '')}".strip() for d in skipped)
        )
    return 0, lines


def main(argv: list[str]) -> int:
    lock = Path(argv[1] if len(argv) > 1 else "requirements-test.lock")
    audit = Path(sys.executable).with_name("pip-audit")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        try:
            proc = subprocess.run(
                [
                    str(audit),
                    "-r",
                    str(lock),
                    "--require-hashes",
                    "--disable-pip",
                    "--progress-spinner",
                    "off",
                    "--format",
                    "json",
                    "-o",
                    str(out),
                ],
                capture_output=True,
                text=True,
                timeout=600,
            )
            error = proc.stderr
        except (OSError, subprocess.TimeoutExpired) as exc:
            error = str(exc)
        try:
            report = json.loads(out.read_text())
        except (OSError, ValueError):
            report = None
    code, lines = judge(report, error)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
