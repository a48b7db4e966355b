"""The document model shared by bulletins and dossiers: headings, paragraphs, tables, bar charts.

A :class:`Document` is plain data. Renderers turn it into text (for the report checker and the
command line), HTML (the page and, through WeasyPrint, the PDF), DOCX and XLSX; none of them
computes a figure: every number is already a formatted string in the document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

NATIONAL_HEADING = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@dataclass(frozen=True)
class FrameText:
    """The fixed words of an administrative document's frame (Nghị định 30/2020/NĐ-CP, Phụ lục I):
    Vietnamese here; the web application passes the translated ones for another language."""

    nation: str = NATIONAL_HEADING[0]  # quốc hiệu
    motto: str = NATIONAL_HEADING[1]  # tiêu ngữ
    number: str = "Số"  # "Số: 15/BC-VPĐP"
    report: str = "BÁO CÁO"  # tên loại
    report_abbr: str = "BC"  # its abbreviation in the number line (Phụ lục III)
    date: str = "{place}, ngày {day} tháng {month} năm {year}"
    recipients: str = "Nơi nhận"
    archive: str = "Lưu: VT"  # the last line of "Nơi nhận" (văn thư)
    bulletin_subject: str = "Bản tin nông thôn mới {period}"  # trích yếu
    dossier_subject: str = "Kết quả thực hiện tiêu chí {standard} của {unit} năm {year} (hồ sơ đề nghị xét công nhận)"


@dataclass(frozen=True)
class Signature:
    """The signer (Nghị định 30/2020, Phụ lục I, mục 7): quyền hạn ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"),
    chức vụ ("CHÁNH VĂN PHÒNG") and họ tên; the space between is for the signature and the seal."""

    authority: str = ""
    title: str = ""
    name: str = ""

    @property
    def lines(self) -> list[str]:
        return [x for x in (self.authority.upper(), self.title.upper()) if x]


ParagraphStyle = Literal["body", "dash", "plus", "note", "flag", "bold"]


@dataclass
class Heading:
    text: str
    level: int = 1
    new_page: bool = False  # starts a new page (the annex)


@dataclass
class Paragraph:
    """``dash`` paragraphs start with "- ", ``plus`` with "+ " (one line per commune), as officials write."""

    text: str
    style: ParagraphStyle = "body"

    @property
    def line(self) -> str:
        prefix = {"dash": "- ", "plus": "+ ", "flag": "(!) "}.get(self.style, "")
        return prefix + self.text


@dataclass
class Lines:
    """A run of short ``plus`` lines, one per commune (the annex of a large unit's bulletin).

    The same text as that many ``Paragraph(..., "plus")`` blocks, laid out compactly: one block in
    HTML/PDF (``white-space: pre-line``, far cheaper for WeasyPrint than hundreds of paragraphs or
    table rows), plain paragraphs without indent in DOCX.
    """

    lines: list[str]

    @property
    def text_lines(self) -> list[str]:
        return ["+ " + x for x in self.lines]


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    align: list[str] | None = None  # per column: "l" | "r" | "c"
    widths: list[float] | None = None  # relative widths
    flagged: set[int] = field(default_factory=set)  # row indices to highlight (unmet, conflict)
    note: str = ""
    key: str = ""  # sheet name in XLSX ("ket-qua", "tieu-chi")

    def alignment(self, i: int) -> str:
        return (self.align or [])[i] if self.align and i < len(self.align) else "l"


@dataclass
class Bar:
    label: str
    value: float
    text: str  # the value as printed ("17", "17,87")
    flag: bool = False  # drawn in the warning colour


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    maximum: float
    axis_label: str = ""
    note: str = ""


@dataclass
class Figure:
    """A drawing made elsewhere (the map of the communes): SVG text, shown in HTML and PDF only."""

    title: str
    svg: str
    note: str = ""


Block = Heading | Paragraph | Lines | Table | Chart | Figure


@dataclass
class Document:
    kind: Literal["bulletin", "dossier"]
    issuer: list[str]  # "UBND HUYỆN LÝ NHÂN", "BAN CHỈ ĐẠO …" (upper case, as printed)
    place: str  # "Lý Nhân"
    issued: dt.date
    title: str  # "BẢN TIN NÔNG THÔN MỚI"
    subtitle: str  # "Tháng 7/2023"
    blocks: list[Block] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    filename: str = "ban-tin"  # without extension
    meta: dict = field(default_factory=dict)  # figures for tests and the API (unit, period, sets…)
    # the frame of Nghị định 30/2020/NĐ-CP around the body
    number: str = ""  # "15"; empty: the space the văn thư fills in when registering the document
    symbol: str = ""  # the issuing body's abbreviation after "BC-": "VPĐP", "UBND"
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận", without the "Lưu" line
    signature: Signature = field(default_factory=Signature)
    text: FrameText = field(default_factory=FrameText)
    appendix: list[Block] = field(default_factory=list)  # phụ lục: after the signature, from a new page

    @property
    def place_date(self) -> str:
        d = self.issued
        # Nghị định 30/2020: a zero before days below 10 and months 1 and 2 ("ngày 05 tháng 02", "tháng 7")
        month = f"{d.month:02d}" if d.month < 3 else str(d.month)
        return self.text.date.format(place=self.place, day=f"{d.day:02d}", month=month, year=d.year)

    @property
    def number_line(self) -> str:
        """ "Số: 15/BC-VPĐP"; without a number, the blank a draft leaves: "Số:      /BC-VPĐP"."""
        kind = f"{self.text.report_abbr}-{self.symbol}" if self.symbol else self.text.report_abbr
        return f"{self.text.number}: {self.number.strip() or ' ' * 6}/{kind}"

    @property
    def recipient_lines(self) -> list[str]:
        """The "Nơi nhận" list as printed: "- …;" each, the archive line last with a full stop."""
        items = [x.strip().rstrip(";.").strip() for x in self.recipients if x.strip()]
        items = [x for x in items if not x.casefold().startswith(self.text.archive.split(":")[0].casefold())]
        return [f"- {x};" for x in items] + [f"- {self.text.archive}."]

    def add(self, block: Block) -> Block:
        self.blocks.append(block)
        return block

    @property
    def tables(self) -> list[Table]:
        return [b for b in (*self.blocks, *self.appendix) if isinstance(b, Table)]

    @property
    def charts(self) -> list[Chart]:
        return [b for b in (*self.blocks, *self.appendix) if isinstance(b, Chart)]


def _block_lines(b: Block, tables: bool) -> list[str]:
    lines: list[str] = []
    if isinstance(b, Heading):
        lines += ["", b.text, ""]
    elif isinstance(b, Paragraph):
        lines += [b.line, ""]
    elif isinstance(b, Lines):
        for x in b.text_lines:
            lines += [x, ""]
    elif isinstance(b, Table) and tables:
        lines += [b.caption, "\t".join(b.columns), *("\t".join(r) for r in b.rows), ""]
        if b.note:
            lines += [b.note, ""]
    elif isinstance(b, Chart) and tables:
        lines += [b.title, *(f"{bar.label}\t{bar.text}" for bar in b.bars), ""]
    return lines


def to_text(doc: Document, *, tables: bool = False) -> str:
    """The document as plain text, in the layout of a published bulletin (tables left out unless asked):
    the heading, the body, "Nơi nhận" and the signer, then the appendix."""
    t = doc.text
    lines = [t.nation, t.motto, "", *doc.issuer, doc.number_line, doc.place_date, "", doc.title, doc.subtitle, ""]
    for b in doc.blocks:
        lines += _block_lines(b, tables)
    lines += [line for line in doc.footer]
    lines += ["", f"{t.recipients}:", *doc.recipient_lines, "", *doc.signature.lines]
    if doc.signature.name:
        lines.append(doc.signature.name)
    lines.append("")
    for b in doc.appendix:
        lines += _block_lines(b, tables)
    out: list[str] = []
    for line in lines:  # no runs of blank lines
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"
