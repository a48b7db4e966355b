"""Where the cells of a workbook would land, found in the zipped XML before the workbook library
(calamine) loads it: calamine builds one dense block from the first to the last row and column that
hold a cell, so one cell at row 1,000,000,000 would cost gigabytes. The scanners here read the XML as
it is unzipped, piece by piece, in bounded memory, and report the extent; the caller refuses a sheet
beyond its limits before calamine sees it.

- :class:`SheetScan` — a worksheet of an XLSX file. The usual form (every cell written ``<c r="B7"``,
  as Excel, LibreOffice, Google Sheets and openpyxl write them) is read with NumPy over the bytes,
  several hundred MB/s; any other form (cells without a reference, namespace prefixes, unusual
  spacing, a second ``r`` attribute…) switches to a tokenizer that follows calamine's own rules for
  implicit positions. Both count the text that cells referring to shared strings will copy.
- :class:`SharedStrings` — the size of each shared string (an upper bound of its text).
- :class:`OdsScan` — the tables of an ODS file, where rows and cells carry repeat counts.

Every figure is an upper bound of what calamine will build: a scan may over-count (a comment that
looks like a cell), never under-count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

WIN = 16  # bytes of a cell reference looked at ("XFD1048576" and its closing quote fit in it)
PAD = bytes(32)
CONTEXT = 8  # bytes before a piece kept with it: "<row r" fits
HUGE = 1 << 40  # a row or column number too large to matter: refused by any limit


@dataclass
class Extent:
    """Rows and columns (1-based, inclusive) holding a cell, the number of cells, and the bytes of text
    the cells will copy out of shared strings (or out of repeated cells in ODS)."""

    min_row: int = HUGE
    max_row: int = 0
    min_col: int = HUGE
    max_col: int = 0
    cells: int = 0
    text_bytes: int = 0

    def add(self, row: int, col: int) -> None:
        self.min_row, self.max_row = min(self.min_row, row), max(self.max_row, row)
        self.min_col, self.max_col = min(self.min_col, col), max(self.max_col, col)

    @property
    def rows(self) -> int:
        """Rows as read: from row 1 to the last one holding a cell."""
        return self.max_row

    @property
    def columns(self) -> int:
        """Columns as read: from column A to the last one holding a cell."""
        return self.max_col

    @property
    def area(self) -> int:
        """Cells as read, from A1 (calamine keeps those from the first cell, never more)."""
        return self.max_row * self.max_col


def _table(chars: bytes) -> np.ndarray:
    t = np.zeros(256, bool)
    t[list(chars)] = True
    return t


_WS = _table(b" \t\n\x0c\r")
_DELIM = _table(b" \t\n\x0c\r>/")  # what may follow an element's name
_NAME = _table(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.")
_QUOTE_OR_WS = _table(b" \t\n\x0c\r\"'")


def _ws(x):
    return _WS[x]


def _delim(x):
    return _DELIM[x]


def cell_number(ref: bytes) -> tuple[int, int] | None:
    """b"XFD12" → (12, 16384); None when calamine would not read it as a reference."""
    m = _REF.fullmatch(ref)
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper()[:5]:
        col = col * 26 + ch - 64
    if len(m.group(1)) > 5:
        col = HUGE
    digits = m.group(2)
    row = int(digits) if len(digits) <= 15 else HUGE
    return row, col


_REF = re.compile(rb"([A-Za-z]*)([0-9]+)")


_K = np.arange(10)[:, None]  # k-th byte of each reference, as a column against a row of references
_POWERS_OF_10 = 10 ** _K.astype(np.int64)


def _usual_r(a: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Whether each ``r`` at ``at`` is that of a usual ``<c r="`` or ``<row r="``."""
    quoted = (a[at - 1] == 32) & (a[at + 1] == 61) & (a[at + 2] == 34)
    c = (a[at - 2] == 99) & (a[at - 3] == 60)
    row = (a[at - 2] == 119) & (a[at - 3] == 111) & (a[at - 4] == 114) & (a[at - 5] == 60)
    return quoted & (c | row)


