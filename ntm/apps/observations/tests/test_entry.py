"""The entry form: rules and thresholds shown, atomic saving, conflicts, preview, evidence, scope, CSRF."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ntm.apps.accounts.testing import csrf_token, form_values, one, soup, text, texts
from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.evaluations.models import Result, ResultAll
from ntm.apps.observations.models import Observation, ObservationVersion

pytestmark = pytest.mark.django_db

FORM = "/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-07/"
PREVIEW = FORM + "xem-truoc/"
CONG_LY_FORM = "/nhap-lieu/{uid}/xa-ntm-2021/2023-07/"


def loaded_form(client, url=FORM) -> dict[str, str]:
    """The entry form's versions, values, assessments and notes as the browser would post them
    unchanged (no files, no CSRF token)."""
    fields = form_values(one(client.get(url), "form#entry"))
    return {name: value for name, value in fields.items() if name.startswith(("ver-", "v-", "a-", "n-"))}


def row(page, code: str):
    """The form's row of one indicator."""
    return one(page, f"tr#row-{code.replace('.', '-')}")


def current(unit, code, set_code="xa-ntm-2021", period="2023-07"):
    return Observation.objects.get(unit=unit, set_code=set_code, period=period, indicator=code)


def pdf(name="bien-ban.pdf", size=None):
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    if size:
        body = body + b"0" * (size - len(body))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def docx(name="to-trinh.docx"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buf.getvalue())


# -- the page ------------------------------------------------------------------------------
def test_form_shows_every_indicator_with_the_rule_and_threshold_that_applies(users, seeded, as_user):
    page = soup(as_user(users["xa"]).get(FORM))
    assert text(page.h1).startswith("Xã Nguyên Lý — ") and text(page.h1).endswith(", tháng 7/2023")
    assert len(page.select("form#entry tr[id^=row-]")) == 57
    assert len(page.select("form#entry tr.crit")) == 19
    # 3.1 has a national threshold, 6.3 one for the Red River Delta region (Hà Nam)
    rule = one(row(page, "3.1"), "div.rule")
    assert text(rule).startswith("Yêu cầu: ≥ 80% · mức chung cả nước") and texts(rule, "strong") == ["≥ 80%"]
    rule = one(row(page, "6.3"), "div.rule")
    assert text(rule).startswith("Yêu cầu: ≥ 100% · mức vùng Đồng bằng sông Hồng")
    assert texts(rule, "strong") == ["≥ 100%"]
    assert "Chưa có ngưỡng chính thức — theo đánh giá của cán bộ" in texts(page, "div.rule")
    assert "đạt 18/19 tiêu chí (94,74%) với 55/57 chỉ tiêu (96,49%)" in text(page)
    assert "Lịch sử: 1 lần lưu" in texts(page, "details.history summary")


def test_a_reviewer_without_entry_role_sees_the_form_read_only(users, seeded, as_user):
    c = as_user(users["tinh"])
    page = soup(c.get(FORM))
    field = one(page, 'select[name="a-17.1"]')
    assert field["aria-label"] == "Đánh giá 17.1" and field.has_attr("disabled")
    fields = page.select("form#entry [name^=v-], form#entry [name^=a-], form#entry [name^=n-]")
    assert len(fields) == 3 * 57 and all(f.has_attr("disabled") for f in fields)  # nothing to type into
    assert not page.select("[form=entry]") and not page.select("[hx-post]")  # no save button, no preview
    r = c.post(FORM, {"v-3.1": "90", "a-3.1": "dat", "ver-3.1": "1"})
    assert r.status_code == 403
    assert current(seeded, "3.1").version == 1


def test_wrong_set_level_or_period_is_not_found(users, seeded, as_user):
    c = as_user(users["xa"])
    assert c.get("/nhap-lieu/xa:13570@2024/huyen-ntm-2021/2023-07/").status_code == 404
    assert c.get("/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-13/").status_code == 404
    assert c.get("/nhap-lieu/xa:99999@2024/xa-ntm-2021/2023-07/").status_code == 404
    assert c.get("/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-7/").url == FORM


