"""Bulletins and dossiers in the form of Nghị định 30/2020/NĐ-CP: quốc hiệu, issuing body and number line,
place and date, "Nơi nhận", the signer from the unit's settings (editable before download), page numbers
from page 2, the chart in the DOCX, no catalogue placeholder anywhere, sectors named as today's bodies."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

import pytest
from django.urls import reverse
from django.utils import translation

from ntm.apps.evaluations.models import Result
from ntm.apps.reports import documents as docs
from ntm.apps.reports.formats import render
from ntm.apps.reports.services import bulletin, dossier
from ntm.apps.units.models import Unit
from ntm.apps.units.services import resolve_unit
from ntm.core.reports.model import to_text

pytestmark = pytest.mark.django_db

LY_NHAN, NGUYEN_LY, HA_NAM = "huyen:353@2024", "xa:13570@2024", "tinh:35@2024"
ISSUED = dt.date(2024, 1, 5)
PLACEHOLDERS = ("chưa có trong nguồn", "nạp từ", "PLACEHOLDER", "None")
SIGNER = {
    "signer_authority": "KT. Chánh Văn phòng",
    "signer_title": "Phó Chánh Văn phòng",
    "signer_name": "Trần Thị Bình",
}


@pytest.fixture
def lynhan_signs(demo):
    """Lý Nhân's saved settings: a deputy signs on behalf of the head."""
    unit = resolve_unit(LY_NHAN)
    docs.save(unit, {**SIGNER, "recipients": "UBND tỉnh Hà Nam\nCác xã trên địa bàn huyện"}, None)
    return unit


