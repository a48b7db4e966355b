"""Import files from upload to removal: refused at once when hostile (a row numbered 1,000,000,000, NUL
far into a CSV, NUL in a form field), read in every encoding and format offices use, checked once at
upload (the preview never reads the file again), held within a per-user quota, removed when never
confirmed — every message naming the user's file, never the stored one."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from ntm.apps.observations import imports as I
from ntm.apps.observations.models import Observation
from ntm.apps.reports import uploads
from ntm.apps.reports.models import ImportBatch
from ntm.apps.units.services import resolve_unit
from ntm.core.tables.testing import ods_bytes, ods_row, ods_table, row_xml, sheet_xml, windows_1258, xlsx_bytes

pytestmark = pytest.mark.django_db
NGUYEN_LY = "xa:13570@2024"
# the commune's nâng cao sheet of 12/2023, returned by the district for corrections (the demo's): open
# to a file, unlike its approved sheets, which an import may not change
SET, PERIOD = "xa-nang-cao-2021", "2023-12"
HEAD = "Mã đơn vị,Bộ tiêu chí,Kỳ,Chỉ tiêu,Giá trị,Đánh giá,Ghi chú,Lần sửa\n"


@pytest.fixture
def officer(demo, entry_officer):
    return entry_officer("can_bo_tai_len", NGUYEN_LY)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT) / uploads.UPLOAD_DIR


def _current(indicator: str = "1.1") -> Observation:
    return Observation.objects.current().get(
        unit=resolve_unit(NGUYEN_LY), set_code=SET, period=PERIOD, indicator=indicator
    )


def _flip(indicator: str = "1.1") -> str:
    """The opposite of the current assessment of ``indicator`` on Nguyên Lý's returned sheet (one change)."""
    return "chưa đạt" if _current(indicator).assessment else "đạt"


def _one_change() -> str:
    """A file that replaces the demo's assessment of 1.1, naming the version it replaces."""
    return HEAD + f"{NGUYEN_LY},{SET},{PERIOD},1.1,,{_flip()},tải lên,{_current().version}\n"


def _upload(client, name: str, data: bytes, **fields):
    return client.post(reverse("reports-upload"), {"file": SimpleUploadedFile(name, data), **fields})


def _batch(response) -> ImportBatch:
    return ImportBatch.objects.get(batch=response["Location"].rstrip("/").split("/")[-1])


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# -- refused at once ----------------------------------------------------------------------------------
def test_a_workbook_with_one_row_numbered_a_billion_is_refused_at_upload_by_its_name(client, officer, media):
    data = xlsx_bytes(
        sheet_xml(row_xml(1, ["Mã đơn vị", "Chỉ tiêu", "Đánh giá"]) + row_xml(1_000_000_000, [NGUYEN_LY, "1.1", "đạt"]))
    )
    client.force_login(officer)
    r = _upload(client, "so lieu xa Nguyen Ly.xlsx", data)
    b = _batch(r)
    assert b.status == ImportBatch.Status.FAILED and not b.stored_path and not list(media.iterdir())
    issue = b.summary["issues"][0]
    assert issue["file"] == "so lieu xa Nguyen Ly.xlsx" and issue["sheet"] == "Số liệu"
    assert "1.000.000.000" in issue["message"] and "1.048.576" in issue["message"]
    page = client.get(r["Location"]).content.decode()
    assert "so lieu xa Nguyen Ly.xlsx" in page and "1.000.000.000" in page


def test_nul_far_into_a_csv_is_refused_with_its_row_and_column(client, officer, media):
    rows = "".join(f"{NGUYEN_LY},{SET},{PERIOD},1.1,,,ghi chú dài cho đủ 8 KB {k}\n" for k in range(300))
    data = (HEAD + rows + f"{NGUYEN_LY},{SET},{PERIOD},2.1,,đạt,có\x00nul\n").encode()
    assert len(data) > 8192 * 2
    client.force_login(officer)
    b = _batch(_upload(client, "co-ky-tu-la.csv", data))
    assert b.status == ImportBatch.Status.FAILED
    issue = b.summary["issues"][0]
    assert (issue["file"], issue["row"], issue["column"]) == ("co-ky-tu-la.csv", 302, "G") and "NUL" in issue["message"]


def test_nul_in_a_form_field_is_refused_before_the_view(client, officer, media):
    client.force_login(officer)
    r = _upload(client, "mot.csv", _one_change().encode(), period=PERIOD + "\x00")
    assert r.status_code == 400 and "period" in r.content.decode()
    r = client.post(reverse("reports-upload"), {"file": SimpleUploadedFile("mot.csv", b"a"), "set": "x\x00"})
    assert r.status_code == 400
    assert not ImportBatch.objects.exists()


# -- read in every encoding and format ------------------------------------------------------------------
@pytest.mark.parametrize("encode", [windows_1258, lambda t: t.encode("utf-16")], ids=["windows-1258", "utf-16"])
def test_csv_saved_by_older_excel_is_imported_like_utf8(encode, officer, tmp_path):
    path = tmp_path / "tu-danh-gia.csv"
    path.write_bytes(encode(_one_change()))
    plan = I.plan_import(path, user=officer)
    assert plan.ok, [str(i) for i in plan.issues]
    assert plan.changed == 1 and plan.changes[0].after == _flip() and plan.changes[0].row == 2


