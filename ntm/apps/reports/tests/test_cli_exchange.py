"""``ntm export`` and ``ntm import`` as a script uses them, and ``--format json`` on the reporting commands."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from ntm.apps.accounts.testing import reopen
from ntm.apps.observations.models import Observation
from ntm.cli import main

pytestmark = pytest.mark.django_db


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def nguyen_ly(small_demo):
    """Xã Nguyên Lý's demo figures of July 2023 (both sets)."""
    return small_demo("xa:13570@2024", periods=("2023-07",))[0]


@pytest.mark.parametrize(
    "kind,fmt",
    [
        ("observations", "csv"),
        ("observations", "json"),
        ("results", "xlsx"),
        ("results", "json"),
        ("dhis2", "json"),
        ("dhis2", "csv"),
        ("dhis2-metadata", "json"),
    ],
)
def test_export_writes_the_file_the_web_page_gives(nguyen_ly, tmp_path, capsys, client, django_user_model, kind, fmt):
    out = tmp_path / f"x.{fmt}"
    assert (
        main(
            [
                "export",
                kind,
                "--unit",
                "xa:13570@2024",
                "--set",
                "xa-ntm-2021",
                "--period",
                "2023-07",
                "--format",
                fmt,
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert "Đã xuất" in capsys.readouterr().out
    admin = django_user_model.objects.create_superuser("quantri", password="x")
    client.force_login(admin)
    r = client.get(
        reverse("reports-export"),
        {"unit": "xa:13570@2024", "set": "xa-ntm-2021", "period": "2023-07", "what": kind, "format": fmt},
    )
    web = b"".join(r.streaming_content) if r.streaming else b"".join(r)
    if fmt == "xlsx":  # same cells (the zip's bytes differ by their timestamps)
        cells = lambda data: [list(row) for row in openpyxl.load_workbook(data).active.iter_rows(values_only=True)]  # noqa: E731
        web_path = tmp_path / "web.xlsx"
        web_path.write_bytes(web)
        assert cells(out) == cells(web_path) and len(cells(out)) == 2
    else:
        assert out.read_bytes() == web
    if kind == "observations" and fmt == "json":
        rows = json.loads(out.read_text())
        assert len(rows) == 57 and rows[0]["unit"] == "xa:13570@2024" and rows[0]["created_at"].endswith("+07:00")


def test_export_refuses_what_it_cannot_make(tmp_path, capsys):
    assert (
        main(["export", "dhis2-metadata", "--unit", "xa:13570@2024", "--format", "csv", "-o", str(tmp_path / "m.csv")])
        == 2
    )
    assert "json" in capsys.readouterr().err
    assert main(["export", "results", "--unit", "xa:99999@2024", "--format", "csv", "-o", str(tmp_path / "r.csv")]) == 2


def test_import_previews_then_writes_all_or_nothing_with_exit_codes(nguyen_ly, tmp_path, capsys):
    # a DHIS2 file made by the export, one value changed
    out = tmp_path / "dv.csv"
    main(
        [
            "export",
            "dhis2",
            "--unit",
            "xa:13570@2024",
            "--set",
            "xa-ntm-2021",
            "--period",
            "2023-07",
            "--format",
            "csv",
            "-o",
            str(out),
        ]
    )
    rows = list(csv.reader(out.open(encoding="utf-8")))
    line = next(k for k, r in enumerate(rows) if r[0] == "xa-ntm-2021:3.1")
    rows[line][5] = "99.5"
    with out.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    capsys.readouterr()
    before = Observation.objects.count()
    # the demo approved the sheet: the file is refused (exit 1), naming its line and the field "period"
    assert main(["import", str(out), "--format", "json"]) == 1
    report = _json(capsys)
    assert report["status"] == "refused" and Observation.objects.count() == before
    assert (report["issues"][0]["row"], report["issues"][0]["column"]) == (line + 1, "period")
    assert "đã được phê duyệt và đang bị khóa" in report["issues"][0]["message"]
    reopen(nguyen_ly)  # as after a reviewer's «Mở lại»: open for the file
    assert main(["import", str(out), "--dry-run", "--format", "json"]) == 0
    report = _json(capsys)
    assert report["status"] == "checked" and report["plan"]["changed"] == 1 and Observation.objects.count() == before
    assert report["plan"]["changes"][0]["row"] == line + 1  # the line of the DHIS2 file

    assert main(["import", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1 thay đổi" in text and "Đã ghi 1 giá trị" in text
    o = Observation.objects.current().get(
        unit__uid="xa:13570@2024", set_code="xa-ntm-2021", period="2023-07", indicator="3.1"
    )
    assert o.value_num == 99.5 and o.source == "import" and o.created_by_name.startswith("ntm import (")

    # a row-level error: exit 1, the line and field named, nothing written
    rows[line][5] = "nhiều"
    with out.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    before = Observation.objects.count()
    assert main(["import", str(out), "--format", "json"]) == 1
    report = _json(capsys)
    assert report["status"] == "refused" and report["issues"][0]["row"] == line + 1
    assert report["issues"][0]["column"] == "value" and Observation.objects.count() == before

    # unusable input: exit 2
    bad = tmp_path / "khong-phai-bang.json"
    bad.write_text("{ not json", encoding="utf-8")
    assert main(["import", str(bad), "--format", "json"]) == 2
    assert _json(capsys)["status"] == "unusable"
    assert main(["import", str(tmp_path / "khong-co.xlsx")]) == 2


def test_import_of_the_entry_template_with_a_named_account(nguyen_ly, tmp_path, capsys, django_user_model, monkeypatch):
    from ntm.apps.accounts.models import Membership, Role
    from ntm.apps.observations.imports import run
    from ntm.apps.units.services import resolve_unit

    reads = []
    scan = run._scan
    monkeypatch.setattr(run, "_scan", lambda *a, **kw: reads.append(1) or scan(*a, **kw))

    officer = django_user_model.objects.create_user("can_bo_nl")
    Membership.objects.create(user=officer, unit=resolve_unit("xa:13570@2024"), role=Role.ENTRY)
    reopen(nguyen_ly)  # the demo approved the sheet: open again (as after «Mở lại») for the file
    current = Observation.objects.current().get(
        unit__uid="xa:13570@2024", set_code="xa-ntm-2021", period="2023-07", indicator="3.1"
    )
    p = tmp_path / "so-lieu.csv"  # replaces the demo's value: it names the version it replaces
    p.write_text(f"Chỉ tiêu;Giá trị;Đánh giá;Lần sửa\n3.1;91,5;đạt;{current.version}\n", encoding="utf-8")
    args = ["import", str(p), "--user", "can_bo_nl", "--set", "xa-ntm-2021", "--period", "2023-07"]
    assert main(args + ["--unit", "xa:13570@2024"]) == 0
    o = Observation.objects.current().get(
        unit__uid="xa:13570@2024", set_code="xa-ntm-2021", period="2023-07", indicator="3.1"
    )
    assert o.created_by == officer
    assert reads == [1]  # checked once: the write came from what the check left in a temporary stage
    capsys.readouterr()
    assert main(args + ["--unit", "Hà Nam/Lý Nhân/Công Lý", "--format", "json"]) == 1  # outside the account's units
    assert "không có quyền" in _json(capsys)["issues"][0]["message"]
    assert main(args + ["--unit", "xa:13570@2024", "--user", "khong-ai"]) == 2


def test_reporting_commands_speak_json(nguyen_ly, tmp_path, capsys):
    assert main(["catalog", "validate", "--format", "json"]) == 0
    assert _json(capsys)["ok"] is True
    bad = tmp_path / "hong.yaml"
    bad.write_text("code: x\n", encoding="utf-8")
    assert main(["catalog", "validate", str(bad), "--format", "json"]) == 1
    report = _json(capsys)
    assert report["ok"] is False and report["problems"]
    assert main(["reevaluate", "--set", "xa-ntm-2021", "--period", "2023-07", "--format", "json"]) == 0
    report = _json(capsys)
    assert report["command"] == "reevaluate" and report["ok"] and report["messages"]


@pytest.mark.slow
def test_backup_and_restore_speak_json(nguyen_ly, tmp_path, capsys, monkeypatch):
    junk = tmp_path / "khong-phai.ntm"
    junk.write_bytes(b"not a backup")
    assert main(["restore", str(junk), "--format", "json"]) == 1
    report = _json(capsys)
    assert (report["command"], report["ok"], report["exit_code"]) == ("restore", False, 1)
    # a real copy cannot be taken inside a test's transaction (ntm/apps/ops/tests/test_backup_roundtrip.py
    # takes them): what the command reports of one is checked here
    from ntm.apps.ops import backup

    def copied(path, **kw):
        Path(path).write_bytes(b"sao luu")
        return {"rows": 3, "counts": {"a": 3}, "seconds": 0.1, "tables": {"a": {}}, "checksum": "abc"}

    monkeypatch.setattr(backup, "create_backup", copied)
    path = tmp_path / "sao-luu.ntm"
    assert main(["backup", str(path), "--format", "json"]) == 0
    report = _json(capsys)
    assert report["ok"] and report["bytes"] == path.stat().st_size and "Đã sao lưu" in report["messages"][0]
