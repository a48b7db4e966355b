"""Recognition decisions on the web (demo data): the list within the user's units with whether each
commune still meets the standard, the forms of the district/province office, the audit trail, the
refusals (a commune user only reads; another province sees nothing), the Vietnamese validation."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.evaluations.models import Result
from ntm.apps.evaluations.tests.fixtures import demo_db, login, member, ntm_middleware  # noqa: F401
from ntm.apps.plans.models import Recognition
from ntm.apps.units.services import communes_at, resolve_unit
from ntm.core.periods import Period

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db", "ntm_middleware", "no_sample_decisions")]

LY_NHAN = "huyen:353@2024"
BINH_LIEU = "huyen:198@2024"
ADD = f"/ke-hoach/cong-nhan/them/?unit={LY_NHAN}"


@pytest.fixture
def no_sample_decisions(demo_db):
    """Start without the demo's sample decisions (removed inside the test's transaction)."""
    from ntm.demo import DEMO_NOTE

    Recognition.objects.filter(note=DEMO_NOTE).delete()


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def text(response) -> str:
    """The page's visible words, one space apart (no style, script or drawing)."""
    soup = soup_of(response)
    for tag in soup(["style", "script", "svg"]):
        tag.decompose()
    return " ".join(soup.get_text(" ").split())


def xa(district: str):
    return [u for u in communes_at(resolve_unit(district), Period.parse("2023-12").end) if u.type == "Xã"]


def newest(unit, set_code="xa-ntm-2021") -> Result:
    """The commune's newest stored result, found independently of the page's code."""
    rows = list(Result.objects.filter(unit=unit, set_code=set_code))
    return max(rows, key=lambda r: (Period.parse(r.period).end, Period.parse(r.period).start))


def rows(html: str) -> list[tuple[str, str, str]]:
    """(uid, set, status) of each row of the list, in order."""
    soup = BeautifulSoup(html, "html.parser")
    return [(tr["data-uid"], tr["data-set"], tr["data-status"]) for tr in soup.find_all("tr", attrs={"data-set": True})]


def test_province_office_records_edits_and_deletes_a_decision_with_audit(login):
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    client = login("Hà Nam", "reviewer")  # the province office (u1)
    form = client.get(ADD)
    assert form.status_code == 200 and "Nhập quyết định công nhận — Huyện Lý Nhân" in text(form)
    assert str(nguyen_ly.id) in [o["value"] for o in soup_of(form).select("select[name=unit] option")]
    r = client.post(
        ADD,
        {
            "unit": nguyen_ly.id,
            "set_code": "xa-ntm-2021",
            "decision": "1234/QĐ-UBND",
            "decision_date": "15/12/2023",
            "issued_by": "UBND tỉnh Hà Nam",
            "note": "",
        },
    )
    assert r.status_code == 302
    rec = Recognition.objects.get(unit=nguyen_ly)
    assert (rec.set_code, rec.decision, rec.decision_date, rec.created_by.username) == (
        "xa-ntm-2021",
        "1234/QĐ-UBND",
        dt.date(2023, 12, 15),
        "u1",
    )
    ev = AuditEvent.objects.get(action=Action.RECOGNITION_CREATED)
    assert (ev.username, ev.unit_id, ev.old) == ("u1", nguyen_ly.id, None)
    assert ev.new == {
        "unit": nguyen_ly.uid,
        "set_code": "xa-ntm-2021",
        "decision": "1234/QĐ-UBND",
        "decision_date": "15/12/2023",
        "issued_by": "UBND tỉnh Hà Nam",
        "note": "",
    }

    page = client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN})
    line = " ".join(
        BeautifulSoup(page.content.decode(), "html.parser")
        .find("tr", attrs={"data-uid": nguyen_ly.uid})
        .get_text(" ")
        .split()
    )
    res = newest(nguyen_ly)
    assert "1234/QĐ-UBND" in line and "15/12/2023" in line and "UBND tỉnh Hà Nam" in line
    assert f"{Period.parse(res.period).label}: {res.criteria_met}/{res.criteria_total} tiêu chí" in text(page)
    assert ("Vẫn đạt chuẩn" if res.standard_met else "Không còn đạt chuẩn") in line

    r = client.post(
        f"/ke-hoach/cong-nhan/{rec.pk}/sua/",
        {
            "set_code": "xa-ntm-2021",
            "decision": "1250/QĐ-UBND",
            "decision_date": "20/12/2023",
            "issued_by": "UBND tỉnh Hà Nam",
            "note": "đính chính số",
        },
    )
    assert (
        r.status_code == 302
        and r["Location"] == f"/ke-hoach/cong-nhan/?unit={LY_NHAN.replace(':', '%3A').replace('@', '%40')}"
    )
    rec.refresh_from_db()
    assert (rec.decision, rec.decision_date, rec.note) == ("1250/QĐ-UBND", dt.date(2023, 12, 20), "đính chính số")
    ev = AuditEvent.objects.get(action=Action.RECOGNITION_UPDATED)
    assert (ev.old["decision"], ev.new["decision"], ev.old["decision_date"], ev.new["decision_date"]) == (
        "1234/QĐ-UBND",
        "1250/QĐ-UBND",
        "15/12/2023",
        "20/12/2023",
    )
    assert ("số quyết định", "1234/QĐ-UBND", "1250/QĐ-UBND") in ev.changes()[0][1]

    assert "Xóa quyết định công nhận: Xã Nguyên Lý — nông thôn mới, số 1250/QĐ-UBND ngày 20/12/2023" in text(
        client.get(f"/ke-hoach/cong-nhan/{rec.pk}/xoa/")
    )
    assert client.post(f"/ke-hoach/cong-nhan/{rec.pk}/xoa/").status_code == 302
    assert not Recognition.objects.exists()
    ev = AuditEvent.objects.get(action=Action.RECOGNITION_DELETED)
    assert ev.old["decision"] == "1250/QĐ-UBND" and ev.new is None and ev.username == "u1"
    # the audit page shows the three events to the office
    log = text(client.get("/nhat-ky/", {"action": "recognition_updated"}))
    assert "Sửa quyết định công nhận" in log and "Xã Nguyên Lý · nông thôn mới · QĐ 1250/QĐ-UBND" in log


