"""Patterns and small helpers shared by the stages of the report checker.

Every pattern runs on the *folded* view of the text (lowercase, no diacritics, đ → d) unless its
name says otherwise, so "Tiêu chí", "tieu chi" and "TIÊU CHÍ" read the same. No pattern can
backtrack catastrophically: every repetition is bounded or over disjoint character classes.
"""

from __future__ import annotations

import re

from ntm.core.formatting import parse_number

NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d{1,3})?|\d{1,6}(?:[.,]\d{1,3})?"
KIND_WORDS = r"tieu chi|chi tieu"
# unit words as counted in reports ("160 xã", "283 đơn vị cấp huyện"), folded
UNIT_WORDS = r"don vi cap huyen|don vi cap xa|thanh pho|thi tran|thi xa|xa|phuong|huyen|quan|tinh|thon|ban|ap|don vi"
FOLD_UNIT = {
    "don vi cap huyen": "đơn vị cấp huyện",
    "don vi cap xa": "đơn vị cấp xã",
    "thanh pho": "thành phố",
    "thi tran": "thị trấn",
    "thi xa": "thị xã",
    "xa": "xã",
    "phuong": "phường",
    "huyen": "huyện",
    "quan": "quận",
    "tinh": "tỉnh",
    "thon": "thôn",
    "ban": "bản",
    "ap": "ấp",
    "don vi": "đơn vị",
}
UNIT_LEVEL = {
    "xã": "commune",
    "phường": "commune",
    "thị trấn": "commune",
    "đơn vị cấp xã": "commune",
    "huyện": "district",
    "quận": "district",
    "thị xã": "district",
    "thành phố": "district",
    "đơn vị cấp huyện": "district",
    "tỉnh": "province",
    "thôn": "village",
    "bản": "village",
    "ấp": "village",
    "đơn vị": None,
}

# a percentage written after a figure: "(84,21%)", ", chiếm tỷ lệ 84,21%", "đạt 94%", "(chiếm 12,4%)"
PCT_PAREN = re.compile(
    rf"[ ]{{0,3}}\([ ]{{0,3}}(?:(?:dat ty le|chiem ty le|tuong ung ty le|ty le dat|dat|bang|chiem|ty le|tuong duong|"
    rf"tuong ung|gan|khoang|xap xi|=|~|≈)[ ]{{0,3}}){{0,2}}({NUM})[ ]?%[ ]{{0,2}}\)"
)
PCT_WORD = re.compile(
    rf"[ ]{{0,3}},?[ ]{{0,3}}(?:dat ty le|chiem ty le|tuong ung ty le|ty le dat|dat|bang|chiem|ty le|tuong duong|"
    rf"tuong ung|=|~|≈)(?:[ ]{{0,3}}(?:la|:|=|khoang|xap xi|gan))?[ ]{{0,3}}({NUM})[ ]?%"
)
APPROX_BEFORE = re.compile(r"(?:khoang|gan|xap xi|tren|hon|gan bang|~|≈)[ ]{0,2}$")


def wb(s: str, i: int) -> bool:
    """Is there a word boundary just before ``s[i]`` (which is a word character)?"""
    if i <= 0:
        return True
    c = s[i - 1]
    return not (c.isalnum() or c == "_")


def scan(rx: re.Pattern, s: str, pos: int = 0, endpos: int | None = None):
    """``rx.finditer`` keeping only matches that start at a word boundary. The boundary is checked
    here rather than in the pattern so that the pattern starts with a literal and ``re`` can
    skip ahead fast (a leading ``\\b`` or look-behind makes it try every position)."""
    for m in rx.finditer(s, pos, len(s) if endpos is None else endpos):
        if wb(s, m.start()):
            yield m


def scan_any(rxs: tuple[re.Pattern, ...], s: str, pos: int = 0, endpos: int | None = None) -> list[re.Match]:
    """The matches of several patterns, each starting with its own literal word, in text order. One
    pattern whose alternatives start with different letters ("tang|giam") is tried at every position
    of the text; patterns that start with a literal are found by a fast search."""
    out = [m for rx in rxs for m in scan(rx, s, pos, endpos)]
    if len(rxs) > 1 and out:
        out.sort(key=lambda m: (m.start(), -m.end()))
        kept: list[re.Match] = []
        last = -1
        for m in out:  # as one pattern would: no match inside another ("xã" in "thị xã")
            if m.start() >= last:
                kept.append(m)
                last = m.end()
        out = kept
    return out


def places(s: str) -> int:
    """Decimal places as written: "84,21" → 2, "6.084" → 0 (thousands), "17.5" → 1."""
    s = s.strip()
    if "," in s:
        return len(s.rpartition(",")[2])
    if "." in s:
        groups = s.split(".")
        if len(groups) == 2 and len(groups[1]) != 3:
            return len(groups[1])
    return 0


def num(s: str) -> float | None:
    try:
        return parse_number(s)
    except ValueError:
        return None


def pct_span(fv: str, m: re.Match, group: int = 1) -> tuple[int, int]:
    """The span of "84,21%" (or "84,21 %") for a percentage match."""
    return m.start(group), m.end(group) + (1 if fv[m.end(group) : m.end(group) + 1] == "%" else 2)
