"""Render a :class:`~ntm.core.reports.model.Document` as DOCX, PDF, XLSX or HTML (bytes).

Both printable formats follow Nghị định 30/2020/NĐ-CP (Phụ lục I): quốc hiệu and tiêu ngữ, the issuing
body and the number line, place and date, tên loại and trích yếu, the body, "Nơi nhận" and the signer,
the appendix after it; page numbers at the top centre from page 2.

- DOCX (python-docx): A4, margins 20/20/30/15 mm, Times New Roman 13 pt, the heading and the signature
  in borderless two-column tables, tables with a repeated header row, the chart as a picture (PNG),
  the page number a PAGE field in the header of every page but the first;
- PDF: the HTML page laid out for A4 by WeasyPrint (the chart is inline SVG, the typeface Liberation
  Serif where Times New Roman is not installed);
- XLSX (openpyxl, write-only): the text, one sheet per table, the chart as a native Excel bar chart;
- HTML: a complete page (the same as the PDF's source).

Which format is offered for which document, and the dispatch, are in :mod:`ntm.apps.reports.formats`.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from html import escape

from ntm.core.reports import html as H
from ntm.core.reports.model import Chart, Document, Heading, Lines, Paragraph, Table, to_text

FONT = "Times New Roman"
BODY_PT = 13
TABLE_PT = 11
USABLE_CM = 21.0 - 3.0 - 1.5


class RenderUnavailable(RuntimeError):
    """A renderer's library is not installed (e.g. WeasyPrint for PDF)."""


# -- DOCX ---------------------------------------------------------------------------------------
def _fonts(rpr, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if rfonts.get(qn(attr)) is not None:
            del rfonts.attrib[qn(attr)]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)


def _setup(d) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Cm, Pt, RGBColor

    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(2), Cm(2), Cm(3), Cm(1.5)
    normal = d.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _fonts(normal.element.get_or_add_rPr())
    pf = normal.paragraph_format
    pf.space_after = Pt(4)
    pf.line_spacing = 1.15
    for name, italic in (("Heading 1", False), ("Heading 2", True)):
        st = d.styles[name] if name in [s.name for s in d.styles] else d.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.font.name = FONT
        st.font.size = Pt(BODY_PT)
        st.font.bold = True
        st.font.italic = italic
        st.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(st.element.get_or_add_rPr())
        st.paragraph_format.space_before = Pt(8)
        st.paragraph_format.space_after = Pt(4)
        st.paragraph_format.keep_with_next = True


def _no_borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tblPr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    tblPr.append(borders)


def _cell_text(
    cell,
    text: str,
    *,
    size: float = TABLE_PT,
    bold: bool = False,
    italic: bool = False,
    align: str = "l",
    underline: bool = False,
) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    lines = text.split("\n")
    p = cell.paragraphs[0]
    for k, line in enumerate(lines):
        if k:
            p = cell.add_paragraph()
        p.alignment = {"l": WD_ALIGN_PARAGRAPH.LEFT, "r": WD_ALIGN_PARAGRAPH.RIGHT, "c": WD_ALIGN_PARAGRAPH.CENTER}[
            align
        ]
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.line_spacing = 1.0
        p.paragraph_format.first_line_indent = None
        run = p.add_run(line)
        run.font.size = Pt(size)
        run.bold = bold
        run.italic = italic
        run.underline = underline


def _widths(table, cms: list[float]) -> None:
    """Fixed column widths (Word and LibreOffice both honour gridCol + fixed layout + cell widths)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table.autofit = False
    tblPr = table._tbl.tblPr
    layout = tblPr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tblPr.append(layout)
    layout.set(qn("w:type"), "fixed")
    for col, w in zip(table.columns, cms):
        col.width = Cm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, cms):
            cell.width = Cm(w)


def _header(d, doc: Document) -> None:
    """Nghị định 30/2020, Phụ lục I: the issuing body (its parent above, not bold) and the number line on
    the left; quốc hiệu, tiêu ngữ (underlined) and place and date on the right."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    t = d.add_table(rows=2, cols=2)
    _no_borders(t)
    left, right = t.rows[0].cells
    *parents, body = doc.issuer or [""]
    if parents:
        _cell_text(left, "\n".join(parents), size=12.5, align="c")
        p = left.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
        r = p.add_run(body)
        r.bold, r.font.size = True, Pt(12.5)
    else:
        _cell_text(left, body, size=12.5, bold=True, align="c")
    _cell_text(right, doc.text.nation, size=12.5, bold=True, align="c")
    p = right.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(0)
    r = p.add_run(doc.text.motto)
    r.bold, r.underline, r.font.size = True, True, Pt(13.5)
    number, date = t.rows[1].cells
    _cell_text(number, doc.number_line, size=13, align="c")
    _cell_text(date, doc.place_date, size=13.5, italic=True, align="c")
    for cell in (number, date):
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)
    _widths(t, [6.5, USABLE_CM - 6.5])