def test_validation_errors_are_clear_and_nothing_is_stored(login):
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    client = login("Hà Nam", "reviewer")
    good = {"unit": nguyen_ly.id, "set_code": "xa-ntm-2021", "decision": "12/QĐ-UBND", "decision_date": "01/06/2023"}
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    cases = [
        ({"decision_date": tomorrow.strftime("%d/%m/%Y")}, f"Ngày quyết định {tomorrow:%d/%m/%Y} ở tương lai"),
        ({"decision_date": "2023/06/01"}, "Ngày quyết định không hợp lệ (dùng dd/mm/yyyy)."),
        ({"set_code": "huyen-ntm-2021"}, "Hãy chọn một bộ tiêu chí cấp xã trong danh mục."),
        ({"unit": resolve_unit(LY_NHAN).id}, "Xã này không thuộc các xã bạn được nhập quyết định công nhận."),
        ({"decision": ""}, "Hãy nhập số quyết định"),
    ]
    for change, message in cases:
        r = client.post(ADD, {**good, **change})
        assert r.status_code == 200 and message in text(r), (change, text(r)[-600:])
    assert not Recognition.objects.exists() and not AuditEvent.objects.filter(action__startswith="recognition").exists()
    # one decision per xã and set: a clear message, not an IntegrityError
    assert client.post(ADD, good).status_code == 302
    r = client.post(ADD, {**good, "decision": "99/QĐ-UBND"})
    assert r.status_code == 200
    assert "Xã Nguyên Lý đã có quyết định công nhận đạt chuẩn nông thôn mới (số 12/QĐ-UBND ngày 01/06/2023)" in text(r)
    assert Recognition.objects.get().decision == "12/QĐ-UBND"
    # another standard for the same xã is a separate decision
    assert client.post(ADD, {**good, "set_code": "xa-nang-cao-2021", "decision_date": "2023-11-30"}).status_code == 302
    assert Recognition.objects.count() == 2


