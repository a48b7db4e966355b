"""HTML for a :class:`Document`: a fragment for the web page, or a full A4 page for WeasyPrint (PDF)."""

from __future__ import annotations

from html import escape

from .chart import svg
from .model import Chart, Document, Figure, Heading, Lines, Paragraph, Table

# Nghị định 30/2020/NĐ-CP, Phụ lục I: A4, margins 20 mm top and bottom, 30 mm left, 15 mm right; Times New
# Roman (Liberation Serif is metrically the same: scripts/install.sh installs it); page numbers at the top,
# centred, 13 pt, not on the first page.
PAGE_CSS = """
@page { size: A4; margin: 20mm 15mm 20mm 30mm;
        @top-center { content: counter(page); font-size: 13pt; vertical-align: bottom; padding-bottom: 4mm; } }
@page :first { @top-center { content: none; } }
"""
PRINT_CSS = (
    PAGE_CSS
    + """
body { font-family: 'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif; font-size: 13pt; line-height: 1.35; color: #000; }
"""
)

DOC_CSS = """
.ntm-doc { font-family: 'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif; }
.ntm-doc .head { width: 100%; border: 0; margin-bottom: 10pt; border-collapse: collapse; }
.ntm-doc .head td { border: 0; vertical-align: top; text-align: center; padding: 0; background: none; }
.ntm-doc .head .issuer { width: 40%; font-size: 12.5pt; }
.ntm-doc .head .issuer b { display: block; }
.ntm-doc .head .nation { width: 60%; font-size: 12.5pt; }
.ntm-doc .head .nation b { display: block; }
.ntm-doc .head .motto { font-weight: bold; font-size: 13.5pt; }
.ntm-doc .head .rule { display: block; width: 35%; margin: 1pt auto 0; border-top: 1px solid #000; }
.ntm-doc .head .nation .rule { width: 62%; }
.ntm-doc .head .number { font-size: 13pt; padding-top: 6pt; white-space: pre; }
.ntm-doc .head .date { font-style: italic; font-size: 13.5pt; padding-top: 6pt; }
.ntm-doc h1 { text-align: center; font-size: 14pt; margin: 14pt 0 0; }
.ntm-doc .subtitle { text-align: center; font-weight: bold; font-size: 14pt; margin: 0 0 2pt; text-indent: 0; }
.ntm-doc .subtitle-rule { display: block; width: 25%; margin: 0 auto 12pt; border-top: 1px solid #000; }
.ntm-doc h2 { font-size: 13pt; margin: 10pt 0 4pt; }
.ntm-doc h3 { font-size: 13pt; font-style: italic; margin: 8pt 0 4pt; }
.ntm-doc p { margin: 0 0 6pt; text-align: justify; text-indent: 1cm; }
.ntm-doc p.plus, .ntm-doc p.dash { text-indent: 1cm; }
.ntm-doc p.note { font-style: italic; font-size: 11pt; text-indent: 0; }
.ntm-doc p.flag { color: #9a3412; font-weight: bold; text-indent: 0; }
.ntm-doc p.bold { font-weight: bold; }
.ntm-doc table.data { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; font-size: 11pt; page-break-inside: auto;
                      table-layout: fixed; }
.ntm-doc table.data th, .ntm-doc table.data td { border: 0.6pt solid #000; padding: 2pt 4pt; vertical-align: top; }
.ntm-doc table.data th { background: #eee; text-align: center; }
.ntm-doc table.data tr { page-break-inside: avoid; }
.ntm-doc table.data td.r { text-align: right; }
.ntm-doc table.data td.c { text-align: center; }
.ntm-doc table.data tr.flagged td { background: #fdecea; }
.ntm-doc .caption { font-weight: bold; font-style: italic; margin: 8pt 0 2pt; text-indent: 0; }
.ntm-doc .chart { margin: 4pt 0 8pt; page-break-inside: avoid; }
.ntm-doc .footer { margin-top: 14pt; font-size: 11pt; }
.ntm-doc .sign { width: 100%; border: 0; border-collapse: collapse; margin-top: 14pt; page-break-inside: avoid; }
.ntm-doc .sign td { border: 0; vertical-align: top; padding: 0; background: none; }
.ntm-doc .sign .to { width: 50%; font-size: 11pt; text-align: left; }
.ntm-doc .sign .to b { font-style: italic; font-size: 12pt; display: block; }
.ntm-doc .sign .signer { width: 50%; text-align: center; font-weight: bold; font-size: 13.5pt; }
.ntm-doc .sign .signer .space { display: block; height: 28mm; }
.ntm-doc .new-page { page-break-before: always; }
.ntm-doc .lines { white-space: pre-line; text-align: left; font-size: 11pt; line-height: 1.25; margin: 0 0 6pt; }
"""


