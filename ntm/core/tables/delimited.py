"""CSV (and TSV/TXT) files as offices save them: UTF-8 with or without BOM, UTF-16 (Excel's "Unicode
text"), or Windows-1258 (older Vietnamese Excel, whose diacritics are combining marks: text is turned
into NFC). Read as a stream by the C decoder and the csv module, after one pass over the bytes
(:func:`_survey`): a NUL character anywhere is refused with its row and column, a text that is not in
NFC is normalised, and rows, line length (and so a row's width) and time are bounded."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, repeat
from pathlib import Path

import numpy as np

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
    sample = head[: 4096 // 2 * 2]
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


@dataclass
class _Survey:
    """What one pass over a file's bytes tells before it is parsed: in UTF-8, a NUL byte somewhere and
    text that may not be in NFC (other encodings are looked at in the text of each block of rows); in
    any, a line longer than the limit is refused there and then."""

    utf8: bool
    nul: bool = False
    not_nfc: bool = False


def _survey(source: Path | bytes, utf8: bool, name: str, limits: Limits, deadline: Deadline) -> _Survey:
    out = _Survey(utf8)
    tail = b""  # the end of the previous piece: a letter and its marks may straddle two pieces
    line = 0  # bytes since the last line end
    with _open(source) as f:
        while piece := f.read(PIECE):
            deadline.check()
            if utf8:
                if b"\x00" in piece:
                    out.nul = True
                if not out.not_nfc and not piece.isascii():
                    data = tail + piece
                    if not _always_nfc(data) and not _nfc_text(data):
                        out.not_nfc = True
                tail = piece[-16:]
            end = max(piece.rfind(b"\n"), piece.rfind(b"\r"))
            line = len(piece) - end - 1 if end >= 0 else line + len(piece)
            if line > limits.max_line_bytes:
                raise TableError(
                    name,
                    f"một dòng dài hơn {megabytes(limits.max_line_bytes)} (tệp không phải bảng CSV?)",
                    limit="max_line_bytes",
                )
    if utf8 and not out.not_nfc and not tail.isascii() and not _nfc_text(tail):  # the last two bytes
        out.not_nfc = True
    return out


def _nfc_text(data: bytes) -> bool:
    return unicodedata.is_normalized("NFC", data.decode("utf-8", errors="replace"))


def _always_nfc(data: bytes) -> bool:
    """Whether every character of UTF-8 ``data`` is one that is NFC whatever surrounds it: below U+0300
    (the first combining mark), U+1E00–U+1EFF (Vietnamese letters with their marks) or U+2002–U+203F
    (dashes, quotes, "…"). One pass over the bytes; False means "look at the text" (Chinese text is NFC
    too, but is not told apart here). A character starting in the last two bytes is left to the next
    piece, which begins with them."""
    a = np.frombuffer(data, np.uint8)
    lead = np.flatnonzero(a[:-2] >= 0xCC)
    if not len(lead):
        return True
    b0, b1, b2 = a[lead], a[lead + 1], a[lead + 2]
    return bool((((b0 == 0xE1) & (b1 >= 0xB8) & (b1 <= 0xBB)) | ((b0 == 0xE2) & (b1 == 0x80) & (b2 >= 0x82))).all())


def read_csv(
    source: Path | bytes, name: str, limits: Limits, deadline: Deadline | None = None
) -> Iterator[list[list[str]]]:
    """The rows of a CSV file (lists of text), row 1 first, by blocks. Raises :class:`TableError`."""
    deadline = deadline or Deadline(name, limits)
    size = len(source) if isinstance(source, (bytes, bytearray)) else Path(source).stat().st_size
    if size > limits.max_file_bytes:
        raise TableError(
            name,
            f"tệp quá lớn ({megabytes(size)}; giới hạn {megabytes(limits.max_file_bytes)})",
            limit="max_file_bytes",
        )
    with _open(source) as f:
        head = f.read(HEAD)
    encoding = encoding_of(head)
    # one pass over the bytes (UTF-8, nearly every file: NUL and NFC seen there), then the C reader as it is
    survey = _survey(source, encoding.startswith("utf-8"), name, limits, deadline)
    raw = _open(source)
    text = io.TextIOWrapper(
        raw if isinstance(raw, io.BufferedIOBase) else io.BufferedReader(raw), encoding=encoding, newline=""
    )
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head[: SAMPLE * 4])[:SAMPLE]
    return _blocks(text, survey, sample, name, limits, deadline)


def _blocks(
    text: io.TextIOWrapper, survey: _Survey, sample: str, name: str, limits: Limits, deadline: Deadline
) -> Iterator[list[list[str]]]:
    """Blocks of rows, each checked at once: rows within the limit (a row's width is bounded by the
    length of its line), no NUL, text in NFC (a row or cell boundary stops any composition, so a text
    joined is NFC exactly when each of its cells is)."""
    normalize, is_normalized = unicodedata.normalize, unicodedata.is_normalized
    with text:
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(text, dialect)
        number = 0
        while True:
            deadline.check()
            try:
                block = list(islice(reader, BLOCK))
            except csv.Error as exc:  # e.g. a field over the csv module's size limit: name the row
                raise TableError(name, f"dòng CSV không đọc được ({exc})", row=number + 1) from None
            except UnicodeDecodeError:
                raise TableError(
                    name,
                    f"không đọc được mã ký tự ({text.encoding}) sau dòng {n(number)}; hãy lưu tệp ở dạng CSV UTF-8",
                    row=number + 1,
                ) from None
            except TableError as exc:
                exc.row = exc.row or number + 1
                raise
            if not block:
                return
            if number + len(block) > limits.max_rows:
                raise TableError(
                    name,
                    f"tệp có hơn {n(limits.max_rows)} dòng (giới hạn số dòng); hãy chia thành nhiều tệp",
                    row=limits.max_rows + 1,
                    limit="max_rows",
                )
            joined = "" if survey.utf8 else "\n".join(map("\x1f".join, block))
            if survey.nul or "\x00" in joined:
                for k, r in enumerate(block):
                    for i, c in enumerate(r):
                        if "\x00" in c:
                            raise TableError(
                                name,
                                "có ký tự NUL (mã 0) — tệp hỏng hoặc không phải văn bản CSV",
                                row=number + k + 1,
                                column=column_letters(i),
                            )
            if survey.not_nfc or not is_normalized("NFC", joined):
                block = [
                    r if all(map(is_normalized, repeat("NFC"), r)) else [normalize("NFC", c) for c in r] for r in block
                ]
            number += len(block)
            yield block