def test_only_the_province_office_records_decisions(login, member, client):
    """The province chairman recognises a xã (QĐ 18/2022): the district (which verifies), the national
    level, a leader and the province's data-entry role read the decisions and change nothing."""
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    rec = Recognition.objects.create(
        unit=nguyen_ly,
        set_code="xa-ntm-2021",
        decision="5/QĐ-UBND",
        decision_date=dt.date(2023, 6, 30),
        issued_by="UBND tỉnh Hà Nam",
    )
    before = list(Recognition.objects.values())
    for who in (
        ("Hà Nam/Lý Nhân", "entry", "reviewer", "admin"),
        ("vn", "reviewer", "leader", "admin"),
        ("Hà Nam", "leader"),
        ("Hà Nam", "entry"),
    ):
        client.force_login(member(*who))
        page = client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN})
        assert page.status_code == 200 and "5/QĐ-UBND" in text(page), who
        assert "Nhập quyết định công nhận" not in text(page) and "/sua/" not in page.content.decode(), who
        assert client.get(ADD).status_code == 403, who
        assert (
            client.post(
                ADD,
                {
                    "unit": nguyen_ly.id,
                    "set_code": "xa-nang-cao-2021",
                    "decision": "6/QĐ-UBND",
                    "decision_date": "01/07/2023",
                },
            ).status_code
            == 403
        ), who
        assert (
            client.post(
                f"/ke-hoach/cong-nhan/{rec.pk}/sua/",
                {"set_code": "xa-ntm-2021", "decision": "đổi", "decision_date": "01/07/2023"},
            ).status_code
            == 403
        ), who
        assert client.post(f"/ke-hoach/cong-nhan/{rec.pk}/xoa/").status_code == 403, who
    assert list(Recognition.objects.values()) == before
    client.force_login(member("Hà Nam", "reviewer"))
    assert "Nhập quyết định công nhận" in text(client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN}))
    assert client.post(f"/ke-hoach/cong-nhan/{rec.pk}/xoa/").status_code == 302


def test_a_commune_user_reads_its_decisions_and_cannot_change_them(login):
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    rec = Recognition.objects.create(
        unit=nguyen_ly,
        set_code="xa-ntm-2021",
        decision="5/QĐ-UBND",
        decision_date=dt.date(2023, 6, 30),
        issued_by="UBND tỉnh Hà Nam",
    )
    client = login("Hà Nam/Lý Nhân/Nguyên Lý", "entry", "reviewer", "admin")
    page = client.get("/ke-hoach/cong-nhan/", {"unit": nguyen_ly.uid})
    assert page.status_code == 200 and "5/QĐ-UBND" in text(page) and "30/06/2023" in text(page)
    assert "Nhập quyết định công nhận" not in text(page) and "/sua/" not in page.content.decode()
    before = list(Recognition.objects.values())
    assert client.get(f"/ke-hoach/cong-nhan/them/?unit={nguyen_ly.uid}").status_code == 403
    assert (
        client.post(
            f"/ke-hoach/cong-nhan/them/?unit={nguyen_ly.uid}",
            {
                "unit": nguyen_ly.id,
                "set_code": "xa-nang-cao-2021",
                "decision": "6/QĐ-UBND",
                "decision_date": "01/07/2023",
            },
        ).status_code
        == 403
    )
    r = client.post(
        f"/ke-hoach/cong-nhan/{rec.pk}/sua/",
        {"set_code": "xa-ntm-2021", "decision": "đổi", "decision_date": "01/07/2023"},
    )
    assert r.status_code == 403 and "Bạn không có quyền sửa quyết định công nhận của Xã Nguyên Lý" in text(r)
    assert client.post(f"/ke-hoach/cong-nhan/{rec.pk}/xoa/").status_code == 403
    assert list(Recognition.objects.values()) == before
    assert not AuditEvent.objects.filter(action__startswith="recognition").exists()
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED).count() >= 4


def test_another_province_sees_and_touches_nothing(login):
    luc_hon = xa(BINH_LIEU)[0]  # Quảng Ninh
    rec = Recognition.objects.create(
        unit=luc_hon, set_code="xa-ntm-2021", decision="77/QĐ-UBND", decision_date=dt.date(2023, 3, 1)
    )
    client = login("Hà Nam", "entry", "reviewer")
    assert luc_hon.name not in text(client.get("/ke-hoach/cong-nhan/", {"unit": "vn"}))
    assert "77/QĐ-UBND" not in text(client.get("/ke-hoach/cong-nhan/"))
    assert client.get("/ke-hoach/cong-nhan/", {"unit": BINH_LIEU}).status_code == 403
    assert client.get(f"/ke-hoach/cong-nhan/{rec.pk}/sua/").status_code == 404
    assert client.post(f"/ke-hoach/cong-nhan/{rec.pk}/xoa/").status_code == 404
    r = client.post(
        ADD, {"unit": luc_hon.id, "set_code": "xa-nang-cao-2021", "decision": "1/QĐ", "decision_date": "01/06/2023"}
    )
    assert r.status_code == 200 and "Xã này không thuộc các xã bạn được nhập quyết định công nhận." in text(r)
    assert Recognition.objects.count() == 1 and Recognition.objects.get().decision == "77/QĐ-UBND"


