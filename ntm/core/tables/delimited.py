"""CSV (and TSV/TXT) files as offices save them: UTF-8 with or without BOM, UTF-16 (Excel's "Unicode
text"), or Windows-1258 (older Vietnamese Excel, whose diacritics are combining marks: text is turned
into NFC). Read as a stream by the C decoder and the csv module; the bytes are watched on their way in
(:class:`_Watched`): a NUL character anywhere is refused with its row and column, a text that may not
be in NFC is normalised, and rows, columns, line length and time are bounded."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from itertools import chain, islice, repeat
from pathlib import Path

from .base import Deadline, Limits, TableError, column_letters, megabytes, n

BLOCK = 4096  # rows checked at a time
PIECE = 1024 * 1024  # bytes looked at at a time
SAMPLE = 8192  # characters the delimiter is guessed from
HEAD = 65536  # bytes the encoding is told from


def _open(source: Path | bytes):
    return io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")


def encoding_of(head: bytes) -> str:
    """The codec of a file from its first bytes: its BOM, else UTF-16 guessed from its zero bytes, else
    UTF-8 if they are valid UTF-8, else Windows-1258."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    sample = head[:4096 // 2 * 2]
    half = len(sample) // 2
    if half >= 2:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > 0.3 * half and even < 0.05 * half:
            return "utf-16-le"
        if even > 0.3 * half and odd < 0.05 * half:
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1258"


class _Watched(io.RawIOBase):
    """The file's bytes as the text decoder reads them, looked at on the way (by pieces of 1 MB): a NUL
    byte, a line longer than the limit, the time budget."""

    def __init__(self, f, encoding: str, name: str, limits: Limits, deadline: Deadline):
        self.f, self.name, self.limits, self.deadline = f, name, limits, deadline
        self.utf8 = encoding.startswith("utf-8")
        self.nul = False
        self.line = 0  # bytes since the last line end
        self.start = True
        self.buf, self.pos = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.pos >= len(self.buf):  # looked at by pieces of 1 MB, handed out as the decoder asks
            self.buf, self.pos = self.f.read(PIECE), 0
            if not self.buf:
                return 0
            self._look(self.buf)
        k = min(len(buffer), len(self.buf) - self.pos)
        buffer[:k] = memoryview(self.buf)[self.pos:self.pos + k]
        self.pos += k
        return k

    def _look(self, piece: bytes) -> None:
        if self.start:
            self.start = False
            if piece.startswith(codecs.BOM_UTF8):
                piece = piece[3:]
        if self.utf8 and b"\x00" in piece:
            self.nul = True
        end = max(piece.rfind(b"\n"), piece.rfind(b"\r"))
        self.line = len(piece) - end - 1 if end >= 0 else self.line + len(piece)
        if self.line > self.limits.max_line_bytes:
            raise TableError(self.name, f"một dòng dài hơn {megabytes(self.limits.max_line_bytes)} "
                             "(tệp không phải bảng CSV?)", limit="max_line_bytes")
        self.deadline.check()

    def close(self) -> None:
        self.f.close()
        super().close()


def read_csv(source: Path | bytes, name: str, limits: Limits, deadline: Deadline | None = None) -> Iterator[list[str]]:
    """The rows of a CSV file (lists of text), row 1 first. Raises :class:`TableError`."""
    deadline = deadline or Deadline(name, limits)
    size = len(source) if isinstance(source, (bytes, bytearray)) else Path(source).stat().st_size
    if size > limits.max_file_bytes:
        raise TableError(name, f"tệp quá lớn ({megabytes(size)}; giới hạn {megabytes(limits.max_file_bytes)})",
                         limit="max_file_bytes")
    with _open(source) as f:
        head = f.read(HEAD)
    encoding = encoding_of(head)
    raw = _Watched(_open(source), encoding, name, limits, deadline)
    text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding=encoding, newline="")
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head[:SAMPLE * 4])[:SAMPLE]
    return _rows(text, raw, sample, name, limits)


def _lines(text: io.TextIOWrapper, raw: _Watched) -> Iterator[list[str]]:
    """The lines of the text by batches of about 1 MB, in NFC (one C call to see that a batch already is:
    a line end stops any composition, so a batch is NFC exactly when each of its cells is)."""
    normalize, is_normalized = unicodedata.normalize, unicodedata.is_normalized
    while lines := text.readlines(PIECE):
        joined = "".join(lines)
        if not raw.utf8 and "\x00" in joined:  # UTF-16: NUL bytes belong to characters; look at the text
            raw.nul = True
        if not is_normalized("NFC", joined):
            lines = list(map(normalize, repeat("NFC", len(lines)), lines))
        yield lines


def _rows(text: io.TextIOWrapper, raw: _Watched, sample: str, name: str, limits: Limits) -> Iterator[list[str]]:
    with text:
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(chain.from_iterable(_lines(text, raw)), dialect)
        number = 0
        while True:
            try:
                block = list(islice(reader, BLOCK))
            except csv.Error as exc:  # e.g. a field over the csv module's size limit: name the row
                raise TableError(name, f"dòng CSV không đọc được ({exc})", row=number + 1) from None
            except UnicodeDecodeError:
                raise TableError(name, f"không đọc được mã ký tự ({text.encoding}) sau dòng {n(number)}; "
                                 "hãy lưu tệp ở dạng CSV UTF-8", row=number + 1) from None
            except TableError as exc:
                exc.row = exc.row or number + 1
                raise
            if not block:
                return
            if number + len(block) > limits.max_rows:
                raise TableError(name, f"tệp có hơn {n(limits.max_rows)} dòng (giới hạn số dòng); hãy chia "
                                 "thành nhiều tệp", row=limits.max_rows + 1, limit="max_rows")
            widest = max(map(len, block))
            if widest > limits.max_columns:
                k = next(i for i, r in enumerate(block) if len(r) == widest)
                raise TableError(name, f"dòng có {n(widest)} cột, quá giới hạn {n(limits.max_columns)} cột",
                                 row=number + k + 1, limit="max_columns")
            if raw.nul:
                for k, r in enumerate(block):
                    for i, c in enumerate(r):
                        if "\x00" in c:
                            raise TableError(name, "có ký tự NUL (mã 0) — tệp hỏng hoặc không phải văn bản CSV",
                                             row=number + k + 1, column=column_letters(i))
            number += len(block)
            yield from block