def _signature(d, doc: Document) -> None:
    """ "Nơi nhận" (bold italic 12 pt, the list 11 pt) on the left, the signer on the right: quyền hạn and
    chức vụ in bold capitals, the space for the signature and the seal, họ tên in bold."""
    from docx.oxml import OxmlElement
    from docx.shared import Pt

    t = d.add_table(rows=1, cols=2)
    _no_borders(t)
    to, signer = t.rows[0].cells
    _cell_text(to, "\n".join([f"{doc.text.recipients}:", *doc.recipient_lines]), size=11)
    head = to.paragraphs[0].runs[0]
    head.bold, head.italic, head.font.size = True, True, Pt(12)
    s = doc.signature
    _cell_text(
        signer, "\n".join([*s.lines, "", "", "", "", *([s.name] if s.name else [])]), size=13.5, bold=True, align="c"
    )
    for cell in (to, signer):
        cell.paragraphs[0].paragraph_format.space_before = Pt(12)
    t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # never cut across two pages
    _widths(t, [USABLE_CM / 2, USABLE_CM / 2])


def _page_numbers(d) -> None:
    """The page number in the header, centred, 13 pt, from page 2 (the first page has a header of its own,
    left empty): Nghị định 30/2020, Phụ lục I, mục I.7."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    sec = d.sections[0]
    sec.different_first_page_header_footer = True
    sec.header_distance = Cm(1)
    p = sec.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    run.font.size = Pt(13)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    sec.first_page_header.paragraphs[0].text = ""  # defined, and empty: no number on page 1


# The tables, the chart and the annex lines are written as WordprocessingML in bulk (one string per
# table, parsed once) instead of cell by cell through python-docx's objects: a province bulletin
# has thousands of cells and python-docx spends ~1 ms on each (child lookups in document order for
# every property set). The XML is what python-docx itself would write.
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TWIPS_PER_CM = 1440 / 2.54


def _x(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)


def _p_xml(
    text: str,
    *,
    size: float | None = TABLE_PT,
    bold: bool = False,
    italic: bool = False,
    align: str | None = None,
    keep_next: bool = False,
    compact: bool = True,
    color: str | None = None,
    page_break: bool = False,
    indent_cm: float | None = None,
) -> str:
    """One paragraph with one run (``compact``: no space after, single line spacing, as in table cells)."""
    ppr = []
    if keep_next:
        ppr.append("<w:keepNext/>")
    if page_break:
        ppr.append("<w:pageBreakBefore/>")
    if compact:
        ppr.append('<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>')
    if indent_cm is not None:
        ppr.append(f'<w:ind w:firstLine="{round(indent_cm * _TWIPS_PER_CM)}"/>')
    if align:
        ppr.append(f'<w:jc w:val="{ {"l": "left", "r": "right", "c": "center", "j": "both"}[align] }"/>')
    rpr = []
    if bold:
        rpr.append("<w:b/>")
    if italic:
        rpr.append("<w:i/>")
    if color:
        rpr.append(f'<w:color w:val="{color}"/>')
    if size is not None:
        rpr.append(f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>')
    run = (
        f'<w:r>{"<w:rPr>" + "".join(rpr) + "</w:rPr>" if rpr else ""}<w:t xml:space="preserve">{_x(text)}</w:t></w:r>'
        if text
        else ""
    )
    return f"<w:p>{'<w:pPr>' + ''.join(ppr) + '</w:pPr>' if ppr else ''}{run}</w:p>"


def _tc_xml(width: int, paragraphs: str, *, fill: str | None = None, gap_below: bool = False) -> str:
    pr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if gap_below:  # a white bottom border, so that the bars of a table chart do not touch
        pr += '<w:tcBorders><w:bottom w:val="single" w:sz="24" w:space="0" w:color="FFFFFF"/></w:tcBorders>'
    if fill:
        pr += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
    return f"<w:tc><w:tcPr>{pr}</w:tcPr>{paragraphs}</w:tc>"


def _tbl_xml(widths: list[int], rows: list[str], *, grid: bool) -> str:
    borders = (
        ""
        if grid
        else (
            "<w:tblBorders>"
            + "".join(f'<w:{e} w:val="nil"/>' for e in ("top", "left", "bottom", "right", "insideH", "insideV"))
            + "</w:tblBorders>"
        )
    )
    style = '<w:tblStyle w:val="TableGrid"/>' if grid else ""
    return (
        f'<w:tbl xmlns:w="{_W_NS}"><w:tblPr>{style}<w:tblW w:w="{sum(widths)}" w:type="dxa"/>{borders}'
        '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>" + "".join(rows) + "</w:tbl>"
    )


def _append_xml(d, xml: str) -> None:
    """Parse ``xml`` (elements in the w: namespace, without declaration) and add them at the end of the body."""
    from docx.oxml import parse_xml

    body = d.element.body
    sect = body.sectPr
    wrapper = parse_xml(f'<w:body xmlns:w="{_W_NS}">{xml}</w:body>')
    for el in list(wrapper):
        if sect is not None:
            sect.addprevious(el)
        else:
            body.append(el)


def _caption_xml(text: str) -> str:
    return (
        f'<w:p><w:pPr><w:keepNext/><w:spacing w:before="200"/></w:pPr><w:r><w:rPr><w:b/><w:i/></w:rPr>'
        f'<w:t xml:space="preserve">{_x(text)}</w:t></w:r></w:p>'
    )


def _note_xml(text: str) -> str:
    return _p_xml(text, size=11, italic=True, compact=False)


def _docx_table(d, t: Table) -> None:
    weights = t.widths or [1.0] * len(t.columns)
    total = sum(weights)
    widths = [round(USABLE_CM * w / total * _TWIPS_PER_CM) for w in weights]
    head = "".join(
        _tc_xml(w, "".join(_p_xml(x, bold=True, align="c") for x in name.split("\n")), fill="EEEEEE")
        for w, name in zip(widths, t.columns)
    )
    rows = [f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{head}</w:tr>"]
    aligns = [t.alignment(j) for j in range(len(t.columns))]
    for i, row in enumerate(t.rows):
        fill = "FDECEA" if i in t.flagged else None
        cells = "".join(
            _tc_xml(w, "".join(_p_xml(x, align=a) for x in value.split("\n")), fill=fill)
            for w, a, value in zip(widths, aligns, row)
        )
        rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>")
    _append_xml(d, _caption_xml(t.caption) + _tbl_xml(widths, rows, grid=True) + (_note_xml(t.note) if t.note else ""))


def _docx_chart(d, c: Chart) -> None:
    """The chart as a picture (the PNG of :func:`ntm.core.reports.chart.png`, the drawing of the PDF's SVG),
    the full width of the text, between its caption and its note."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    from ntm.core.reports.chart import png

    _append_xml(d, _caption_xml(c.title))
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = None
    p.paragraph_format.keep_together = True
    p.add_run().add_picture(io.BytesIO(png(c)), width=Cm(USABLE_CM))
    if c.note:
        _append_xml(d, _note_xml(c.note))


def _docx_lines(d, b: Lines) -> None:
    """One paragraph per line, a hanging indent under the "+ " and a small gap between communes."""
    ppr = '<w:pPr><w:spacing w:after="40" w:line="240" w:lineRule="auto"/><w:ind w:left="284" w:hanging="284"/></w:pPr>'
    run = '<w:r><w:rPr><w:sz w:val="22"/><w:szCs w:val="22"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>'
    _append_xml(d, "".join(f"<w:p>{ppr}{run.format(_x(x))}</w:p>" for x in b.text_lines))


def _docx_block(d, b) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    if isinstance(b, Heading):
        h = d.add_paragraph(b.text, style="Heading 1" if b.level <= 1 else "Heading 2")
        if b.new_page:
            h.paragraph_format.page_break_before = True
    elif isinstance(b, Lines):
        _docx_lines(d, b)
    elif isinstance(b, Paragraph):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.first_line_indent = Cm(1)
        r = p.add_run(b.line)
        if b.style == "bold":
            r.bold = True
        elif b.style == "note":
            r.italic, r.font.size = True, Pt(11)
            p.paragraph_format.first_line_indent = None
        elif b.style == "flag":
            r.bold = True
            r.font.color.rgb = RGBColor(0x9A, 0x34, 0x12)
    elif isinstance(b, Table):
        _docx_table(d, b)
    elif isinstance(b, Chart):
        _docx_chart(d, b)


def to_docx(doc: Document) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d = docx.Document()
    _setup(d)
    _header(d, doc)
    for text, before in ((doc.title, 14), (doc.subtitle, 0)):  # tên loại, trích yếu: bold 14 pt, centred
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = Pt(before)
        p.paragraph_format.space_after = Pt(0 if text == doc.title else 12)
        r = p.add_run(text)
        r.bold, r.font.size = True, Pt(14)
    for b in doc.blocks:
        _docx_block(d, b)
    for line in doc.footer:
        p = d.add_paragraph()
        r = p.add_run(line)
        r.italic, r.font.size = True, Pt(11)
    _signature(d, doc)
    for b in doc.appendix:
        _docx_block(d, b)
    _page_numbers(d)
    d.core_properties.title = f"{doc.title} {doc.subtitle}"
    d.core_properties.author = "NTM Monitor"
    d.core_properties.language = "vi-VN"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# -- PDF ----------------------------------------------------------------------------------------
# WeasyPrint spends its time in Python, per box and per glyph; what a render can be spared:
# - the font set-up and the parsed stylesheet are kept per thread (a FontConfiguration is not
#   meant to be shared between threads) instead of being rebuilt for every file;
# - the user-agent stylesheet is cut down to the rules for the elements a document has (the
#   stock HTML5 one is matched against every element: ≈ 6 % of a province bulletin).
# Most of the rest is text layout. On a system whose "Liberation Serif" is the old 1.x release
# (no Vietnamese letters: ư, ơ, ế… come from DejaVu Serif, one font switch per letter) a province
# bulletin takes ≈ 15 % longer and mixes two typefaces: install fonts-liberation2 (scripts/install.sh).

# The rules of WeasyPrint's html5_ua.css (70.0) for the elements that core/reports/html.py writes,
# and the page and bookmark rules; anything else keeps its initial (inline) display.
_UA_CSS = """
html, body, div, p, h1, h2, h3, address, blockquote, figure, section, header, footer, ul, ol, li, pre { display: block }
head, meta, title, style, script, link, base, template { display: none }
li { display: list-item }
table { display: table; border-spacing: 2px; border-collapse: separate; box-sizing: border-box; text-indent: initial;
        border-color: gray }
colgroup { display: table-column-group }
col { display: table-column }
thead { display: table-header-group }
tbody { display: table-row-group }
tfoot { display: table-footer-group }
tr { display: table-row }
td, th { display: table-cell; padding: 1px; border-color: gray }
thead, tbody, tfoot, table > tr { vertical-align: middle }
tr, td, th { vertical-align: inherit }
thead, tbody, tfoot, tr { border-color: inherit }
body { margin: 8px }
p, ul, ol, pre, blockquote, figure { margin-top: 1em; margin-bottom: 1em }
ul, ol { padding-left: 40px }
ul { list-style-type: disc }
ol { list-style-type: decimal }
pre { white-space: pre }
h1 { margin-top: .67em; margin-bottom: .67em; font-size: 2em; font-weight: bold; bookmark-level: 1 }
h2 { margin-top: .83em; margin-bottom: .83em; font-size: 1.5em; font-weight: bold; bookmark-level: 2 }
h3 { margin-top: 1em; margin-bottom: 1em; font-size: 1.17em; font-weight: bold; bookmark-level: 3 }
h1, h2, h3 { bookmark-label: content(text); hyphens: manual; break-after: avoid; break-inside: avoid }
b, strong, th { font-weight: bold }
i, em { font-style: italic }
u { text-decoration: underline }
small { font-size: smaller }
sub { vertical-align: sub; font-size: smaller }
sup { vertical-align: super; font-size: smaller }
br::before { content: "\\A"; white-space: pre-line }
img, svg { overflow: hidden }
@page {
  margin: 75px;
  @top-center { text-align: center; vertical-align: middle }
  @bottom-left { text-align: left; vertical-align: middle }
  @bottom-center { text-align: center; vertical-align: middle }
  @bottom-right { text-align: right; vertical-align: middle }
}
"""

# The page numbers (a margin box: it inherits from the page, not from <body>) in the body's typeface.
_PAGE_CSS = "@page { font-family: 'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif }"

_local = threading.local()


def _weasy():
    """(HTML class, stylesheet for documents, FontConfiguration) of this thread, made once."""
    state = getattr(_local, "weasy", None)
    if state is None:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        fonts = FontConfiguration()
        ua = CSS(string=_UA_CSS, font_config=fonts)

        class _DocHTML(HTML):
            def _ua_stylesheets(self, forms=False):  # WeasyPrint's hook for its user-agent stylesheet
                return [ua]

        state = _local.weasy = (_DocHTML, CSS(string=H.PRINT_CSS + H.DOC_CSS + _PAGE_CSS, font_config=fonts), fonts)
    return state


def _pdf_page(doc: Document) -> str:
    """:func:`ntm.core.reports.html.page` without its <style> (the parsed stylesheet is passed apart)."""
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{escape(doc.title)} {escape(doc.subtitle)}</title></head><body>{H.fragment(doc)}</body></html>"
    )


