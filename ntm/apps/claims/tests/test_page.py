"""The report checker page: paste or upload a report, see every figure and every finding, save figures."""

from __future__ import annotations

import io

import docx
import pytest
from bs4 import BeautifulSoup
from django.test import Client

from ntm.apps.claims.models import ReportedFigure

from .conftest import TEXT

pytestmark = pytest.mark.django_db
URL = "/kiem-tra-bao-cao/"


def login(user) -> Client:
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    return c


def csrf(c: Client) -> str:
    c.get(URL)
    return c.cookies["csrftoken"].value


def test_login_required(client):
    r = client.get(URL)
    assert r.status_code == 302 and "/tai-khoan/" in r["Location"]
    assert client.post(URL, {"text": TEXT}).status_code == 302


def test_post_without_csrf_token_is_refused(data):
    c = login(data["huyen"])
    assert c.post(URL, {"text": TEXT}).status_code == 403


def test_pasted_text_shows_every_figure_and_the_findings(data):
    c = login(data["huyen"])
    r = c.post(URL, {"text": TEXT, "csrfmiddlewaretoken": csrf(c)})
    html = r.content.decode()
    assert r.status_code == 200
    assert "Kỳ báo cáo: <strong>tháng 7/2023</strong>" in html
    # every figure, its unit resolved against the stored units
    for fig in ("17/19", "55/57", "18/19"):
        assert f"<td>{fig}</td>" in html
    assert "xa:13570@2024" in html and "Xã Công Lý" in html
    # the wrong percentage, with what it should be and a correction, highlighted in the text; no internal codes
    page = BeautifulSoup(html, "html.parser")
    text = " ".join(page.get_text(" ").split())
    assert "Tỷ lệ không khớp với số liệu" in text and "Đề nghị: Sửa “90%” thành “94,74%”" in text
    assert "+ Xã Công Lý: đạt 18/19 tiêu chí (90%) nông thôn mới." in [q.get_text() for q in page.find_all("q")]
    assert "percent-mismatch" not in html and "stored-mismatch" not in html
    assert '<a href="#phat-hien-' in html and 'class="f-error"' in html
    # the figures differ from the stored evaluation of Nguyên Lý (16/19 and 54/57): a doubt, not an error
    assert (
        "Khác kết quả đánh giá lưu trong hệ thống" in html
        and "kết quả đánh giá lưu trong hệ thống là 16 tiêu chí" in html
    )


def test_stored_results_are_compared_only_within_the_users_units(data):
    c = login(data["xa_b"])  # Công Lý's official does not see Nguyên Lý's results
    html = c.post(URL, {"text": TEXT, "csrfmiddlewaretoken": csrf(c)}).content.decode()
    assert "Tỷ lệ không khớp với số liệu" in html and "Khác kết quả đánh giá lưu trong hệ thống" not in html


def test_consistent_text_has_no_finding(data):
    c = login(data["huyen"])
    text = "Tháng 7/2023, huyện Lý Nhân: + Xã Nguyên Lý: đạt 16/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới."
    html = c.post(URL, {"text": text, "csrfmiddlewaretoken": csrf(c)}).content.decode()
    assert "không thấy số liệu nào mâu thuẫn" in html and "<td>16/19</td>" in html


def test_upload_docx_and_bad_files(data):
    c = login(data["huyen"])
    d = docx.Document()
    for line in TEXT.splitlines():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    up = io.BytesIO(buf.getvalue())
    up.name = "ban-tin.docx"
    html = c.post(URL, {"file": up, "csrfmiddlewaretoken": csrf(c)}).content.decode()
    assert "Kết quả: ban-tin.docx" in html and "Tỷ lệ không khớp với số liệu" in html
    # a binary file: a clear error naming the file, no crash
    bad = io.BytesIO(b"\x00\x01\x02" * 1000)
    bad.name = "anh.txt"
    r = c.post(URL, {"file": bad, "csrfmiddlewaretoken": csrf(c)})
    assert r.status_code == 400 and "anh.txt" in r.content.decode() and "nhị phân" in r.content.decode()
    # too large
    big = io.BytesIO(b"a" * (5 * 1024 * 1024 + 10))
    big.name = "lon.txt"
    r = c.post(URL, {"file": big, "csrfmiddlewaretoken": csrf(c)})
    assert r.status_code == 400 and "quá lớn" in r.content.decode()
    # nothing at all
    r = c.post(URL, {"text": "  ", "csrfmiddlewaretoken": csrf(c)})
    assert r.status_code == 400 and "Hãy dán văn bản báo cáo hoặc chọn một tệp." in r.content.decode()


def test_save_checked_figures_within_data_entry_scope(data):
    c = login(data["xa_a"])
    token = csrf(c)
    html = c.post(URL, {"text": TEXT, "csrfmiddlewaretoken": token}).content.decode()
    assert 'name="claim" value="1"' in html  # Nguyên Lý's 17/19 can be saved
    r = c.post("/kiem-tra-bao-cao/luu/", {"text": TEXT, "claim": ["1", "2"], "csrfmiddlewaretoken": token})
    assert r.status_code == 200 and "Đã lưu 2 số liệu báo cáo." in r.content.decode()
    rows = list(ReportedFigure.objects.order_by("kind"))
    assert [
        (f.unit.uid, f.set_code, f.period, f.kind, f.achieved, f.total, f.stored, f.created_by.username) for f in rows
    ] == [
        ("xa:13570@2024", "xa-ntm-2021", "2023-07", "criteria", 17, 19, 16, "xa_a"),
        ("xa:13570@2024", "xa-ntm-2021", "2023-07", "indicators", 55, 57, 54, "xa_a"),
    ]
    # Công Lý (claim 3) is outside xa_a's units: nothing saved, even together with an allowed one
    r = c.post("/kiem-tra-bao-cao/luu/", {"text": TEXT, "claim": ["1", "3"], "csrfmiddlewaretoken": token})
    assert r.status_code == 403 and "Không lưu gì" in r.content.decode()
    assert ReportedFigure.objects.count() == 2
    # a leader (read only) sees the saved figures but cannot save
    h = login(data["huyen"])
    assert 'name="claim"' not in h.post(URL, {"text": TEXT, "csrfmiddlewaretoken": csrf(h)}).content.decode()
    r = h.post("/kiem-tra-bao-cao/luu/", {"text": TEXT, "claim": ["1"], "csrfmiddlewaretoken": csrf(h)})
    assert r.status_code == 403 and ReportedFigure.objects.count() == 2
    assert "Xã Nguyên Lý" in h.get("/kiem-tra-bao-cao/da-luu/").content.decode()
    assert "Xã Nguyên Lý" not in login(data["xa_b"]).get("/kiem-tra-bao-cao/da-luu/").content.decode()
