"""``ntm claims check``: exit codes 0/1/2, JSON shape, readable text output."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from ntm.core.claims.cli import run

GOOD = "Bản tin tháng 9/2023.\nXã An Bình đạt 17/19 tiêu chí (89,47%) với 54/57 chỉ tiêu nông thôn mới.\n"
BAD = "Bản tin tháng 9/2023.\n+ Xã An Bình: đạt 17/19 tiêu chí (90%) với 54/57 chỉ tiêu nông thôn mới.\n"
WARN = "Bản tin tháng 9/2023.\nXã A đạt 17,5/19 tiêu chí nông thôn mới.\n"


@pytest.fixture
def files(tmp_path):
    out = {}
    for name, text in (("good.txt", GOOD), ("bad.txt", BAD), ("warn.txt", WARN)):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        out[name] = str(p)
    (tmp_path / "binary.txt").write_bytes(b"\x00\xff" * 100)
    out["binary.txt"] = str(tmp_path / "binary.txt")
    return out


def _run(paths, fmt, cat):
    out, err = io.StringIO(), io.StringIO()
    code = run(paths, fmt, out, err=err, catalog=cat)
    return code, out.getvalue(), err.getvalue()


def test_exit_0_when_no_error(files, cat):
    code, out, err = _run([files["good.txt"]], "text", cat)
    assert code == 0 and err == ""
    assert "không thấy số liệu nào mâu thuẫn" in out and "tháng 9/2023" in out and "2 số liệu" in out


def test_warnings_alone_exit_0(files, cat):
    code, out, _ = _run([files["warn.txt"]], "text", cat)
    assert code == 0 and "CẦN XEM LẠI · Số lẻ cho một đơn vị · dòng 2" in out


def test_exit_1_on_error_and_the_text_shows_the_sentence_with_the_figure_marked(files, cat):
    code, out, err = _run([files["good.txt"], files["bad.txt"]], "text", cat)
    assert code == 1 and err == ""
    assert "LỖI · Tỷ lệ không khớp với số liệu · dòng 2 · Xã An Bình · xa-ntm-2021" in out
    assert "Tỷ lệ 90% không khớp với 17/19 tiêu chí: 17/19 = 89,47%." in out
    assert "văn bản ghi: 90%   đúng ra: 89,47%" in out
    assert "đề nghị: Sửa “90%” thành “89,47%”, hoặc kiểm tra lại 17/19." in out
    assert "[percent-mismatch]" not in out and "percent-mismatch" not in out  # no internal codes for users
    assert "│ + Xã An Bình: đạt 17/19 tiêu chí (»90%«) với 54/57 chỉ tiêu nông thôn mới." in out
    assert "\x1b[" not in out  # not a terminal: no escape codes


def test_exit_2_on_unusable_input_names_the_file(files, cat, tmp_path):
    missing = str(tmp_path / "missing.docx")
    code, out, err = _run([files["bad.txt"], missing, files["binary.txt"]], "text", cat)
    assert code == 2
    assert f"lỗi: {missing}: không tìm thấy tệp" in err
    assert f"lỗi: {files['binary.txt']}: tệp nhị phân" in err
    assert "Tỷ lệ không khớp với số liệu" in out  # the usable file is still checked


def test_json_one_file_is_an_object(files, cat):
    code, out, _ = _run([files["bad.txt"]], "json", cat)
    assert code == 1
    data = json.loads(out)
    assert data["source"] == "bad.txt"
    assert data["period"]["key"] == "2023-09"
    c = data["claims"][0]
    assert {
        k: c[k]
        for k in (
            "subject",
            "unit_code",
            "set",
            "kind",
            "achieved",
            "total",
            "percent",
            "unmet",
            "aggregate_of",
            "text",
            "span",
        )
    } == {
        "subject": "Xã An Bình",
        "unit_code": None,
        "set": "xa-ntm-2021",
        "kind": "criteria",
        "achieved": 17,
        "total": 19,
        "percent": 90,
        "unmet": None,
        "aggregate_of": None,
        "text": "17/19 tiêu chí (90%)",
        "span": [c["span"][0], c["span"][0] + len("17/19 tiêu chí (90%)")],
    }
    [f] = data["findings"]
    assert {k: f[k] for k in ("severity", "code", "reported", "expected", "text")} == {
        "severity": "error",
        "code": "percent-mismatch",
        "reported": "90%",
        "expected": "89,47%",
        "text": "90%",
    }
    assert (f["severity_label"], f["title"]) == ("Lỗi", "Tỷ lệ không khớp với số liệu")
    assert f["sentence"] == "+ Xã An Bình: đạt 17/19 tiêu chí (90%) với 54/57 chỉ tiêu nông thôn mới."
    assert f["suggestion"] == "Sửa “90%” thành “89,47%”, hoặc kiểm tra lại 17/19."
    assert isinstance(f["message"], str) and len(f["span"]) == 2


def test_json_several_files_is_a_list_with_errors_inline(files, cat):
    code, out, err = _run([files["good.txt"], files["binary.txt"]], "json", cat)
    assert code == 2
    data = json.loads(out)
    assert [d["source"] for d in data] == ["good.txt", "binary.txt"]
    assert data[0]["findings"] == [] and "nhị phân" in data[1]["error"]
    assert "binary.txt" in err


def test_bad_format_and_no_file():
    err = io.StringIO()
    assert run(["x"], "xml", io.StringIO(), err=err) == 2 and "định dạng" in err.getvalue()
    assert run([], "text", io.StringIO(), err=io.StringIO()) == 2


def test_terminal_output_uses_colour_not_markers(files, cat):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    assert run([files["bad.txt"]], "text", out, err=io.StringIO(), catalog=cat) == 1
    assert "\x1b[" in out.getvalue() and "»90%«" not in out.getvalue()


def test_module_entry_point(files):
    # the real catalogue may not be there yet: exit 1 (percent error found either way)
    proc = subprocess.run(
        [sys.executable, "-m", "ntm.core.claims.cli", files["bad.txt"], "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["findings"][0]["code"] == "percent-mismatch"


def test_too_large_file_exit_2(tmp_path, cat):
    p = tmp_path / "huge.txt"
    with open(p, "wb") as fh:
        fh.seek(50 * 1024 * 1024)
        fh.write(b"x")
    code, _, err = _run([str(p)], "text", cat)
    assert code == 2 and f"{p}: tệp quá lớn" in err


def test_an_unexpected_failure_names_the_file_and_goes_on(files, cat, monkeypatch):
    import ntm.core.claims.cli as cli

    real = cli.extract

    def flaky(text, **kw):
        if kw.get("source") == "good.txt":
            raise RuntimeError("boom")
        return real(text, **kw)

    monkeypatch.setattr(cli, "extract", flaky)
    code, out, err = _run([files["good.txt"], files["bad.txt"]], "text", cat)
    assert code == 2 and "good.txt: lỗi không mong đợi khi kiểm tra (RuntimeError: boom)" in err
    assert "Tỷ lệ không khớp với số liệu" in out
