"""Reading reports from files: formats by content, and clear errors for unusable input."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from ntm.core.claims import DocumentError, check_file, extract, read_document
from ntm.core.claims.documents import document_text, sniff

LINE = "Xã Nguyên Lý: đạt 17/19 tiêu chí (90%) nông thôn mới."


def test_plain_text_utf8_bom_crlf(tmp_path):
    p = tmp_path / "r.txt"
    p.write_bytes(b"\xef\xbb\xbf" + "Tháng 7/2023\r\n".encode() + LINE.encode())
    text = read_document(p)
    r = extract(text, catalog=False)
    assert [f.code for f in r.findings] == ["percent-mismatch"]
    assert "\r" not in r.text


def test_utf16_text(tmp_path):
    p = tmp_path / "r.txt"
    p.write_bytes(LINE.encode("utf-16"))
    assert read_document(p) == LINE


def test_docx_paragraphs_and_tables(tmp_path, cat):
    import docx

    d = docx.Document()
    d.add_paragraph("Bản tin nông thôn mới tháng 7/2023")
    d.add_paragraph(LINE)
    t = d.add_table(rows=1, cols=2)
    t.rows[0].cells[0].text = "Xã Công Lý"
    t.rows[0].cells[1].text = "đạt 16/19 tiêu chí nông thôn mới"
    p = tmp_path / "bao-cao.docx"
    d.save(p)
    r = check_file(p, catalog=cat)
    assert r.source == "bao-cao.docx"
    assert [(c.subject, c.achieved) for c in r.claims] == [("Xã Nguyên Lý", 17), ("Xã Công Lý", 16)]
    assert [f.code for f in r.findings] == ["percent-mismatch"]


def test_docx_by_content_whatever_the_extension(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph(LINE)
    p = tmp_path / "report.bin"
    d.save(p)
    assert sniff(p.read_bytes(), str(p)) == "docx"
    assert "17/19" in read_document(p)


def test_html_blocks_inline_and_scripts(tmp_path):
    html = (
        "<!doctype html><html><head><title>Bản tin</title><style>p{color:red}</style></head><body>"
        "<script>var x = '1/2 tiêu chí';</script><div>Tháng 7/2023</div>"
        "<p>Xã Nguyên Lý: đạt <b>17/19</b> tiêu&nbsp;chí (<i>90%</i>) nông thôn mới.</p><!-- 5/19 tiêu chí -->"
        "<ul><li>Xã Công Lý đạt 16/19 tiêu chí nông thôn mới</li></ul></body></html>"
    )
    p = tmp_path / "page.html"
    p.write_text(html, encoding="utf-8")
    text = read_document(p)
    assert "var x" not in text and "5/19" not in text and "color" not in text
    r = extract(text, catalog=False)
    assert [(c.subject, c.achieved, c.percent) for c in r.claims] == [
        ("Xã Nguyên Lý", 17, 90),
        ("Xã Công Lý", 16, None),
    ]


def test_html_legacy_charset(tmp_path):
    html = '<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9 17/19 tieu chi</p></body></html>'
    p = tmp_path / "old.htm"
    p.write_bytes(html.encode("cp1252"))
    assert "Café 17/19 tieu chi" in read_document(p)


def test_deeply_nested_html_is_read_quickly():
    depth = 50_000
    html = (
        "<html><body>" + "<div>" * depth + "Xã A đạt 17/19 tiêu chí nông thôn mới" + "</div>" * depth + "</body></html>"
    )
    t0 = time.process_time()
    text = document_text(html.encode(), "deep.html")
    assert "17/19" in text
    assert time.process_time() - t0 < 20


def test_large_html_is_streamed():
    html = (
        "<html><body>"
        + "<p>Xã A đạt <b>17/19</b> tiêu chí.</p><script>1/2 tiêu chí</script>" * 60_000
        + "</body></html>"
    )
    text = document_text(html.encode(), "big.html")
    assert text.count("17/19") == 60_000 and "1/2" not in text


def test_pdf_text_layer(tmp_path, pdf_bytes):
    p = tmp_path / "r.pdf"
    p.write_bytes(pdf_bytes(["Thang 7/2023.", "Xa Nguyen Ly dat 17/19 tieu chi nong thon moi (90%)."]))
    r = check_file(p, catalog=False)
    assert [(c.subject, c.kind, c.achieved, c.total, c.percent) for c in r.claims] == [
        ("Xã Nguyen Ly", "criteria", 17, 19, 90)
    ]
    assert r.period.key == "2023-07"


@pytest.mark.parametrize(
    "content,why",
    [
        (b"\x00\x01\x02\x03binary\x00" * 100, "nhị phân"),
        (bytes(range(256)) * 50, "nhị phân"),
        (b"X\xe3 Nguy\xean L\xfd 17/19 ti\xeau ch\xed", "không giải mã được"),
        (b"PK\x03\x04garbage-zip", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".doc"),
        (b"%PDF-1.4\n1 0 obj garbage", "PDF"),
    ],
)
def test_unusable_content_gives_a_clear_error(tmp_path, content, why):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(DocumentError) as exc:
        read_document(p)
    msg = str(exc.value)
    assert msg.startswith(str(p)) and why in msg


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DocumentError, match="không tìm thấy tệp"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(DocumentError, match="thư mục"):
        read_document(tmp_path)


def test_file_too_large_is_refused_before_reading(tmp_path):
    p = tmp_path / "big.txt"
    with open(p, "wb") as fh:  # 50 MB, sparse: nothing stored
        fh.seek(50 * 1024 * 1024 - 1)
        fh.write(b"\0")
    t0 = time.monotonic()
    with pytest.raises(DocumentError, match="quá lớn"):
        read_document(p)
    assert time.monotonic() - t0 < 1


def test_text_too_large_is_refused(tmp_path):
    p = tmp_path / "big.txt"
    p.write_bytes(b"a" * 2000)
    with pytest.raises(DocumentError, match="văn bản quá lớn"):
        read_document(p, max_chars=1000)


def test_zip_bomb_docx_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b" " * (70 * 1024 * 1024) + b"</w:document>")
    p = tmp_path / "bomb.docx"
    p.write_bytes(buf.getvalue())
    with pytest.raises(DocumentError, match="quá lớn"):
        read_document(p)


def test_scanned_pdf_without_text(tmp_path):
    import pypdf

    w = pypdf.PdfWriter()
    w.add_blank_page(595, 842)
    p = tmp_path / "scan.pdf"
    with open(p, "wb") as fh:
        w.write(fh)
    with pytest.raises(DocumentError, match="OCR"):
        read_document(p)