# -- shared strings -------------------------------------------------------------------------------------
@dataclass
class SharedStrings:
    """The size of each shared string, in calamine's order (one per ``<si>`` element), as an upper bound
    of the bytes of its text: the length of its XML (entities and tags only shrink into text). Feed the
    unzipped pieces of ``xl/sharedStrings.xml``; ``check(count, size)`` may refuse at once."""

    check: Callable[[int, int], None] = lambda count, size: None
    starts: list = field(default_factory=list)
    size: int = 0
    carry: bytes = b""
    prefixed: bool = False

    def feed(self, piece: bytes) -> None:
        buf = self.carry + piece
        base = self.size - len(self.carry)
        hi = max(len(buf) - 4, 0)
        a = np.frombuffer(buf + PAD, np.uint8)
        lt = np.flatnonzero(a[:hi] == 60)
        found = lt[(a[lt + 1] == 115) & (a[lt + 2] == 105) & _delim(a[lt + 3])]
        colon = np.flatnonzero(a[:hi] == 58)
        if ((a[colon + 1] == 115) & (a[colon + 2] == 105) & _delim(a[colon + 3])).any():
            self.prefixed = True
        if len(found):
            self.starts.append(found + base)
        self.carry = buf[hi:]
        self.size += len(piece)
        self.check(sum(len(x) for x in self.starts), self.size)

    def sizes(self) -> np.ndarray:
        starts = np.concatenate(self.starts) if self.starts else np.zeros(0, np.int64)
        if self.prefixed:  # <x:si>: strings not told apart, each counts as the whole part
            return np.full(max(len(starts), 1), self.size, dtype=np.int64)
        return (np.append(starts[1:], self.size) - starts).astype(np.int64)


# -- a worksheet ----------------------------------------------------------------------------------------
class _Unusual(Exception):
    """The XML is not in the usual form: scan it again with the tokenizer."""


