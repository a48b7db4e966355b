"""Less typing, fewer surprises: carry-over from the previous period, the incomplete-submit warning,
remarks per indicator, the returned-sheet notice."""

import pytest

from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.observations.models import CARRIED_OVER, Observation, Submission, SubmissionState
from ntm.apps.observations.services import EditConflict, Entry, carry_over, record_many
from ntm.apps.observations.workflow import WorkflowError, comment, transition

pytestmark = pytest.mark.django_db

SET = "xa-ntm-2021"
NEW = "2023-08"
FORM = f"/nhap-lieu/xa:13570@2024/{SET}/{NEW}/"


def current(unit, period=NEW):
    return {o.indicator: o for o in Observation.objects.current().filter(unit=unit, set_code=SET, period=period)}


def test_carry_over_fills_only_the_empty_rows_and_marks_them(users, seeded):
    """July 2023 (seeded: 55 đạt, 17.1 and 17.2 chưa đạt) → August: the row already typed stays."""
    record_many(
        [Entry(seeded, SET, "2023-07", "17.1", value=None, assessment=False, note="chờ kiểm tra", expected_version=1)],
        user=users["xa"],
    )
    record_many([Entry(seeded, SET, NEW, "1.1", assessment=False)], user=users["xa"])
    done = carry_over(seeded, SET, NEW, user=users["xa"])
    assert (done.source, len(done.copied), done.kept, done.refused) == ("2023-07", 56, ["1.1"], [])
    rows = current(seeded)
    assert rows["1.1"].source == "form" and rows["1.1"].assessment is False  # not overwritten
    assert (
        rows["17.1"].source == CARRIED_OVER
        and rows["17.1"].note == "chờ kiểm tra"
        and rows["17.1"].batch == "chep-tu-2023-07"
    )
    assert rows["2.1"].assessment is True and not rows["2.1"].evidence
    ev = AuditEvent.objects.filter(action=Action.OBSERVATIONS_SAVED, object_repr__contains="tháng 8/2023").first()
    assert "nguồn carryover" in ev.message and ev.username == "demo_xa"
    # a second run has nothing left to fill and changes nothing
    again = carry_over(seeded, SET, NEW, user=users["xa"])
    assert again.copied == [] and len(again.kept) == 57


def test_carried_rows_stay_marked_until_confirmed_or_changed(users, seeded, client):
    carry_over(seeded, SET, NEW, user=users["xa"])
    client.force_login(users["xa"])
    html = client.get(FORM).content.decode()
    assert html.count("Chép từ tháng 7/2023 — chưa xác nhận") == 57
    assert "Xác nhận 57 chỉ tiêu chép từ kỳ trước" in html
    # confirm one row as it is, change another
    r = client.post(
        FORM,
        {
            "a-2.1": "dat",
            "v-2.1": "",
            "n-2.1": "",
            "ver-2.1": "1",
            "ok-2.1": "1",
            "a-2.2": "chua_dat",
            "v-2.2": "",
            "n-2.2": "",
            "ver-2.2": "1",
        },
    )
    assert r.status_code == 302
    rows = current(seeded)
    assert (rows["2.1"].source, rows["2.1"].version, rows["2.1"].assessment) == ("form", 2, True)
    assert (rows["2.2"].source, rows["2.2"].assessment) == ("form", False)
    assert rows["2.3"].source == CARRIED_OVER
    assert client.get(FORM).content.decode().count("chưa xác nhận") == 55
    # posting a carried row unchanged and unconfirmed saves nothing and keeps the mark
    client.post(FORM, {"a-2.3": "dat", "v-2.3": "", "n-2.3": "", "ver-2.3": "1"})
    assert current(seeded)["2.3"].source == CARRIED_OVER
    # "confirm all" confirms every carried row
    data = {"confirm_all": "1"}
    for code, o in current(seeded).items():
        data.update(
            {
                f"a-{code}": "dat" if o.assessment else "chua_dat",
                f"v-{code}": "",
                f"n-{code}": o.note,
                f"ver-{code}": str(o.version),
            }
        )
    client.post(FORM, data)
    assert not any(o.source == CARRIED_OVER for o in current(seeded).values())


def test_carry_over_respects_locks_and_is_offered_only_where_it_helps(users, seeded, client):
    client.force_login(users["xa"])
    assert "Chép từ kỳ trước (tháng 7/2023)" in client.get(FORM).content.decode()
    assert "Chép từ kỳ trước" not in client.get(f"/nhap-lieu/xa:13570@2024/{SET}/2023-07/").content.decode()  # full
    r = client.post(FORM + "chep-ky-truoc/", follow=True)
    assert "Đã chép 57 chỉ tiêu từ tháng 7/2023" in r.content.decode()
    # a submitted period is locked: nothing is carried into it
    other = "2023-09"
    transition(seeded, SET, other, "submit", users["xa"])
    r = client.post(f"/nhap-lieu/xa:13570@2024/{SET}/{other}/chep-ky-truoc/", follow=True)
    assert "đang chờ duyệt" in r.content.decode() and not current(seeded, other)
    # a value entered meanwhile is never replaced without its version
    with pytest.raises(EditConflict):
        record_many([Entry(seeded, SET, NEW, "1.1", assessment=False)], user=users["xa"])


