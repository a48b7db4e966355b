"""The one reader of uploaded tables (ntm.core.tables): what it reads (CSV in UTF-8, UTF-16 and
Windows-1258, XLSX, ODS, text in NFC) and what it refuses before spending memory on it (a row numbered
1,000,000,000, a zip bomb, a forged size, too many cells, NUL anywhere, a file that takes too long),
every refusal naming the user's file."""

from __future__ import annotations

import io
import resource
import struct
import unicodedata
import zipfile

import pytest

from ntm.core.tables import Limits, TableError, open_workbook, read_table
from ntm.core.tables.testing import (
    ods_bytes,
    ods_row,
    ods_table,
    row_xml,
    shared_strings_xml,
    sheet_xml,
    windows_1258,
    xlsx_bytes,
)

HEADER = ["Mã đơn vị", "Chỉ tiêu", "Đánh giá"]


def _rows(source, **kw) -> list[list]:
    return list(read_table(source, **kw).rows)


def _refused(source, *, name: str, limits: Limits | None = None, sheet: str | None = None) -> TableError:
    with pytest.raises(TableError) as e:
        _rows(source, name=name, limits=limits, sheet=sheet)
    assert str(e.value).startswith(name) and e.value.file == name
    return e.value


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- workbooks: positions ------------------------------------------------------------------------------
@pytest.mark.parametrize("dimension", [None, "A1:A1000000000"])
def test_a_sheet_with_one_row_numbered_one_billion_is_refused_at_once(dimension):
    data = xlsx_bytes(
        sheet_xml(row_xml(1, HEADER) + row_xml(1_000_000_000, ["xa:13570@2024", "1.1", "đạt"]), dimension=dimension)
    )
    assert len(data) < 2000
    before = _peak_mb()
    e = _refused(data, name="so-lieu-cua-xa.xlsx")
    assert e.limit == "max_rows" and e.sheet == "Số liệu"
    assert "1.000.000.000" in e.message and "1.048.576" in e.message
    assert _peak_mb() - before < 200  # the old reader grew to 5 GB


def test_a_cell_reference_beyond_its_row_and_rows_without_numbers_are_followed_as_calamine_does():
    # <row r="2"> holding a cell "A5000000"; and rows and cells without references after a far one
    far_cell = sheet_xml(row_xml(1, HEADER) + '<row r="2"><c r="A5000000"><v>1</v></c></row>')
    assert _refused(xlsx_bytes(far_cell), name="a.xlsx").limit == "max_rows"
    implicit = sheet_xml(
        '<row r="1048570"><c r="A1048570"><v>1</v></c></row>' + "".join("<row><c><v>1</v></c></row>" for _ in range(10))
    )
    assert _refused(xlsx_bytes(implicit), name="b.xlsx").limit == "max_rows"
    # the same far cell written with a namespace prefix and single quotes
    prefixed = (
        '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:sheetData><x:row r='1'><x:c r='A1' t='inlineStr'><x:is><x:t>a</x:t></x:is></x:c></x:row>"
        "<x:row><x:c r = 'C2000000'><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>"
    )
    assert _refused(xlsx_bytes(prefixed), name="c.xlsx").limit == "max_rows"


def test_a_second_reference_in_a_cell_is_seen():
    sheet = sheet_xml(row_xml(1, HEADER) + '<row r="2"><c r="A2" s="0" r="A3000000"><v>1</v></c></row>')
    assert _refused(xlsx_bytes(sheet), name="d.xlsx").limit == "max_rows"


def test_too_many_cells_are_refused_before_the_sheet_is_loaded():
    two_corners = sheet_xml(row_xml(1, ["a"]) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    e = _refused(xlsx_bytes(two_corners), name="goc.xlsx")
    assert e.limit == "max_cells" and "5.000.000" in e.message
    body = "".join(row_xml(n, [f"x{n}-{k}" for k in range(20)]) for n in range(1, 101))  # 2,000 cells
    e = _refused(xlsx_bytes(sheet_xml(body)), name="nhieu-o.xlsx", limits=Limits(max_cells=1000))
    assert e.limit == "max_cells" and "2.000 ô" in e.message and "1.000" in e.message


def test_shared_strings_copied_into_many_cells_count_against_the_text_limit():
    strings = shared_strings_xml(["x" * 100_000])
    body = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, 201))  # 20 MB of copies
    e = _refused(
        xlsx_bytes(sheet_xml(body), strings=strings), name="chuoi.xlsx", limits=Limits(max_text_bytes=10 << 20)
    )
    assert e.limit == "max_text_bytes"
    assert len(_rows(xlsx_bytes(sheet_xml(body), strings=strings), name="chuoi.xlsx")) == 200


# -- workbooks: the archive ----------------------------------------------------------------------------
def test_a_zip_bomb_is_refused_by_its_ratio_before_it_is_unzipped():
    padding = " " * (8 << 20)  # 8 MB of spaces inside the sheet: ~1000:1
    data = xlsx_bytes(sheet_xml(row_xml(1, HEADER) + padding))
    assert len(data) < 100_000
    e = _refused(data, name="bom.xlsx")
    assert e.limit == "max_ratio" and "100:1" in e.message and "xl/worksheets/sheet1.xml" in e.message


