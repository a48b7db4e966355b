"""DHIS2 both ways: the metadata package and the data values follow DHIS2's documented field rules, and
a dataValueSets file goes back in through the same preview and all-or-nothing write as an Excel file.

The rules below are written from the DHIS2 developer documentation (docs.dhis2.org, "Web API"):
- "Data › Data values": the dataValueSets JSON and CSV layouts, the CSV columns in their order and which
  are required (data element, period, org unit), the accepted BOOLEAN values, id schemes in the payload
  (https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-master/data.html);
- "Metadata › Metadata import" and the CSV metadata tables for data elements and organisation units:
  name ≤ 230 and unique, code ≤ 50, short name ≤ 50 and unique, UID = 11 letters/digits starting with a
  letter, the value types and aggregation types, opening/closed dates as YYYY-MM-DD; "Metadata Attribute
  Value Type and validations" for what each value type accepts (TRUE_ONLY: only true; NUMBER: numeric)
  (https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-master/metadata.html);
- "Overview › Date and period format": the period identifiers (yyyyMM, yyyyQn, yyyy, …)
  (https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-master/introduction.html).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from django.urls import reverse

from ntm.apps.accounts.testing import reopen
from ntm.apps.evaluations.models import Result, ResultAll
from ntm.apps.observations import dhis2
from ntm.apps.observations import exchange as E
from ntm.apps.observations.imports import ImportFailed
from ntm.apps.observations.models import Observation, ObservationVersion
from ntm.apps.observations.services import Entry, record_many
from ntm.apps.units.services import resolve_unit

pytestmark = pytest.mark.django_db

# -- the documented rules, as a validator ----------------------------------------------------------
UID = r"^[A-Za-z][A-Za-z0-9]{10}$"  # "exactly 11 alpha-numeric characters, beginning with a letter"
# fixed period identifiers of the period format table (day, weeks, bi-week, month, bi-month, quarter,
# six-months, year, financial years)
PERIOD = (
    r"^\d{4}(?:\d{4}|W\d{1,2}|(?:Wed|Thu|Sat|Sun)W\d{1,2}|BiW\d{1,2}|(?:0[1-9]|1[0-2])|(?:0[1-9]|1[0-2])B"
    r"|Q[1-4]|S[12]|AprilS[12]|April|July|Oct|Nov)?$"
)
VALUE_TYPES = [
    "INTEGER",
    "NUMBER",
    "UNIT_INTERVAL",
    "PERCENTAGE",
    "INTEGER_POSITIVE",
    "INTEGER_NEGATIVE",
    "INTEGER_ZERO_OR_POSITIVE",
    "FILE_RESOURCE",
    "COORDINATE",
    "TEXT",
    "LONG_TEXT",
    "LETTER",
    "PHONE_NUMBER",
    "EMAIL",
    "BOOLEAN",
    "TRUE_ONLY",
    "DATE",
    "DATETIME",
]
AGGREGATION_TYPES = ["SUM", "AVERAGE", "AVERAGE_SUM_ORG_UNIT", "COUNT", "STDDEV", "VARIANCE", "MIN", "MAX", "NONE"]
PERIOD_TYPES = [
    "Daily",
    "Weekly",
    "WeeklyWednesday",
    "WeeklyThursday",
    "WeeklySaturday",
    "WeeklySunday",
    "BiWeekly",
    "Monthly",
    "BiMonthly",
    "Quarterly",
    "SixMonthly",
    "SixMonthlyApril",
    "Yearly",
    "FinancialApril",
    "FinancialJuly",
    "FinancialOct",
    "FinancialNov",
]
DATE = r"^\d{4}-\d{2}-\d{2}$"
REF = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "pattern": UID}}}
NAMED = {
    "id": {"type": "string", "pattern": UID},
    "code": {"type": "string", "maxLength": 50},
    "name": {"type": "string", "minLength": 1, "maxLength": 230},
    "shortName": {"type": "string", "minLength": 1, "maxLength": 50},
}
METADATA_SCHEMA = {
    "type": "object",
    "properties": {
        "dataElements": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    "code",
                    "name",
                    "shortName",
                    "valueType",
                    "aggregationType",
                    "domainType",
                    "categoryCombo",
                ],
                "properties": {
                    **NAMED,
                    "formName": {"type": "string", "maxLength": 230},
                    "valueType": {"enum": VALUE_TYPES},
                    "aggregationType": {"enum": AGGREGATION_TYPES},
                    "domainType": {"enum": ["AGGREGATE", "TRACKER"]},
                    "categoryCombo": REF,
                    "optionSet": REF,
                    "zeroIsSignificant": {"type": "boolean"},
                },
            },
        },
        "organisationUnits": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "code", "name", "shortName", "openingDate"],
                "properties": {
                    **NAMED,
                    "openingDate": {"type": "string", "pattern": DATE},
                    "closedDate": {"type": "string", "pattern": DATE},
                    "parent": REF,
                },
            },
        },
        "dataSets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "shortName", "periodType", "dataSetElements", "categoryCombo"],
                "properties": {
                    **NAMED,
                    "periodType": {"enum": PERIOD_TYPES},
                    "categoryCombo": REF,
                    "dataSetElements": {
                        "type": "array",
                        "items": {"type": "object", "required": ["dataElement"], "properties": {"dataElement": REF}},
                    },
                    "organisationUnits": {"type": "array", "items": REF},
                },
            },
        },
        "optionSets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "valueType"],
                "properties": {**NAMED, "valueType": {"enum": VALUE_TYPES}},
            },
        },
        "categoryCombos": {"type": "array", "items": {"type": "object", "required": ["id", "name"]}},
    },
}
DATA_VALUE_SET_SCHEMA = {
    "type": "object",
    "required": ["dataValues"],
    "properties": {
        "idScheme": {"enum": ["CODE", "code"]},
        "dataElementIdScheme": {"enum": ["CODE", "code"]},
        "orgUnitIdScheme": {"enum": ["CODE", "code"]},
        "dataValues": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["dataElement", "period", "orgUnit"],
                "properties": {
                    "dataElement": {"type": "string", "minLength": 1},
                    "period": {"type": "string", "pattern": PERIOD},
                    "orgUnit": {"type": "string", "minLength": 1},
                    "value": {"type": "string"},
                    "storedBy": {"type": "string"},
                    "comment": {"type": "string"},
                    "lastUpdated": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$"},
                },
            },
        },
    },
}
CSV_HEADER = [
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
]
BOOLEAN = {"true", "True", "TRUE", "false", "False", "FALSE", "1", "0", "t", "f"}


def check_metadata(meta: dict) -> None:
    jsonschema.validate(meta, METADATA_SCHEMA)
    for kind in ("dataElements", "organisationUnits", "dataSets"):
        objs = meta.get(kind, [])
        for key in ("id", "code", "name", "shortName"):  # documented as unique (name, short name) or identifying
            values = [o[key] for o in objs if key in o]
            assert len(values) == len(set(values)), f"{kind}.{key} repeats"
    ids = {o["id"] for k, v in meta.items() for o in v}
    ous = {o["id"] for o in meta["organisationUnits"]}
    assert all(o["parent"]["id"] in ous for o in meta["organisationUnits"] if "parent" in o)
    assert sum("parent" not in o for o in meta["organisationUnits"]) == 1  # one root
    for ds in meta["dataSets"]:
        assert all(e["dataElement"]["id"] in ids for e in ds["dataSetElements"])
        assert all(o["id"] in ous for o in ds["organisationUnits"])
    for de in meta["dataElements"]:
        assert de["categoryCombo"]["id"] in ids
        assert ("optionSet" in de) == (de["valueType"] == "TEXT")


def check_values(values: list[dict], meta: dict) -> None:
    """Every data value names a data element and an org unit of the package by code, and its value is one
    its data element's value type accepts."""
    elements = {d["code"]: d for d in meta["dataElements"]}
    options = {o["optionSet"]["id"]: set() for o in meta.get("options", [])}
    for o in meta.get("options", []):
        options[o["optionSet"]["id"]].add(o["code"])
    ous = {o["code"] for o in meta["organisationUnits"]}
    for dv in values:
        de = elements[dv["dataElement"]]
        assert dv["orgUnit"] in ous
        v, vt = dv["value"], de["valueType"]
        if vt == "BOOLEAN":
            assert v in BOOLEAN
        elif vt == "TRUE_ONLY":
            assert v == "true"
        elif vt == "NUMBER":
            assert re.fullmatch(r"-?\d+(\.\d+)?", v) and len(v) <= 250
        elif "optionSet" in de:
            assert v in options[de["optionSet"]["id"]]


