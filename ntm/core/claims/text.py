"""Text preparation for the report checker: normalisation, folding, sentences.

Everything downstream works on the *normalised* text (NFC, invisible characters removed, odd
spaces made plain), and every span in a report refers to that text (``Report.text``).

Two helper views of the same length are derived from it, so a match in one is a match at the
same offsets in the others:

- ``lower_view``: lowercase Latin/Vietnamese letters, diacritics kept ("Xã" → "xã");
- ``fold_view``: lowercase without diacritics, đ → d ("Kiểu mẫu", "kiếu mẫu" → "kieu mau").
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass

DEFAULT_MAX_CHARS = 10_000_000
VECTOR_MIN = 2_000  # above this many characters, character tables are applied with NumPy


class InputTooLarge(ValueError):
    """The text is larger than the configured limit."""


# -- normalisation --------------------------------------------------------------------------
_DELETE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\v\f"
_NEWLINES = "\u2028\u2029\x85\x1c\x1d\x1e"


def _build_norm_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): None for c in _DELETE}
    table.update({ord(c): " " for c in _SPACES})
    table.update({ord(c): "\n" for c in _NEWLINES})
    for cp in range(0x20):
        if cp not in (0x0A, 0x0D) and cp not in table:
            table[cp] = " "
    table[0x7F] = " "
    table[0xFFFF] = None
    for cp in range(0x80, 0xA0):
        table.setdefault(cp, " ")
    for i in range(10):  # full-width digits
        table[0xFF10 + i] = str(i)
    table.update(
        {
            0xFF05: "%",
            0x2044: "/",
            0x2215: "/",
            0xFF0F: "/",
            0xFF0C: ",",
            0xFF0E: ".",
            0xFF1A: ":",
            0xFF1B: ";",
            0x066A: "%",
            0xFE6A: "%",
        }
    )
    # surrogates cannot be encoded as UTF-8 later on; replace them
    return table


_NORM_TABLE = _build_norm_table()
_SURROGATES = re.compile("[\ud800-\udfff]")


_DROP = "\uffff"  # a noncharacter: what the vectorised table maps deleted characters to
_NP_NORM = None


def _normalize_chars(text: str) -> str:
    global _NP_NORM
    if len(text) > VECTOR_MIN:
        try:
            import numpy as np
        except ImportError:  # pragma: no cover
            return text.translate(_NORM_TABLE)
        if _NP_NORM is None:
            table = np.arange(0x10000, dtype=np.uint32)
            for k, v in _NORM_TABLE.items():
                table[k] = ord(_DROP) if v is None else ord(v)
            _NP_NORM = table
        arr = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        small = arr < 0x10000
        out = arr.copy()
        out[small] = _NP_NORM[arr[small]]
        res = out.tobytes().decode("utf-32-le", "surrogatepass")
        return res.replace(_DROP, "") if _DROP in res else res
    return text.translate(_NORM_TABLE)


def normalize_text(text: str, *, max_chars: int | None = DEFAULT_MAX_CHARS) -> str:
    """NFC, invisible characters dropped, NBSP and other spaces made plain, CR/LF unified.

    Raises :class:`InputTooLarge` when the text is longer than ``max_chars`` (None: no limit).
    """
    if max_chars is not None and len(text) > max_chars:
        raise InputTooLarge(f"văn bản quá lớn: {len(text):,} ký tự (giới hạn {max_chars:,})".replace(",", "."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _normalize_chars(text)
    if _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    return unicodedata.normalize("NFC", text)


# -- same-length views ----------------------------------------------------------------------
_LATIN_RANGES = [(0x41, 0x5B), (0x61, 0x7B), (0xC0, 0x250), (0x1E00, 0x1F00)]


def _build_views() -> tuple[dict[int, int], dict[int, int]]:
    lower: dict[int, int] = {}
    fold: dict[int, int] = {}
    for lo, hi in _LATIN_RANGES:
        for cp in range(lo, hi):
            c = chr(cp)
            lc = c.lower()
            if len(lc) == 1 and lc != c:
                lower[cp] = ord(lc)
            base = unicodedata.normalize("NFD", lc if len(lc) == 1 else c)[0].lower()
            if c in "đĐðÐ":  # Ð (U+00D0) is typed for Đ in some texts
                base = "d"
            if len(base) == 1 and base != c:
                fold[cp] = ord(base)
    # common look-alikes in typed reports
    for c, r in (("\u2013", "-"), ("\u2014", "-"), ("\u2212", "-"), ("\u2010", "-"), ("\u2011", "-")):
        fold[ord(c)] = ord(r)
    return lower, fold


_LOWER_TABLE, _FOLD_TABLE = _build_views()


_TABLE_SIZE = 0x2300
_NP_TABLES: tuple | None = None


def _np_tables():
    """Lookup arrays for the vectorised path (NumPy is a project dependency); None if unavailable."""
    global _NP_TABLES
    if _NP_TABLES is None:
        try:
            import numpy as np
        except ImportError:  # pragma: no cover
            _NP_TABLES = (None, None, None)
            return _NP_TABLES
        lower = np.arange(_TABLE_SIZE, dtype=np.uint32)
        fold_ = np.arange(_TABLE_SIZE, dtype=np.uint32)
        for k, v in _LOWER_TABLE.items():
            lower[k] = v
        for k, v in _FOLD_TABLE.items():
            fold_[k] = v
        _NP_TABLES = (np, lower, fold_)
    return _NP_TABLES


def _translate(text: str, table: dict[int, int], which: int) -> str:
    if len(text) > VECTOR_MIN:
        np, lower, fold_ = _np_tables()
        if np is not None:
            arr = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            small = arr < _TABLE_SIZE
            out = arr.copy()
            out[small] = (lower if which == 0 else fold_)[arr[small]]
            return out.tobytes().decode("utf-32-le", "surrogatepass")
    return text.translate(table)


def lower_view(text: str) -> str:
    out = _translate(text, _LOWER_TABLE, 0)
    assert len(out) == len(text)
    return out


def fold_view(text: str) -> str:
    out = _translate(text, _FOLD_TABLE, 1)
    assert len(out) == len(text)
    return out


def fold(text: str) -> str:
    """Lowercase without diacritics, whitespace collapsed (for comparing names)."""
    if len(text) <= 200:
        return _fold_short(text)
    return " ".join(fold_view(unicodedata.normalize("NFC", text)).split())


@functools.lru_cache(maxsize=8192)
def _fold_short(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).translate(_FOLD_TABLE).split())


# -- sentences and paragraphs ---------------------------------------------------------------
# A sentence ends at a newline, or at . ! ? … followed by a space — but not after the short
# abbreviations officials use before names ("TP. Hạ Long", "TX. Quảng Yên").
_SENT_MARKS = tuple((c, re.compile(re.escape(c) + r"(?=[ \n\"”’)]|$)")) for c in ".!?…")
_ABBREV = re.compile(r"(?:^|[\s(])(?:TP|Tp|tp|TX|Tx|tx|P|Q|TT|Th|St|ThS|TS|PGS|GS|Đ/c|đ/c)$")
_PARA = re.compile(r"\n[ \t]*\n")


@dataclass
class Layout:
    """Sentence and paragraph boundaries of a text, with fast lookup by offset."""

    sentence_starts: list[int]
    sentence_ends: list[int]
    paragraph_starts: list[int]
    paragraph_ends: list[int]

    def sentence(self, pos: int) -> tuple[int, int]:
        i = max(0, bisect.bisect_right(self.sentence_starts, pos) - 1)
        return self.sentence_starts[i], self.sentence_ends[i]

    def sentence_index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.sentence_starts, pos) - 1)

    def paragraph(self, pos: int) -> tuple[int, int]:
        i = max(0, bisect.bisect_right(self.paragraph_starts, pos) - 1)
        return self.paragraph_starts[i], self.paragraph_ends[i]

    def paragraph_index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.paragraph_starts, pos) - 1)


def _wrapped(text: str, nl: int) -> bool:
    """Is the newline at ``nl`` a hard wrap inside a sentence ("… đối với 8 xã: Nam Mỹ, Nam Hùng,\nNam
    Dương …", "… phấn đấu\nvề đích …") rather than the end of a line of its own?"""
    q = nl + 1
    if q >= len(text) or text[q] in "\n+-*•–" or text[q].isupper():
        return False
    while q < len(text) and text[q] == " ":
        q += 1
    p = nl - 1
    while p >= 0 and text[p] == " ":
        p -= 1
    if p < 0 or q >= len(text) or text[q] in "\n+-*•–":
        return False
    prev, nxt = text[p], text[q]
    if prev in ",(/-–":
        return True
    return (prev.isdigit() or (prev.isalpha() and prev.islower())) and (
        nxt.isdigit() or (nxt.isalpha() and nxt.islower())
    )


def _sentence_marks(text: str) -> list[int]:
    """Positions of line ends and of sentence-ending marks ('.', '!', '?', '…' before a space, a quote, a
    bracket or the end), in order: each kind found by a fast search, the rare ones only when present."""
    out: list[int] = []
    i = text.find("\n")
    while i >= 0:
        out.append(i)
        i = text.find("\n", i + 1)
    for mark, rx in _SENT_MARKS:
        if mark in text:
            out.extend(m.start() for m in rx.finditer(text))
    out.sort()
    return out


def layout(text: str) -> Layout:
    starts = [0]
    ends: list[int] = []
    for p in _sentence_marks(text):
        c = text[p]
        if c == ".":
            if _ABBREV.search(text, max(0, p - 5), p):
                continue
        elif c == "\n" and _wrapped(text, p):
            continue
        end = p + 1
        ends.append(end)
        starts.append(end)
    ends.append(len(text))
    pstarts = [0]
    pends: list[int] = []
    for m in _PARA.finditer(text):
        pends.append(m.start())
        pstarts.append(m.end())
    pends.append(len(text))
    return Layout(starts, ends, pstarts, pends)


def line_context(text: str, start: int, end: int, width: int = 200) -> tuple[int, int]:
    """The stretch of ``text`` to show around ``start:end``: its sentence, cut to ``width``."""
    lay_s = text.rfind("\n", 0, start) + 1
    lay_e = text.find("\n", end)
    if lay_e < 0:
        lay_e = len(text)
    # narrow to the sentence if the line is long
    if lay_e - lay_s > width:
        half = max(20, (width - (end - start)) // 2)
        lay_s = max(lay_s, start - half)
        lay_e = min(lay_e, end + half)
    return lay_s, lay_e


def views(text: str) -> tuple[str, str]:
    """(lower_view(text), fold_view(text)), sharing the work on large texts."""
    if len(text) > VECTOR_MIN:
        np, lower, fold_ = _np_tables()
        if np is not None:
            arr = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            small = arr < _TABLE_SIZE
            idx = arr[small]
            a = arr.copy()
            a[small] = lower[idx]
            b = arr.copy()
            b[small] = fold_[idx]
            return a.tobytes().decode("utf-32-le", "surrogatepass"), b.tobytes().decode("utf-32-le", "surrogatepass")
    return lower_view(text), fold_view(text)
