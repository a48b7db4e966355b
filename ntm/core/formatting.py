"""Vietnamese formatting of numbers, percentages, fractions and dates.

Officials write "84,21%", "17,87/19", "6.084/7.669 xã" and dates as dd/mm/yyyy. Babel's
``vi`` locale data gives the separators; the rounding and the shape of fractions follow
the way the bulletins are written.
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_decimal_symbol, get_group_symbol

LOCALE = "vi_VN"


@lru_cache(maxsize=16)
def _symbols(locale: str) -> tuple[str, str]:
    """The locale's (grouping, decimal) symbols from Babel's CLDR data: ("." , ",") for Vietnamese."""
    return get_group_symbol(locale), get_decimal_symbol(locale)


def _q(value: float | int | Decimal, places: int) -> Decimal:
    exp = Decimal(1).scaleb(-places) if places else Decimal(1)
    return Decimal(str(value)).quantize(exp, rounding=ROUND_HALF_UP)


def number(value: float | int | Decimal, places: int = 0, *, trim: bool = False, locale: str = LOCALE) -> str:
    """``number(6084) == '6.084'``; ``number(17.875, 2) == '17,88'``; ``trim`` drops ",00"."""
    q = _q(value, places)
    if trim and q == q.to_integral_value():
        places = 0
        q = q.quantize(Decimal(1))
    group, decimal = _symbols(locale)
    # Python's own grouping on the already rounded value, then the locale's symbols: the same text as
    # Babel's format_decimal("#,##0.00"), without parsing the pattern at each call (pages format
    # thousands of numbers)
    text = format(q, f",.{places}f")
    return text.translate(str.maketrans({",": group, ".": decimal}))


def percent(numerator: float, denominator: float | None = None, places: int = 2, *, locale: str = LOCALE) -> str:
    """``percent(16, 19) == '84,21%'``; ``percent(33.333, places=1) == '33,3%'``."""
    if denominator is not None:
        if not denominator:
            return "–"
        value = Decimal(str(numerator)) * 100 / Decimal(str(denominator))
    else:
        value = Decimal(str(numerator))
    return number(value, places, locale=locale) + "%"


def fraction(achieved: float, total: int, places: int = 2, *, locale: str = LOCALE) -> str:
    """``fraction(17, 19) == '17/19'``; ``fraction(17.875, 19) == '17,88/19'``; ``fraction(17.5, 19) == '17,5/19'``."""
    text = number(achieved, places, trim=True, locale=locale)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return f"{text}/{number(total, locale=locale)}"


def date(value: _dt.date | _dt.datetime | None) -> str:
    """dd/mm/yyyy."""
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def parse_number(text: str) -> float:
    """Read a number as Vietnamese texts write it: "17,87" -> 17.87, "6.084" -> 6084, "03" -> 3.

    A dot followed by exactly three digits is a thousands separator; a comma is the decimal mark.
    A lone dot followed by 1–2 digits (e.g. "17.87", written the English way) is read as a decimal.
    """
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if not s:
        raise ValueError("empty number")
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    if "," in s:
        intpart, _, frac = s.rpartition(",")
        intpart = intpart.replace(".", "")
        result = float(f"{intpart or '0'}.{frac}")
    elif "." in s:
        groups = s.split(".")
        if all(len(g) == 3 for g in groups[1:]) and groups[0]:
            result = float("".join(groups))
        elif len(groups) == 2:
            result = float(s)
        else:
            raise ValueError(f"not a number: {text!r}")
    else:
        result = float(s)
    return -result if neg else result
