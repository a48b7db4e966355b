"""Limits, the reader's one error type, the time budget and the NFC/NUL check shared by every format."""

from __future__ import annotations

import functools
import time
import unicodedata
from dataclasses import dataclass
from itertools import chain

from ntm.core.formatting import number

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What an uploaded table may cost before it is read. Every bound is checked before the part it
    guards is expanded (the archive before it is unzipped, the positions of a sheet's cells before the
    sheet is loaded), so a refusal costs a bounded amount of memory and time.

    The defaults fit the largest file an office sends (a province-year of 198,264 rows) with room to
    spare; a deployment changes them in settings (``NTM_UPLOAD_LIMITS``, see docs/security.md)."""

    max_file_bytes: int = 200 * MB  # the file as uploaded
    max_unzipped_bytes: int = 1024 * MB  # every part of a workbook, unzipped, together
    max_ratio: int = 100  # unzipped / zipped size of one part (only parts above 1 MB are judged)
    max_rows: int = 1_048_576  # highest row number (Excel's own last row)
    max_columns: int = 16_384  # highest column of a workbook (Excel's XFD; a CSV row is bounded by its line)
    max_cells: int = 5_000_000  # cells of one sheet as read (rows × columns from A1), and the cells written
    max_seconds: float = 100.0  # reading (and whatever the caller does between rows) from the first byte
    max_text_bytes: int = 512 * MB  # text that cells copy out of shared strings or repeated ODS cells
    max_line_bytes: int = 4 * MB  # one line of a CSV file

    @classmethod
    def from_mapping(cls, values: dict | None) -> Limits:
        """Limits from a settings dict (unknown keys refused: a typo must not leave a bound at its default
        silently)."""
        values = dict(values or {})
        known = set(cls.__dataclass_fields__)
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown table limits: {', '.join(sorted(unknown))}")
        return cls(**values)


class TableError(ValueError):
    """A table that cannot be read, or may not be: the message names the user's file name, and the
    sheet, row and column when there is one. ``limit`` names the bound that refused it, if one did."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        limit: str | None = None,
    ):
        self.file, self.message, self.sheet, self.row, self.column, self.limit = (
            file,
            message,
            sheet,
            row,
            column,
            limit,
        )
        where = file + (f" [{sheet}]" if sheet else "") + (f", dòng {row}" if row else "")
        where += f", cột '{column}'" if column else ""
        super().__init__(f"{where}: {message}")


def n(value: int | float) -> str:
    """A count as officials write it: 1.048.576."""
    return number(value)


def megabytes(size: int) -> str:
    return number(size / MB, 1, trim=True) + " MB"


class Deadline:
    """The time budget of one read: ``check()`` between blocks raises once it is spent."""

    def __init__(self, name: str, limits: Limits, sheet: str | None = None):
        self.name, self.limits, self.sheet = name, limits, sheet
        self.end = time.monotonic() + limits.max_seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise TableError(
                self.name,
                f"đọc tệp quá {n(self.limits.max_seconds)} giây (giới hạn thời gian); "
                "hãy chia tệp thành nhiều tệp nhỏ hơn",
                sheet=self.sheet,
                limit="max_seconds",
            )


def column_letters(index: int) -> str:
    """0 → "A", 26 → "AA" (for a message about a column without a header)."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


def clean_block(rows: list[list], name: str, sheet: str | None, first: int) -> list[list]:
    """The rows of one block with every text in NFC and no NUL character: one C call for a block that
    is already clean (nearly every block), a look cell by cell only for one that is not.
    ``first`` is the sheet row number of ``rows[0]`` (for the message)."""
    joined = _texts(rows)
    nul = "\x00" in joined
    if not nul and unicodedata.is_normalized("NFC", joined):
        return rows
    if nul:
        for k, r in enumerate(rows):
            for i, c in enumerate(r):
                if type(c) is str and "\x00" in c:
                    raise TableError(
                        name,
                        "có ký tự NUL (mã 0) — tệp hỏng hoặc không phải bảng số liệu",
                        sheet=sheet,
                        row=first + k,
                        column=column_letters(i),
                    )
    normalize = unicodedata.normalize
    return [[normalize("NFC", c) if type(c) is str else c for c in r] for r in rows]


_IS_TEXT = functools.partial(type.__instancecheck__, str)


def _texts(rows: list[list]) -> str:
    """The texts of a block's cells in one string (numbers, dates and booleans left out: they hold no
    NUL and no text to normalize), column by column when the rows are of one length (as calamine gives
    them): a column of texts joins in one C call, another is filtered first — no Python step per cell."""
    if len(set(map(len, rows))) > 1:
        return "\n".join(filter(_IS_TEXT, chain.from_iterable(rows)))
    parts = []
    for column in zip(*rows):
        try:
            parts.append("\n".join(column))
        except TypeError:
            parts.append("\n".join(filter(_IS_TEXT, column)))
    return "\n".join(parts)