def _pdf_pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [unicodedata.normalize("NFC", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _assert_frame_in_pdf(pdf: bytes, *, number_line: str, signer: list[str]) -> str:
    pages = _pdf_pages(pdf)
    assert len(pages) >= 2
    first = pages[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "Độc lập - Tự do - Hạnh phúc" in first
    assert number_line in first and "BÁO CÁO" in first
    # page numbers: none on page 1; "2", "3"… centred in the top margin (extracted last) on the others
    assert first.rstrip().splitlines()[-1] != "1"
    for k, text in enumerate(pages[1:], start=2):
        assert text.rstrip().splitlines()[-1] == str(k)
    text = "\n".join(pages)
    assert "Nơi nhận:" in text and "- Lưu: VT." in text
    for line in signer:
        assert line in text
    for bad in PLACEHOLDERS:
        assert bad not in text
    return text


def test_bulletin_pdf_has_the_frame_and_no_placeholder(lynhan_signs):
    """The district bulletin of 12/2023 printed "nội dung chưa có trong nguồn" on 83 rows."""
    from pypdf import PdfReader

    doc, _ = bulletin(lynhan_signs, "2023-12", issued=ISSUED)
    pdf = render(doc, "pdf")
    text = _assert_frame_in_pdf(
        pdf, number_line="Số:", signer=["KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Trần Thị Bình"]
    )
    assert "/BC-VPĐP" in text and "Lý Nhân, ngày 05 tháng 01 năm 2024" in text
    assert "- UBND tỉnh Hà Nam;" in text and "- Các xã trên địa bàn huyện;" in text
    assert re.search(r"Chỉ tiêu 1\.3 thuộc tiêu chí số 1 về\s+Quy hoạch", text)  # what the placeholder rows say now
    fonts = {
        f.get_object()["/BaseFont"]
        for p in PdfReader(io.BytesIO(pdf)).pages
        for f in (p["/Resources"].get("/Font") or {}).values()
    }
    assert fonts and all("Liberation-Serif" in f or "TimesNewRoman" in f for f in fonts), fonts


def test_dossier_pdf_has_the_frame_and_no_placeholder(demo):
    """Nâng cao has 68 indicators whose wording is not in our sources: each reads as its code and criterion."""
    nl = resolve_unit(NGUYEN_LY)
    # the People's Committee issues it itself: no parent body (sent empty), its own abbreviation
    sent = {"signer_authority", "signer_title", "signer_name", "issuer", "parent_body", "symbol"}
    docs.save(
        nl,
        {
            "signer_authority": "TM. Ủy ban nhân dân",
            "signer_title": "Chủ tịch",
            "signer_name": "Lê Văn Cường",
            "issuer": "ỦY BAN NHÂN DÂN XÃ NGUYÊN LÝ",
            "parent_body": "",
            "symbol": "UBND",
        },
        None,
        sent,
    )
    doc, _ = dossier(nl, "xa-nang-cao-2021", "2023-09", issued=ISSUED)  # 12/2023 is still under review
    assert doc.issuer == ["ỦY BAN NHÂN DÂN XÃ NGUYÊN LÝ"]
    text = _assert_frame_in_pdf(
        render(doc, "pdf"), number_line="/BC-UBND", signer=["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Lê Văn Cường"]
    )
    flat = " ".join(text.split())
    assert "UBND XÃ NGUYÊN LÝ" not in flat and "Nguyên Lý, ngày 05 tháng 01 năm 2024" in flat
    assert "Kết quả thực hiện tiêu chí nông thôn mới nâng cao của xã Nguyên Lý năm 2023" in flat
    assert "Chỉ tiêu 1.1 thuộc tiêu chí số 1 về Quy hoạch" in flat
    assert "Ngành phụ trách: Phòng Kinh tế." in flat  # a commune's own office, not a ministry


def _docx_checks(content: bytes, *, signer: list[str], chart: bool):
    import docx
    from docx.oxml.ns import qn

    d = docx.Document(io.BytesIO(content))
    cells = "\n".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    head = d.tables[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in head.rows[0].cells[1].text
    assert head.rows[1].cells[0].text.startswith("Số:") and "/BC-" in head.rows[1].cells[0].text
    assert "ngày" in head.rows[1].cells[1].text
    assert "Nơi nhận:" in cells and "- Lưu: VT." in cells
    for line in signer:
        assert line in cells
    sec = d.sections[0]
    assert sec.different_first_page_header_footer  # page 1 has a header of its own…
    instr = lambda part: " ".join(x.text for x in part._element.iter(qn("w:instrText")))  # noqa: E731
    assert "PAGE" not in instr(sec.first_page_header)  # …without a number
    assert "PAGE" in instr(sec.header)  # the other pages: the page number, centred at the top
    assert sec.header.paragraphs[0].alignment == 1  # centre
    if chart:
        assert len(d.inline_shapes) == 1
        blip = d.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip
        image = d.part.related_parts[blip.embed]
        assert image.content_type == "image/png" and image.blob[:8] == b"\x89PNG\r\n\x1a\n"
    xml = "".join(p._element.xml for p in [d.part, sec.header, sec.first_page_header])
    for bad in PLACEHOLDERS:
        assert bad not in xml
    return d


def test_bulletin_and_dossier_docx(lynhan_signs):
    doc, _ = bulletin(lynhan_signs, "2023-12", issued=ISSUED)
    _docx_checks(
        render(doc, "docx"), signer=["KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Trần Thị Bình"], chart=True
    )
    doc, _ = dossier(resolve_unit(NGUYEN_LY), "xa-nang-cao-2021", "2023-09", issued=ISSUED)
    _docx_checks(render(doc, "docx"), signer=["TRƯỞNG BAN"], chart=False)  # a commune's default signer


def test_the_province_annex_follows_the_signature(demo):
    doc, data = bulletin(resolve_unit(HA_NAM), "2023-07", issued=ISSUED)
    text = to_text(doc)
    body, annex = text.split("PHỤ LỤC. KẾT QUẢ ĐÁNH GIÁ CỦA TỪNG XÃ")
    assert "Nơi nhận:" in body and "CHÁNH VĂN PHÒNG" in body and "Nơi nhận" not in annex
    assert "- Văn phòng Điều phối nông thôn mới Trung ương;" in body
    assert "ngành phụ trách: Sở " in body  # a province names its own departments
    weak = next(t for t in doc.tables if t.key == "tieu-chi-yeu")
    assert weak.rows and all(r[4].startswith(("Sở ", "Bộ Quốc phòng", "Ban ")) for r in weak.rows), weak.rows


@pytest.mark.slow
def test_no_document_of_any_demo_unit_and_period_has_a_placeholder(demo):
    """Every bulletin (each unit with results, its districts, provinces and the country) and every dossier
    (each commune, set and period), with their tables."""
    rows = list(Result.objects.values_list("unit_id", "set_code", "period").distinct())
    communes = Unit.objects.filter(id__in={u for u, _, _ in rows})
    units = {u.id: u for u in communes}
    periods: dict[int, set[str]] = {}  # a unit's periods: those of its communes (old map and today's)
    for u in communes:
        mine = {p for v, _, p in rows if v == u.id}
        for a in [u, *Unit.objects.filter(id__in=u.ancestor_ids)]:
            units.setdefault(a.id, a)
            periods.setdefault(a.id, set()).update(mine)
    seen = 0
    for uid, u in units.items():
        for p in sorted(periods[uid]):
            doc, _ = bulletin(u, p)
            text = to_text(doc, tables=True)
            seen += 1
            for bad in PLACEHOLDERS:
                assert bad not in text, (u.uid, p, bad)
    for unit_id, set_code, p in rows:
        doc, _ = dossier(units[unit_id], set_code, p)
        text = to_text(doc, tables=True)
        for bad in PLACEHOLDERS:
            assert bad not in text, (unit_id, set_code, p, bad)
    every_period = {p for _, _, p in rows}
    assert any(p.startswith("2026") for p in every_period) and any(p.startswith("2023") for p in every_period)
    assert seen >= 5 * len(every_period) and len(rows) >= 26 * 3


# -- the form on the page: number, date and signer for the file, or saved for the unit -----------------
@pytest.fixture
def huyen(client, demo):
    from django.contrib.auth import get_user_model

    from ntm.apps.accounts.services import create_demo_accounts

    create_demo_accounts()
    client.force_login(get_user_model().objects.get(username="demo_huyen"))
    return client


def test_the_page_shows_the_form_filled_with_the_units_settings(huyen, lynhan_signs):
    html = huyen.get(reverse("reports-bulletin"), {"unit": LY_NHAN, "period": "2023-12"}).content.decode()
    assert 'id="frame-form"' in html and 'value="Trần Thị Bình"' in html and "Lưu làm thông tin văn bản" in html
    assert "Bộ Nông nghiệp và Phát triển nông thôn" in html and "Bộ Nông nghiệp và Môi trường" in html  # sector table
    assert "Trần Thị Bình" in html.split('class="doc-frame"')[1]  # the preview carries the signer
    html = huyen.get(reverse("reports-dossier"), {"unit": NGUYEN_LY, "set": "xa-ntm-2021", "period": "2023-12"}).content
    assert b'id="frame-form"' in html


def test_the_signer_typed_before_download_is_in_the_file(huyen, lynhan_signs):
    form = {
        "unit": LY_NHAN,
        "period": "2023-12",
        "format": "pdf",
        "number": "27",
        "issued": "05/02/2024",
        "signer_authority": "",
        "signer_title": "Chánh Văn phòng",
        "signer_name": "Phạm Minh Đức",
        "recipients": "UBND tỉnh Hà Nam\nBan Chỉ đạo các CTMTQG huyện",
    }
    r = huyen.post(reverse("reports-bulletin-download"), form)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "\n".join(_pdf_pages(r.content))
    assert "Số: 27/BC-VPĐP" in text and "Lý Nhân, ngày 05 tháng 02 năm 2024" in text
    assert "CHÁNH VĂN PHÒNG" in text and "Phạm Minh Đức" in text and "Trần Thị Bình" not in text
    assert "- Ban Chỉ đạo các CTMTQG huyện;" in text
    # the saved settings are unchanged: a plain download still carries them
    r = huyen.get(reverse("reports-bulletin-download"), {"unit": LY_NHAN, "period": "2023-12", "format": "txt"})
    assert "Trần Thị Bình" in r.content.decode() and "Phạm Minh Đức" not in r.content.decode()
    # the dossier: the same form, in DOCX
    r = huyen.post(
        reverse("reports-dossier-download"),
        {
            "unit": NGUYEN_LY,
            "set": "xa-ntm-2021",
            "period": "2023-12",
            "format": "docx",
            "signer_title": "Chủ tịch",
            "signer_name": "Vũ Thị Hoa",
        },
    )
    _docx_checks(r.content, signer=["CHỦ TỊCH", "Vũ Thị Hoa"], chart=False)


def test_saving_the_settings_for_the_unit(huyen, demo):
    url = reverse("reports-document-settings")
    page = reverse("reports-bulletin") + f"?unit={LY_NHAN}&period=2023-12"
    r = huyen.post(
        url,
        {
            "unit": LY_NHAN,
            "next": page,
            **SIGNER,
            "sectors": "Bộ Nông nghiệp và Môi trường = Phòng Nông nghiệp và Môi trường huyện",
        },
    )
    assert r.status_code == 302 and r["Location"] == page
    text = huyen.get(reverse("reports-bulletin-download"), {"unit": LY_NHAN, "period": "2023-12", "format": "txt"})
    text = text.content.decode()
    assert "KT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH VĂN PHÒNG\nTrần Thị Bình" in text
    assert "ngành phụ trách: Phòng Nông nghiệp và Môi trường huyện" in text
    # a second save adds a row: the first one stays, with who saved it
    huyen.post(url, {"unit": LY_NHAN, "next": page, "signer_title": "Chánh Văn phòng", "signer_name": "Phạm Minh Đức"})
    from ntm.apps.reports.models import DocumentSettings

    rows = list(DocumentSettings.objects.filter(unit__uid=LY_NHAN).order_by("created_at", "id"))
    assert [r.signer_name for r in rows] == ["Trần Thị Bình", "Phạm Minh Đức"]
    assert all(r.created_by.username == "demo_huyen" for r in rows)
    assert docs.frame_for(resolve_unit(LY_NHAN)).signer_name == "Phạm Minh Đức"


def test_bad_input_is_named_and_nothing_is_saved(huyen, demo):
    from ntm.apps.reports.models import DocumentSettings

    r = huyen.post(
        reverse("reports-bulletin-download"),
        {"unit": LY_NHAN, "period": "2023-12", "format": "pdf", "issued": "31/02/2024"},
    )
    assert r.status_code == 400 and "Ngày «31/02/2024» không hợp lệ" in r.content.decode()
    r = huyen.post(
        reverse("reports-document-settings"),
        {"unit": LY_NHAN, "sectors": "Bộ Y tế = Trạm Y tế\nBộ Xây dựng"},
        follow=True,
    )
    assert "dòng 2" in r.content.decode() and "Chưa lưu thông tin văn bản" in r.content.decode()
    assert not DocumentSettings.objects.filter(unit__uid=LY_NHAN).exists()


def test_only_the_units_data_entry_users_save_its_settings(client, demo):
    from django.contrib.auth import get_user_model

    from ntm.apps.accounts.services import create_demo_accounts
    from ntm.apps.reports.models import DocumentSettings

    create_demo_accounts()
    users = get_user_model().objects
    client.force_login(users.get(username="demo_tinh"))  # reviews the province: reads, downloads, does not save
    form = {"unit": LY_NHAN, **SIGNER}
    assert client.post(reverse("reports-document-settings"), form).status_code == 403
    page = client.get(reverse("reports-bulletin"), {"unit": LY_NHAN, "period": "2023-12"}).content.decode()
    assert "Lưu làm thông tin văn bản" not in page and 'id="frame-form"' in page
    client.force_login(users.get(username="demo_xa"))  # enters data for Nguyên Lý only
    assert client.post(reverse("reports-document-settings"), form).status_code == 403
    assert client.post(reverse("reports-document-settings"), {**form, "unit": NGUYEN_LY}).status_code == 302
    assert not DocumentSettings.objects.filter(unit__uid=LY_NHAN).exists()


def test_the_frame_speaks_english_in_the_english_locale(demo):
    with translation.override("en"):
        doc, _ = bulletin(resolve_unit(LY_NHAN), "2023-12", issued=ISSUED)
        text = to_text(doc)
    assert text.startswith("SOCIALIST REPUBLIC OF VIET NAM\nIndependence - Freedom - Happiness\n")
    assert "REPORT" in text and "Recipients:" in text and "No.:" in text
    assert "Nơi nhận" not in text and "CỘNG HÒA" not in text
    doc, _ = bulletin(resolve_unit(LY_NHAN), "2023-12", issued=ISSUED)  # Vietnamese by default
    assert "Nơi nhận:" in to_text(doc)
