"""``ntm units load | show | find``: output shapes and errors."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from ntm.apps.units import cli
from ntm.cli import CliError

pytestmark = pytest.mark.django_db


def test_find_json(capsys):
    assert cli.cmd_find("nguyen ly", None, "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0] == {
        "uid": "xa:13570@2024",
        "name": "Xã Nguyên Lý",
        "type": "Xã",
        "level": "commune",
        "edition": "2024",
        "path": ["Tỉnh Hà Nam", "Huyện Lý Nhân"],
        "valid_from": None,
        "valid_to": "2025-06-30",
    }


def test_find_at_a_date_json(capsys):
    cli.cmd_find("ha nam", "01/08/2025", "json")
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["edition"] == "2025" and r["valid_from"] == "2025-07-01" for r in rows)


def test_find_table_and_bad_date(capsys):
    assert cli.cmd_find("Nguyên Lý", "2023-07-01", "table") == 0
    out = capsys.readouterr().out
    assert "xa:13570@2024" in out and "Huyện Lý Nhân" in out
    with pytest.raises(CliError, match="ngày '2023-13-01' không hợp lệ"):
        cli.cmd_find("x", "2023-13-01", "table")


def test_show_json_has_parents_children_and_lineage(capsys):
    assert cli.cmd_show("Hà Nam/Lý Nhân", "json") == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["uid"], d["name"], d["region"], d["children"]) == ("huyen:353@2024", "Huyện Lý Nhân", "DBSH", 21)
    assert d["children_by_type"] == {"Thị trấn": 1, "Xã": 20}
    assert [p["uid"] for p in d["parents"]] == ["vn", "tinh:35@2024"]
    cli.cmd_show("xa:13591@2025", "json")
    d = json.loads(capsys.readouterr().out)
    assert {p["uid"] for p in d["predecessors"]} == {"xa:13570@2024", "xa:13582@2024", "xa:13591@2024"}
    assert d["lat"] and d["lon"] and d["valid_from"] == "2025-07-01"


def test_show_table(capsys):
    cli.cmd_show("xa:13570@2024", "table")
    out = capsys.readouterr().out
    assert "[xa:13570@2024]" in out and "Tỉnh Hà Nam [tinh:35@2024]" in out
    assert "Đồng bằng sông Hồng" in out and "Xã Nam Xang" in out


def test_show_ambiguous_is_an_error():
    with pytest.raises(CliError, match="huyen:353@2024.*xa:13573@2025"):
        cli.cmd_show("Lý Nhân", "table")


def test_load_prints_a_summary():
    console = Console(record=True, width=200)
    counts = cli.cmd_load(console)
    assert counts["created"] == 0 and counts["updated"] == 0
    assert "14.150 đơn vị (0 mới, 0 cập nhật" in console.export_text()


def test_main_wires_the_commands(capsys):
    from ntm.cli import main

    assert main(["units", "find", "nguyen ly", "--date", "2023-07-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["uid"] == "xa:13570@2024"
    assert main(["units", "show", "Không Có Đâu"]) == 1
    assert "không tìm thấy" in capsys.readouterr().err
