"""Stage 1, reading: the rows of an uploaded table after its header, through the core's bounded reader."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ntm.core.sheets import fold
from ntm.core.tables import Limits, TableError, read_table

from .common import COLUMNS, SHEET, ImportFailed, Issue


# -- reading ------------------------------------------------------------------------------------
@dataclass
class RawRow:
    sheet: str | None
    number: int
    values: dict[str, object]


def table_limits() -> Limits:
    """The bounds of an uploaded table, from ``settings.NTM_UPLOAD_LIMITS`` (defaults: :class:`Limits`)."""
    from django.conf import settings

    return Limits.from_mapping(getattr(settings, "NTM_UPLOAD_LIMITS", None))


def _issue(exc: TableError) -> ImportFailed:
    return ImportFailed([Issue(exc.file, exc.message, exc.sheet, exc.row, exc.column)])


def _reported(blocks: Iterator[list[list]]) -> Iterator[list]:
    """The rows of the reader's blocks, a refusal met while reading them (a NUL far into the file, the
    time budget) raised as :class:`ImportFailed` like any other problem of the file (no Python step per row)."""

    def guarded() -> Iterator[list[list]]:
        try:
            yield from blocks
        except TableError as exc:
            raise _issue(exc) from None

    return itertools.chain.from_iterable(guarded())


def read_rows(path: str | Path, *, name: str | None = None) -> tuple[dict[int, str], Iterator[RawRow]]:
    """(column index → canonical name, rows). Raises :class:`ImportFailed` for an unreadable file or header."""
    colmap, sheet, header, rows = _rows_after_header(path, name=name)
    pairs = list(colmap.items())
    width = max(colmap) + 1

    def gen() -> Iterator[RawRow]:
        for n, r in enumerate(rows, start=header + 1):
            if not _blank(r):
                yield _raw_row(sheet, n, r, pairs, width)

    return colmap, gen()


def _raw_row(sheet: str | None, n: int, r, pairs: list[tuple[int, str]], width: int) -> RawRow:
    if len(r) >= width:
        return RawRow(sheet, n, {canon: r[i] for i, canon in pairs})
    return RawRow(sheet, n, {canon: (r[i] if i < len(r) else None) for i, canon in pairs})


def _rows_after_header(
    path: str | Path, *, name: str | None = None
) -> tuple[dict[int, str], str | None, int, Iterator[list | tuple]]:
    """(column index → canonical name, sheet, row number of the header, the rows after it)."""
    path = Path(path)
    name = name or path.name
    try:
        table = read_table(path, name=name, sheet=SHEET, limits=table_limits())
        sheet, rows = table.sheet, _reported(table.blocks)
    except TableError as exc:
        raise _issue(exc) from None
    header = None
    number = 0
    for number, r in enumerate(rows, start=1):  # noqa: B007
        if any(c is not None and str(c).strip() for c in r):
            header = r
            break
    if header is None:
        raise ImportFailed([Issue(name, "tệp trống", sheet=sheet)])
    colmap: dict[int, str] = {}
    for i, h in enumerate(header):
        f = fold(str(h or ""))
        for canon, (_, spellings) in COLUMNS.items():
            if f and (f == canon or f in spellings or f == fold(COLUMNS[canon][0])):
                colmap[i] = canon
                break
    if "indicator" not in colmap.values():
        raise ImportFailed(
            [
                Issue(
                    name,
                    "thiếu cột 'Chỉ tiêu' (dòng tiêu đề có: "
                    + ", ".join(str(h) for h in header if h not in (None, ""))
                    + ")",
                    sheet=sheet,
                    row=number,
                )
            ]
        )
    if not ({"value", "assessment"} & set(colmap.values())):
        raise ImportFailed([Issue(name, "thiếu cột 'Giá trị' hoặc 'Đánh giá'", sheet=sheet, row=number)])
    return colmap, sheet, number, rows


_FIRST_COLUMNS = tuple(map(operator.itemgetter, range(3)))


def _none_blank(rows: list[list | tuple]) -> bool:
    """Whether no row of a block is blank, without a Python step per row: a block of CSV rows (texts
    only) by its rows' joined texts; a block of a workbook's rows (numbers, dates, texts) when one of
    its first three columns holds in every row a text that is not only spaces. False: look row by row."""
    try:
        return all(map(str.strip, map("".join, rows)))
    except TypeError:  # cells of a workbook
        pass
    for column in _FIRST_COLUMNS:
        try:
            if all(map(str.strip, map(column, rows))):
                return True
        except (TypeError, IndexError):  # a number, a date or a short row in that column
            continue
    return False


def _blank(r: list | tuple) -> bool:
    if type(r) is list:  # a CSV row: all texts (one C call)
        try:
            return not "".join(r).strip()
        except TypeError:
            pass
    # cells of a workbook: texts, numbers, dates, None (without an exception per row)
    return not any(c.strip() if type(c) is str else c is not None and str(c).strip() for c in r)