def _table(t: Table) -> str:
    cols = "".join(f"<th>{escape(c)}</th>" for c in t.columns)
    body = []
    for i, row in enumerate(t.rows):
        cls = ' class="flagged"' if i in t.flagged else ""
        cells = "".join(f'<td class="{t.alignment(j)}">{escape(v)}</td>' for j, v in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    colgroup = ""
    if t.widths:
        total = sum(t.widths)
        colgroup = (
            "<colgroup>" + "".join(f'<col style="width:{100 * w / total:.1f}%">' for w in t.widths) + "</colgroup>"
        )
    note = f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    return (
        f'<p class="caption">{escape(t.caption)}</p><table class="data">{colgroup}<thead><tr>{cols}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{note}"
    )


def _chart(c: Chart) -> str:
    note = f'<p class="note">{escape(c.note)}</p>' if c.note else ""
    return f'<div class="chart"><p class="caption">{escape(c.title)}</p>{svg(c)}{note}</div>'


def _block(b, out: list[str]) -> None:
    if isinstance(b, Heading):
        tag = "h2" if b.level <= 1 else "h3"
        cls = ' class="new-page"' if b.new_page else ""
        out.append(f"<{tag}{cls}>{escape(b.text)}</{tag}>")
    elif isinstance(b, Paragraph):
        out.append(f'<p class="{b.style}">{escape(b.line)}</p>')
    elif isinstance(b, Lines):
        # one block for the whole run: WeasyPrint lays out hundreds of lines in one box far faster
        # than as many paragraphs or table rows (the annex of a province: 345 communes, < 0,5 s)
        out.append('<div class="lines">' + escape("\n".join(b.text_lines)) + "</div>")
    elif isinstance(b, Table):
        out.append(_table(b))
    elif isinstance(b, Chart):
        out.append(_chart(b))
    elif isinstance(b, Figure):
        note = f'<p class="note">{escape(b.note)}</p>' if b.note else ""
        out.append(f'<div class="chart figure"><p class="caption">{escape(b.title)}</p>{b.svg}{note}</div>')


def heading(doc: Document) -> str:
    """Quốc hiệu and tiêu ngữ, the issuing body, the number line, place and date, the title and the trích yếu."""
    *parents, body = doc.issuer or [""]
    issuer = "".join(f"{escape(x)}<br>" for x in parents) + f"<b>{escape(body)}</b>"
    t = doc.text
    return "".join(
        [
            '<table class="head"><tr>',
            f'<td class="issuer">{issuer}<span class="rule"></span></td>',
            f'<td class="nation"><b>{escape(t.nation)}</b><span class="motto">{escape(t.motto)}</span>'
            '<span class="rule"></span></td>',
            f'</tr><tr><td class="number">{escape(doc.number_line)}</td>',
            f'<td class="date">{escape(doc.place_date)}</td></tr></table>',
            f"<h1>{escape(doc.title)}</h1>",
            f'<p class="subtitle">{escape(doc.subtitle)}</p><span class="subtitle-rule"></span>',
        ]
    )


def signature(doc: Document) -> str:
    """ "Nơi nhận" on the left, the signer on the right (quyền hạn, chức vụ, space to sign, họ tên)."""
    to = "<br>".join(escape(x) for x in doc.recipient_lines)
    s = doc.signature
    signer = "".join(f"{escape(x)}<br>" for x in s.lines) + '<span class="space"></span>' + escape(s.name)
    return (
        f'<table class="sign"><tr><td class="to"><b>{escape(doc.text.recipients)}:</b>{to}</td>'
        f'<td class="signer">{signer}</td></tr></table>'
    )


def fragment(doc: Document) -> str:
    out = ['<div class="ntm-doc">', heading(doc)]
    for b in doc.blocks:
        _block(b, out)
    if doc.footer:
        out.append('<div class="footer">' + "<br>".join(escape(x) for x in doc.footer) + "</div>")
    out.append(signature(doc))
    for b in doc.appendix:
        _block(b, out)
    out.append("</div>")
    return "\n".join(out)


def page(doc: Document) -> str:
    """A complete HTML document laid out for A4 printing (WeasyPrint)."""
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{escape(doc.title)} {escape(doc.subtitle)}</title>"
        f"<style>{PRINT_CSS}{DOC_CSS}</style></head><body>{fragment(doc)}</body></html>"
    )