def test_an_ods_file_is_imported_like_an_xlsx_one(officer, tmp_path):
    path = tmp_path / "so-lieu.ods"
    head = ["Mã đơn vị", "Bộ tiêu chí", "Kỳ", "Chỉ tiêu", "Đánh giá", "Lần sửa"]
    path.write_bytes(
        ods_bytes(
            ods_table(
                "Số liệu",
                ods_row(head) + ods_row([NGUYEN_LY, SET, PERIOD, "1.1", _flip(), str(_current().version)]),
            )
        )
    )
    plan = I.plan_import(path, user=officer)
    assert plan.ok and plan.changed == 1


# -- checked once --------------------------------------------------------------------------------------------
def test_the_preview_shows_the_check_made_at_upload_without_reading_the_file(client, officer, media, monkeypatch):
    client.force_login(officer)
    r = _upload(client, "mot thay doi.csv", _one_change().encode())

    def read_again(*a, **kw):
        raise AssertionError("the preview read the file again")

    monkeypatch.setattr(I, "plan_import", read_again)
    monkeypatch.setattr(I, "read_table", read_again, raising=False)
    page = client.get(r["Location"]).content.decode()
    assert "Xác nhận ghi 1 giá trị" in page and "mot thay doi.csv" in page
    b = _batch(r)
    assert b.status == ImportBatch.Status.PENDING and b.plan["changed"] == 1 and b.checked_at
    assert Path(b.stored_path).name not in page


def test_the_confirm_writes_what_the_upload_checked_without_reading_the_file_again(client, officer, media, monkeypatch):
    client.force_login(officer)
    wanted = _flip()
    b = _batch(_upload(client, "xac-nhan.csv", _one_change().encode()))
    stage = uploads.stage_path(b)
    assert b.status == ImportBatch.Status.PENDING and stage.is_file() and stage.parent == media

    def read_again(*a, **kw):
        raise AssertionError("the confirm checked the file again")

    monkeypatch.setattr("ntm.apps.observations.imports.run._scan", read_again)
    r = client.post(reverse("reports-import-confirm", args=[b.batch]), {"action": "confirm"})
    b.refresh_from_db()
    assert b.status == ImportBatch.Status.DONE and b.written == 1 and "Đã ghi 1 giá trị" in _messages(r)[0]
    assert _current().assessment == (wanted == "đạt") and _current().batch == b.batch
    assert not b.stored_path and not list(media.iterdir())  # the file and its stage removed together


def test_a_file_that_changes_an_approved_sheet_is_refused_at_upload_with_the_reason(client, officer, media, settings):
    approved = Observation.objects.current().get(
        unit=resolve_unit(NGUYEN_LY), set_code="xa-ntm-2021", period="2023-07", indicator="1.1"
    )
    flipped = "chưa đạt" if approved.assessment else "đạt"
    data = HEAD + f"{NGUYEN_LY},xa-ntm-2021,2023-07,1.1,,{flipped},sửa sau khi duyệt,{approved.version}\n"
    client.force_login(officer)
    r = _upload(client, "thang-7.csv", data.encode())
    b = _batch(r)
    assert b.status == ImportBatch.Status.FAILED and not b.stored_path and not list(media.iterdir())
    page = client.get(r["Location"]).content.decode()
    assert "1 lỗi — tệp thang-7.csv chưa được ghi." in page and "Xác nhận ghi" not in page
    assert '<td class="num">2</td><td>Kỳ</td>' in page  # the row and the column of the refusal
    assert "Số liệu Xã Nguyên Lý — bộ xa-ntm-2021, tháng 7/2023 đã được phê duyệt và đang bị khóa" in page
    assert "cần cấp thẩm định mở lại trước khi sửa" in page
    # in English the page around it is English; the reason, a stored Vietnamese message, is marked so
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(r["Location"]).content.decode()
    assert "errors — the file thang-7.csv was not written." in page
    assert '<td lang="vi">Số liệu Xã Nguyên Lý — bộ xa-ntm-2021, tháng 7/2023 đã được phê duyệt' in page
    assert Observation.objects.current().get(pk=approved.pk).assessment == approved.assessment  # nothing written


def test_a_file_checked_while_the_sheet_was_open_is_refused_once_the_sheet_is_sent_for_review(client, officer, media):
    from ntm.apps.observations.workflow import transition

    before = _current()
    client.force_login(officer)
    r = _upload(client, "truoc-khi-gui.csv", _one_change().encode())
    b = _batch(r)
    assert b.status == ImportBatch.Status.PENDING  # the returned sheet was open when the file was checked
    transition(resolve_unit(NGUYEN_LY), SET, PERIOD, "submit", officer)  # then sent for review again
    r = client.post(reverse("reports-import-confirm", args=[b.batch]), {"action": "confirm"})
    b.refresh_from_db()
    assert b.status == ImportBatch.Status.FAILED and not b.stored_path and not list(media.iterdir())
    assert "truoc-khi-gui.csv" in _messages(r)[0]
    page = client.get(r["Location"]).content.decode()
    assert "dòng 2, cột 'Kỳ'" in page and "đang chờ duyệt; hãy rút lại hồ sơ" in page
    assert _current() == before  # nothing written