def test_a_commune_that_no_longer_exists_cannot_be_entered_for(users, nguyen_ly, as_user):
    c = as_user(users["xa"])
    url = "/nhap-lieu/xa:13570@2024/xa-ntm-2021/2025-12/"
    page = soup(c.get(url))
    assert "không có hiệu lực trong tháng 12/2025" in text(page) and not page.select("[form=entry]")
    assert c.post(url, {"a-1.1": "dat", "ver-1.1": "0"}).status_code == 400
    assert not Observation.objects.filter(unit=nguyen_ly, period="2025-12").exists()


# -- scope ---------------------------------------------------------------------------------
def test_a_commune_user_cannot_open_or_post_to_another_commune(users, seeded, cong_ly, as_user):
    from ntm.apps.accounts.testing import seed_cell

    seed_cell(cong_ly)
    c = as_user(users["xa"])
    url = CONG_LY_FORM.format(uid=cong_ly.uid)
    before = [
        *ObservationVersion.objects.filter(unit=cong_ly).order_by("id").values_list("id", "version"),
        *Observation.objects.filter(unit=cong_ly).order_by("id").values_list("id", "version"),
    ]
    result_before = ResultAll.objects.get(unit=cong_ly, set_code="xa-ntm-2021", period="2023-07").indicators_met

    r = c.get(url)
    assert r.status_code == 403 and "Bạn không có quyền xem số liệu của Xã Công Lý" in text(r)
    assert c.post(url, {"v-3.1": "10", "a-3.1": "chua_dat", "ver-3.1": "1"}).status_code == 403
    assert c.post(url + "xem-truoc/", {"row": "3.1", "a-3.1": "dat"}).status_code == 403
    assert c.post(url + "trang-thai/", {"action": "submit"}).status_code == 403
    evidence_id = Observation.objects.filter(unit=cong_ly).values_list("id", flat=True).first()
    Observation.objects.filter(pk=evidence_id).update(evidence="minh-chung/x.pdf")
    assert c.get(f"/nhap-lieu/minh-chung/{evidence_id}/").status_code == 404

    after = [
        *ObservationVersion.objects.filter(unit=cong_ly).order_by("id").values_list("id", "version"),
        *Observation.objects.filter(unit=cong_ly).order_by("id").values_list("id", "version"),
    ]
    assert after == before
    assert ResultAll.objects.get(unit=cong_ly, set_code="xa-ntm-2021", period="2023-07").indicators_met == result_before
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, unit=cong_ly, username="demo_xa")
    assert denied.count() == 5
    assert not cong_ly.submissions.exists()


# -- saving --------------------------------------------------------------------------------
def test_saving_appends_a_version_with_who_and_when_and_audits_it(users, seeded, as_user):
    c = as_user(users["xa"])
    data = loaded_form(c)
    data.update({"v-17.1": "96,5", "a-17.1": "dat", "n-17.1": "Theo báo cáo của Trạm cấp nước"})
    r = c.post(FORM, data, follow=True)
    assert r.status_code == 200
    page = soup(r)
    assert "Đã lưu 1 chỉ tiêu. Kết quả: đạt 18/19 tiêu chí (94,74%) với 56/57 chỉ tiêu (98,25%)." in text(page)
    o = current(seeded, "17.1")
    assert (o.version, o.value_text, o.value_num, o.assessment, o.created_by) == (2, "96,5", 96.5, True, users["xa"])
    assert o.created_by_name == "Cán bộ xã Nguyên Lý (demo_xa)"
    # history on the page: who, when, old → new
    history = one(row(page, "17.1"), "details.history")
    assert text(history.summary) == "Lịch sử: 2 lần lưu"
    latest = history.li  # the newest save first
    assert "giá trị: (trống) → 96,5" in text(latest) and "đánh giá: Chưa đạt → Đạt" in text(latest)
    assert texts(latest, "strong") == ["96,5", "Đạt", "Theo báo cáo của Trạm cấp nước"]  # new values stand out
    # the stored result including unapproved data follows; the published one waits for approval
    assert ResultAll.objects.get(unit=seeded, set_code="xa-ntm-2021", period="2023-07").indicators_met == 56
    assert not Result.objects.filter(unit=seeded).exists()
    ev = AuditEvent.objects.get(action=Action.OBSERVATIONS_SAVED, username="demo_xa")
    assert ev.unit == seeded and ev.ip == "127.0.0.1"
    assert ev.old["17.1"]["assessment"] == "chưa đạt" and ev.new["17.1"] == {
        "value": "96,5",
        "assessment": "đạt",
        "note": "Theo báo cáo của Trạm cấp nước",
        "evidence": "",
        "version": 2,
    }


