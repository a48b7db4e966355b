"""``ntm report bulletin|dossier`` as the official types it (through ntm.cli.main)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ntm.cli import main

pytestmark = pytest.mark.django_db(transaction=False)


def test_ntm_report_bulletin_and_dossier(demo, tmp_path, capsys):
    out = tmp_path / "ban-tin.txt"
    assert (
        main(
            ["report", "bulletin", "--unit", "huyen:353@2024", "--period", "2023-07", "--format", "txt", "-o", str(out)]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "+ Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới" in text
    assert "Đã ghi" in capsys.readouterr().out
    pdf = tmp_path / "ho-so.pdf"
    assert (
        main(
            [
                "report",
                "dossier",
                "--unit",
                "xa:13570@2024",
                "--set",
                "xa-ntm-2021",
                "--period",
                "2023-07",
                "--format",
                "pdf",
                "-o",
                str(pdf),
            ]
        )
        == 0
    )
    assert pdf.read_bytes()[:4] == b"%PDF"


def test_report_on_a_database_never_set_up_says_what_to_do(tmp_path):
    env = dict(os.environ, NTM_HOME=str(tmp_path / "home"))
    env.pop("DATABASE_URL", None)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "ntm.cli",
            "report",
            "bulletin",
            "--unit",
            "huyen:353@2024",
            "--period",
            "2023-07",
            "-o",
            str(tmp_path / "x.docx"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 1
    assert "ntm setup" in r.stderr + r.stdout
    assert not (tmp_path / "x.docx").exists()


def test_bulletin_lists_the_recognitions_of_the_year_and_flags_a_recognised_commune_that_slipped(demo):
    import datetime as dt

    from ntm.apps.plans.models import Recognition
    from ntm.apps.reports.services import bulletin
    from ntm.apps.units.models import Unit
    from ntm.core.reports.model import to_text

    lines = {}
    doc, data = bulletin(Unit.objects.get(uid="huyen:353@2024"), "2023-07")
    text = to_text(doc)
    assert data.recognitions, "the demo records sample recognition decisions"
    for rec in data.recognitions:
        lines[rec.unit_name] = next(
            line for line in text.splitlines() if line.startswith(f"+ {rec.unit_name}:") and "công nhận" in line
        )
        assert rec.decision_date <= dt.date(2023, 7, 31)
        stored = Recognition.objects.get(unit__name=rec.unit_name, unit__uid__startswith="xa:", decision=rec.decision)
        assert (
            rec.decision_date.strftime("%d/%m/%Y") in lines[rec.unit_name] and stored.decision in lines[rec.unit_name]
        )
        slipped = rec.score is not None and not rec.score.standard_met
        assert ("cần rà soát để giữ vững chuẩn" in lines[rec.unit_name]) == slipped
    # a decision dated after the period is not in that period's bulletin
    _, june = bulletin(Unit.objects.get(uid="huyen:353@2024"), "2023-03")
    assert not june.recognitions
