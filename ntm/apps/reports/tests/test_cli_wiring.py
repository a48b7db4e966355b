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
    assert main(["report", "bulletin", "--unit", "huyen:353@2024", "--period", "2023-07",
                 "--format", "txt", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "+ Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới" in text
    assert "Đã ghi" in capsys.readouterr().out
    pdf = tmp_path / "ho-so.pdf"
    assert main(["report", "dossier", "--unit", "xa:13570@2024", "--set", "xa-ntm-2021",
                 "--period", "2023-07", "--format", "pdf", "-o", str(pdf)]) == 0
    assert pdf.read_bytes()[:4] == b"%PDF"


def test_report_on_a_database_never_set_up_says_what_to_do(tmp_path):
    env = dict(os.environ, NTM_HOME=str(tmp_path / "home"))
    env.pop("DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-m", "ntm.cli", "report", "bulletin", "--unit", "huyen:353@2024",
                        "--period", "2023-07", "-o", str(tmp_path / "x.docx")],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1
    assert "ntm setup" in r.stderr + r.stdout
    assert not (tmp_path / "x.docx").exists()