def test_posting_the_form_unchanged_saves_nothing(users, seeded, as_user):
    c = as_user(users["xa"])
    data = loaded_form(c)
    data.update({"v-3.1": "84,21", "a-3.1": "dat"})
    c.post(FORM, data)
    assert current(seeded, "3.1").value_num == 84.21
    n = Observation.objects.count()
    r = c.post(FORM, loaded_form(c), follow=True)
    assert "Không có thay đổi nào để lưu." in text(r)
    assert Observation.objects.count() == n


def test_invalid_input_saves_nothing_and_keeps_what_was_typed(users, seeded, as_user):
    c = as_user(users["xa"])
    data = loaded_form(c)
    data.update({"v-3.1": "nhiều", "a-3.1": "dat", "a-17.1": "dat"})
    r = c.post(FORM, data)
    assert r.status_code == 400
    page = soup(r)
    assert "Chỉ tiêu 3.1: 'nhiều' không phải là số (chỉ tiêu 3.1)." in text(page)
    assert one(row(page, "3.1"), 'input[name="v-3.1"]')["value"] == "nhiều"
    assert current(seeded, "17.1").version == 1 and current(seeded, "3.1").version == 1


def test_two_people_editing_the_same_form_do_not_overwrite_each_other(users, seeded, as_user):
    xa = as_user(users["xa"])
    mine = loaded_form(xa)  # demo_xa opens the form (17.1 at version 1)
    huyen = Client()
    huyen.force_login(users["huyen"])
    theirs = loaded_form(huyen)
    theirs.update({"v-17.1": "92", "a-17.1": "dat"})
    huyen.post(FORM, theirs)  # the district saves first → version 2
    assert current(seeded, "17.1").version == 2

    mine.update({"v-17.1": "88,5", "a-17.1": "chua_dat", "n-17.1": "số liệu của xã"})
    r = xa.post(FORM, mine)
    assert r.status_code == 409
    page = soup(r)
    assert (
        "Chưa lưu gì: trong lúc bạn nhập, chỉ tiêu 17.1: Văn phòng điều phối huyện Lý Nhân (demo_huyen) đã lưu lúc"
        in text(page)
    )
    box = one(row(page, "17.1"), "div.conflict-box")  # the newer value, shown
    assert "giá trị 92, đánh giá Đạt" in text(box) and texts(box, "strong")[1:] == ["92", "Đạt"]
    assert one(row(page, "17.1"), 'input[name="v-17.1"]')["value"] == "88,5"  # my input, kept
    version = one(row(page, "17.1"), 'input[name="ver-17.1"]')
    assert (version["type"], version["value"]) == ("hidden", "2")  # saving again is deliberate
    o = current(seeded, "17.1")
    assert (o.version, o.value_text) == (2, "92")
    assert AuditEvent.objects.filter(action=Action.WRITE_REFUSED).count() == 0  # caught before writing

    mine["ver-17.1"] = "2"
    assert xa.post(FORM, mine).status_code == 302
    o = current(seeded, "17.1")
    assert (o.version, o.value_text, o.assessment, o.created_by) == (3, "88,5", False, users["xa"])


