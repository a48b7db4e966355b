"""Read tabular input (CSV or XLSX) with errors that name the file, the row and the column.

Self-assessment sheets and imports come from offices' spreadsheets: header names are matched
without regard to case and diacritics ("Chỉ tiêu", "chi tieu", "indicator").
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024


class SheetError(ValueError):
    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None, sheet: str | None = None):
        self.file, self.row, self.column, self.sheet, self.message = file, row, column, sheet, message
        where = file + (f" [{sheet}]" if sheet else "") + (f", dòng {row}" if row else "") + (f", cột '{column}'" if column else "")
        super().__init__(f"{where}: {message}")


def fold(text: str) -> str:
    """Lower-case, no diacritics (đ→d), single spaces."""
    s = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return " ".join(s.lower().replace("_", " ").split())


@dataclass
class Row:
    number: int  # as the user sees it in the sheet (header = 1)
    values: dict[str, object]


def _rows_csv(path: Path, data: bytes) -> Iterator[list[object]]:
    for enc in ("utf-8-sig", "cp1258"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1258 decodes nearly anything
        raise SheetError(str(path), "không đọc được mã ký tự (hãy lưu tệp ở dạng UTF-8)")
    if "\x00" in text:
        raise SheetError(str(path), "tệp không phải là văn bản CSV")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as exc:  # e.g. a stray quote or carriage return: name the line
        raise SheetError(str(path), f"dòng CSV không đọc được ({exc})", row=reader.line_num) from None


def _rows_xlsx(path: Path) -> Iterator[list[object]]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheet = wb.get_sheet_by_index(0)
        yield from sheet.iter_rows()
    except Exception as exc:  # calamine raises its own error types for broken files
        raise SheetError(str(path), f"không đọc được tệp Excel ({exc.__class__.__name__}: {exc})") from None


def read_table(path: str | Path, *, required: dict[str, tuple[str, ...]], optional: dict[str, tuple[str, ...]] | None = None) -> list[Row]:
    """Rows as dicts keyed by canonical column names.

    ``required``/``optional`` map a canonical name to accepted header spellings (folded).
    """
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise SheetError(name, "không tìm thấy tệp")
    if path.stat().st_size > MAX_BYTES:
        raise SheetError(name, f"tệp quá lớn (tối đa {MAX_BYTES // (1024 * 1024)} MB)")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        rows = _rows_xlsx(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        rows = _rows_csv(path, path.read_bytes())
    else:
        raise SheetError(name, f"không hỗ trợ định dạng '{suffix}' (dùng .csv hoặc .xlsx)")
    optional = optional or {}
    accepted = {**required, **optional}
    it = iter(rows)
    header: list[object] | None = None
    header_row = 0
    for header_row, r in enumerate(it, start=1):
        if any(str(c).strip() for c in r if c is not None):
            header = r
            break
    if header is None:
        raise SheetError(name, "tệp trống")
    colmap: dict[int, str] = {}
    for i, h in enumerate(header):
        f = fold(str(h or ""))
        for canon, spellings in accepted.items():
            if f == canon or f in spellings:
                colmap[i] = canon
    missing = [c for c in required if c not in colmap.values()]
    if missing:
        raise SheetError(name, f"thiếu cột {', '.join(missing)} (dòng tiêu đề có: {', '.join(str(h) for h in header)})", row=header_row)
    out = []
    for n, r in enumerate(it, start=header_row + 1):
        if not any(str(c).strip() for c in r if c is not None):
            continue
        values = {canon: (r[i] if i < len(r) else None) for i, canon in colmap.items()}
        out.append(Row(n, values))
    return out
