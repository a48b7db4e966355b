"""Excel exchange: the entry template, imports (checked, previewed, all-or-nothing, one batch), exports
(CSV, XLSX, DHIS2) and the catalogue as a workbook."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from ntm.apps.evaluations import exports as RX
from ntm.apps.evaluations.models import ResultAll
from ntm.apps.observations import dhis2
from ntm.apps.observations import exports as X
from ntm.apps.observations.imports import ImportFailed, commit_import, plan_import, write_template
from ntm.apps.observations.models import Observation, ObservationVersion
from ntm.apps.units.services import resolve_unit
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period

pytestmark = pytest.mark.django_db
P = Period.parse("2023-07")


@pytest.fixture
def nguyen_ly(small_demo):
    return small_demo("xa:13570@2024", periods=("2023-07",))[0]


@pytest.fixture
def reopened(nguyen_ly):
    """Nguyên Lý's sheet of 7/2023 open for writing again, as after a reviewer's «Mở lại»: the demo approved
    it, and an import may not change an approved sheet (test_uploads.py shows that refusal)."""
    from ntm.apps.accounts.testing import reopen

    reopen(nguyen_ly)
    return nguyen_ly


@pytest.fixture
def officer(entry_officer, nguyen_ly):
    return entry_officer("can_bo_nl", nguyen_ly.uid)


def _template(tmp_path: Path, units, set_code="xa-ntm-2021") -> Path:
    path = tmp_path / "mau.xlsx"
    write_template(path, units, default_catalog().get(set_code), P)
    return path


def test_template_has_rules_prefilled_values_and_a_dropdown(tmp_path, nguyen_ly):
    path = _template(tmp_path, [nguyen_ly])
    wb = openpyxl.load_workbook(path)
    ws = wb["Số liệu"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["Mã đơn vị", "Đơn vị", "Bộ tiêu chí", "Kỳ", "Tiêu chí", "Chỉ tiêu"]
    assert {"Quy định", "Ngưỡng", "Giá trị", "Đánh giá", "Lần sửa"} <= set(header)
    assert ws.max_row == 1 + 57
    dv = ws.data_validations.dataValidation[0]
    assert dv.type == "list" and dv.formula1 == '"đạt,chưa đạt,không đánh giá"'
    col = {h: i for i, h in enumerate(header)}
    rows = {r[col["Chỉ tiêu"]]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    cur = {
        o.indicator: o
        for o in Observation.objects.current().filter(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
    }
    r31 = rows["3.1"]
    assert r31[col["Quy định"]] == "≥ 80%" and r31[col["Ngưỡng"]] == 80
    assert r31[col["Lần sửa"]] == cur["3.1"].version
    assert r31[col["Đánh giá"]] == ("đạt" if cur["3.1"].assessment else "chưa đạt")
    assert rows["1.1"][col["Quy định"]] == "Đạt / không đạt"


def _edit(path: Path, changes: dict[str, dict]) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb["Số liệu"]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for row in range(2, ws.max_row + 1):
        code = ws.cell(row, col["Chỉ tiêu"]).value
        for k, v in changes.get(code, {}).items():
            ws.cell(row, col[k]).value = v
    wb.save(path)
    return path


def test_import_preview_then_commit_as_one_batch(tmp_path, nguyen_ly, reopened, officer):
    cur = {
        o.indicator: o
        for o in Observation.objects.current().filter(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
    }
    unmet = [c for c, o in cur.items() if o.assessment is False][:2]
    path = _edit(
        _template(tmp_path, [nguyen_ly]),
        {
            unmet[0]: {"Đánh giá": "đạt", "Ghi chú": "theo QĐ số 12/QĐ-UBND"},
            unmet[1]: {"Đánh giá": "đạt", "Ghi chú": "đã hoàn thành"},
        },
    )
    before = ObservationVersion.objects.count()
    plan = plan_import(path, user=officer)
    assert plan.ok and (plan.changed, plan.new) == (2, 0) and plan.unchanged == 55
    assert {c.indicator for c in plan.changes} == set(unmet)
    assert all(c.before.endswith("chưa đạt") and c.after.endswith("đạt") for c in plan.changes)
    assert ObservationVersion.objects.count() == before  # the preview writes nothing
    old = ResultAll.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
    res = commit_import(path, user=officer)
    assert res.written == 2 and ObservationVersion.objects.count() == before + 2
    new_rows = Observation.objects.filter(batch=res.batch)
    assert new_rows.count() == 2 and {o.source for o in new_rows} == {"import"}
    assert all(o.version == cur[o.indicator].version + 1 and o.created_by == officer for o in new_rows)
    kept = ObservationVersion.objects.get(
        unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07", indicator=unmet[0], version=1
    )
    assert kept.assessment is False  # history kept: the version replaced is still there
    new = ResultAll.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
    assert new.indicators_met >= old.indicators_met  # re-evaluated
    # the same file again: nothing to write, and the stale versions are reported as conflicts
    again = plan_import(path, user=officer)
    assert not again.ok and all("sửa" in i.message for i in again.issues)


def test_import_is_all_or_nothing_with_located_errors(tmp_path, nguyen_ly, officer):
    path = _edit(
        _template(tmp_path, [nguyen_ly]),
        {
            "1.1": {"Đánh giá": "tốt"},
            "3.1": {"Giá trị": "nhiều"},
            "2.1": {"Chỉ tiêu": "99.9"},
        },
    )
    before = ObservationVersion.objects.count()
    plan = plan_import(path, user=officer)
    assert not plan.ok and plan.issue_count == 3
    msgs = {(i.sheet, i.column): i for i in plan.issues}
    assert msgs[("Số liệu", "Đánh giá")].row == 2 and "tốt" in msgs[("Số liệu", "Đánh giá")].message
    assert "không phải là số" in msgs[("Số liệu", "Giá trị")].message
    assert "99.9" in msgs[("Số liệu", "Chỉ tiêu")].message
    assert str(msgs[("Số liệu", "Đánh giá")]).startswith("mau.xlsx [Số liệu], dòng 2, cột 'Đánh giá':")
    with pytest.raises(ImportFailed):
        commit_import(path, user=officer)
    assert Observation.objects.count() == before


def test_import_outside_scope_is_refused(tmp_path, officer):
    cong_ly = resolve_unit("Hà Nam/Lý Nhân/Công Lý")
    path = _edit(_template(tmp_path, [cong_ly]), {"1.1": {"Ghi chú": "x"}})
    plan = plan_import(path, user=officer)
    assert not plan.ok and "không có quyền" in plan.issues[0].message


def test_csv_import_with_defaults(tmp_path, nguyen_ly, reopened, officer):
    versions = dict(
        Observation.objects.current()
        .filter(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
        .values_list("indicator", "version")
    )  # the values replaced, as the template names them
    p = tmp_path / "so-lieu.csv"
    p.write_text(
        f"Chỉ tiêu;Giá trị;Đánh giá;Lần sửa\n3.1;91,5;đạt;{versions['3.1']}\n15.1;;không đánh giá;{versions['15.1']}\n",
        encoding="utf-8",
    )
    plan = plan_import(p, user=officer, defaults={"unit": nguyen_ly, "set": "xa-ntm-2021", "period": "2023-07"})
    assert plan.ok, [str(i) for i in plan.issues]
    res = commit_import(p, user=officer, defaults={"unit": nguyen_ly, "set": "xa-ntm-2021", "period": "2023-07"})
    o = Observation.objects.current().get(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07", indicator="3.1")
    assert o.value_num == pytest.approx(91.5) and o.value_text == "91,5" and o.batch == res.batch
    na = Observation.objects.current().get(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07", indicator="15.1")
    assert na.not_applicable is True


def test_exports_csv_xlsx_dhis2(tmp_path, nguyen_ly, officer):
    qs = X.select_observations(officer, unit=resolve_unit("huyen:353@2024"), set_code="xa-ntm-2021", period="2023-07")
    assert qs.count() == 57  # only the officer's commune, though the district was asked for
    header, rows = X.export("observations", "csv", qs)
    text = "".join(X.csv_stream(header, rows))
    assert text.startswith("\ufeffMã đơn vị,") and text.count("\n") == 58
    rows = RX.result_rows(RX.select_results(officer, period="2023-07"))
    header = [h for _, h in RX.RESULT_COLUMNS]
    path = X.xlsx_file(header, rows)
    ws = openpyxl.load_workbook(path).active
    assert ws.max_row == 1 + 2 and ws["A2"].value == "xa:13570@2024"
    path.unlink()
    values = list(dhis2.data_values(qs))
    v = next(x for x in values if x["dataElement"] == "xa-ntm-2021:3.1")
    assert v["period"] == "202307" and v["orgUnit"] == "13570"  # the GSO code, not the NTM uid
    data = json.loads("".join(dhis2.data_value_set_json(qs)))
    assert len(data["dataValues"]) == len(values) and data["idScheme"] == "CODE"
    rows = list(csv.reader(io.StringIO("".join(dhis2.data_value_set_csv(qs)))))
    assert rows[0][:6] == ["dataelement", "period", "orgunit", "catoptcombo", "attroptcombo", "value"]


def test_exchange_pages(client, tmp_path, nguyen_ly, reopened, officer, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(officer)
    r = client.get(reverse("reports-template"), {"unit": nguyen_ly.uid, "set": "xa-ntm-2021", "period": "2023-07"})
    assert r.status_code == 200
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"".join(r.streaming_content))
    _edit(path, {"1.1": {"Ghi chú": "kiểm tra lại"}})
    with open(path, "rb") as f:
        r = client.post(reverse("reports-upload"), {"file": f})
    assert r.status_code == 302
    preview = client.get(r["Location"])
    assert "Xác nhận ghi 1 giá trị" in preview.content.decode()
    batch = r["Location"].rstrip("/").split("/")[-1]
    r = client.post(reverse("reports-import-confirm", args=[batch]), {"action": "confirm"})
    assert r.status_code == 302
    assert Observation.objects.filter(batch=batch).count() == 1
    r = client.get(
        reverse("reports-export"), {"unit": nguyen_ly.uid, "what": "dhis2", "format": "json", "period": "2023-07"}
    )
    assert json.loads(b"".join(r.streaming_content))["dataValues"]
    assert client.get(reverse("reports-export"), {"unit": "huyen:353@2024"}).status_code == 403


def _with_code(data: bytes, code: str, **fields) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Bộ tiêu chí"]
    for row in ws.iter_rows(min_row=2):
        key = row[2].value
        if key == "code":
            row[1].value = code
        if key in fields:
            row[1].value = fields[key]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_catalogue_round_trip_and_errors(tmp_path):
    from ntm.apps.reports.catalog_xlsx import CatalogImportError, export_set, import_set, read_set, validate_set
    from ntm.core.catalog import load_catalog
    from ntm.core.catalog.schema import CriteriaSetFile

    cat = default_catalog()
    for cs in cat:
        raw, rd = read_set(export_set(cs), f"{cs.code}.xlsx")
        assert not rd.issues and CriteriaSetFile.model_validate(raw) == cs.data
    data = export_set(cat.get("xa-ntm-2021"))
    # a set with the code of a shipped one replaces it (an office loading the official annex)
    assert validate_set(data, "x.xlsx")[0].code == "xa-ntm-2021"
    local = _with_code(data, "tinh-35-xa-ntm-2021", name="Bộ tiêu chí xã NTM của tỉnh (thử)")
    path = import_set(local, "annex.xlsx", directory=tmp_path)
    assert path == tmp_path / "tinh-35-xa-ntm-2021.yaml"
    loaded = load_catalog([tmp_path]).get("tinh-35-xa-ntm-2021")
    assert (
        loaded.indicator_count == 57
        and loaded.threshold("3.1", __import__("ntm.core.catalog", fromlist=["Context"]).Context()).value == 80
    )
    import_set(local, "annex.xlsx", directory=tmp_path)  # importing it again replaces the file
    # indicators whose wording is not in our sources keep content: null through Excel and back
    nc = _with_code(export_set(cat.get("xa-nang-cao-2021")), "tinh-35-xa-nang-cao-2021", name="Bộ nâng cao (thử)")
    assert "content: null" in import_set(nc, "nc.xlsx", directory=tmp_path).read_text(encoding="utf-8")
    again = load_catalog([tmp_path]).get("tinh-35-xa-nang-cao-2021").by_code["1.1"]
    assert (again.content_known, again.content) == (False, cat.get("xa-nang-cao-2021").by_code["1.1"].content)

    # a bad threshold is reported with its sheet, row and column
    def broken(col: int, value) -> bytes:
        wb = openpyxl.load_workbook(io.BytesIO(local))
        wb["Ngưỡng"].cell(2, col).value = value
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    with pytest.raises(CatalogImportError) as e:
        validate_set(broken(3, 150), "annex.xlsx", directory=tmp_path)  # a percentage above 100
    assert [(i.sheet, i.row, i.column) for i in e.value.issues] == [("Ngưỡng", 2, "Giá trị")]
    assert "outside 0–100" in e.value.issues[0].message
    assert str(e.value.issues[0]).startswith("annex.xlsx [Ngưỡng], dòng 2, cột 'Giá trị':")
    with pytest.raises(CatalogImportError) as e:
        validate_set(broken(2, "region:XYZ"), "annex.xlsx", directory=tmp_path)
    assert e.value.issues[0].sheet == "Ngưỡng" and e.value.issues[0].row == 2
    assert e.value.issues[0].column.startswith("Phạm vi") and "unknown scope" in e.value.issues[0].message


def test_catalogue_yes_no_cells_read_with_the_value_vocabulary():
    from ntm.apps.reports.catalog_xlsx import export_set, read_set

    data = export_set(default_catalog().get("xa-ntm-2021"))

    def with_flag(value) -> bytes:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        ws = wb["Điều kiện"]
        col = next(c.column for c in ws[1] if c.value == "Chỉ cho hồ sơ công nhận")
        ws.cell(2, col).value = value
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    for word, flag in (("Có", True), ("x", True), ("đạt", True), ("Không", False), ("chưa", False)):
        raw, rd = read_set(with_flag(word), "x.xlsx")
        assert not rd.issues and raw["conditions"][0]["recognition_only"] is flag
    _, rd = read_set(with_flag("hình như có"), "x.xlsx")
    assert [(i.sheet, i.row) for i in rd.issues] == [("Điều kiện", 2)] and "có/không" in rd.issues[0].message
