"""One bounded reader for every uploaded table: CSV (UTF-8 with or without BOM, UTF-16, Windows-1258),
XLSX/XLSM and ODS (python-calamine, after the archive and the cells' positions are checked).

Used by the observation import, ``ntm evaluate`` (:mod:`ntm.core.sheets`) and the catalogue workbook
import. Every bound (:class:`Limits`) is checked before the part it guards is expanded; every refusal
is a :class:`TableError` naming the user's file name (never a stored file's), and the sheet, row and
column when there is one. Text comes out in NFC; a NUL character is refused wherever it is.

    table = read_table(path, name="so-lieu.xlsx", sheet="Số liệu")
    for number, row in enumerate(table.rows, start=1): ...
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from .base import Deadline, Limits, TableError
from .delimited import read_csv
from .workbook import Workbook

__all__ = ["Limits", "Table", "TableError", "Workbook", "blank", "kind_of", "open_workbook", "read_table"]

KINDS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".ods": "ods"}


@dataclass
class Table:
    """One sheet (a CSV file is one sheet without a name): its rows from row 1, blank ones included, by
    blocks of a few thousand (``blocks``, each checked at once) or one by one (``rows``)."""

    kind: str
    sheet: str | None
    blocks: Iterator[list[list]]

    @property
    def rows(self) -> Iterator[list]:
        return chain.from_iterable(self.blocks)


def kind_of(name: str) -> str | None:
    """ "csv", "xlsx", "ods" from a file name's suffix, or None."""
    return KINDS.get(Path(name).suffix.lower())


def _unsupported(name: str) -> TableError:
    suffix = Path(name).suffix.lower() or "(không có đuôi)"
    return TableError(name, f"không hỗ trợ định dạng '{suffix}' (dùng .xlsx, .ods hoặc .csv)")


def open_workbook(source: str | Path | bytes, *, name: str | None = None, limits: Limits | None = None) -> Workbook:
    """An XLSX/ODS workbook checked and opened (raises :class:`TableError`)."""
    source = source if isinstance(source, (bytes, bytearray)) else Path(source)
    name = name or (source.name if isinstance(source, Path) else "tep.xlsx")
    if isinstance(source, Path) and not source.exists():
        raise TableError(name, "không tìm thấy tệp")
    return Workbook(source, name, limits or Limits())


def read_table(
    source: str | Path | bytes, *, name: str | None = None, sheet: str | None = None, limits: Limits | None = None
) -> Table:
    """The rows of a CSV file, or of one sheet of a workbook (``sheet`` if the workbook has it, else its
    first sheet). ``name`` is the user's file name (its suffix tells the format; default: the path's)."""
    source = source if isinstance(source, (bytes, bytearray)) else Path(source)
    name = name or (source.name if isinstance(source, Path) else "tep")
    limits = limits or Limits()
    kind = kind_of(name)
    if kind is None:
        raise _unsupported(name)
    if isinstance(source, Path) and not source.exists():
        raise TableError(name, "không tìm thấy tệp")
    if kind == "csv":
        return Table(kind, None, read_csv(source, name, limits))
    wb = Workbook(source, name, limits, Deadline(name, limits))
    chosen, blocks = wb.blocks(prefer=sheet)
    return Table(kind, chosen, blocks)


def blank(row: list | tuple) -> bool:
    """Whether a row has nothing but empty cells (spaces count as empty)."""
    return not any(c.strip() if type(c) is str else c is not None and str(c).strip() for c in row)