def test_a_row_someone_else_changed_but_i_did_not_touch_is_not_a_conflict(users, seeded, as_user):
    xa = as_user(users["xa"])
    mine = loaded_form(xa)
    other = Client()
    other.force_login(users["huyen"])
    theirs = loaded_form(other)
    theirs.update({"a-17.2": "dat"})
    other.post(FORM, theirs)
    mine.update({"a-17.1": "dat"})
    assert xa.post(FORM, mine).status_code == 302
    assert current(seeded, "17.1").assessment is True
    assert current(seeded, "17.2").assessment is True and current(seeded, "17.2").created_by == users["huyen"]


def test_a_save_racing_past_the_check_is_refused_by_record_many(users, seeded, as_user, monkeypatch):
    """If the other save lands between the form's check and the write, record_many's own version
    check refuses, the whole save is rolled back and the user sees the conflict."""
    from ntm.apps.observations import forms
    from ntm.apps.observations.services import Entry, record_many

    c = as_user(users["xa"])
    data = loaded_form(c)
    data.update({"a-17.1": "dat", "a-17.2": "dat"})
    real = forms.Sheet.conflicts

    def conflicts_then_race(self, inputs):
        found = real(self, inputs)
        if not getattr(conflicts_then_race, "done", False):
            conflicts_then_race.done = True
            record_many(
                [Entry(seeded, "xa-ntm-2021", "2023-07", "17.2", assessment=False, note="khác", expected_version=1)],
                user=users["huyen"],
            )
        return found

    monkeypatch.setattr(forms.Sheet, "conflicts", conflicts_then_race)
    r = c.post(FORM, data)
    assert r.status_code == 409
    assert current(seeded, "17.1").version == 1  # nothing of the form was written
    assert current(seeded, "17.2").note == "khác"
    assert AuditEvent.objects.filter(action=Action.WRITE_REFUSED, username="demo_xa").count() == 1


# -- preview -------------------------------------------------------------------------------
def test_preview_evaluates_the_typed_values_without_saving(users, seeded, as_user):
    c = as_user(users["xa"])
    data = loaded_form(c)
    n_obs, computed_at = (
        Observation.objects.count(),
        ResultAll.objects.get(unit=seeded, period="2023-07", set_code="xa-ntm-2021").computed_at,
    )
    data.update({"a-17.1": "dat", "a-17.2": "dat", "row": "17.2"})
    r = c.post(PREVIEW, data, HTTP_HX_REQUEST="true")
    fragment = soup(r)
    assert r.status_code == 200
    status = fragment.find(True)  # the row's result cell comes first: htmx swaps it in place
    assert (status.name, status["id"], status["class"]) == ("td", "st-17-2", ["status"])
    assert texts(status, "span.met") == ["Đạt"]
    criterion = one(fragment, "span#crit-17")  # and the criterion's total, out of band
    assert criterion["hx-swap-oob"] == "true" and text(criterion) == "Đạt · 12/12 chỉ tiêu"
    assert "Xem trước, chưa lưu:" in text(fragment)
    assert "đạt 19/19 tiêu chí (100,00%) với 57/57 chỉ tiêu (100,00%)" in text(fragment)
    assert Observation.objects.count() == n_obs
    assert ResultAll.objects.get(unit=seeded, period="2023-07", set_code="xa-ntm-2021").computed_at == computed_at


def test_preview_shows_a_conflict_between_the_rule_and_the_assessment(users, seeded, as_user):
    c = as_user(users["xa"])
    r = c.post(PREVIEW, {"row": "3.1", "v-3.1": "70", "a-3.1": "dat", "ver-3.1": "1"})
    fragment = soup(r)
    status = one(fragment, "td#st-3-1")
    assert texts(status, "span.conflict") == ["Mâu thuẫn"] and "Mâu thuẫn (chưa đạt theo quy định)" in text(status)
    assert "Giá trị 70% không đạt yêu cầu ≥ 80% theo mức chung cả nước" in text(status)
    assert "1 mâu thuẫn giữa đánh giá và quy định (3.1)" in text(fragment)
    assert "đạt 17/19 tiêu chí" in text(fragment)  # criterion 3 drops out


