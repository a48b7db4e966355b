"""Workbooks written by hand for tests: the XML of a sheet exactly as given (hostile files included —
a row numbered 1,000,000,000, a forged size, a prefixed namespace), zipped in a few lines."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from xml.sax.saxutils import escape

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>{extra}</Relationships>'
)


def sheet_xml(body: str, *, dimension: str | None = None) -> str:
    """A worksheet around ``body`` (the rows, as XML)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}">{dim}<sheetData>{body}</sheetData></worksheet>'


def row_xml(number: int | None, cells: list, *, refs: bool = True) -> str:
    """A row of inline strings and numbers ("" or None: no cell)."""
    out = []
    for i, v in enumerate(cells):
        if v is None or v == "":
            continue
        col = ""
        k = i + 1
        while k:
            k, r = divmod(k - 1, 26)
            col = chr(65 + r) + col
        ref = f' r="{col}{number}"' if refs and number else ""
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            out.append(f'<c{ref} t="inlineStr"><is><t>{escape(str(v))}</t></is></c>')
        else:
            out.append(f"<c{ref}><v>{v!r}</v></c>")
    r = f' r="{number}"' if refs and number else ""
    return f"<row{r}>{''.join(out)}</row>"


def xlsx_bytes(
    sheet: str,
    *,
    strings: str | None = None,
    styles: str | None = None,
    name: str = "Số liệu",
    compression: int = zipfile.ZIP_DEFLATED,
    extra: dict[str, bytes | str] | None = None,
) -> bytes:
    """A workbook of one sheet whose XML is ``sheet`` (see :func:`sheet_xml`), with ``strings`` as
    ``xl/sharedStrings.xml`` and ``styles`` as ``xl/styles.xml`` when given."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        extra_rels = ""
        if strings is not None:
            extra_rels += (
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/sharedStrings" Target="sharedStrings.xml"/>'
            )
            z.writestr("xl/sharedStrings.xml", strings)
        if styles is not None:
            extra_rels += (
                '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/styles" Target="styles.xml"/>'
            )
            z.writestr("xl/styles.xml", styles)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS.format(extra=extra_rels))
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships"><sheets><sheet name="{escape(name)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for part, data in (extra or {}).items():
            z.writestr(part, data)
    return buf.getvalue()


def shared_strings_xml(texts: list[str]) -> str:
    items = "".join(f"<si><t>{escape(t)}</t></si>" for t in texts)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{NS}" count="{len(texts)}" '
        f'uniqueCount="{len(texts)}">{items}</sst>'
    )


_ODS_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
)


def ods_table(name: str, body: str) -> str:
    return f'<table:table table:name="{escape(name)}">{body}</table:table>'


def ods_row(cells: list, repeat: int | None = None) -> str:
    out = []
    for v in cells:
        if v is None or v == "":
            out.append("<table:table-cell/>")
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(
                f'<table:table-cell office:value-type="float" office:value="{v!r}"><text:p>{v!r}</text:p>'
                "</table:table-cell>"
            )
        else:
            out.append(
                f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
            )
    rep = f' table:number-rows-repeated="{repeat}"' if repeat else ""
    return f"<table:table-row{rep}>{''.join(out)}</table:table-row>"


def ods_bytes(tables: str) -> bytes:
    """An ODS file whose content holds ``tables`` (see :func:`ods_table`)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        z.writestr("content.xml", _ODS_CONTENT.format(tables=tables))
    return buf.getvalue()


def windows_1258(text: str) -> bytes:
    """Text as older Vietnamese Excel saves a CSV: Windows-1258, where the tone marks are characters of
    their own after the letter ("ạ" is "a" then a dot below)."""
    out = []
    for ch in text:
        if _encodable(ch):
            out.append(ch)
            continue
        base, *marks = unicodedata.normalize("NFD", ch)
        for m in list(marks):  # the letter takes the marks it has a Windows-1258 character with ("ô", "ư")
            if _encodable(joined := unicodedata.normalize("NFC", base + m)):
                base = joined
                marks.remove(m)
        out.append(base + "".join(marks))
    return "".join(out).encode("cp1258")


def _encodable(ch: str) -> bool:
    if len(ch) != 1:
        return False
    try:
        ch.encode("cp1258")
        return True
    except UnicodeEncodeError:
        return False