# -- quota and expiry ----------------------------------------------------------------------------------------
def test_a_user_holds_a_limited_number_of_files_waiting(client, officer, media, settings):
    settings.NTM_IMPORT_QUOTA_FILES = 2
    client.force_login(officer)
    for k in range(2):
        assert _batch(_upload(client, f"tep-{k}.csv", _one_change().encode())).status == ImportBatch.Status.PENDING
    r = _upload(client, "tep-thu-ba.csv", _one_change().encode())
    assert r["Location"] == reverse("reports-index")
    msg = _messages(r)[0]
    assert "tep-thu-ba.csv" in msg and "2 tệp chờ xác nhận" in msg and "tối đa 2 tệp" in msg
    assert ImportBatch.objects.count() == 2  # two files waiting, each with what its check found beside it
    assert sorted(p.suffix for p in media.iterdir()) == [".checked", ".checked", ".csv", ".csv"]
    # cancelling one frees its place (and removes its file)
    first = ImportBatch.objects.get(file_name="tep-0.csv")
    client.post(reverse("reports-import-confirm", args=[first.batch]), {"action": "cancel"})
    assert sorted(p.suffix for p in media.iterdir()) == [".checked", ".csv"]
    assert _batch(_upload(client, "tep-thu-ba.csv", _one_change().encode())).status == ImportBatch.Status.PENDING


def test_the_bytes_held_are_limited_too(client, officer, media, settings):
    settings.NTM_IMPORT_QUOTA_MB = 1
    blank_lines = ",,,,,,\n" * 100_000  # 0,7 MB that checks clean (blank rows are left out)
    client.force_login(officer)
    assert _batch(_upload(client, "lon.csv", (HEAD + blank_lines).encode())).status == ImportBatch.Status.PENDING
    r = _upload(client, "lon-nua.csv", (HEAD + blank_lines).encode())
    msg = _messages(r)[0]
    assert "lon-nua.csv" in msg and "tối đa 1 MB" in msg
    assert ImportBatch.objects.count() == 1


def test_files_never_confirmed_expire_and_are_removed(client, officer, media, settings):
    from django_tasks_db.models import DBTaskResult

    client.force_login(officer)
    old = _batch(_upload(client, "quen.csv", _one_change().encode()))
    fresh = _batch(_upload(client, "moi.csv", _one_change().encode()))
    queued = DBTaskResult.objects.filter(task_path__endswith="expire_imports").order_by("run_after")
    assert queued.count() == 2 and queued[0].run_after > old.created_at + dt.timedelta(hours=24)
    ImportBatch.objects.filter(pk=old.pk).update(created_at=old.created_at - dt.timedelta(hours=25))
    orphan = media / "bo-quen.csv"  # a file left by a request stopped before it was recorded
    orphan.write_bytes(b"x")
    day_ago = (dt.datetime.now() - dt.timedelta(hours=25)).timestamp()
    os.utime(orphan, (day_ago, day_ago))
    os.utime(uploads.stage_path(fresh), (day_ago, day_ago))  # kept however old: its batch still waits
    call_command("expire_imports", stdout=open(os.devnull, "w"))
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == ImportBatch.Status.EXPIRED and not old.stored_path
    assert fresh.status == ImportBatch.Status.PENDING and Path(fresh.stored_path).exists()
    assert sorted(p.name for p in media.iterdir()) == [Path(fresh.stored_path).name, uploads.stage_path(fresh).name]
    r = client.post(reverse("reports-import-confirm", args=[old.batch]), {"action": "confirm"})
    assert "quen.csv" in _messages(r)[0] and "hết hạn" in _messages(r)[0]
    assert "đã hết hạn" in client.get(reverse("reports-import-preview", args=[old.batch])).content.decode()


def test_the_bytes_held_count_what_the_checks_left_beside_the_files(officer, media, settings):
    """A workbook is compressed and its stage is not: the quota counts both, so files waiting for
    confirmation cannot fill the disk through their stages."""
    settings.NTM_IMPORT_QUOTA_MB = 1
    media.mkdir(parents=True)
    stored = media / "cho.xlsx"
    stored.write_bytes(b"x" * 400_000)
    uploads._stage_of(str(stored)).write_bytes(b"y" * 400_000)
    ImportBatch.objects.create(
        batch="import-quota-stage", file_name="cho.xlsx", stored_path=str(stored), size=400_000, created_by=officer
    )
    uploads.check_quota(officer, "nho.csv", 100_000)  # 0,4 + 0,4 + 0,1 MB: room left
    with pytest.raises(uploads.UploadRefused, match="mới.csv"):
        uploads.check_quota(officer, "mới.csv", 300_000)  # the file alone would fit, not with the stage