def test_the_unzipped_size_of_a_workbook_is_bounded():
    data = xlsx_bytes(sheet_xml(row_xml(1, HEADER)), extra={"xl/media/a.bin": bytes(range(256)) * 20_000})
    e = _refused(data, name="to.xlsx", limits=Limits(max_unzipped_bytes=2 << 20))
    assert e.limit == "max_unzipped_bytes" and "2 MB" in e.message


def test_a_part_that_unzips_to_more_than_it_declares_is_refused():
    data = bytearray(xlsx_bytes(sheet_xml(row_xml(1, HEADER) + "".join(row_xml(n, ["x"] * 3) for n in range(2, 3000)))))
    real = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    forged = real.file_size // 10
    part = b"xl/worksheets/sheet1.xml"
    # its size in the central directory (name at +46, size at +24) and in its local header (+30, +22)
    for sig, name_at, size_at in ((b"PK\x01\x02", 46, 24), (b"PK\x03\x04", 30, 22)):
        at = data.find(sig)
        while at >= 0:
            if data[at + name_at : at + name_at + len(part)] == part:
                struct.pack_into("<I", data, at + size_at, forged)
            at = data.find(sig, at + 4)
    e = _refused(bytes(data), name="sua.xlsx")
    assert "kích thước khai báo" in e.message


def test_a_damaged_or_encrypted_or_unknown_file_is_named_not_raised(tmp_path):
    assert "không đọc được tệp Excel" in _refused(b"PK\x03\x04 khong phai zip", name="hong.xlsx").message
    assert "không hỗ trợ định dạng '.doc'" in _refused(b"abc", name="bao-cao.doc").message
    missing = _refused(tmp_path / "khong-co.csv", name="khong-co.csv")
    assert "không tìm thấy tệp" in missing.message


def test_the_time_budget_is_kept():
    body = "".join(row_xml(n, ["x"] * 5) for n in range(1, 2000))
    e = _refused(xlsx_bytes(sheet_xml(body)), name="cham.xlsx", limits=Limits(max_seconds=0))
    assert e.limit == "max_seconds"


# -- workbooks: what is read ---------------------------------------------------------------------------
def test_a_workbook_is_read_from_row_one_with_column_a_first_and_text_in_nfc():
    nfd = unicodedata.normalize("NFD", "chưa đạt")
    body = row_xml(2, [None, "Chỉ tiêu", "Đánh giá"]) + row_xml(3, [None, "1.1", nfd]) + row_xml(5, [None, 17.1, 3])
    rows = _rows(xlsx_bytes(sheet_xml(body)), name="lech.xlsx", sheet="Số liệu")
    assert rows[0] == ["", "", ""] and rows[1] == ["", "Chỉ tiêu", "Đánh giá"]
    assert rows[2][2] == "chưa đạt" and unicodedata.is_normalized("NFC", rows[2][2])
    assert rows[4][1:] == [17.1, 3]


def test_text_far_into_a_workbook_among_numbers_is_normalized_and_a_nul_there_is_named():
    # past the reader's first blocks, in a column of numbers (calamine reads "_x0000_" as a NUL)
    body = row_xml(1, HEADER) + "".join(row_xml(n, ["xa:13570@2024", 1.5 * n, "đạt"]) for n in range(2, 5000))
    nfd = unicodedata.normalize("NFD", "chưa đạt")
    rows = _rows(xlsx_bytes(sheet_xml(body + row_xml(5000, ["xa:13570@2024", nfd]))), name="xa.xlsx")
    assert rows[4999] == ["xa:13570@2024", "chưa đạt", ""] and rows[4998][1] == 1.5 * 4999
    nul = row_xml(5000, ["xa:13570@2024", "1_x0000_1"])
    e = _refused(xlsx_bytes(sheet_xml(body + nul)), name="nul.xlsx")
    assert (e.sheet, e.row, e.column) == ("Số liệu", 5000, "B") and "NUL" in e.message


def test_a_formula_error_reads_as_its_code_not_as_an_empty_cell():
    cell = '<c r="B2" t="e"><f>C2/D2</f><v>#DIV/0!</v></c>'
    for attr in ('r="A2"', "r='A2'"):  # the usual form, and one the tokenizer reads
        body = row_xml(1, ["Chỉ tiêu", "Giá trị"]) + f'<row r="2"><c {attr}><v>3.1</v></c>{cell}</row>'
        assert _rows(xlsx_bytes(sheet_xml(body)), name="loi.xlsx")[1] == [3.1, "#DIV/0!"]


