"""The catalogue workbook accepts the annex layout of QĐ 51/2025/QĐ-TTg (indicators × commune groups):
an office loads the official values of ``xa-ntm-2026`` and the evaluation applies each commune's
group. The annex below is MADE UP for the test (its values are not official)."""

from __future__ import annotations

import io

import openpyxl
import pytest

import ntm.core.catalog as catalog_module
from ntm.apps.reports.catalog_xlsx import (
    ANNEX_SHEET,
    CatalogImportError,
    annex_value,
    export_set,
    import_set,
    validate_set,
)
from ntm.core.catalog import Context, default_catalog, load_catalog
from ntm.core.evaluation import Observation, evaluate

FICTITIOUS = "PHỤ LỤC HƯ CẤU — chỉ dùng để kiểm thử, không phải số liệu của QĐ 51/2025"


def annex(rows: dict[str, dict[str, object]]) -> bytes:
    """The exported workbook of xa-ntm-2026 with the annex sheet filled for some indicators."""
    wb = openpyxl.load_workbook(io.BytesIO(export_set(default_catalog().get("xa-ntm-2026"))))
    ws = wb[ANNEX_SHEET]
    head = [c.value for c in ws[1]]
    for r in ws.iter_rows(min_row=2):
        code = str(r[0].value)
        for label, value in rows.get(code, {}).items():
            r[head.index(label)].value = value
        if code in rows:
            r[head.index("Nguồn")].value = FICTITIOUS
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def local_catalog(tmp_path, monkeypatch):
    monkeypatch.setenv("NTM_CATALOG_PATH", str(tmp_path))
    catalog_module._DEFAULT = None
    yield tmp_path
    monkeypatch.delenv("NTM_CATALOG_PATH")
    catalog_module._DEFAULT = None


def test_annex_cells_are_read_as_officials_write_them():
    assert annex_value("≥ 80%", None) == (80, "min_percent")
    assert annex_value("từ 85,5% trở lên", None) == (85.5, "min_percent")
    assert annex_value("≤5%", None) == (5, "max_percent")
    assert annex_value("≥ 70", None) == (70, "min_amount")
    assert annex_value("Đạt", None) == ("Đạt", "boolean")
    assert annex_value(12.5, None) == (12.5, None)
    with pytest.raises(ValueError, match="không đọc được giá trị 'khoảng 80'"):
        annex_value("khoảng 80", None)


def test_a_fictitious_annex_replaces_the_placeholders_and_each_group_gets_its_value(local_catalog):
    data = annex(
        {
            "3.1": {"Nội dung": "Tỷ lệ hư cấu A (kiểm thử)", "Nhóm 1": "≥ 90%", "Nhóm 2": "≥ 80%", "Nhóm 3": "≥ 70%"},
            "6.2": {"Nội dung": "Tỷ lệ hư cấu B (kiểm thử)", "Chung": "≤ 5%"},
        }
    )
    path = import_set(data, "phu-luc-hu-cau.xlsx", directory=local_catalog)
    assert path == local_catalog / "xa-ntm-2026.yaml"
    cs = default_catalog().get("xa-ntm-2026")  # reloaded: the office's file replaces the built-in set
    assert cs.source == str(path) and cs.replaces and cs.replaces.endswith("xa-ntm-2026.yaml")
    assert (cs.criteria_count, cs.indicator_count) == (10, 47)
    a = cs.by_code["3.1"]
    assert (a.kind.value, a.content) == ("min_percent", "Tỷ lệ hư cấu A (kiểm thử)")
    assert [(t.scope, t.value) for t in cs.thresholds_of("3.1")] == [("group:1", 90), ("group:2", 80), ("group:3", 70)]
    assert cs.thresholds_of("3.1")[0].provenance.source == FICTITIOUS

    def outcome(group, value=85.0, assessment=None):
        r = evaluate(cs, {"3.1": Observation("3.1", value, assessment)}, Context(group=group, year=2026))
        return next(i for i in r.indicators if i.code == "3.1")

    assert outcome("1").status.value == "not_met" and outcome("1").scope == "group:1"  # 85 < 90
    assert outcome("2").status.value == "met" and outcome("3").status.value == "met"
    ungrouped = outcome(None, assessment=True)  # "chưa phân nhóm": the official's assessment decides
    assert (ungrouped.status.value, ungrouped.decided_by, ungrouped.scope) == ("met", "assessment", "ungrouped")
    assert "chưa phân nhóm" in ungrouped.explanation
    # a value common to every group applies to an ungrouped commune too
    b = evaluate(cs, {"6.2": Observation("6.2", 7.0, None)}, Context(year=2026))
    assert next(i for i in b.indicators if i.code == "6.2").status.value == "not_met"


