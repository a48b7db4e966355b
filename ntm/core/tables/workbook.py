"""XLSX/XLSM and ODS workbooks: the archive checked (:mod:`.archive`), every part that calamine may
load scanned for where its cells land (:mod:`.scan`), and only then the workbook opened with
python-calamine and read one sheet at a time, its rows handed out in blocks (NFC, no NUL)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path

from .archive import Archive, Member
from .base import Deadline, Limits, TableError, clean_block, megabytes, n
from .scan import HUGE, Extent, OdsScan, SharedStrings, SheetScan, _Unusual

BLOCK = 2048  # rows converted, checked and handed out at a time
# parts calamine reads for something else than cells (or never): unzipped and checked, not scanned
_NOT_SHEETS = re.compile(
    r"(\[content_types\]\.xml|.*\.rels|docprops/.*|xl/styles\.xml|xl/theme/.*|mimetype"
    r"|meta-inf/.*|meta\.xml|styles\.xml|settings\.xml|thumbnails/.*|xl/media/.*)"
)


def _calamine_failed(name: str, exc: BaseException, sheet: str | None = None) -> TableError:
    return TableError(name, f"không đọc được tệp Excel ({exc.__class__.__name__}: {str(exc)[:200]})", sheet=sheet)


def _is_interrupt(exc: BaseException) -> bool:
    return isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))


class Workbook:
    """A workbook read within ``limits``. ``sheet_names`` in workbook order; :meth:`rows` reads one."""

    def __init__(self, source: Path | bytes, name: str, limits: Limits, deadline: Deadline | None = None):
        self.name, self.limits = name, limits
        self.deadline = deadline or Deadline(name, limits)
        size = len(source) if isinstance(source, (bytes, bytearray)) else Path(source).stat().st_size
        if size > limits.max_file_bytes:
            raise TableError(
                name,
                f"tệp quá lớn ({megabytes(size)}; giới hạn {megabytes(limits.max_file_bytes)})",
                limit="max_file_bytes",
            )
        archive = Archive(source, name, limits)
        self._errors: dict[str, dict] = {}  # part → formula error cells found by the scan
        try:
            self._labels = _sheet_labels(archive)
            self._check(archive)
        finally:
            archive.close()
        from python_calamine import CalamineWorkbook

        try:
            if isinstance(source, (bytes, bytearray)):
                self.book = CalamineWorkbook.from_filelike(io.BytesIO(source))
            else:
                self.book = CalamineWorkbook.from_path(str(source))
            self.sheet_names: list[str] = list(self.book.sheet_names)
        except BaseException as exc:
            if _is_interrupt(exc):
                raise
            raise _calamine_failed(name, exc) from None
        self.deadline.check()

    # -- before calamine ---------------------------------------------------------------------------
    def _check(self, archive: Archive) -> None:
        limits = self.limits
        strings, uniform = None, 0
        shared = archive.get("xl/sharedStrings.xml")
        if shared is not None:

            def check_strings(count: int, size: int) -> None:
                if count > limits.max_cells:
                    raise TableError(
                        self.name,
                        f"bảng chuỗi dùng chung có hơn {n(limits.max_cells)} chuỗi (giới hạn số ô)",
                        limit="max_cells",
                    )
                if size > limits.max_text_bytes:
                    raise TableError(
                        self.name,
                        f"bảng chuỗi dùng chung lớn hơn {megabytes(limits.max_text_bytes)} (giới hạn chữ)",
                        limit="max_text_bytes",
                    )
                self.deadline.check()

            table = SharedStrings(check_strings)
            for piece in archive.inflate(shared):
                table.feed(piece)
            strings = table.sizes()
            uniform = table.size if table.prefixed else 0
        for member in archive.members.values():
            self.deadline.check()
            if member is shared:
                continue
            if _NOT_SHEETS.fullmatch(member.key):
                for _ in archive.inflate(member):  # only that it unzips to what it declares
                    self.deadline.check()
                continue
            self._scan(archive, member, strings, uniform)
            if member.key == "content.xml":
                ods = OdsScan(self._checker(member, "ods"))
                for piece in archive.inflate(member):
                    ods.feed(piece)
                ods.finish()

    def _checker(self, member: Member, kind: str, scan: SheetScan | None = None):
        limits, name = self.limits, self.name
        sheet = self._labels.get(member.key) if kind == "xlsx" else None

        def check(e: Extent) -> None:
            declared = scan.declared if scan is not None else None
            if declared and declared[0] > limits.max_rows:
                raise TableError(
                    name,
                    f"khai báo vùng dữ liệu đến dòng {_big(declared[0])}, quá giới hạn {n(limits.max_rows)} dòng",
                    sheet=sheet,
                    limit="max_rows",
                )
            if declared and declared[1] > limits.max_columns:
                raise TableError(
                    name,
                    f"khai báo vùng dữ liệu đến cột thứ {_big(declared[1])}, quá giới hạn {n(limits.max_columns)} cột",
                    sheet=sheet,
                    limit="max_columns",
                )
            if e.max_row > limits.max_rows:
                raise TableError(
                    name,
                    f"có ô ở dòng {_big(e.max_row)}, quá giới hạn {n(limits.max_rows)} dòng",
                    sheet=sheet,
                    limit="max_rows",
                )
            if e.max_col > limits.max_columns:
                raise TableError(
                    name,
                    f"có ô ở cột thứ {_big(e.max_col)}, quá giới hạn {n(limits.max_columns)} cột",
                    sheet=sheet,
                    limit="max_columns",
                )
            area = max(e.area, e.cells)
            if area > limits.max_cells:
                raise TableError(
                    name,
                    f"có {n(area)} ô ({n(e.rows)} dòng × {n(e.columns)} cột), quá giới hạn {n(limits.max_cells)} ô",
                    sheet=sheet,
                    limit="max_cells",
                )
            if e.text_bytes > limits.max_text_bytes:
                raise TableError(
                    name,
                    f"các ô chép ra hơn {megabytes(limits.max_text_bytes)} chữ (giới hạn chữ)",
                    sheet=sheet,
                    limit="max_text_bytes",
                )
            self.deadline.check()

        return check

    def _scan(self, archive: Archive, member: Member, strings, uniform: int) -> None:
        scan = SheetScan(strings, uniform=uniform)
        scan.check = self._checker(member, "xlsx", scan)
        pieces = archive.inflate(member)
        first = next(pieces, b"")
        if not first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):  # not XML (an image…): unzip only
            for _ in pieces:
                self.deadline.check()
            return
        try:
            scan.feed(first)
            for piece in pieces:
                scan.feed(piece)
            scan.finish()
        except _Unusual:
            pieces.close()
            scan.restart()
            for piece in archive.inflate(member):
                scan.feed(piece)
            scan.finish()
        if scan.errors:
            self._errors[member.key] = scan.errors

    # -- with calamine ------------------------------------------------------------------------------
    def rows(self, sheet: str | None = None, *, prefer: str | None = None) -> tuple[str, Iterator[list]]:
        """(sheet name, its rows): see :meth:`blocks`."""
        name, blocks = self.blocks(sheet, prefer=prefer)
        return name, chain.from_iterable(blocks)

    def blocks(self, sheet: str | None = None, *, prefer: str | None = None) -> tuple[str, Iterator[list[list]]]:
        """(sheet name, its rows from row 1: blank rows included, so that positions are row numbers;
        cells as calamine gives them — text, int, float, bool, date/datetime/time, "" for an empty one;
        column A first even when the sheet starts further right). ``sheet``: that sheet or a
        :class:`TableError`; else ``prefer`` if the workbook has it, else the first sheet."""
        if sheet is None:
            if not self.sheet_names:
                raise TableError(self.name, "tệp không có trang tính nào")
            sheet = prefer if prefer in self.sheet_names else self.sheet_names[0]
        elif sheet not in self.sheet_names:
            raise TableError(self.name, f"thiếu trang tính '{sheet}'")
        try:
            ws = self.book.get_sheet_by_name(sheet)
            start = ws.start
            empty = ws.height == 0 or start is None
        except BaseException as exc:
            if _is_interrupt(exc):
                raise
            raise _calamine_failed(self.name, exc, sheet) from None
        self.deadline.check()
        if empty:
            return sheet, iter(())
        errors = next((e for key, e in self._errors.items() if self._labels.get(key) == sheet), None)
        return sheet, self._blocks(ws, sheet, start[1], errors)

    def _blocks(self, ws, sheet: str, first_col: int, errors: dict | None) -> Iterator[list[list]]:
        it = ws.iter_rows()
        number = 1
        pad = [""] * first_col
        while True:
            self.deadline.check()
            try:
                block = list(islice(it, BLOCK))
            except BaseException as exc:
                if _is_interrupt(exc):
                    raise
                raise _calamine_failed(self.name, exc, sheet) from None
            if not block:
                return
            if pad:
                block = [pad + r for r in block]
            if errors:  # a formula error reads as its code ("#DIV/0!"), as Excel shows it, not as empty
                for (row, col), code in errors.items():
                    k = row - number
                    if 0 <= k < len(block) and 0 < col <= len(block[k]) and block[k][col - 1] == "":
                        block[k][col - 1] = code
            block = clean_block(block, self.name, sheet, number)
            number += len(block)
            yield block

    def close(self) -> None:
        book, self.book = getattr(self, "book", None), None
        if book is not None:
            try:
                book.close()
            except Exception:  # already closed
                pass


def _big(value: int) -> str:
    return n(value) if value < HUGE else "quá lớn"


def _sheet_labels(archive: Archive) -> dict[str, str]:
    """Part name → sheet name as the user sees it ("xl/worksheets/sheet1.xml" → "Số liệu"), for messages
    (best effort: a workbook whose parts cannot be matched gets part names)."""
    import xml.etree.ElementTree as ET

    wb, rels = archive.get("xl/workbook.xml"), archive.get("xl/_rels/workbook.xml.rels")
    if wb is None or rels is None or wb.size > 4 * 1024 * 1024 or rels.size > 4 * 1024 * 1024:
        return {}
    try:
        targets = {
            r.get("Id"): r.get("Target") or ""
            for r in ET.fromstring(archive.read(rels))
            if r.tag.endswith("Relationship")
        }
        out = {}
        for el in ET.fromstring(archive.read(wb)).iter():
            if el.tag.endswith("}sheet") or el.tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
                target = targets.get(rid, "")
                key = target.lstrip("/") if target.startswith("/") else "xl/" + target
                out[key.replace("\\", "/").lower()] = el.get("name") or key
        return out
    except (ET.ParseError, TableError, ValueError):
        return {}