def test_shared_strings_styles_and_a_named_sheet_are_read():
    strings = shared_strings_xml(["Chỉ tiêu", "Đánh giá", "đạt"])
    styles = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2">'
        '<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
    )
    body = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1"><v>1</v></c></row>'
        '<row r="2"><c r="A2"><v>1.1</v></c><c r="B2" t="s"><v>2</v></c><c r="C2" s="1"><v>45108</v></c></row>'
    )
    wb = open_workbook(xlsx_bytes(sheet_xml(body), strings=strings, styles=styles, name="Tự đánh giá"), name="tu.xlsx")
    assert wb.sheet_names == ["Tự đánh giá"]
    sheet, rows = wb.rows("Tự đánh giá")
    rows = list(rows)
    assert rows[0] == ["Chỉ tiêu", "Đánh giá", 1] and rows[1][:2] == [1.1, "đạt"]
    assert str(rows[1][2]) == "2023-07-01"
    with pytest.raises(TableError, match="thiếu trang tính 'Khác'"):
        wb.rows("Khác")


def test_an_ods_file_is_read_like_an_xlsx_one_and_its_repeats_are_bounded():
    data = ods_bytes(
        ods_table(
            "Số liệu",
            ods_row(HEADER) + ods_row(["xa:13570@2024", "1.1", "đạt"]) + ods_row(["xa:13570@2024", 17.1, "chưa đạt"]),
        )
    )
    table = read_table(data, name="so-lieu.ods", sheet="Số liệu")
    assert table.kind == "ods" and table.sheet == "Số liệu"
    assert list(table.rows) == [HEADER, ["xa:13570@2024", "1.1", "đạt"], ["xa:13570@2024", 17.1, "chưa đạt"]]
    bomb = ods_bytes(ods_table("Số liệu", ods_row(HEADER) + ods_row(["x", "y", "z"], repeat=1_000_000_000)))
    assert len(bomb) < 2000
    e = _refused(bomb, name="lap.ods")
    assert e.limit == "max_rows" and "1.000.000.001" in e.message


# -- CSV -----------------------------------------------------------------------------------------------------
CSV_TEXT = "Mã đơn vị,Chỉ tiêu,Đánh giá,Ghi chú\nxa:13570@2024,1.1,chưa đạt,Đã kiểm tra\nxa:13570@2024,2.1,đạt,\n"
WANT = [
    ["Mã đơn vị", "Chỉ tiêu", "Đánh giá", "Ghi chú"],
    ["xa:13570@2024", "1.1", "chưa đạt", "Đã kiểm tra"],
    ["xa:13570@2024", "2.1", "đạt", ""],
]


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: t.encode("utf-8-sig"),
        lambda t: t.encode("utf-16"),  # with its BOM: Excel's "Unicode text"
        lambda t: t.encode("utf-16-le"),
        windows_1258,
        lambda t: unicodedata.normalize("NFD", t).encode("utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-le-no-bom", "windows-1258", "utf-8-nfd"],
)
def test_csv_in_every_encoding_offices_use_is_read_the_same_in_nfc(encode):
    rows = _rows(encode(CSV_TEXT), name="tu-danh-gia.csv")
    assert rows == WANT
    assert all(unicodedata.is_normalized("NFC", c) for r in rows for c in r)


def test_a_letter_and_its_mark_at_the_very_end_of_a_file_are_joined():
    rows = _rows("Chỉ tiêu,Đánh giá\n1.2,đa\u0323".encode(), name="cuoi.csv")  # no line end after the mark
    assert rows[-1] == ["1.2", "đạ"]


def test_a_semicolon_or_tab_separated_file_is_read():
    assert _rows(CSV_TEXT.replace(",", ";").encode(), name="a.csv") == WANT
    assert _rows(CSV_TEXT.replace(",", "\t").encode(), name="a.tsv") == WANT


def test_nul_is_refused_wherever_it_is_with_its_row_and_column():
    good = "".join(f"xa:13570@2024,{k},đạt,ghi chú dài để qua 8 KB\n" for k in range(400))
    data = ("Mã đơn vị,Chỉ tiêu,Đánh giá,Ghi chú\n" + good + "xa:13570@2024,1.1,đ\x00ạt,\n").encode()
    assert len(data) > 8192 * 2
    e = _refused(data, name="co-nul.csv")
    assert (e.row, e.column) == (402, "C") and "NUL" in e.message
    assert str(e).startswith("co-nul.csv, dòng 402, cột 'C'")
    e = _refused(data.decode().encode("utf-16"), name="co-nul-16.csv")
    assert (e.row, e.column) == (402, "C")


def test_csv_rows_and_lines_are_bounded():
    many = ("a,b\n" * 30).encode()
    assert _refused(many, name="dai.csv", limits=Limits(max_rows=20)).limit == "max_rows"
    line = ("x" * (3 << 20)).encode()
    assert _refused(line, name="mot-dong.csv", limits=Limits(max_line_bytes=1 << 20)).limit == "max_line_bytes"


def test_limits_from_settings_refuse_an_unknown_name():
    assert Limits.from_mapping({"max_rows": 10}).max_rows == 10
    with pytest.raises(ValueError, match="max_row"):
        Limits.from_mapping({"max_row": 10})
