"""Indicator codes as officials write them: "2.1", "17.12", "11".

Officials sort codes numerically part by part, so 1.2 < 1.10 < 2.1 < 11 < 17.2 < 17.12.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CODE_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")  # ASCII digits only: "²" or "١" are not codes


def is_code(text: str) -> bool:
    return bool(_CODE_RE.match(text))


def code_key(code: str) -> tuple:
    """Sort key: numeric parts compared as numbers; non-numeric parts after, as text."""
    key = []
    for part in str(code).strip().split("."):
        if part.isascii() and part.isdigit():  # isdigit() alone accepts "²", which int() rejects
            key.append((0, int(part), ""))
        else:
            key.append((1, 0, part))
    return tuple(key)


def sort_codes(codes: Iterable[str]) -> list[str]:
    return sorted(codes, key=code_key)


def criterion_of(code: str) -> int:
    """The criterion number an indicator code belongs to ("17.12" -> 17, "11" -> 11)."""
    return int(str(code).split(".")[0])
