"""The entry template: one row per indicator (and unit), the current values prefilled (XLSX or ODS)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from ntm.apps.units.models import Unit
from ntm.apps.units.thresholds import context_for
from ntm.core.catalog import Context, CriteriaSet, Kind
from ntm.core.evaluation.engine import rule_text
from ntm.core.periods import Period

from ..models import Observation
from .common import ASSESSMENT_CHOICES, COLUMNS, INPUT_COLUMNS, SHEET, TEMPLATE_ORDER


# -- template -----------------------------------------------------------------------------------
def _value_out(o: Observation | None):
    if o is None:
        return None
    if o.value_num is not None:
        return o.value_num
    return o.value_text or None


def _assessment_out(o: Observation | None) -> str | None:
    if o is None:
        return None
    if o.not_applicable:
        return "không đánh giá"
    if o.assessment is None:
        return None
    return "đạt" if o.assessment else "chưa đạt"


def _context(unit: Unit, year: int, cache: dict) -> Context:
    key = (unit.region, unit.commune_group, unit.special, unit.path.split("/")[2] if unit.path.count("/") > 2 else "")
    if key not in cache:
        cache[key] = context_for(unit, year)
    return cache[key]


# the "Đơn vị tính" of an indicator as the template shows it; the value column's validation reads it
MEASURE_YES_NO, MEASURE_LEVEL, MEASURE_PERCENT = "có/không", "mức", "%"


def measure_of(ind) -> str:
    if ind.kind == Kind.BOOLEAN:
        return MEASURE_YES_NO
    if ind.kind == Kind.LEVEL:
        return MEASURE_LEVEL
    if ind.kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT):
        return MEASURE_PERCENT
    return ind.unit or ""


def template_rows(units: list[Unit] | Iterator[Unit], cs: CriteriaSet, period: Period) -> Iterator[list]:
    """The rows of the entry template (without the header), unit by unit."""
    cache: dict = {}
    batch: list[Unit] = []

    def flush(us: list[Unit]) -> Iterator[list]:
        current: dict[tuple[int, str], Observation] = {}
        for o in (
            Observation.objects.current()
            .filter(unit__in=[u.id for u in us], set_code=cs.code, period=period.key)
            .only(
                "unit_id",
                "indicator",
                "value_text",
                "value_num",
                "assessment",
                "not_applicable",
                "note",
                "evidence",
                "version",
            )
        ):
            current[(o.unit_id, o.indicator)] = o
        for u in us:
            ctx = _context(u, period.year, cache)
            for ind in cs.indicators:
                t = cs.threshold(ind.code, ctx)
                o = current.get((u.id, ind.code))
                yield [
                    u.uid,
                    u.name,
                    cs.code,
                    period.key,
                    int(ind.code.split(".")[0]),
                    ind.code,
                    ind.content,
                    rule_text(ind, t) or ("Đạt / không đạt" if ind.kind == Kind.BOOLEAN else "Cán bộ đánh giá"),
                    t.value if t is not None and not isinstance(t.value, bool) else None,
                    measure_of(ind),
                    _value_out(o),
                    _assessment_out(o),
                    (o.note if o else "") or None,
                    (o.evidence if o else "") or None,
                    o.version if o else None,
                ]

    for u in units:
        batch.append(u)
        if len(batch) >= 200:
            yield from flush(batch)
            batch = []
    if batch:
        yield from flush(batch)


def _letter(key: str) -> str:
    return chr(ord("A") + TEMPLATE_ORDER.index(key))


KEY_COLUMNS = ("unit", "set", "period", "indicator", "version")  # what identifies a row: protected
STYLED_ROWS = 20000  # up to this many rows every cell of the template is styled


def value_rule() -> str:
    """The value column's check, as a spreadsheet formula on row 2 (relative: it applies row by row),
    from the row's "Đơn vị tính": yes/no for a yes/no indicator, a number in 0–100 for a percentage,
    any number otherwise, any text for a level."""
    v, m = f"{_letter('value')}2", f"${_letter('measure')}2"
    return (
        f'OR({m}="{MEASURE_LEVEL}",IF({m}="{MEASURE_YES_NO}",OR({v}="có",{v}="không"),'
        f'AND(ISNUMBER({v}),OR({m}<>"{MEASURE_PERCENT}",AND({v}>=0,{v}<=100)))))'
    )


TEMPLATE_GUIDE = (
    "Chỉ điền các cột nền vàng: Giá trị, Đánh giá (chọn đạt / chưa đạt / không đánh giá), Ghi chú, Minh chứng.",
    "Các cột khác được khóa (bảo vệ trang tính, không mật khẩu) để không sửa nhầm Mã đơn vị, Bộ tiêu chí, Kỳ, "
    "Chỉ tiêu, Lần sửa; các cột còn lại chỉ để tham khảo.",
    "Cột Giá trị được kiểm tra theo Đơn vị tính: 'có/không' → ghi có hoặc không; '%' → số từ 0 đến 100; "
    "đơn vị khác → một số. Số viết theo kiểu Việt Nam (91,5) hoặc nhập số trực tiếp. "
    "Số có thể hiểu hai cách (64.125: 64,125 hay 64125?) bị từ chối: ghi 64125 hoặc 64,1250. "
    "Dòng để trống Giá trị và Đánh giá được bỏ qua.",
    "Minh chứng: giữ nguyên đường dẫn đã ghi sẵn, hoặc ghi đường dẫn của tệp đã tải lên cho đúng xã, bộ tiêu chí, kỳ.",
    "Cột 'Lần sửa' cho biết phiên bản số liệu lúc tải mẫu: nếu trong lúc đó có người sửa, hệ thống báo mâu thuẫn "
    "thay vì ghi đè. Thay một giá trị đã có thì phải có cột này.",
    "Có thể lưu thành CSV (UTF-8) với cùng các cột. Khi tải lên, hệ thống kiểm tra toàn bộ tệp, cho xem trước các thay đổi; "
    "chỉ ghi khi xác nhận, và ghi tất cả hoặc không ghi gì.",
)


def write_template(out: str | Path | io.BytesIO, units: list[Unit], cs: CriteriaSet, period: Period) -> int:
    """Write the XLSX entry template (write-only workbook: constant memory). Returns the number of rows.

    The sheet is protected (no password: against slips, not people) with the input columns unlocked, so
    that the key columns cannot be edited by mistake; the assessment has a drop-down and the value is
    checked by the indicator's kind (:func:`value_rule`)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    from ntm.core.cell_safety import xlsx_text_only, xlsx_value

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    grey = PatternFill("solid", fgColor="F0F0F0")
    input_fill = PatternFill("solid", fgColor="FFFBE6")
    unlocked = Protection(locked=False)
    widths = {
        "unit": 16,
        "unit_name": 22,
        "set": 16,
        "period": 9,
        "criterion": 8,
        "indicator": 9,
        "content": 60,
        "rule": 16,
        "threshold": 9,
        "measure": 10,
        "value": 12,
        "assessment": 15,
        "note": 24,
        "evidence": 30,
        "version": 8,
    }
    for i, key in enumerate(TEMPLATE_ORDER):
        dim = ws.column_dimensions[chr(ord("A") + i)]
        dim.width = widths[key]
        if key in INPUT_COLUMNS:  # empty input cells take their column's style: unlocked
            dim.protection = unlocked
            dim.fill = input_fill
    ws.freeze_panes = "A2"
    n_units = len(units)
    n_rows = n_units * cs.indicator_count
    last = max(2, n_rows + 1)
    letter = _letter("assessment")
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(ASSESSMENT_CHOICES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Đánh giá không hợp lệ",
        error="Chọn một trong: đạt, chưa đạt, không đánh giá",
        promptTitle="Đánh giá",
        prompt="đạt / chưa đạt / không đánh giá",
        showInputMessage=True,
    )
    dv.add(f"{letter}2:{letter}{last}")
    ws.data_validations.append(dv)  # write-only sheets have no add_data_validation()
    letter = _letter("value")
    dv = DataValidation(
        type="custom",
        formula1=value_rule(),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Giá trị không hợp lệ",
        error="Theo cột Đơn vị tính: 'có/không' → có hoặc không; '%' → số từ 0 đến 100; khác → một số.",
        promptTitle="Giá trị",
        prompt="Ghi theo cột Đơn vị tính (có/không, %, số)",
        showInputMessage=True,
    )
    dv.add(f"{letter}2:{letter}{last}")
    ws.data_validations.append(dv)
    # protected, but columns may still be widened and rows sorted or filtered
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    header = []
    for key in TEMPLATE_ORDER:
        c = WriteOnlyCell(ws, COLUMNS[key][0])
        c.font = Font(bold=True)
        c.fill = input_fill if key in INPUT_COLUMNS else grey
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(c)
    ws.append(header)
    small = (
        n_rows <= STYLED_ROWS
    )  # styling every cell costs time; big files style only the input cells that hold a value
    inputs = [i for i, key in enumerate(TEMPLATE_ORDER) if key in INPUT_COLUMNS]
    count = 0
    for row in template_rows(units, cs, period):
        if small:
            cells = []
            for key, v in zip(TEMPLATE_ORDER, row):
                c = xlsx_text_only(WriteOnlyCell(ws, v))  # a note "=…" stays a text, not a formula
                if key in INPUT_COLUMNS:
                    c.fill = input_fill
                    c.protection = unlocked
                elif key == "content":
                    c.alignment = Alignment(wrap_text=True, vertical="top")
                cells.append(c)
            ws.append(cells)
        else:
            for i in inputs:
                if row[i] is not None:
                    c = row[i] = xlsx_text_only(WriteOnlyCell(ws, row[i]))
                    c.protection = unlocked
            ws.append([xlsx_value(ws, v) for v in row])
        count += 1
    guide = wb.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 110
    for line in (f"Mẫu nhập số liệu: {cs.name} — {period.label}", *TEMPLATE_GUIDE):
        guide.append([line])
    wb.save(out)
    return count
