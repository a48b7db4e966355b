"""The document model shared by bulletins and dossiers: headings, paragraphs, tables, bar charts.

A :class:`Document` is plain data. Renderers turn it into text (for the report checker and the
command line), HTML (the page and, through WeasyPrint, the PDF), DOCX and XLSX; none of them
computes a figure: every number is already a formatted string in the document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Union

NATIONAL_HEADING = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

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


Block = Union[Heading, Paragraph, Lines, Table, Chart, Figure]


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

    @property
    def place_date(self) -> str:
        d = self.issued
        # Nghị định 30/2020: a zero before days below 10 and months 1 and 2 ("ngày 05 tháng 02", "tháng 7")
        month = f"{d.month:02d}" if d.month < 3 else str(d.month)
        return f"{self.place}, ngày {d.day:02d} tháng {month} năm {d.year}"

    def add(self, block: Block) -> Block:
        self.blocks.append(block)
        return block

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]


def to_text(doc: Document, *, tables: bool = False) -> str:
    """The document as plain text, in the layout of a published bulletin (tables left out unless asked)."""
    lines = [*NATIONAL_HEADING, "", *doc.issuer, doc.place_date, "", doc.title, doc.subtitle, ""]
    for b in doc.blocks:
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
    lines += [line for line in doc.footer]
    out: list[str] = []
    for line in lines:  # no runs of blank lines
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"