def test_list_filters_newest_first_and_flags_communes_below_the_standard(login):
    communes = xa(LY_NHAN)
    met = next(u for u in communes if newest(u).standard_met)
    below = next(u for u in communes if not newest(u).standard_met)
    nodata = next(u for u in communes if u not in (met, below))
    Result.objects.filter(unit=nodata, set_code="xa-nang-cao-2021").delete()  # never evaluated at nâng cao
    Recognition.objects.create(unit=met, set_code="xa-ntm-2021", decision="1/QĐ", decision_date=dt.date(2022, 5, 2))
    Recognition.objects.create(unit=below, set_code="xa-ntm-2021", decision="2/QĐ", decision_date=dt.date(2023, 8, 9))
    Recognition.objects.create(
        unit=nodata, set_code="xa-nang-cao-2021", decision="3/QĐ", decision_date=dt.date(2023, 1, 3)
    )
    client = login("Hà Nam/Lý Nhân", "leader")
    page = client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN})
    assert rows(page.content.decode()) == [
        (below.uid, "xa-ntm-2021", "below"),
        (nodata.uid, "xa-nang-cao-2021", "nodata"),
        (met.uid, "xa-ntm-2021", "met"),
    ]
    assert "1 xã đã được công nhận nhưng kết quả mới nhất không còn đạt chuẩn: cần rà soát." in text(page)
    assert "Nhập quyết định công nhận" not in text(page)  # a leader reads only
    by_year = rows(client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN, "year": "2023"}).content.decode())
    assert [u for u, _, _ in by_year] == [below.uid, nodata.uid]
    by_set = rows(client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN, "set": "xa-nang-cao-2021"}).content.decode())
    assert by_set == [(nodata.uid, "xa-nang-cao-2021", "nodata")]
    bad = client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN, "year": "hai nghìn"})
    assert bad.status_code == 200 and "Năm «hai nghìn» không hợp lệ" in text(bad)
    assert client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN, "set": "huyen-ntm-2021"}).status_code == 404


def test_list_queries_do_not_grow_with_decisions(login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    communes = xa(LY_NHAN)
    client = login("Hà Nam/Lý Nhân", "entry")
    Recognition.objects.create(
        unit=communes[0], set_code="xa-ntm-2021", decision="1/QĐ", decision_date=dt.date(2023, 1, 1)
    )
    client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN})
    with CaptureQueriesContext(connection) as one:
        client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN})
    for i, u in enumerate(communes[1:]):
        Recognition.objects.create(
            unit=u, set_code="xa-ntm-2021", decision=f"{i + 2}/QĐ", decision_date=dt.date(2023, 2, 1)
        )
    with CaptureQueriesContext(connection) as many:
        assert len(rows(client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN}).content.decode())) == len(communes)
    assert len(many.captured_queries) == len(one.captured_queries)


def test_navigation_links_and_english_labels(login):
    client = login("Hà Nam", "reviewer")
    plans = client.get("/ke-hoach/", {"unit": LY_NHAN}).content.decode()
    assert '<a href="/ke-hoach/cong-nhan/">Công nhận</a>' in plans
    assert f'href="/ke-hoach/cong-nhan/?unit={LY_NHAN}">Quyết định công nhận đạt chuẩn</a>' in plans
    client.post("/tai-khoan/ngon-ngu/", {"language": "en", "next": "/"})
    en = text(client.get("/ke-hoach/cong-nhan/", {"unit": LY_NHAN}))
    for words in (
        "Recognition decisions: Huyện Lý Nhân",
        "Record a recognition decision",
        "Decision number",
        "Decision date",
        "No recognition decision yet.",
    ):
        assert words in en, words
