"""The entry template as users expect it: key columns protected (sheet protection on, input columns
unlocked), the value checked by the indicator's kind, the assessment from a list, and .ods as well."""

from __future__ import annotations

import openpyxl
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from ntm.apps.observations import imports as I
from ntm.apps.observations.template_ods import write_template_as
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period

pytestmark = pytest.mark.django_db
P = Period.parse("2023-07")
CS = "xa-ntm-2021"


@pytest.fixture
def nguyen_ly(small_demo):
    return small_demo("xa:13570@2024", periods=("2023-07",))[0]


def _columns(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1]}


@pytest.mark.parametrize("styled", [True, False], ids=["small", "large"])
def test_xlsx_template_protects_the_keys_and_checks_the_value(tmp_path, nguyen_ly, monkeypatch, styled):
    if not styled:  # the large-file path: only input cells holding a value are styled, columns carry the rest
        monkeypatch.setattr(I.template, "STYLED_ROWS", 10)
    path = tmp_path / "mau.xlsx"
    I.write_template(path, [nguyen_ly], default_catalog().get(CS), P)
    ws = openpyxl.load_workbook(path)[I.SHEET]
    col = _columns(ws)
    assert ws.protection.sheet is True
    for r in range(2, ws.max_row + 1):
        for key in I.KEY_COLUMNS:
            assert ws.cell(r, col[I.COLUMNS[key][0]]).protection.locked, (r, key)
        for key in I.INPUT_COLUMNS:
            cell = ws.cell(r, col[I.COLUMNS[key][0]])
            letter = cell.column_letter
            locked = cell.protection.locked if cell.has_style else ws.column_dimensions[letter].protection.locked
            assert locked is False, (r, key)
    rules = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert rules["list"].formula1 == '"đạt,chưa đạt,không đánh giá"' and str(rules["list"].sqref) == "L2:L58"
    assert str(rules["custom"].sqref) == "K2:K58" and rules["custom"].formula1 == I.value_rule()
    assert 'J2="có/không",OR(K2="có",K2="không")' in I.value_rule() and "K2>=0,K2<=100" in I.value_rule()
    measure = {
        ws.cell(r, col["Chỉ tiêu"]).value: ws.cell(r, col["Đơn vị tính"]).value for r in range(2, ws.max_row + 1)
    }
    assert (measure["1.1"], measure["3.1"]) == ("có/không", "%")


def test_ods_template_has_the_same_rows_protection_and_checks(tmp_path, nguyen_ly):
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow

    ods, xlsx = tmp_path / "mau.ods", tmp_path / "mau.xlsx"
    assert write_template_as(ods, [nguyen_ly], default_catalog().get(CS), P, "ods") == 57
    I.write_template(xlsx, [nguyen_ly], default_catalog().get(CS), P)
    read = lambda p: CalamineWorkbook.from_path(str(p)).get_sheet_by_name(I.SHEET).to_python(skip_empty_area=False)  # noqa: E731
    a, b = read(ods), read(xlsx)
    assert [[str(v) for v in r] for r in a] == [[str(v) for v in r] for r in b]

    doc = load(str(ods))
    sheet = next(t for t in doc.spreadsheet.getElementsByType(Table) if t.getAttribute("name") == I.SHEET)
    assert sheet.getAttribute("protected") == "true"
    unlocked = {
        s.getAttribute("name")
        for s in doc.automaticstyles.childNodes
        for c in s.childNodes
        if c.qname[1] == "table-cell-properties" and c.getAttribute("cellprotect") == "none"
    }
    assert unlocked == {"o-nhap"}
    header = [c for c in sheet.getElementsByType(TableRow)[0].getElementsByType(TableCell)]
    names = [str(c) for c in header]
    checks = {}
    for row in sheet.getElementsByType(TableRow)[1:]:
        cells = row.getElementsByType(TableCell)
        for k, name in enumerate(names):
            key = next(key for key in I.TEMPLATE_ORDER if I.COLUMNS[key][0] == name)
            style = cells[k].getAttribute("stylename")
            assert (style in unlocked) == (key in I.INPUT_COLUMNS), (name, style)
        checks[str(cells[names.index("Chỉ tiêu")])] = (
            cells[names.index("Giá trị")].getAttribute("contentvalidationname"),
            cells[names.index("Đánh giá")].getAttribute("contentvalidationname"),
        )
    assert checks["1.1"] == ("co-khong", "danh-gia") and checks["3.1"] == ("ty-le", "danh-gia")
    assert checks["9.1"] == ("so", "danh-gia")  # an amount: any number


def test_template_download_as_ods_and_a_too_large_one_refused(client, nguyen_ly, django_user_model, monkeypatch):
    from ntm.apps.observations import template_ods

    admin = django_user_model.objects.create_superuser("quantri", password="x")
    client.force_login(admin)
    r = client.get(
        reverse("reports-template"), {"unit": nguyen_ly.uid, "set": CS, "period": "2023-07", "format": "ods"}
    )
    assert r["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    assert r["Content-Disposition"].endswith('.ods"')
    data = b"".join(r.streaming_content)
    assert data[:2] == b"PK" and b"application/vnd.oasis.opendocument.spreadsheet" in data[:200]
    monkeypatch.setattr(template_ods, "MAX_ROWS", 10)
    r = client.get(
        reverse("reports-template"),
        {"unit": nguyen_ly.uid, "set": CS, "period": "2023-07", "format": "ods"},
        follow=True,
    )
    assert "hãy tải mẫu XLSX" in r.content.decode()
