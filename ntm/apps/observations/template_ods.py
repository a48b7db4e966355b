"""The entry template as an OpenDocument spreadsheet (.ods, for LibreOffice and other office suites),
and :func:`write_template_as`, the template in either format.

The same sheets, columns and rows as the XLSX template (:func:`.imports.write_template`), written with
odfpy (openpyxl writes only XLSX): the sheet protected with the input columns unlocked, the assessment
chosen from a list, and each value cell checked by its own indicator's kind (ODF sets a validation per
cell: yes/no from a list, a percentage as a number from 0 to 100, an amount as a number).
"""

from __future__ import annotations

import io
from pathlib import Path

from ntm.apps.units.models import Unit
from ntm.core.catalog import CriteriaSet
from ntm.core.periods import Period

from . import imports as I

_WIDTHS_CM = {
    "unit": 3.4,
    "unit_name": 4.6,
    "set": 3.4,
    "period": 2,
    "criterion": 1.8,
    "indicator": 2,
    "content": 12,
    "rule": 3.4,
    "threshold": 2,
    "measure": 2.2,
    "value": 2.6,
    "assessment": 3.2,
    "note": 5,
    "evidence": 6,
    "version": 1.8,
}
# validation names (one per kind of value cell) and their ODF conditions
_CHECKS = {
    "danh-gia": 'of:cell-content-is-in-list("' + '";"'.join(I.ASSESSMENT_CHOICES) + '")',
    "co-khong": 'of:cell-content-is-in-list("có";"không")',
    "ty-le": "of:cell-content-is-decimal-number() and cell-content-is-between(0,100)",
    "so": "of:cell-content-is-decimal-number()",
}
_MESSAGES = {
    "danh-gia": "Chọn một trong: đạt, chưa đạt, không đánh giá",
    "co-khong": "Ghi có hoặc không",
    "ty-le": "Ghi một số từ 0 đến 100 (%)",
    "so": "Ghi một số",
}


