"""Reading a report file as text: plain text, .docx, .html, text-based .pdf.

The format is decided by the content (magic bytes, markup), the extension only breaking ties.
Every failure is a :class:`DocumentError` whose message names the file and says what is wrong,
in Vietnamese; nothing here hangs or exhausts memory on hostile input:

- the file size is capped before reading (``max_bytes``), the extracted text too (``max_chars``);
- .docx: the zip directory is checked (entry sizes, compression ratio) before parsing; the XML
  parser of python-docx does not resolve entities;
- .html: BeautifulSoup with the stdlib ``html.parser`` (builds no recursion-limited structure when
  walked iteratively); very large pages are streamed through ``html.parser`` without a tree;
- .pdf: pypdf, page by page, with a page cap and a time budget.
"""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from .text import DEFAULT_MAX_CHARS

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
HTML_TREE_LIMIT = 2 * 1024 * 1024  # above this, stream the page instead of building a tree
PDF_MAX_PAGES = 2000
PDF_TIME_BUDGET = 30.0
DOCX_MAX_XML = 64 * 1024 * 1024
DOCX_MAX_RATIO = 200

BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
}
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "head_meta"}


_WS = re.compile(r"\s+")


class DocumentError(ValueError):
    """The file cannot be used as a report (missing, binary, too large, undecodable…)."""


def _fail(path: str, why: str) -> DocumentError:
    return DocumentError(f"{path}: {why}")


