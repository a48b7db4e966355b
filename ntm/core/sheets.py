"""Read a self-assessment sheet (CSV, XLSX or ODS) with errors that name the file, the row and the column.

Self-assessment sheets and imports come from offices' spreadsheets: header names are matched
without regard to case and diacritics ("Chỉ tiêu", "chi tieu", "indicator"). The file is read by the
bounded reader of :mod:`ntm.core.tables` (the same as the web import's).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ntm.core.tables import Limits, TableError, blank
from ntm.core.tables import read_table as _read

SheetError = TableError  # the reader's error: file, sheet, row, column and message


def fold(text: str) -> str:
    """Lower-case, no diacritics (đ→d), single spaces."""
    s = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return " ".join(s.lower().replace("_", " ").split())


@dataclass
class Row:
    number: int  # as the user sees it in the sheet (header = 1)
    values: dict[str, object]


def read_table(
    path: str | Path,
    *,
    required: dict[str, tuple[str, ...]],
    optional: dict[str, tuple[str, ...]] | None = None,
    limits: Limits | None = None,
) -> list[Row]:
    """Rows as dicts keyed by canonical column names (the first sheet of a workbook; blank rows left out).

    ``required``/``optional`` map a canonical name to accepted header spellings (folded).
    """
    path = Path(path)
    name = str(path)
    rows = enumerate(_read(path, name=name, limits=limits or Limits()).rows, start=1)
    optional = optional or {}
    accepted = {**required, **optional}
    header: list[object] | None = None
    header_row = 0
    for header_row, r in rows:  # noqa: B007
        if not blank(r):
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
        shown = ", ".join(str(h) for h in header if h not in (None, ""))
        raise SheetError(name, f"thiếu cột {', '.join(missing)} (dòng tiêu đề có: {shown})", row=header_row)
    out = []
    for n, r in rows:
        if blank(r):
            continue
        values = {canon: (r[i] if i < len(r) else None) for i, canon in colmap.items()}
        out.append(Row(n, values))
    return out