def test_preview_reports_a_value_it_cannot_read(users, seeded, as_user):
    r = as_user(users["xa"]).post(PREVIEW, {"row": "3.1", "v-3.1": "tám mươi", "a-3.1": ""})
    status = one(r, "td#st-3-1")
    assert texts(status, "span.unmet") == ["Lỗi"] and "không phải là số" in text(one(status, "small.err"))


def test_preview_needs_the_entry_role(users, seeded, as_user):
    assert as_user(users["tinh"]).post(PREVIEW, {"row": "3.1", "a-3.1": "dat"}).status_code == 403


# -- evidence ------------------------------------------------------------------------------
@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_evidence_is_stored_under_media_root_and_downloaded_within_scope(users, seeded, as_user, media):
    c = as_user(users["xa"])
    data = loaded_form(c)
    data.update({"a-17.1": "dat", "f-17.1": pdf(), "f-18.1": docx()})
    assert c.post(FORM, data).status_code == 302
    o = current(seeded, "17.1")
    assert o.evidence.startswith("minh-chung/xa-13570-2024/xa-ntm-2021/2023-07/17.1-") and o.evidence.endswith(
        "-bien-ban.pdf"
    )
    assert (media / o.evidence).read_bytes().startswith(b"%PDF")
    assert current(seeded, "18.1").evidence.endswith("-to-trinh.docx")
    r = c.get(f"/nhap-lieu/minh-chung/{o.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert 'filename="bien-ban.pdf"' in r["Content-Disposition"]
    # a later save without a new file keeps the evidence
    data = loaded_form(c)
    data["n-17.1"] = "bổ sung ghi chú"
    c.post(FORM, data)
    assert current(seeded, "17.1").evidence == o.evidence
    # another commune's user: not found, and recorded
    other = Client()
    other.force_login(users["tinh"])  # the province may see it
    assert other.get(f"/nhap-lieu/minh-chung/{o.pk}/").status_code == 200


@pytest.mark.parametrize(
    "upload, message",
    [
        (lambda: pdf(size=10 * 1024 * 1024 + 1), "quá lớn (10,0 MB): tối đa 10 MB"),
        (lambda: SimpleUploadedFile("ghi-chu.txt", b"hello"), "không đúng loại: chỉ nhận DOCX, JPG, PDF, PNG, XLSX"),
        (lambda: SimpleUploadedFile("chay.exe", b"MZ\x90\x00"), "không đúng loại"),
        (
            lambda: SimpleUploadedFile("anh.pdf", b"\x89PNG\r\n\x1a\n0000"),
            "không phải là PDF như phần mở rộng cho biết",
        ),
        (lambda: SimpleUploadedFile("bang.xlsx", b"PK\x03\x04 not really a zip"), "không phải là Excel (.xlsx)"),
    ],
)
def test_evidence_size_and_type_are_checked(users, seeded, as_user, media, upload, message):
    c = as_user(users["xa"])
    data = loaded_form(c)
    data.update({"a-17.1": "dat", "f-17.1": upload()})
    r = c.post(FORM, data)
    assert r.status_code == 400
    page = text(r)
    assert message in page and "Tệp minh chứng cần được chọn lại." in page
    assert current(seeded, "17.1").version == 1
    assert not any(media.rglob("*.*"))


def test_a_10_mb_file_is_accepted(users, seeded, as_user, media):
    c = as_user(users["xa"])
    data = loaded_form(c)
    data.update({"f-17.1": pdf(size=10 * 1024 * 1024)})
    assert c.post(FORM, data).status_code == 302
    assert current(seeded, "17.1").evidence


# -- CSRF ----------------------------------------------------------------------------------
def test_posts_without_the_csrf_token_are_refused_and_recorded(users, seeded):
    c = Client(enforce_csrf_checks=True)
    c.force_login(users["xa"])
    data = loaded_form(c)
    data.update({"a-17.1": "dat"})
    r = c.post(FORM, data)
    assert r.status_code == 403
    assert current(seeded, "17.1").version == 1
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, username="demo_xa", path=FORM).exists()
    assert c.post(PREVIEW, {"row": "17.1", "a-17.1": "dat"}).status_code == 403
    # with the token from the page (as the browser sends it) the same post is saved
    token = csrf_token(one(c.get(FORM), "form#entry"))
    data["csrfmiddlewaretoken"] = token
    assert c.post(FORM, data).status_code == 302
    assert current(seeded, "17.1").version == 2
    # htmx sends the token in a header (base.html: hx-headers)
    r = c.post(PREVIEW, {"row": "17.1", "a-17.1": "chua_dat"}, HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 200


# -- choosing a form -----------------------------------------------------------------------
def test_the_index_lists_the_units_to_enter_for_and_opens_a_form(users, seeded, as_user):
    c = as_user(users["huyen"])
    page = soup(c.get("/nhap-lieu/"))
    units = texts(page, "ul.unit-list li a")
    assert "Xã Nguyên Lý" in units and "Xã Công Lý" in units
    assert one(page, "input[name=period]")["value"] == "2023-07"
    r = c.get("/nhap-lieu/", {"unit": "Hà Nam/Lý Nhân/Nguyên Lý", "set": "xa-ntm-2021", "period": "2023-7"})
    assert r.status_code == 302 and r.url == FORM
    assert "Không tìm thấy đơn vị" in text(
        c.get("/nhap-lieu/", {"unit": "không có", "set": "xa-ntm-2021", "period": "2023-07"})
    )
    c = as_user(users["xa"])
    assert (
        c.get("/nhap-lieu/", {"unit": "Hà Nam/Lý Nhân/Công Lý", "set": "xa-ntm-2021", "period": "2023-07"}).status_code
        == 403
    )


def test_saving_one_row_reads_only_that_row_and_a_bounded_number_of_queries(
    users, seeded, as_user, django_assert_max_num_queries
):
    """A save posting one row (or the whole form) needs neither the history nor the other rows: its
    cost does not grow with them, and the message shows the result stored by the save."""
    c = as_user(users["xa"])
    for k in range(3):  # some history on 17.1
        c.post(
            FORM,
            {"a-17.1": "dat" if k % 2 == 0 else "chua_dat", "v-17.1": "", "n-17.1": f"lần {k}", "ver-17.1": str(k + 1)},
        )
    assert current(seeded, "17.1").version == 4
    with django_assert_max_num_queries(21) as q:  # 25 before: the history read, the result read again…
        r = c.post(FORM, {"a-17.2": "dat", "v-17.2": "", "n-17.2": "", "ver-17.2": "1"})
    assert r.status_code == 302
    sql = [x["sql"] for x in q.captured_queries]
    assert not any('ORDER BY "observations_observation"."indicator" ASC' in s for s in sql)  # no history read
    assert not any("evaluations_result" in s and "criteria_total" in s and s.startswith("SELECT") for s in sql)
    page = soup(c.get(FORM))
    assert "Đã lưu 1 chỉ tiêu. Kết quả: đạt 18/19 tiêu chí (94,74%) với 56/57 chỉ tiêu (98,25%)." in text(page)
    assert text(one(row(page, "17.1"), "details.history summary")) == "Lịch sử: 4 lần lưu"


def test_a_row_posted_at_an_older_version_is_still_compared_with_that_version(users, seeded, as_user):
    """The form keeps the version each row was loaded at; a row unchanged since that older version is
    not a conflict even though others saved it since (the history is read for that comparison)."""
    c = as_user(users["xa"])
    mine = loaded_form(c)  # 17.1 at version 1
    other = Client()
    other.force_login(users["huyen"])
    other.post(FORM, {"a-17.1": "dat", "v-17.1": "", "n-17.1": "", "ver-17.1": "1"})
    mine.update({"a-3.1": "dat", "v-3.1": "90"})
    assert c.post(FORM, mine).status_code == 302  # 17.1 untouched by me: kept as the other saved it
    assert current(seeded, "17.1").assessment is True and current(seeded, "3.1").value_num == 90