def read_document(
    path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES, max_chars: int = DEFAULT_MAX_CHARS
) -> str:
    """The text of a report file. Raises :class:`DocumentError` with a message naming the file."""
    name = str(path)
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise _fail(name, "không tìm thấy tệp") from None
    except OSError as exc:
        raise _fail(name, f"không đọc được tệp ({exc.strerror or exc})") from None
    if p.is_dir():
        raise _fail(name, "đây là thư mục, không phải tệp")
    if st.st_size > max_bytes:
        raise _fail(name, f"tệp quá lớn ({_mb(st.st_size)}; giới hạn {_mb(max_bytes)})")
    try:
        with open(p, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise _fail(name, f"không đọc được tệp ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise _fail(name, f"tệp quá lớn (hơn {_mb(max_bytes)})")
    text = document_text(data, name, max_chars=max_chars)
    if len(text) > max_chars:
        raise _fail(name, f"văn bản quá lớn ({len(text):,} ký tự; giới hạn {max_chars:,})".replace(",", "."))
    return text


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB".replace(".", ",")


def sniff(data: bytes, name: str = "") -> str:
    """'pdf' | 'docx' | 'zip' | 'ole' | 'html' | 'text'."""
    head = data[:1024]
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024] and head.lstrip()[:1] == b"%":
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            return "zip"
        return "docx" if "word/document.xml" in names else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    probe = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    ext = Path(name).suffix.lower()
    if probe.startswith((b"<!doctype html", b"<html", b"<?xml")) and (
        b"<html" in data[:4096].lower() or ext in (".html", ".htm")
    ):
        return "html"
    if ext in (".html", ".htm", ".xhtml") and b"<" in head:
        return "html"
    low = data[:8192].lower()
    if sum(low.count(t) for t in (b"<p>", b"<p ", b"<div", b"<br", b"<span", b"<table", b"<body")) >= 3:
        return "html"
    return "text"


def document_text(data: bytes, name: str = "<bytes>", *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    kind = sniff(data, name)
    if kind == "pdf":
        return _pdf_text(data, name, max_chars)
    if kind == "docx":
        return _docx_text(data, name, max_chars)
    if kind == "zip":
        raise _fail(name, "tệp nén (zip) không phải .docx")
    if kind == "ole":
        raise _fail(name, "định dạng Word cũ (.doc) chưa được hỗ trợ; hãy lưu lại thành .docx")
    if kind == "html":
        return _html_text(_decode(data, name, html=True), name, max_chars)
    return _decode(data, name)


# -- text ------------------------------------------------------------------------------------------
def _decode(data: bytes, name: str, html: bool = False) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _fail(name, "không giải mã được (UTF-16 hỏng)") from None
    if b"\x00" in data[:65536]:
        raise _fail(name, "tệp nhị phân, không phải văn bản")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if html:
            from bs4 import UnicodeDammit

            dammit = UnicodeDammit(data, ["utf-8", "windows-1258", "windows-1252"])
            if dammit.unicode_markup is not None and dammit.original_encoding:
                return dammit.unicode_markup
        raise _fail(name, f"không giải mã được: không phải UTF-8 (byte lỗi ở vị trí {exc.start})") from None
    sample = text[:65536]
    if sample:
        ctrl = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\n\r\t\f\v") or 0x7F <= ord(ch) < 0xA0)
        if ctrl / len(sample) > 0.05:
            raise _fail(name, "tệp nhị phân, không phải văn bản (nhiều ký tự điều khiển)")
    return text


# -- html ------------------------------------------------------------------------------------------
def _html_text(markup: str, name: str, max_chars: int) -> str:
    if len(markup) > HTML_TREE_LIMIT:
        return _html_stream(markup, max_chars)
    from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag
    from bs4.element import CData

    try:
        soup = BeautifulSoup(markup, "html.parser")
    except Exception as exc:  # html.parser is lenient; this is a last resort
        raise _fail(name, f"không đọc được HTML ({type(exc).__name__})") from None
    parts: list[str] = []
    skip_until = None  # the element whose subtree is being skipped
    for node in soup.descendants:  # an iterator over next_element: no recursion
        if skip_until is not None:
            if node is skip_until:
                skip_until = None
            else:
                continue
        if isinstance(node, Tag):
            if node.name in SKIP_TAGS:
                skip_until = _after(node)
                if skip_until is None:
                    break
                # the next node to keep is skip_until itself: process it on its turn
                continue
            if node.name in BLOCK_TAGS:
                parts.append("\n")
        elif isinstance(node, NavigableString):
            if isinstance(node, (Comment, Declaration, Doctype, ProcessingInstruction, CData)):
                continue
            parts.append(_WS.sub(" ", str(node)))
    return _tidy("".join(parts))


def _after(tag) -> object | None:
    """The first node after ``tag``'s subtree, found without recursion."""
    node = tag
    while node is not None:
        if node.next_sibling is not None:
            return node.next_sibling
        node = node.parent
    return None


class _Stream(HTMLParser):
    def __init__(self, max_chars: int):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.skip = 0
        self.max_chars = max_chars

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self.skip += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if self.skip or self.size > self.max_chars:
            return
        s = _WS.sub(" ", data)
        self.size += len(s)
        self.parts.append(s)


def _html_stream(markup: str, max_chars: int) -> str:
    p = _Stream(max_chars)
    step = 1 << 20
    for i in range(0, len(markup), step):
        p.feed(markup[i : i + step])
    p.close()
    return _tidy("".join(p.parts))


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    blank = 0
    for line in lines:
        if line:
            if blank and out:
                out.append("")
            out.append(line)
            blank = 0
        else:
            blank += 1
    return "\n".join(out) + ("\n" if out else "")


# -- docx ------------------------------------------------------------------------------------------
def _docx_text(data: bytes, name: str, max_chars: int) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if info.file_size > DOCX_MAX_XML:
                    raise _fail(name, f"tệp .docx có thành phần quá lớn ({info.filename}: {_mb(info.file_size)})")
                if (
                    info.compress_size
                    and info.file_size / info.compress_size > DOCX_MAX_RATIO
                    and info.file_size > 1 << 20
                ):
                    raise _fail(name, "tệp .docx nén bất thường (có thể là 'zip bomb')")
    except zipfile.BadZipFile:
        raise _fail(name, "tệp .docx hỏng") from None
    try:
        import docx  # python-docx
        from docx.oxml.ns import qn

        doc = docx.Document(io.BytesIO(data))
    except DocumentError:
        raise
    except Exception as exc:
        raise _fail(name, f"không đọc được tệp .docx ({type(exc).__name__})") from None
    lines: list[str] = []
    size = 0
    body = doc.element.body
    p_tag, tbl_tag, t_tag, br_tag, tab_tag = qn("w:p"), qn("w:tbl"), qn("w:t"), qn("w:br"), qn("w:tab")
    for child in body.iterchildren():
        if child.tag == p_tag:
            lines.append(_para_text(child, t_tag, br_tag, tab_tag))
        elif child.tag == tbl_tag:
            for row in child.iter(qn("w:tr")):
                cells = []
                for cell in row.iter(qn("w:tc")):
                    cells.append(" ".join(_para_text(p, t_tag, br_tag, tab_tag) for p in cell.iter(p_tag)).strip())
                lines.append(" | ".join(cells))
        size += len(lines[-1]) if lines else 0
        if size > max_chars:
            break
    return "\n\n".join(line for line in lines if line.strip()) + "\n"


def _para_text(p, t_tag: str, br_tag: str, tab_tag: str) -> str:
    parts = []
    for el in p.iter(t_tag, br_tag, tab_tag):
        if el.tag == t_tag:
            parts.append(el.text or "")
        elif el.tag == br_tag:
            parts.append("\n")
        else:
            parts.append(" ")
    return "".join(parts)


# -- pdf -------------------------------------------------------------------------------------------
def _pdf_text(data: bytes, name: str, max_chars: int) -> str:
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise _fail(name, "tệp PDF được mã hoá")
            except DocumentError:
                raise
            except Exception:
                raise _fail(name, "tệp PDF được mã hoá") from None
        pages = reader.pages
        n = len(pages)
    except DocumentError:
        raise
    except Exception as exc:
        raise _fail(name, f"tệp PDF hỏng hoặc không đọc được ({type(exc).__name__})") from None
    if n > PDF_MAX_PAGES:
        raise _fail(name, f"tệp PDF quá nhiều trang ({n}; giới hạn {PDF_MAX_PAGES})")
    out: list[str] = []
    size = 0
    t0 = time.monotonic()
    for i in range(n):
        if time.monotonic() - t0 > PDF_TIME_BUDGET:
            raise _fail(name, f"đọc PDF quá lâu (dừng ở trang {i + 1}/{n})")
        try:
            txt = pages[i].extract_text() or ""
        except Exception:
            txt = ""
        out.append(_join_pdf_lines(txt))
        size += len(txt)
        if size > max_chars:
            break
    text = "\n\n".join(out)
    if not text.strip() and n:
        raise _fail(name, "tệp PDF không có lớp chữ (có thể là bản quét); cần nhận dạng ký tự (OCR) trước")
    return text


def _join_pdf_lines(txt: str) -> str:
    """PDF text breaks lines where the page wraps; join a line to the next one when the sentence
    clearly continues (no closing punctuation, next line starts in lowercase or with a digit)."""
    lines = txt.split("\n")
    out: list[str] = []
    for line in lines:
        s = line.rstrip()
        if (
            out
            and out[-1]
            and s
            and out[-1][-1] not in ".:;!?"
            and (s.lstrip()[:1].islower() or s.lstrip()[:1].isdigit())
        ):
            out[-1] = out[-1] + " " + s.lstrip()
        else:
            out.append(s)
    return "\n".join(out)