@dataclass
class SheetScan:
    """Feed the unzipped pieces of one worksheet to :meth:`feed`, then :meth:`finish`; ``check`` is
    called with the extent after every piece (it raises to refuse at once). ``strings``: the sizes from
    :meth:`SharedStrings.sizes`, or None when the workbook has no shared strings; ``uniform``: the size
    every string reference counts instead, when the strings could not be told apart."""

    strings: np.ndarray | None = None
    check: Callable[[Extent], None] = lambda e: None
    uniform: int = 0
    extent: Extent = field(default_factory=Extent)
    fast: bool = True
    carry: bytes = b""
    first: bool = True
    # the tokenizer's state (calamine's implicit position: the current row, the next column)
    row_index: int = 0
    col_index: int = 0
    declared: tuple[int, int] | None = None
    # formula error cells ((row, column) → "#N/A"…): calamine gives them empty; the reader puts the code back
    errors: dict = field(default_factory=dict)

    def restart(self) -> None:
        """Start again in the tokenizer's mode (the caller feeds the pieces again from the first)."""
        self.__init__(self.strings, self.check, self.uniform)
        self.fast = False

    def feed(self, piece: bytes, final: bool = False) -> None:
        buf = self.carry + piece
        if self.first and self.declared is None:
            self.declared = declared_dimension(buf[:65536])
        if self.fast:
            # the region [lo, hi) is looked at; CONTEXT bytes before it (seen last time) and the
            # bytes after it (seen next time) give the tags and references that straddle its edges
            keep = 0 if final else 24
            hi = max(len(buf) - keep, 0)
            lo = 0 if self.first else CONTEXT
            if hi > lo:
                self._fast(buf, lo, hi)
                self.carry = buf[hi - CONTEXT :]
                self.first = False
            else:
                self.carry = buf
        else:
            self._tokens(buf, final)
        self.check(self.extent)

    def finish(self) -> Extent:
        self.feed(b"", final=True)
        return self.extent

    # the usual form, with NumPy ------------------------------------------------------------------------
    def _fast(self, buf: bytes, lo: int, hi: int) -> None:
        a = np.frombuffer(buf + PAD, np.uint8)
        # tags starting up to 6 bytes before the region: their r attribute may lie in it
        base = max(lo - 6, 0)
        lt = np.flatnonzero(a[base:hi] == 60) + base
        name = a[lt + 1]
        c = lt[name == 99]
        c = c[_DELIM[a[c + 2]]]  # <c followed by a space, ">" or "/"
        canon = (a[c + 2] == 32) & (a[c + 3] == 114) & (a[c + 4] == 61) & (a[c + 5] == 34)
        mine = c >= lo
        if (~canon & mine).any():
            raise _Unusual
        v = lt[(name == 118) & (lt >= lo)]
        after = a[v + 2]
        v = v[~_NAME[after]]  # <v followed by anything but a name's letter
        after = a[v + 2]
        if ((after != 62) & (after != 47)).any():  # <v attr…> or <v >: the tokenizer reads it
            raise _Unusual
        # every attribute named r must be the reference of a usual <c r=" or <row r="
        first_r = max(lo, 1)
        ri = np.flatnonzero(a[first_r:hi] == 114) + first_r
        named_r = ri[_QUOTE_OR_WS[a[ri - 1]] & ((a[ri + 1] == 61) | _WS[a[ri + 1]])]
        if len(named_r) and not _usual_r(a, named_r).all():
            raise _Unusual
        # prefixed elements (<x:c, <x:v): the tokenizer reads them
        ci = np.flatnonzero(a[lo:hi] == 58) + lo
        c1 = a[ci + 1]
        if (((c1 == 99) | (c1 == 118)) & _DELIM[a[ci + 2]]).any():
            raise _Unusual
        starts = c[canon & mine] + 6
        quotes = np.flatnonzero(a[base:] == 34) + base
        e = self.extent
        if len(starts):
            self._references(a, starts, quotes)
            e.cells += len(starts)
        if self.strings is not None:
            self._string_cells(a, v[after == 62] + 3, lt)
        # a formula error cell: t="e" found among the quotes; t='e' looked for only where there is a '
        q = quotes[(quotes > lo) & (quotes < hi)]
        if ((a[q - 1] == 61) & (a[q + 1] == 101) & (a[q + 2] == 34)).any() or (
            buf.find(b"'", lo, hi) >= 0 and buf.find(b"='e'", lo, hi) >= 0
        ):
            self._error_cells(buf, lo, hi)

    def _error_cells(self, buf: bytes, lo: int, hi: int) -> None:
        """The place and code of each formula error cell (``t="e"``) starting in [lo, hi)."""
        for quote in (b'="e"', b"='e'"):
            p = buf.find(quote, lo, hi)
            while p >= 0 and len(self.errors) < MAX_ERRORS:
                start, end = buf.rfind(b"<", 0, p), buf.find(b">", p)
                tag = _C_TAG.fullmatch(buf, start, end + 1) if start >= 0 and end >= 0 else None
                if tag is not None and self._attr(tag.group(1), b"t") == b"e":
                    ref = self._attr(tag.group(1), b"r")
                    pos = cell_number(ref) if ref is not None else None
                    value = _ERROR_VALUE.match(buf, end + 1)
                    if pos and value:
                        self.errors[pos] = value.group(1).decode("utf-8", "replace")
                p = buf.find(quote, p + 1, hi)

    def _references(self, a: np.ndarray, starts: np.ndarray, quotes: np.ndarray) -> None:
        """Rows and columns of the references starting at ``starts`` ("B7" of ``<c r="B7"``): letters (at
        most 3, "XFD") read from the start, digits (at most 10) read back from the closing quote — the
        k-th byte of every reference at once."""
        at = np.searchsorted(quotes, starts)
        closed = at < len(quotes)
        end = np.where(closed, quotes[np.minimum(at, len(quotes) - 1)], starts + 64)
        low = a[starts + _K[:4]] | 32
        letter = (low >= 97) & (low <= 122)
        run = letter[0].copy()
        letters = run.astype(np.int64)
        for k in range(1, 4):
            run &= letter[k]
            letters += run
        digits = end - starts - letters
        ok = (letters >= 1) & (letters <= 3) & (digits >= 1) & (digits <= 10)
        e = self.extent
        if (~ok & ((letters > 3) | (digits > 10))).any():  # beyond every limit (or not a reference at all)
            e.add(HUGE, HUGE)
        if not ok.any():
            return
        if not ok.all():
            low, letters, digits, end = low[:, ok], letters[ok], digits[ok], end[ok]
        x = low[:3].astype(np.int64) - 96
        col = np.where(letters == 1, x[0], np.where(letters == 2, x[0] * 26 + x[1], (x[0] * 26 + x[1]) * 26 + x[2]))
        k = _K[: int(digits.max())]  # the k-th digit from the right weighs 10**k
        back = a[np.maximum(end - 1 - k, 0)].astype(np.int64) - 48
        row = (np.where(k < digits, back, 0) * _POWERS_OF_10[: len(k)]).sum(axis=0)
        e.add(int(row.min()), int(col.min()))
        e.add(int(row.max()), int(col.max()))

    def _string_cells(self, a: np.ndarray, starts: np.ndarray, lt: np.ndarray) -> None:
        """Text copied by cells that may refer to a shared string (every ``<v>`` holding a whole number
        is taken for one; a value calamine cannot read as an index means string 0, as in calamine)."""
        if not len(starts):
            return
        if self.uniform:
            self.extent.text_bytes += self.uniform * len(starts)
            return
        sizes = self.strings
        at = np.searchsorted(lt, starts)
        end = np.where(at < len(lt), lt[np.minimum(at, len(lt) - 1)], starts + 64)
        length = end - starts
        ok = (length >= 1) & (length <= 10)
        value = np.zeros(len(starts), np.int64)
        for k in range(10):
            d = a[np.minimum(starts + k, len(a) - 1)].astype(np.int64) - 48
            ok &= (k >= length) | ((d >= 0) & (d <= 9))
            value = np.where(k < length, value * 10 + d, value)
        value = np.where(ok, value, 0)
        inside = value < len(sizes)
        if len(sizes):
            self.extent.text_bytes += int(sizes[value[inside]].sum())

    # any form, with a tokenizer -------------------------------------------------------------------------
    _TOKEN = re.compile(
        rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[?!][^>]*>"
        rb"|<(/?)(?:[^\s/>:]*:)?([^\s/>:]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
        re.S,
    )
    _ATTR = re.compile(rb"(?:^|[\s\"'])([^\s=\"']+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
    _V_TEXT = re.compile(rb"([^<]*)<")

    def _tokens(self, buf: bytes, final: bool) -> None:
        cut = len(buf)
        if not final:
            cut = buf.rfind(b"<")
            for opener, closer in ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>")):
                k = buf.rfind(opener)
                if k >= 0 and buf.find(closer, k) < 0:
                    cut = min(cut, k)
            if cut < 0:
                cut = 0
        e = self.extent
        sizes = self.strings
        end_of_last = 0
        for m in self._TOKEN.finditer(buf, 0, cut):
            end_of_last = m.end()
            name = m.group(2)
            if name is None:
                continue
            closing, attrs = m.group(1), m.group(3)
            if name == b"row":
                if closing:
                    self.row_index += 1
                    self.col_index = 0
                elif not attrs.rstrip().endswith(b"/"):
                    r = self._attr(attrs, b"r")
                    if r is not None:
                        digits = re.fullmatch(rb"[A-Za-z]*([0-9]+)", r)
                        if digits:
                            self.row_index = min(int(digits.group(1)[:16]), HUGE) - 1
            elif name == b"c" and not closing:
                r = self._attr(attrs, b"r")
                pos = cell_number(r) if r is not None else None
                if pos is None:
                    pos = (self.row_index + 1, self.col_index + 1)
                # a reference without a column is refused by calamine; take the implicit place meanwhile
                row, col = pos
                if col == 0:
                    row, col = self.row_index + 1, self.col_index + 1
                e.add(row, col)
                e.cells += 1
                self.col_index = col
                if self._attr(attrs, b"t") == b"e" and len(self.errors) < MAX_ERRORS:
                    value = _ERROR_VALUE.match(buf, m.end())
                    if value:
                        self.errors[(row, col)] = value.group(1).decode("utf-8", "replace")
            elif name == b"v" and not closing and sizes is not None and not attrs.rstrip().endswith(b"/"):
                text = self._V_TEXT.match(buf, m.end())
                value = text.group(1) if text else b""
                k = int(value) if value.isdigit() and len(value) <= 10 else 0
                if self.uniform:
                    e.text_bytes += self.uniform
                elif k < len(sizes):
                    e.text_bytes += int(sizes[k])
        if final:
            self.carry = b""
        else:
            rest = max(cut, end_of_last)
            self.carry = buf[rest:]
            if len(self.carry) > 16 * 1024 * 1024:  # one tag or comment of 16 MB: not a worksheet
                e.add(HUGE, HUGE)

    def _attr(self, attrs: bytes, key: bytes) -> bytes | None:
        found = None
        for m in self._ATTR.finditer(attrs):
            if m.group(1) == key:
                found = m.group(2) if m.group(2) is not None else m.group(3)  # the last one, as calamine
        return found


MAX_ERRORS = 10_000
_C_TAG = re.compile(rb"<(?:[^\s/>:]*:)?c\s((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ERROR_VALUE = re.compile(
    rb"\s*(?:<(?:[^\s/>:]*:)?f\b[^>]*/>|<(?:[^\s/>:]*:)?f\b[^>]*>.*?</(?:[^\s/>:]*:)?f>)?"
    rb"\s*<(?:[^\s/>:]*:)?v>([^<]{1,32})</",
    re.S,
)


def declared_dimension(head: bytes) -> tuple[int, int] | None:
    """The (last row, last column) a worksheet declares in ``<dimension ref="A1:O198265"/>``."""
    m = re.search(rb"<(?:[^\s/>:]*:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']", head)
    if not m:
        return None
    last = m.group(1).split(b":")[-1]
    pos = cell_number(last)
    return (pos[0], pos[1]) if pos else None


# -- ODS ---------------------------------------------------------------------------------------------
@dataclass
class OdsScan:
    """The tables of an ODS ``content.xml`` (calamine loads every table when it opens the file): for
    each, the rows (repeats counted) up to the last one holding a value, the widest such row, and the
    text that repeated cells copy. ``total`` sums them over the tables."""

    check: Callable[[Extent], None] = lambda e: None
    total: Extent = field(default_factory=Extent)
    carry: bytes = b""
    table: Extent | None = None
    rows_before: int = 0  # rows (with repeats) of the current table so far
    row_repeat: int = 1
    row_width: int = 0  # position after the last cell with a value in the current row
    col: int = 0
    cell_start: int | None = None
    cell_repeat: int = 1
    cell_valued: bool = False
    offset: int = 0
    done_cells: int = 0  # cells of the tables already closed

    _TOKEN = SheetScan._TOKEN
    _ATTR = SheetScan._ATTR
    _VALUE_ATTR = re.compile(rb"office:(?:value|date-value|time-value|boolean-value|string-value|value-type)\s*=")

    def feed(self, piece: bytes, final: bool = False) -> None:
        buf = self.carry + piece
        cut = len(buf)
        if not final:
            cut = buf.rfind(b"<")
            for opener, closer in ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>")):
                k = buf.rfind(opener)
                if k >= 0 and buf.find(closer, k) < 0:
                    cut = min(cut, k)
            cut = max(cut, 0)
        end_of_last = 0
        for m in self._TOKEN.finditer(buf, 0, cut):
            end_of_last = m.end()
            if m.group(2) is None:
                continue
            self._tag(m.group(0), m.group(1), m.group(3), self.offset + m.start(), self.offset + m.end())
        rest = len(buf) if final else max(cut, end_of_last)
        self.offset += rest
        self.carry = buf[rest:]
        if len(self.carry) > 16 * 1024 * 1024:
            self.total.add(HUGE, HUGE)
        self.check(self.total)

    def finish(self) -> Extent:
        self.feed(b"", final=True)
        return self.total

    def _repeat(self, attrs: bytes, key: bytes) -> int:
        for m in self._ATTR.finditer(attrs):
            if m.group(1) == key:
                v = m.group(2) if m.group(2) is not None else m.group(3)
                return min(int(v), HUGE) if v.strip().isdigit() else 1
        return 1

    def _tag(self, whole: bytes, closing: bytes, attrs: bytes, start: int, end: int) -> None:
        name = whole[2 if closing else 1 :].split(None, 1)[0].rstrip(b">/")
        empty = attrs.rstrip().endswith(b"/")
        if name == b"table:table":
            if closing:
                self._close_table()
            elif not empty:
                self.table, self.rows_before = Extent(), 0
        elif self.table is None:
            return
        elif name == b"table:table-row":
            if closing:
                self._close_row()
            elif not empty:
                self.row_repeat, self.row_width, self.col = self._repeat(attrs, b"table:number-rows-repeated"), 0, 0
        elif name in (b"table:table-cell", b"table:covered-table-cell"):
            if closing:
                self._close_cell(start)
            else:
                self.cell_repeat = self._repeat(attrs, b"table:number-columns-repeated")
                self.cell_valued = bool(self._VALUE_ATTR.search(attrs))
                self.cell_start = end
                if empty:
                    self._close_cell(end)
        elif name == b"text:s" and not closing:
            spaces = self._repeat(attrs, b"text:c")
            self.total.text_bytes += spaces * max(self.cell_repeat, 1) * max(self.row_repeat, 1)
            self.cell_valued = True

    def _close_cell(self, at: int) -> None:
        content = at - self.cell_start if self.cell_start is not None else 0
        valued = self.cell_valued or content > 0
        self.col = min(self.col + self.cell_repeat, HUGE)
        if valued:
            self.row_width = self.col
            if self.cell_repeat > 1 or self.row_repeat > 1:
                self.total.text_bytes += content * self.cell_repeat * self.row_repeat
        self.cell_start, self.cell_repeat, self.cell_valued = None, 1, False

    def _close_row(self) -> None:
        t = self.table
        self.rows_before = min(self.rows_before + self.row_repeat, HUGE)
        if self.row_width:
            t.add(self.rows_before, self.row_width)
            t.add(1, 1)
            self.total.add(t.max_row, t.max_col)
            self.total.add(1, 1)
            self.total.cells = self.done_cells + t.area
        self.row_repeat, self.row_width = 1, 0

    def _close_table(self) -> None:
        t = self.table
        if t is not None and t.max_row:
            self.done_cells += t.area
            self.total.cells = self.done_cells
        self.table = None