def to_pdf(doc: Document) -> bytes:
    try:
        html_class, stylesheet, fonts = _weasy()
    except (ImportError, OSError) as exc:  # OSError: pango missing
        raise RenderUnavailable(
            "Chưa cài WeasyPrint (và thư viện pango) nên không tạo được PDF: "
            f"{exc.__class__.__name__}: {exc}. Hãy tải bản DOCX hoặc HTML."
        ) from None
    return html_class(string=_pdf_page(doc)).write_pdf(stylesheets=[stylesheet], font_config=fonts)


# -- XLSX ---------------------------------------------------------------------------------------
def _sheet_name(name: str, used: set[str]) -> str:
    bad = "[]:*?/\\"
    base = "".join("-" if ch in bad else ch for ch in name)[:31] or "Sheet"
    out, k = base, 2
    while out in used:
        suffix = f" ({k})"
        out = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(out)
    return out


def to_xlsx(doc: Document, *, extra_tables: Iterable[Table] = ()) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill

    from ntm.core.cell_safety import xlsx_text_only, xlsx_value

    wb = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="EEEEEE")
    flag_fill = PatternFill("solid", fgColor="FDECEA")

    ws = wb.create_sheet(_sheet_name("Bản tin" if doc.kind == "bulletin" else "Hồ sơ", used))
    ws.column_dimensions["A"].width = 120
    for line in to_text(doc).splitlines():
        c = xlsx_text_only(WriteOnlyCell(ws, line))  # texts stay texts (openpyxl stores "=…" as a formula)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.append([c])

    def write_table(t: Table) -> None:
        sh = wb.create_sheet(_sheet_name(t.key or t.caption, used))
        sh.freeze_panes = "A3"
        for i, name in enumerate(t.columns):  # noqa: B007
            letter = chr(ord("A") + i) if i < 26 else None
            if letter:
                sh.column_dimensions[letter].width = max(8, min(60, 6 * (t.widths[i] if t.widths else 2) + 4))
        cap = xlsx_text_only(WriteOnlyCell(sh, t.caption))
        cap.font = bold
        sh.append([cap])
        hdr = []
        for name in t.columns:
            c = xlsx_text_only(WriteOnlyCell(sh, name))
            c.font, c.fill = bold, head_fill
            c.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
            hdr.append(c)
        sh.append(hdr)
        for k, row in enumerate(t.rows):
            cells = []
            for v in row:
                c = xlsx_text_only(WriteOnlyCell(sh, _cell_value(v)))
                if k in t.flagged:
                    c.fill = flag_fill
                cells.append(c)
            sh.append(cells)
        if t.note:
            sh.append([])
            sh.append([xlsx_value(sh, t.note)])

    for t in doc.tables:
        write_table(t)
    for t in extra_tables:
        write_table(t)
    for n, ch in enumerate(doc.charts, start=1):
        sh = wb.create_sheet(_sheet_name(f"Biểu đồ {n}", used))
        sh.append([xlsx_value(sh, ch.title)])
        sh.append(["Đơn vị", xlsx_value(sh, ch.axis_label or "Giá trị")])
        for b in ch.bars:
            sh.append([xlsx_value(sh, b.label), b.value])
        chart = BarChart()
        chart.type = "bar"
        chart.title = ch.title
        chart.y_axis.title = ch.axis_label
        chart.legend = None
        chart.height = max(7.5, 0.5 * len(ch.bars) + 2)
        chart.width = 18
        data = Reference(sh, min_col=2, min_row=2, max_row=2 + len(ch.bars))
        cats = Reference(sh, min_col=1, min_row=3, max_row=2 + len(ch.bars))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        chart.x_axis.scaling.orientation = "maxMin"  # first bar on top, as in the document
        sh.add_chart(chart, "D2")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell_value(v: str):
    """Figures as numbers where the text is a plain number; fractions and percentages stay text."""
    s = v.strip()
    if s.isdigit() and not (len(s) > 1 and s.startswith("0")):
        return int(s)
    return v
