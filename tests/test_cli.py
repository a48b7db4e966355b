"""The `ntm` command line contracts: output shapes, exit codes, error messages."""

from __future__ import annotations

import csv
import json

import openpyxl

from ntm.cli import main
from ntm.core.catalog import default_catalog


def run(capsys, *argv):
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def sheet_rows(set_code="xa-ntm-2021", unmet=("2.3", "2.4", "15.1", "17.6"), skip=()):
    cs = default_catalog().get(set_code)
    return [(i.code, "chưa đạt" if i.code in unmet else "đạt", "") for i in cs.indicators if i.code not in skip]


def write_csv(path, rows, header=("indicator", "assessment", "value")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_catalog_list_json(capsys):
    code, out, _ = run(capsys, "catalog", "list", "--format", "json")
    assert code == 0
    sets = {s["code"]: s for s in json.loads(out)}
    assert {
        "xa-ntm-2016",
        "xa-ntm-2021",
        "xa-nang-cao-2021",
        "xa-kieu-mau-2021",
        "huyen-ntm-2021",
        "huyen-nang-cao-2021",
        "xa-ntm-2026",
    } <= set(sets)
    assert (sets["xa-ntm-2021"]["criteria"], sets["xa-ntm-2021"]["indicators"]) == (19, 57)


def test_catalog_show_json_lists_criteria_with_indicator_codes(capsys):
    code, out, _ = run(capsys, "catalog", "show", "xa-ntm-2021", "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert d["code"] == "xa-ntm-2021" and len(d["criteria"]) == 19
    c2 = next(c for c in d["criteria"] if c["number"] == 2)
    assert c2["indicators"] == ["2.1", "2.2", "2.3", "2.4"]
    assert sum(len(c["indicators"]) for c in d["criteria"]) == 57


def test_catalog_show_unknown_set(capsys):
    code, _, err = run(capsys, "catalog", "show", "xa-khong-co")
    assert code == 1 and "xa-khong-co" in err and "xa-ntm-2021" in err


def test_catalog_validate_ok_and_bad_file(capsys, tmp_path):
    assert run(capsys, "catalog", "validate")[0] == 0
    bad = tmp_path / "tinh-x.yaml"
    bad.write_text(
        "code: tinh-x\nname: Bộ của tỉnh\nphase: 2021-2025\nlevel: village\ntier: ntm\n"
        "legal_basis: {decision: QĐ 1/QĐ-UBND, provenance: {source: t, tag: LOCAL}}\n"
        "valid_from: 2022-01-01\ncriteria:\n  - number: 1\n    name: Quy hoạch\n"
        "    provenance: {source: t, tag: LOCAL}\n    indicators:\n"
        "      - {code: '1.1', content: Có, kind: min_percent, provenance: {source: t, tag: LOCAL},\n"
        "         thresholds: [{scope: 'region:XYZ', value: 80, provenance: {source: t, tag: LOCAL}}]}\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "catalog", "validate", str(tmp_path))
    assert code == 1
    assert f"{bad}:14" in err and "region:XYZ" in err


def test_evaluate_worked_example_json(capsys, tmp_path):
    f = write_csv(tmp_path / "tda.csv", sheet_rows())
    code, out, _ = run(capsys, "evaluate", "xa-ntm-2021", "--input", str(f), "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert d["set"] == "xa-ntm-2021"
    assert d["criteria"]["met"] == 16 and d["criteria"]["total"] == 19
    assert d["indicators"]["met"] == 53 and d["indicators"]["total"] == 57
    assert d["unmet_criteria"] == ["2", "15", "17"]
    assert d["unmet_indicators"] == ["2.3", "2.4", "15.1", "17.6"]
    assert d["standard_met"] is False


def test_evaluate_table_in_vietnamese(capsys, tmp_path):
    f = write_csv(tmp_path / "tda.csv", sheet_rows())
    code, out, _ = run(capsys, "evaluate", "xa-ntm-2021", "--input", str(f))
    assert code == 0
    assert "đạt 16/19 tiêu chí (84,21%) với 53/57 chỉ tiêu (92,98%)" in out
    assert "Tiêu chí chưa đạt: 2, 15, 17" in out


def test_evaluate_xlsx_with_vietnamese_headers_and_missing_rows(capsys, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Chỉ tiêu", "Đánh giá", "Giá trị"])
    for code, assess, _ in sheet_rows(unmet=(), skip=("8.4",)):
        ws.append([code, assess, None])
    path = tmp_path / "tda.xlsx"
    wb.save(path)
    code, out, _ = run(capsys, "evaluate", "xa-ntm-2021", "--input", str(path), "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["unmet_indicators"] == ["8.4"] and d["criteria"]["met"] == 18  # missing = no data


def test_evaluate_regional_threshold_from_value(capsys, tmp_path):
    rows = [("14.2", "", "75")]
    f = write_csv(tmp_path / "a.csv", rows)
    _, out_tn, _ = run(capsys, "evaluate", "xa-ntm-2016", "--input", str(f), "--region", "TN", "--format", "json")
    _, out_dbsh, _ = run(capsys, "evaluate", "xa-ntm-2016", "--input", str(f), "--region", "DBSH", "--format", "json")
    assert "14.2" not in json.loads(out_tn)["unmet_indicators"]
    assert "14.2" in json.loads(out_dbsh)["unmet_indicators"]


def test_evaluate_errors_name_file_row_and_column(capsys, tmp_path):
    f = write_csv(tmp_path / "x.csv", [("1.1", "đạt", ""), ("1.2", "tốt lắm", ""), ("99.9", "đạt", "")])
    code, _, err = run(capsys, "evaluate", "xa-ntm-2021", "--input", str(f))
    assert code == 1
    assert f"{f}, dòng 3, cột 'assessment'" in err and "tốt lắm" in err
    assert f"{f}, dòng 4, cột 'indicator'" in err and "99.9" in err
    code, _, err = run(capsys, "evaluate", "xa-ntm-2021", "--input", str(tmp_path / "nope.csv"))
    assert code == 1 and "không tìm thấy tệp" in err
    g = write_csv(tmp_path / "y.csv", [("1.1",)], header=("ma",))
    code, _, err = run(capsys, "evaluate", "xa-ntm-2021", "--input", str(g))
    assert code == 0, err  # 'ma' (mã) is accepted as the indicator column
    h = write_csv(tmp_path / "z.csv", [("đạt",)], header=("ket qua",))
    code, _, err = run(capsys, "evaluate", "xa-ntm-2021", "--input", str(h))
    assert code == 1 and "thiếu cột indicator" in err


def test_unknown_region_is_an_error(capsys, tmp_path):
    f = write_csv(tmp_path / "a.csv", sheet_rows())
    code, _, err = run(capsys, "evaluate", "xa-ntm-2021", "--input", str(f), "--region", "MARS")
    assert code == 1 and "MARS" in err