def test_a_bad_annex_cell_names_its_sheet_row_and_column(local_catalog):
    data = annex({"3.1": {"Nhóm 1": "≥ 90%", "Nhóm 2": "khoảng 80"}})
    with pytest.raises(CatalogImportError) as err:
        validate_set(data, "phu-luc.xlsx", directory=local_catalog)
    (issue,) = err.value.issues
    assert (issue.sheet, issue.column) == (
        ANNEX_SHEET,
        "Nhóm 2",
    ) and issue.row == 13  # after the header, 1.1–1.2 and 2.1–2.9
    assert not (local_catalog / "xa-ntm-2026.yaml").exists()


def test_group_evaluation_in_the_database_reads_the_dated_group(local_catalog, db):
    import datetime as dt

    from ntm.apps.accounts.testing import reopen
    from ntm.apps.evaluations.services import compute
    from ntm.apps.observations.services import Entry, record_many
    from ntm.apps.units.classifications import Row, save
    from ntm.apps.units.models import Unit

    import_set(annex({"3.1": {"Nhóm 1": "≥ 90%", "Nhóm 3": "≥ 70%"}}), "phu-luc.xlsx", directory=local_catalog)
    unit = Unit.objects.get(uid="xa:13591@2025")
    reopen(unit, "xa-ntm-2026", "2026-Q3")  # the demo's sheet is approved and locked
    from ntm.apps.observations.models import Observation

    held = Observation.objects.filter(
        unit=unit,
        set_code="xa-ntm-2026",
        period="2026-Q3",
        indicator="3.1",
    ).first()
    record_many(
        [Entry(unit, "xa-ntm-2026", "2026-Q3", "3.1", value="85", expected_version=held and held.version)],
        reevaluate=False,
    )
    save([Row(unit, "group", "1", dt.date(2026, 2, 15), None, "1/QĐ (thử)", dt.date(2026, 2, 1), "thử")])

    def status():
        r = compute(unit, "xa-ntm-2026", "2026-Q3")
        return next(i for i in r.indicators if i.code == "3.1")

    assert (status().status.value, status().scope) == ("not_met", "group:1")
    save([Row(unit, "group", "3", dt.date(2026, 7, 1), None, "2/QĐ (thử)", dt.date(2026, 6, 1), "thử")])
    assert (status().status.value, status().scope) == ("met", "group:3")


def test_a_replacement_must_keep_the_level_and_phase(tmp_path):
    text = (
        (catalog_module.BUILTIN_DIR / "xa-ntm-2026.yaml")
        .read_text(encoding="utf-8")
        .replace("level: commune", "level: province")
    )
    (tmp_path / "xa-ntm-2026.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(catalog_module.CatalogError, match="replaces the built-in set"):
        load_catalog([tmp_path])


def test_two_files_of_the_same_set_outside_the_shipped_folder_are_refused(tmp_path):
    text = (catalog_module.BUILTIN_DIR / "xa-ntm-2026.yaml").read_text(encoding="utf-8")
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "xa-ntm-2026.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(catalog_module.CatalogError, match="already defined"):
        load_catalog([tmp_path / "a", tmp_path / "b"])
