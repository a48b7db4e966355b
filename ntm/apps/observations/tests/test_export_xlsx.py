"""The streamed XLSX export: a workbook that openpyxl and calamine read back cell for cell."""

from __future__ import annotations

import openpyxl
from python_calamine import CalamineWorkbook

from ntm.apps.observations import exports as X


def test_streamed_workbook_reads_back_cell_for_cell(tmp_path):
    header = ["Mã đơn vị", "Đơn vị", "Giá trị số", "Đạt chuẩn", "Ghi chú", "Lần sửa"]
    rows = [
        ["xa:13570@2024", "Xã Nguyên Lý", 91.5, True, 'có "ngoặc" & <thẻ>\nxuống dòng', 3],
        ["xa:13582@2024", "Xã Công Lý", 80.0, False, " khoảng trắng đầu", 1],
        ["xa:1@2024", "Xã\x01 lạ", None, None, "", 0],
    ]
    path = X.xlsx_file(header, iter(rows), directory=str(tmp_path))
    ws = openpyxl.load_workbook(path).active
    assert ws.title == "Dữ liệu" and ws.freeze_panes == "A2" and ws["A1"].font.b
    got = [list(r) for r in ws.iter_rows(values_only=True)]
    assert got[0] == header
    assert got[1] == rows[0] and got[2] == rows[1]
    assert got[3] == ["xa:1@2024", "Xã lạ", None, None, None, 0]  # a control character XML cannot hold is dropped
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sheet[1][:2] == rows[0][:2] and sheet[1][2] == 91.5 and len(sheet) == 4