def test_submitting_an_incomplete_sheet_asks_first_and_lists_what_is_missing(users, nguyen_ly, client):
    record_many([Entry(nguyen_ly, SET, NEW, code, assessment=True) for code in ("1.1", "1.2", "2.1")], user=users["xa"])
    client.force_login(users["xa"])
    r = client.post(FORM + "trang-thai/", {"action": "submit"})
    html = r.content.decode()
    assert r.status_code == 200 and "Hồ sơ chưa đầy đủ — chưa gửi duyệt" in html
    assert "Đã có số liệu 3/57 chỉ tiêu. Còn 54 chỉ tiêu chưa có giá trị hay đánh giá:" in html
    assert '<a href="#row-17-1">17.1</a>' in html and '<a href="#row-1-1">1.1</a>' not in html
    assert not Submission.objects.filter(unit=nguyen_ly).exists()  # nothing changed
    r = client.post(FORM + "trang-thai/", {"action": "submit", "confirm_incomplete": "1"}, follow=True)
    assert "Đã gửi duyệt" in r.content.decode()
    assert Submission.objects.get(unit=nguyen_ly).state == SubmissionState.SUBMITTED


def test_a_complete_sheet_is_submitted_at_once_unless_carried_rows_are_unconfirmed(users, seeded, client):
    client.force_login(users["xa"])
    r = client.post(f"/nhap-lieu/xa:13570@2024/{SET}/2023-07/trang-thai/", {"action": "submit"}, follow=True)
    assert "Đã gửi duyệt" in r.content.decode()
    carry_over(seeded, SET, NEW, user=users["xa"])
    html = client.post(FORM + "trang-thai/", {"action": "submit"}).content.decode()
    assert "Hồ sơ chưa đầy đủ" in html and "57 chỉ tiêu chép từ kỳ trước chưa được xác nhận" in html


def test_reviewers_comment_per_indicator_and_the_commune_sees_it(users, seeded, client):
    transition(seeded, SET, "2023-07", "submit", users["xa"])
    form = f"/nhap-lieu/xa:13570@2024/{SET}/2023-07/"
    client.force_login(users["huyen"])
    assert 'placeholder="Ý kiến về chỉ tiêu 17.1"' in client.get(form).content.decode()
    r = client.post(form + "y-kien/", {"indicator": "17.1", "text": "Tỷ lệ thu gom rác khác báo cáo của phòng"})
    assert r.status_code == 302 and r["Location"].endswith("#row-17-1")
    ev = AuditEvent.objects.get(action=Action.REVIEW_COMMENT)
    assert ev.username == "demo_huyen" and "17.1" in ev.message

    client.force_login(users["xa"])  # the commune cannot comment, but sees the remark beside the indicator
    html = client.get(form).content.decode()
    assert "«Tỷ lệ thu gom rác khác báo cáo của phòng»" in html and "Góp ý" not in html
    assert client.post(form + "y-kien/", {"indicator": "17.1", "text": "x"}).status_code == 403
    transition(seeded, SET, "2023-07", "return", users["huyen"], "Xem ý kiến tại chỉ tiêu 17.1")
    with pytest.raises(WorkflowError, match="đang chờ duyệt"):
        comment(seeded, SET, "2023-07", "17.1", "thêm", users["huyen"])


def test_the_communes_page_announces_returned_sheets_with_the_reason(users, seeded, client):
    transition(seeded, SET, "2023-07", "submit", users["xa"])
    comment(seeded, SET, "2023-07", "17.2", "Chưa có biên bản kiểm tra", users["huyen"])
    transition(seeded, SET, "2023-07", "return", users["huyen"], "Bổ sung minh chứng tiêu chí 17")
    client.force_login(users["xa"])
    html = client.get("/", follow=True).content.decode()  # a commune's home page is its own page
    assert "Hồ sơ bị trả lại (1)" in html
    assert "Lý do: «Bổ sung minh chứng tiêu chí 17»" in html and "17.2: «Chưa có biên bản kiểm tra»" in html
    assert f'href="/nhap-lieu/xa:13570@2024/{SET}/2023-07/"' in html
    # a leader who does not enter data for the commune is not told to correct it
    client.force_login(users["quocgia"])
    assert "Hồ sơ bị trả lại" not in client.get("/don-vi/xa:13570@2024/").content.decode()
    # once sent again, the notice is gone
    transition(seeded, SET, "2023-07", "submit", users["xa"])
    client.force_login(users["xa"])
    assert "Hồ sơ bị trả lại" not in client.get("/don-vi/xa:13570@2024/").content.decode()