def _shown(v: float | int) -> str:
    """The text of a number cell, with a decimal comma (the value itself is in the cell's attribute)."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).replace(".", ",")


def _check_of(measure: str) -> str | None:
    if measure == I.MEASURE_YES_NO:
        return "co-khong"
    if measure == I.MEASURE_LEVEL:
        return None
    return "ty-le" if measure == I.MEASURE_PERCENT else "so"


# odfpy builds the whole document in memory (≈ 25 kB and 3 ms a row): a bigger template is made as XLSX
MAX_ROWS = 6000


class TooLarge(ValueError):
    pass


def write_template_ods(out: str | Path | io.BytesIO, units: list[Unit], cs: CriteriaSet, period: Period) -> int:
    """Write the ODS entry template. Returns the number of rows; :class:`TooLarge` above :data:`MAX_ROWS`."""
    rows = len(units) * cs.indicator_count
    if rows > MAX_ROWS:
        raise TooLarge(
            f"mẫu ODS có tối đa {MAX_ROWS:,} dòng (khoảng {MAX_ROWS // cs.indicator_count:,} đơn vị), mẫu này "
            f"có {rows:,} dòng: hãy tải mẫu XLSX, hoặc chọn phạm vi nhỏ hơn".replace(",", ".")
        )
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import ParagraphProperties, Style, TableCellProperties, TableColumnProperties, TextProperties
    from odf.table import (
        ContentValidation,
        ContentValidations,
        ErrorMessage,
        HelpMessage,
        Table,
        TableCell,
        TableColumn,
        TableRow,
    )
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    header_style = Style(name="tieu-de", family="table-cell")
    header_style.addElement(TableCellProperties(backgroundcolor="#F0F0F0", wrapoption="wrap"))
    header_style.addElement(TextProperties(fontweight="bold"))
    header_style.addElement(ParagraphProperties(textalign="center"))
    input_style = Style(name="o-nhap", family="table-cell")  # unlocked: the only cells one can type in
    input_style.addElement(TableCellProperties(backgroundcolor="#FFFBE6", cellprotect="none"))
    wrap_style = Style(name="noi-dung", family="table-cell")
    wrap_style.addElement(TableCellProperties(wrapoption="wrap", verticalalign="top"))
    for st in (header_style, input_style, wrap_style):
        doc.automaticstyles.addElement(st)
    column_styles = {}
    for key in I.TEMPLATE_ORDER:
        st = Style(name=f"cot-{key}", family="table-column")
        st.addElement(TableColumnProperties(columnwidth=f"{_WIDTHS_CM[key]}cm"))
        doc.automaticstyles.addElement(st)
        column_styles[key] = st

    checks = ContentValidations()
    for name, condition in _CHECKS.items():
        cv = ContentValidation(
            name=name,
            condition=condition,
            allowemptycell="true",
            displaylist="unsorted" if "in-list" in condition else "none",
        )
        help_ = HelpMessage(title="Giá trị" if name != "danh-gia" else "Đánh giá", display="true")
        help_.addElement(P(text=_MESSAGES[name]))
        err = ErrorMessage(title="Không hợp lệ", display="true", messagetype="stop")
        err.addElement(P(text=_MESSAGES[name]))
        cv.addElement(help_)
        cv.addElement(err)
        checks.addElement(cv)
    doc.spreadsheet.addElement(checks)

    sheet = Table(name=I.SHEET, protected="true")
    for key in I.TEMPLATE_ORDER:
        if key in I.INPUT_COLUMNS:
            sheet.addElement(TableColumn(stylename=column_styles[key], defaultcellstylename=input_style))
        else:
            sheet.addElement(TableColumn(stylename=column_styles[key]))
    head = TableRow()
    for key in I.TEMPLATE_ORDER:
        cell = TableCell(valuetype="string", stylename=header_style)
        cell.addElement(P(text=I.COLUMNS[key][0]))
        head.addElement(cell)
    sheet.addElement(head)
    measure_at = I.TEMPLATE_ORDER.index("measure")
    count = 0
    for values in I.template_rows(units, cs, period):
        tr = TableRow()
        check = _check_of(values[measure_at])
        for key, v in zip(I.TEMPLATE_ORDER, values):
            attrs = {}
            if key in I.INPUT_COLUMNS:
                attrs["stylename"] = input_style
                if key == "assessment":
                    attrs["contentvalidationname"] = "danh-gia"
                elif key == "value" and check:
                    attrs["contentvalidationname"] = check
            elif key == "content":
                attrs["stylename"] = wrap_style
            if v is None or v == "":
                cell = TableCell(**attrs)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                cell = TableCell(valuetype="float", value=v, **attrs)
                cell.addElement(P(text=_shown(v)))
            else:
                cell = TableCell(valuetype="string", **attrs)
                cell.addElement(P(text=str(v)))
            tr.addElement(cell)
        sheet.addElement(tr)
        count += 1
    doc.spreadsheet.addElement(sheet)

    guide = Table(name="Hướng dẫn")
    st = Style(name="cot-huong-dan", family="table-column")
    st.addElement(TableColumnProperties(columnwidth="24cm"))
    doc.automaticstyles.addElement(st)
    guide.addElement(TableColumn(stylename=st))
    for line in (f"Mẫu nhập số liệu: {cs.name} — {period.label}", *I.TEMPLATE_GUIDE):
        tr = TableRow()
        cell = TableCell(valuetype="string")
        cell.addElement(P(text=line))
        tr.addElement(cell)
        guide.addElement(tr)
    doc.spreadsheet.addElement(guide)
    doc.save(str(out) if isinstance(out, Path) else out)
    return count


def write_template_as(
    out: str | Path | io.BytesIO, units: list[Unit], cs: CriteriaSet, period: Period, fmt: str = "xlsx"
) -> int:
    """The entry template as ``xlsx`` (:func:`.imports.write_template`) or ``ods`` (:func:`write_template_ods`)."""
    if fmt == "ods":
        return write_template_ods(out, units, cs, period)
    return I.write_template(out, units, cs, period)