# -- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture
def nguyen_ly(small_demo):
    return small_demo("xa:13570@2024", periods=("2023-07",))[0]


@pytest.fixture
def entered(nguyen_ly, django_user_model):
    """Values entered through the service by a named user: a decimal, a note with evidence, "not assessed",
    a yes/no value, an assessment without a value."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ntm.apps.observations.evidence import store_evidence

    reopen(nguyen_ly)  # the demo's sheet is approved: open again for these values
    lan = django_user_model.objects.create_user("lan.nt", first_name="Lan", last_name="Nguyễn Thị")
    report = store_evidence(
        SimpleUploadedFile("bao-cao-15.pdf", b"%PDF-1.4 test"), nguyen_ly, "xa-ntm-2021", "2023-07", "3.1"
    )
    record_many(
        overwrite=True,
        entries=[
            Entry(
                nguyen_ly,
                "xa-ntm-2021",
                "2023-07",
                "3.1",
                value="83,9",
                assessment=True,
                note="theo số liệu của phòng Kinh tế",
                evidence=report,
            ),
            Entry(
                nguyen_ly, "xa-ntm-2021", "2023-07", "15.1", not_applicable=True, note="xã không có chợ theo quy hoạch"
            ),
            Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "1.1", value="có", assessment=True),
            Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "2.1", assessment=False),
        ],
        user=lan,
        source="form",
    )
    return lan


def _stored(unit) -> dict:
    from ntm.core.catalog import Kind, default_catalog

    cs = default_catalog().get("xa-ntm-2021")
    out = {}
    for o in Observation.objects.current().filter(unit=unit, set_code="xa-ntm-2021", period="2023-07"):
        numeric = cs.by_code[o.indicator].kind not in (Kind.BOOLEAN, Kind.LEVEL)
        out[o.indicator] = (
            o.value_num,
            None if numeric else o.value_text,
            o.assessment,
            o.not_applicable,
            o.note,
            o.evidence,
        )
    return out


def _empty() -> None:
    Observation.objects.all().delete()
    ObservationVersion.objects.all().delete()
    Result.objects.all().delete()
    ResultAll.objects.all().delete()


# -- tests ------------------------------------------------------------------------------------------
def test_metadata_package_follows_the_documented_rules(nguyen_ly):
    meta = dhis2.metadata(resolve_unit("huyen:353@2024"), period="2023-07")
    check_metadata(meta)
    de = {d["code"]: d for d in meta["dataElements"]}
    # one value type per data element: the value, the official's assessment, "not assessed"
    assert de["xa-ntm-2021:3.1"]["valueType"] == "NUMBER"
    assert de["xa-ntm-2021:1.1"]["valueType"] == "BOOLEAN"
    assert de["xa-ntm-2021:3.1:danh-gia"]["valueType"] == "BOOLEAN"
    assert de["xa-ntm-2021:3.1:khong-danh-gia"]["valueType"] == "TRUE_ONLY"
    assert {d["categoryCombo"]["id"] for d in meta["dataElements"]} == {dhis2.DEFAULT_CATEGORY_COMBO}
    ous = {o["code"]: o for o in meta["organisationUnits"]}
    # GSO codes with their hierarchy: Nguyên Lý (13570) under Lý Nhân (353) under Hà Nam (35)
    assert ous["13570"]["parent"]["id"] == ous["353"]["id"] and ous["353"]["parent"]["id"] == ous["35"]["id"]
    assert ous["13570"]["closedDate"] == "2025-06-30"
    ds = {d["code"]: d for d in meta["dataSets"]}
    assert ds["xa-ntm-2021"]["periodType"] == "Monthly" and len(ds["xa-ntm-2021"]["dataSetElements"]) == 3 * 57
    assert {o["id"] for o in ds["xa-ntm-2021"]["organisationUnits"]} >= {ous["13570"]["id"]}
    assert "huyen-ntm-2021" in ds  # the district's own sets too
    assert dhis2.metadata(resolve_unit("huyen:353@2024")) == dhis2.metadata(resolve_unit("huyen:353@2024"))  # stable


def test_a_number_kept_by_the_reform_gets_its_edition_only_on_the_closed_unit():
    codes = dhis2.OrgUnitCodes()
    old, new = resolve_unit("tinh:01@2024"), resolve_unit("tinh:01@2025")
    assert (codes.code(old), codes.code(new)) == ("01-2024", "01")
    assert codes.resolve("01", dhis2.parse_period("202307")) == old  # the unit that carried it then
    assert codes.resolve("01", dhis2.parse_period("2025Q4")) == new
    assert codes.resolve("01-2024", dhis2.parse_period("2025Q4")) == old


def test_data_values_follow_the_documented_rules(nguyen_ly, entered):
    qs = Observation.objects.current().filter(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
    meta = dhis2.metadata(nguyen_ly, set_code="xa-ntm-2021")
    data = json.loads("".join(dhis2.data_value_set_json(qs)))
    jsonschema.validate(data, DATA_VALUE_SET_SCHEMA)
    check_values(data["dataValues"], meta)
    by = {(d["dataElement"]): d for d in data["dataValues"]}
    assert by["xa-ntm-2021:3.1"]["value"] == "83.9" and by["xa-ntm-2021:3.1:danh-gia"]["value"] == "true"
    assert by["xa-ntm-2021:3.1"]["storedBy"] == "lan.nt"  # the username, not the display name
    assert by["xa-ntm-2021:3.1"]["comment"].startswith("theo số liệu của phòng Kinh tế\nMinh chứng: minh-chung/")
    assert by["xa-ntm-2021:15.1:khong-danh-gia"]["value"] == "true" and "xa-ntm-2021:15.1:danh-gia" not in by
    assert "xa-ntm-2021:2.1" not in by and by["xa-ntm-2021:2.1:danh-gia"]["value"] == "false"  # no "true" as a number
    assert by["xa-ntm-2021:1.1"]["value"] == "true"
    assert all(d["period"] == "202307" and d["orgUnit"] == "13570" for d in data["dataValues"])
    rows = list(csv.reader(io.StringIO("".join(dhis2.data_value_set_csv(qs)))))
    assert rows[0] == CSV_HEADER
    as_json = [{"dataElement": r[0], "period": r[1], "orgUnit": r[2], "value": r[5]} for r in rows[1:]]
    assert all(r[3] == r[4] == "" and r[9] in ("true", "false") for r in rows[1:])
    jsonschema.validate({"dataValues": as_json}, DATA_VALUE_SET_SCHEMA)
    check_values(as_json, meta)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip_into_an_empty_database_keeps_every_value(tmp_path, nguyen_ly, entered, fmt):
    qs = Observation.objects.current().filter(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
    before = _stored(nguyen_ly)
    e = E.build_export("dhis2", fmt, unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
    path = tmp_path / e.filename
    path.write_text("".join(e.text), encoding="utf-8")
    assert qs.count() == 57
    _empty()
    plan = E.plan_file(path)
    assert plan.ok, [str(i) for i in plan.issues]
    assert (plan.new, plan.changed) == (57, 0) and Observation.objects.count() == 0  # a preview writes nothing
    res = E.commit_file(path)
    assert res.written == 57 and {o.source for o in Observation.objects.all()} == {"import"}
    assert _stored(nguyen_ly) == before
    assert ResultAll.objects.filter(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07").exists()  # re-evaluated
    assert E.plan_file(path).unchanged == 57  # the same file again changes nothing


def _write(tmp_path: Path, values: list[dict], **head) -> Path:
    path = tmp_path / "dhis2.json"
    path.write_text(json.dumps({**head, "dataValues": values}), encoding="utf-8")
    return path


def test_a_bad_file_is_refused_whole_with_its_own_lines_and_fields(tmp_path, nguyen_ly):
    reopen(nguyen_ly)  # the demo approved the sheet: open again (as after «Mở lại»), so that only bad lines are refused
    good = {"dataElement": "xa-ntm-2021:3.1", "period": "202307", "orgUnit": "13570", "value": "90"}
    path = _write(
        tmp_path,
        [
            good,
            {**good, "dataElement": "fbfJHSPpUQD"},  # a UID: the file was not exported by code
            {**good, "dataElement": "xa-ntm-2021:3.2", "period": "2023W10"},
            {**good, "dataElement": "xa-ntm-2021:2.2", "orgUnit": "99999"},
            {**good, "dataElement": "xa-ntm-2021:1.1", "value": "có lẽ"},
            {**good, "dataElement": "xa-ntm-2021:4.2", "value": "80,5"},
            {**good, "dataElement": "xa-ntm-2021:2.3", "categoryOptionCombo": "Prlt0C1RF0s"},
            good,
        ],
    )
    before = Observation.objects.count()
    plan = E.plan_file(path)
    assert not plan.ok
    got = {(i.row, i.column) for i in plan.issues}
    assert got == {
        (2, "dataElement"),
        (3, "period"),
        (4, "orgUnit"),
        (5, "value"),
        (6, "value"),
        (7, "categoryOptionCombo"),
        (8, "dataElement"),
    }
    assert str(plan.issues[0]).startswith("dhis2.json [dataValues], dòng 2, cột 'dataElement':")
    assert "2023W10" in next(i.message for i in plan.issues if i.column == "period")
    with pytest.raises(ImportFailed):
        E.commit_file(path)
    assert Observation.objects.count() == before


def test_a_file_that_changes_an_approved_sheet_is_refused_at_its_line_and_period(tmp_path, nguyen_ly):
    """A DHIS2 file goes through the template's check: the demo approved Nguyên Lý's sheet of 7/2023, so
    its value is refused, and nothing is written — not even the value of an open month, which is allowed."""
    value = {"dataElement": "xa-ntm-2021:3.1", "orgUnit": "13570", "value": "97.5"}
    path = _write(tmp_path, [{**value, "period": "202403"}, {**value, "period": "202307"}], idScheme="CODE")
    plan = E.plan_file(path)
    assert not plan.ok and [(i.file, i.row, i.column) for i in plan.issues] == [("dhis2.json", 2, "period")]
    assert "Xã Nguyên Lý — bộ xa-ntm-2021, tháng 7/2023 đã được phê duyệt" in plan.issues[0].message
    before = Observation.objects.count()
    with pytest.raises(ImportFailed) as e:
        E.commit_file(path)
    assert [(i.row, i.column) for i in e.value.issues] == [(2, "period")]
    assert Observation.objects.count() == before


def test_row_checks_of_the_excel_import_speak_of_the_dhis2_line(tmp_path, nguyen_ly, entry_officer):
    officer = entry_officer("can_bo_nl", nguyen_ly.uid)
    cong_ly = resolve_unit("Hà Nam/Lý Nhân/Công Lý")
    path = tmp_path / "dhis2.csv"
    path.write_text(
        ",".join(CSV_HEADER) + "\n"
        f"xa-ntm-2021:3.1,202307,13570,,,95,x,,,false\n"
        f"xa-ntm-2021:3.1,202307,{cong_ly.code},,,95,x,,,false\n",
        encoding="utf-8",
    )
    plan = E.plan_file(path, user=officer)
    assert not plan.ok and [(i.row, i.column) for i in plan.issues] == [(3, "orgUnit")]
    assert "không có quyền" in plan.issues[0].message


def test_a_file_identified_by_uid_is_unusable(tmp_path):
    path = _write(tmp_path, [], idScheme="UID")
    with pytest.raises(ImportFailed, match="idScheme=CODE"):
        E.plan_file(path)


def test_web_upload_of_a_dhis2_file_and_metadata_download(client, tmp_path, nguyen_ly, entry_officer, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    reopen(nguyen_ly)  # the demo approved the sheet: open again (as after «Mở lại») for the file
    officer = entry_officer("can_bo_nl", nguyen_ly.uid)
    client.force_login(officer)
    r = client.get(reverse("reports-export"), {"unit": nguyen_ly.uid, "what": "dhis2-metadata", "format": "json"})
    check_metadata(json.loads(b"".join(r.streaming_content)))
    path = _write(
        tmp_path,
        [
            {
                "dataElement": "xa-ntm-2021:3.1",
                "period": "202307",
                "orgUnit": "13570",
                "value": "97.5",
                "comment": "đo lại",
            }
        ],
        idScheme="CODE",
    )
    with open(path, "rb") as f:
        r = client.post(reverse("reports-upload"), {"file": f})
    assert r.status_code == 302
    assert "Xác nhận ghi 1 giá trị" in client.get(r["Location"]).content.decode()
    batch = r["Location"].rstrip("/").split("/")[-1]
    client.post(reverse("reports-import-confirm", args=[batch]), {"action": "confirm"})
    o = Observation.objects.get(batch=batch)
    assert (o.indicator, o.value_num, o.note, o.created_by) == ("3.1", 97.5, "đo lại", officer)


def test_a_dhis2_file_that_cannot_be_read_safely_is_refused_with_its_name(tmp_path):
    """Deep nesting and NUL in a DHIS2 file are refused as unusable input, never a server error."""
    deep = tmp_path / "sau.json"
    deep.write_text('{"dataValues": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    nul = tmp_path / "nul.csv"
    nul.write_text("dataelement,period,orgunit\nxa-ntm-2021:3.1,202307,01\x00,,,91\n", encoding="utf-8")
    for path in (deep, nul):
        with pytest.raises(ImportFailed) as exc:
            dhis2.plan_import(path, name=path.name)
        assert path.name in str(exc.value.issues[0])
