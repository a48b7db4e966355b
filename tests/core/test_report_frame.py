"""The frame of an administrative document (Nghị định 30/2020/NĐ-CP) on the plain document model."""

from __future__ import annotations

import datetime as dt
import io

from ntm.core.reports.chart import png
from ntm.core.reports.model import Bar, Chart, Document, Heading, Lines, Paragraph, Signature, to_text


def _doc(**kw) -> Document:
    base = dict(
        kind="bulletin",
        issuer=["UBND HUYỆN LÝ NHÂN", "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI"],
        place="Lý Nhân",
        issued=dt.date(2024, 2, 5),
        title="BÁO CÁO",
        subtitle="Bản tin nông thôn mới tháng 1/2024",
        symbol="VPĐP",
    )
    return Document(**{**base, **kw})


def test_number_line_and_date_as_the_decree_writes_them():
    assert _doc(number="27").number_line == "Số: 27/BC-VPĐP"
    assert _doc().number_line == "Số:       /BC-VPĐP"  # the space the records office fills in
    assert _doc().place_date == "Lý Nhân, ngày 05 tháng 02 năm 2024"  # zeros before day < 10 and months 1, 2
    assert _doc(issued=dt.date(2023, 12, 31)).place_date == "Lý Nhân, ngày 31 tháng 12 năm 2023"


def test_recipients_end_with_the_archive_line_once():
    d = _doc(recipients=["UBND tỉnh Hà Nam;", "  ", "Các xã trên địa bàn.", "Lưu: VT, VPĐP"])
    assert d.recipient_lines == ["- UBND tỉnh Hà Nam;", "- Các xã trên địa bàn;", "- Lưu: VT."]


def test_text_order_body_signature_then_appendix():
    d = _doc(signature=Signature("kt. chánh văn phòng", "Phó Chánh Văn phòng", "Trần Thị Bình"))
    d.add(Heading("1. Kết quả thực hiện"))
    d.add(Paragraph("Xã Nguyên Lý: đạt 17/19 tiêu chí.", "plus"))
    d.footer = ["Số liệu: kết quả đánh giá tháng 1/2024."]
    d.appendix.append(Heading("PHỤ LỤC. KẾT QUẢ CỦA TỪNG XÃ", new_page=True))
    d.appendix.append(Lines(["Xã Nguyên Lý: đạt 17/19 tiêu chí."]))
    text = to_text(d)
    order = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI\nSố:",
        "BÁO CÁO\nBản tin",
        "1. Kết quả thực hiện",
        "Số liệu:",
        "Nơi nhận:\n- Lưu: VT.",
        "KT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH VĂN PHÒNG\nTrần Thị Bình",
        "PHỤ LỤC.",
    ]
    at = [text.index(x) for x in order]
    assert at == sorted(at), text


def test_the_chart_as_a_picture():
    from PIL import Image

    c = Chart("Biểu đồ 1", [Bar("Nguyên Lý", 17, "17"), Bar("Tiến Thắng", 12, "12", flag=True)], 19, "số tiêu chí đạt")
    img = Image.open(io.BytesIO(png(c, scale=2)))
    assert img.format == "PNG" and img.size == (1280, 2 * (8 + 2 * 21 + 36))
    colours = {img.getpixel((2 * 200, 2 * 16)), img.getpixel((2 * 200, 2 * 37))}
    assert colours == {(0x2E, 0x7D, 0x32), (0xC7, 0x77, 0x00)}  # met green, unmet amber, as in the SVG
