"""One validation path for a value, whatever its door — the entry form, the API, the import, ``ntm evaluate``:
the same parser and ranges, the unit and the set in force in the period, the version of the value replaced,
evidence only as a file uploaded for the cell, no NUL character. Every refusal names where and what, and
changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from ntm.apps.accounts.testing import api_token
from ntm.apps.evaluations.models import ResultAll
from ntm.apps.observations import imports as I
from ntm.apps.observations.models import Observation
from ntm.apps.units.models import Unit
from ntm.core.evaluation.model import STATUS_LETTERS, Status

pytestmark = pytest.mark.django_db

SET, PERIOD = "xa-ntm-2021", "2023-07"
FORM = f"/nhap-lieu/xa:13570@2024/{SET}/{PERIOD}/"
PERCENT = "2.1"  # a percentage without an official threshold in this set
INCOME = "10"  # triệu đồng/người/năm, no official threshold
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def current(unit, code, period=PERIOD):
    return Observation.objects.filter(unit=unit, set_code=SET, period=period, indicator=code).first()


def api(user) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return c


def entry(unit, code=PERCENT, **kw) -> dict:
    return {"unit": unit.uid, "set": SET, "period": PERIOD, "indicator": code, **kw}


def csv_file(tmp_path, rows: list[list[str]], name="nhap.csv", header=None) -> Path:
    header = header or [
        "Mã đơn vị",
        "Bộ tiêu chí",
        "Kỳ",
        "Chỉ tiêu",
        "Giá trị",
        "Đánh giá",
        "Ghi chú",
        "Minh chứng",
        "Lần sửa",
    ]
    path = tmp_path / name
    path.write_text("\n".join(";".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def issues(path) -> list[tuple[int, str, str]]:
    plan = I.plan_import(path)
    return [(i.row, i.column, i.message) for i in plan.issues]


# -- numbers: one parser, exact, never guessed ---------------------------------------------------------------
def test_the_import_refuses_a_number_that_could_mean_two_and_says_both(tmp_path, nguyen_ly):
    path = csv_file(tmp_path, [[nguyen_ly.uid, SET, "2023-08", PERCENT, "64.125", "đạt", "", "", ""]])
    [(row, column, message)] = issues(path)
    assert (row, column) == (2, "Giá trị") and "64,125" in message and "64125" in message
    with pytest.raises(I.ImportFailed):
        I.commit_import(path)
    assert current(nguyen_ly, PERCENT, "2023-08") is None  # was stored as 64125


def test_the_import_reads_plain_and_vietnamese_decimals_exactly(tmp_path, nguyen_ly):
    path = csv_file(
        tmp_path,
        [
            [nguyen_ly.uid, SET, "2023-08", PERCENT, "0.125", "đạt", "", "", ""],
            [nguyen_ly.uid, SET, "2023-08", INCOME, "1.234,5", "đạt", "", "", ""],
        ],
    )
    I.commit_import(path)
    assert current(nguyen_ly, PERCENT, "2023-08").value_num == 0.125  # was 125
    assert current(nguyen_ly, INCOME, "2023-08").value_num == 1234.5


@pytest.mark.parametrize("value", ["150", "-5", "1.234,5"])
def test_a_percentage_outside_0_to_100_is_refused_at_every_door(tmp_path, users, seeded, as_user, value):
    # import
    path = csv_file(tmp_path, [[seeded.uid, SET, "2023-08", PERCENT, value, "đạt", "", "", ""]])
    [(row, column, message)] = issues(path)
    assert (row, column) == (2, "Giá trị") and "0–100" in message and PERCENT in message
    # API
    r = api(users["xa"]).post("/api/v1/observations/", entry(seeded, value=value, period="2023-08"), format="json")
    assert r.status_code == 400 and "0–100" in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "value"
    # form
    c = as_user(users["xa"])
    r = c.post(FORM, {f"v-{PERCENT}": value, f"a-{PERCENT}": "dat", f"ver-{PERCENT}": "1"})
    assert r.status_code == 400 and "0–100" in r.content.decode()
    assert current(seeded, PERCENT).value_text == "" and current(seeded, PERCENT, "2023-08") is None


def test_the_form_shows_a_stored_number_so_that_it_reads_back_as_itself(users, seeded, as_user):
    c = as_user(users["xa"])
    assert c.post(FORM, {f"v-{PERCENT}": "64,1250", f"a-{PERCENT}": "dat", f"ver-{PERCENT}": "1"}).status_code == 302
    assert current(seeded, PERCENT).value_num == 64.125
    html = c.get(FORM).content.decode()
    assert f'name="v-{PERCENT}" value="64,1250"' in html  # "64,125" would be refused as ambiguous
    # saving the page again unchanged saves nothing
    r = c.post(FORM, {f"v-{PERCENT}": "64,1250", f"a-{PERCENT}": "dat", f"ver-{PERCENT}": "2"}, follow=True)
    assert "Không có thay đổi nào" in r.content.decode() and current(seeded, PERCENT).version == 2


# -- the version of the value replaced ---------------------------------------------------------------------
def test_the_api_answers_409_to_a_write_over_a_value_without_its_version(users, seeded):
    c = api(users["xa"])
    r = c.post("/api/v1/observations/", entry(seeded, value="91,5", assessment=True), format="json")
    assert r.status_code == 409 and r.json()["current_version"] == 1 and "lần sửa 1" in r.json()["detail"]
    assert current(seeded, PERCENT).version == 1 and current(seeded, PERCENT).value_text == ""
    # two writers who read version 1: the first wins, the second is told, nothing is lost silently
    assert (
        c.post(
            "/api/v1/observations/", entry(seeded, value="91,5", assessment=True, expected_version=1), format="json"
        ).status_code
        == 201
    )
    r = c.post("/api/v1/observations/", entry(seeded, value="80", assessment=True, expected_version=1), format="json")
    assert r.status_code == 409 and current(seeded, PERCENT).value_text == "91,5"
    # a first value needs no version; repeating the current value changes nothing and needs none
    assert (
        c.post(
            "/api/v1/observations/", entry(seeded, period="2023-08", value="70", assessment=True), format="json"
        ).status_code
        == 201
    )
    assert (
        c.post(
            "/api/v1/observations/", entry(seeded, period="2023-08", value="70", assessment=True), format="json"
        ).status_code
        == 201
    )
    assert current(seeded, PERCENT, "2023-08").version == 1


def test_an_import_without_versions_cannot_overwrite_a_value(tmp_path, seeded):
    path = csv_file(
        tmp_path,
        [
            [seeded.uid, SET, PERIOD, PERCENT, "91,5", "đạt", "", ""],
            [seeded.uid, SET, PERIOD, "1.1", "", "đạt", "", ""],
        ],  # the same as stored: fine
        header=["Mã đơn vị", "Bộ tiêu chí", "Kỳ", "Chỉ tiêu", "Giá trị", "Đánh giá", "Ghi chú", "Minh chứng"],
    )
    [(row, column, message)] = issues(path)
    assert (row, column) == (2, "Lần sửa") and "đã có số liệu (lần sửa 1" in message
    with pytest.raises(I.ImportFailed):
        I.commit_import(path)
    assert current(seeded, PERCENT).version == 1


# -- the unit and the set in force in the period ---------------------------------------------------------------
@pytest.mark.parametrize(
    "period,why", [("2026-03", "không có hiệu lực trong tháng 3/2026"), ("1900-01", "chỉ áp dụng từ ngày 08/03/2022")]
)
def test_a_unit_or_set_not_in_force_in_the_period_is_refused_by_the_api_and_the_import(
    tmp_path, users, nguyen_ly, period, why
):
    r = api(users["xa"]).post("/api/v1/observations/", entry(nguyen_ly, period=period, assessment=True), format="json")
    assert r.status_code == 400 and why in r.json()["detail"] and r.json()["errors"][0]["field"] == "period"
    path = csv_file(tmp_path, [[nguyen_ly.uid, SET, period, PERCENT, "", "đạt", "", "", ""]])
    [(row, column, message)] = issues(path)
    assert (row, column) == (2, "Kỳ") and why in message
    assert not Observation.objects.filter(unit=nguyen_ly, period=period).exists()


# -- evidence: a file uploaded for the cell, nothing else -----------------------------------------------------
def test_the_api_accepts_evidence_only_as_a_reference_to_a_file_of_the_cell(users, seeded, cong_ly, media):
    own = "minh-chung/xa-13570-2024/xa-ntm-2021/2023-07/2.1-abcd1234-bien-ban.pdf"
    other = "minh-chung/xa-13582-2024/xa-ntm-2021/2023-07/2.1-abcd1234-bien-ban.pdf"  # Công Lý's file
    for p in (own, other):
        (media / p).parent.mkdir(parents=True, exist_ok=True)
        (media / p).write_bytes(PDF)
    c = api(users["xa"])
    for bad in (
        "/etc/passwd",
        "../../etc/passwd",
        other,
        own.replace("2023-07", "2023-08"),
        own.replace("abcd1234", "00000000"),
    ):  # another unit, another period, a file never uploaded
        r = c.post(
            "/api/v1/observations/", entry(seeded, assessment=True, evidence=bad, expected_version=1), format="json"
        )
        assert r.status_code == 400, bad
        assert r.json()["errors"][0]["field"] == "evidence" and bad in r.json()["detail"]
    assert current(seeded, PERCENT).evidence == "" and current(seeded, PERCENT).version == 1
    r = c.post("/api/v1/observations/", entry(seeded, assessment=True, evidence=own, expected_version=1), format="json")
    assert r.status_code == 201 and current(seeded, PERCENT).evidence == own


def test_the_api_uploads_an_evidence_file_for_a_cell_and_returns_its_reference(users, seeded, media):
    c = api(users["xa"])
    up = c.post(
        "/api/v1/observations/evidence/",
        {
            "unit": seeded.uid,
            "set": SET,
            "period": PERIOD,
            "indicator": PERCENT,
            "file": SimpleUploadedFile("bien-ban.pdf", PDF),
        },
        format="multipart",
    )
    assert up.status_code == 201, up.content
    path = up.json()["evidence"]
    assert path.startswith("minh-chung/xa-13570-2024/xa-ntm-2021/2023-07/2.1-") and (media / path).read_bytes() == PDF
    r = c.post(
        "/api/v1/observations/", entry(seeded, assessment=True, evidence=path, expected_version=1), format="json"
    )
    assert r.status_code == 201 and current(seeded, PERCENT).evidence == path
    # a wrong type, a period the commune did not exist in, another commune's user: refused, nothing stored
    bad_type = c.post(
        "/api/v1/observations/evidence/",
        {
            "unit": seeded.uid,
            "set": SET,
            "period": PERIOD,
            "indicator": PERCENT,
            "file": SimpleUploadedFile("x.exe", b"MZ"),
        },
        format="multipart",
    )
    assert bad_type.status_code == 400 and "file" in bad_type.json()
    late = c.post(
        "/api/v1/observations/evidence/",
        {
            "unit": seeded.uid,
            "set": SET,
            "period": "2026-03",
            "indicator": PERCENT,
            "file": SimpleUploadedFile("b.pdf", PDF),
        },
        format="multipart",
    )
    assert late.status_code == 400 and "không có hiệu lực" in str(late.json()["period"])
    from django.contrib.auth import get_user_model

    from ntm.apps.accounts.models import Membership

    stranger = get_user_model().objects.create_user("xa_khac")
    Membership.objects.create(user=stranger, unit=Unit.objects.get(uid="xa:13582@2024"), role="entry")
    r = api(stranger).post(
        "/api/v1/observations/evidence/",
        {
            "unit": seeded.uid,
            "set": SET,
            "period": PERIOD,
            "indicator": PERCENT,
            "file": SimpleUploadedFile("c.pdf", PDF),
        },
        format="multipart",
    )
    assert r.status_code == 403
    assert len(list((media / "minh-chung").rglob("*.pdf"))) == 1


def test_the_import_accepts_only_references_to_the_cells_own_evidence_files(tmp_path, seeded, media):
    own = "minh-chung/xa-13570-2024/xa-ntm-2021/2023-08/2.1-abcd1234-bien-ban.pdf"
    other = "minh-chung/xa-13582-2024/xa-ntm-2021/2023-08/2.1-abcd1234-bien-ban.pdf"
    for p in (own, other):
        (media / p).parent.mkdir(parents=True)
        (media / p).write_bytes(PDF)
    made_up = own.replace("abcd1234", "00000000")
    rows = [
        [seeded.uid, SET, "2023-08", code, "", "đạt", "", ev, ""]
        for code, ev in (("1.1", "/etc/passwd"), ("1.2", other), ("2.2", made_up), ("2.3", own))
    ]
    found = issues(csv_file(tmp_path, rows))
    assert [(row, column) for row, column, _ in found] == [(2, "Minh chứng"), (3, "Minh chứng"), (4, "Minh chứng")]
    assert "/etc/passwd" in found[0][2] and other in found[1][2] and "không có tệp này" in found[2][2]
    assert not Observation.objects.filter(unit=seeded, period="2023-08").exists()
    I.commit_import(csv_file(tmp_path, rows[3:], name="dung.csv"))
    assert current(seeded, "2.3", "2023-08").evidence == own


# -- NUL characters ---------------------------------------------------------------------------------------
def test_a_nul_in_a_note_is_refused_by_the_form_the_api_and_the_import(tmp_path, users, seeded, as_user):
    note = "biên bản\x00 kèm theo"
    r = as_user(users["xa"]).post(
        FORM, {f"v-{PERCENT}": "", f"a-{PERCENT}": "dat", f"n-{PERCENT}": note, f"ver-{PERCENT}": "1"}
    )
    assert r.status_code == 400 and "NUL" in r.content.decode()  # refused before the view, naming the field
    r = api(users["xa"]).post(
        "/api/v1/observations/", entry(seeded, assessment=True, note=note, expected_version=1), format="json"
    )
    assert r.status_code == 400
    # in a CSV, past the first 8 KB (the file is not refused as a whole)
    from ntm.core.catalog import default_catalog

    filler = [
        [seeded.uid, SET, "2023-08", i.code, "", "đạt", "ghi chú dài " * 12, "", ""]
        for i in default_catalog().get(SET).indicators
        if i.code != PERCENT
    ]
    path = csv_file(tmp_path, [*filler, [seeded.uid, SET, "2023-08", PERCENT, "", "đạt", note, "", ""]])
    assert path.stat().st_size > 8192
    with pytest.raises(I.ImportFailed) as refused:  # the whole file is refused, naming the row and the column
        I.plan_import(path)
    [problem] = refused.value.issues
    assert (problem.row, problem.column) == (
        len(filler) + 2,
        "G",
    ) and "NUL" in problem.message  # G58, as a spreadsheet shows it
    assert current(seeded, PERCENT).note == "" and not Observation.objects.filter(period="2023-08").exists()


# -- indicators without an official threshold -------------------------------------------------------------------
def test_a_value_without_threshold_says_what_is_true_and_the_form_asks_for_the_assessment(users, seeded, as_user):
    c = as_user(users["xa"])
    r = c.post(FORM, {f"v-{PERCENT}": "100", f"a-{PERCENT}": "", f"ver-{PERCENT}": "1"}, follow=True)
    html = r.content.decode()
    assert current(seeded, PERCENT).value_num == 100 and current(seeded, PERCENT).assessment is None
    assert f"Chỉ tiêu {PERCENT}: giá trị đã được lưu, nhưng chưa có ngưỡng chính thức" in html
    row = html.split(f'id="row-{PERCENT.replace(".", "-")}"')[1].split("</tr>")[0]
    status = row.split('class="status"')[1]
    assert "Chưa có số liệu" not in status and "Chờ đánh giá của cán bộ" in status
    assert "Đã có giá trị 100%" in status and "chưa có ngưỡng chính thức nào được nạp" in status
    assert "đánh giá của cán bộ quyết định" in status
    assert "hãy chọn Đạt hoặc Chưa đạt" in row  # the assessment is asked for beside its field
    # the preview says the same while typing
    r = c.post(FORM + "xem-truoc/", {f"v-{PERCENT}": "80", f"a-{PERCENT}": "", f"ver-{PERCENT}": "2", "row": PERCENT})
    assert "Chờ đánh giá của cán bộ" in r.content.decode() and "Chưa có số liệu" not in r.content.decode()


# -- ntm evaluate and the web import: the same answer for the same file ---------------------------------------
def _cli(capsys, path, unit) -> tuple[int, str, str]:
    from ntm.apps.evaluations.services import context_for
    from ntm.cli import main

    ctx = context_for(unit, 2023)
    argv = ["evaluate", SET, "--input", str(path), "--format", "json", "--region", ctx.region, "--year", "2023"]
    argv += (["--province", ctx.province] if ctx.province else []) + (["--special"] if ctx.special else [])
    argv += ["--group", ctx.group] if ctx.group else []
    capsys.readouterr()  # only what the command writes (not the log lines of the test's own writes before it)
    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_ntm_evaluate_and_the_web_import_give_the_same_answer_for_the_same_file(tmp_path, capsys, nguyen_ly):
    from ntm.core.catalog import default_catalog

    cs = default_catalog().get(SET)
    values = {PERCENT: "0.125", "2.2": "91,5", INCOME: "1.234,5", "3.1": "79,9", "17.1": "100", "14.2": "64,1250"}
    assess = {"1.1": "x", "1.2": "KĐG", "2.3": "chưa đạt", "2.4": "CHƯA ĐẠT", "5": "Đạt", "6.1": "không đạt"}
    rows = [
        [nguyen_ly.uid, SET, "2023-08", i.code, values.get(i.code, ""), assess.get(i.code, "đạt"), "", "", ""]
        for i in cs.indicators
    ]
    good = csv_file(tmp_path, rows, name="tot.csv")
    code, out, err = _cli(capsys, good, nguyen_ly)
    assert code == 0, err
    by_cli = json.loads(out)
    I.commit_import(good)
    stored = ResultAll.objects.get(unit=nguyen_ly, set_code=SET, period="2023-08")
    assert (by_cli["criteria"]["met"], by_cli["indicators"]["met"]) == (stored.criteria_met, stored.indicators_met)
    assert by_cli["unmet_indicators"] == stored.unmet_indicators and by_cli["conflicts"] == stored.conflicts
    letters = "".join(STATUS_LETTERS[Status(r["status"])] for r in by_cli["indicator_results"])
    assert letters == stored.detail["statuses"]  # indicator by indicator, in catalogue order
    assert {r["code"]: r["value"] for r in by_cli["indicator_results"] if r["value"] is not None} == {
        PERCENT: 0.125,
        "2.2": 91.5,
        INCOME: 1234.5,
        "3.1": 79.9,
        "17.1": 100.0,
        "14.2": 64.125,
    }
    # a faulty file: the same rows, columns and messages
    bad_rows = [list(r) for r in rows]
    bad_rows[1][4], bad_rows[4][4], bad_rows[6][5], bad_rows[9][4] = "64.125", "150", "tốt", "1,2,3"
    bad = csv_file(tmp_path, bad_rows, name="loi.csv")
    code, _, err = _cli(capsys, bad, nguyen_ly)
    assert code == 1
    header = {"value": "Giá trị", "assessment": "Đánh giá"}
    by_cli = set()
    for line in err.strip().removeprefix("Lỗi: ").splitlines():
        where, _, message = line.partition(": ")
        row = int(where.split("dòng ")[1].split(",")[0])
        column = header[where.split("cột '")[1].rstrip("'")]
        by_cli.add((row, column, message.strip()))
    assert by_cli == set(issues(bad)) and len(by_cli) == 4
