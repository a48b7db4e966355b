"""Reading a value as an official writes it — the one parser of the entry form, the API, the Excel
import and ``ntm evaluate`` (and of the engine, for values already stored).

Numbers
    Vietnamese texts write "64,5" and "1.234,5" (dot for thousands, comma for decimals); plain decimals
    come as "64.5"; spreadsheets give numbers. Every form is read exactly, as a :class:`~decimal.Decimal`.
    A text that two conventions read as two different numbers — "64.125" (64,125 or 64125), "1,234"
    (1,234 or 1234) — is refused with both readings in the message: it is never guessed.
    :func:`input_text` writes a number back so that it reads as itself again ("64,1250", "1234,5").

Types and ranges
    The catalogue's schema declares an indicator's ``kind`` and its ``unit`` of measure but no value
    type. The type is derived here (:func:`measure_of`): a percentage kind is a percentage (0–100);
    an amount kind whose unit counts things (căn, thôn, lĩnh vực…: :data:`COUNT_UNITS`) is a count (a
    whole number ≥ 0); any other amount (triệu đồng/người/năm…) is an amount (≥ 0); ``boolean`` is
    có/không; ``level`` one of the declared levels.

Yes/no and assessments
    One vocabulary (:data:`TRUE_WORDS`, :data:`FALSE_WORDS`, :data:`NOT_ASSESSED_WORDS`), matched
    without regard to case and diacritics: :func:`read_truth` (the value of a boolean indicator),
    :func:`read_assessment` (the official's đạt / chưa đạt / không đánh giá), :func:`stored_truth` (a
    value stored as text).

Texts are normalised to NFC (a CSV saved in Windows-1258 decomposes the tone marks); a NUL character
is refused in any text (:func:`clean_text`). Messages are in Vietnamese and name the value; the
caller adds where it came from (file, row and column; a field).
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from enum import Enum
from functools import lru_cache

from ntm.core.catalog.schema import Indicator, Kind

__all__ = [
    "ValueRefused",
    "Measure",
    "COUNT_UNITS",
    "measure_of",
    "measure_unit",
    "clean_text",
    "has_nul",
    "read_number",
    "input_text",
    "read_value",
    "parse_value",
    "read_truth",
    "read_assessment",
    "stored_truth",
    "is_true",
    "fold_words",
    "TRUE_WORDS",
    "FALSE_WORDS",
    "NOT_ASSESSED_WORDS",
    "ASSESSMENT_WORDS",
    "assessment_text",
    "truth_text",
    "MAX_DIGITS",
    "MAX_MAGNITUDE",
]

MAX_DIGITS = 15  # significant digits a stored value (a double) keeps exactly
MAX_MAGNITUDE = Decimal(10) ** 15


class ValueRefused(ValueError):
    """A value that cannot be read. ``readings``: for a number that could mean two numbers, both."""

    def __init__(self, message: str, readings: tuple[Decimal, ...] = ()):
        super().__init__(message)
        self.message = message
        self.readings = readings


# -- texts -----------------------------------------------------------------------------------------
def has_nul(text: object) -> bool:
    return isinstance(text, str) and "\x00" in text


def clean_text(raw: object, what: str = "") -> str:
    """``raw`` as text, NFC, stripped; refuses a NUL character. ``what`` names the field in the message."""
    if raw is None:
        return ""
    text = raw if isinstance(raw, str) else str(raw)
    if "\x00" in text:
        raise ValueRefused(f"{what or 'nội dung'} chứa ký tự NUL (mã 0), không được phép")
    return unicodedata.normalize("NFC", text).strip()


def fold_words(text: str) -> str:
    """Lower case, no diacritics (đ → d), single spaces: how a word of the vocabulary is matched."""
    s = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return " ".join(s.lower().replace("_", " ").split())


# -- the yes/no and assessment vocabulary ------------------------------------------------------------
TRUE_WORDS = ("đạt", "có", "x", "đ", "yes", "true", "1")
FALSE_WORDS = ("chưa đạt", "không đạt", "không", "chưa", "cđ", "no", "false", "0")
NOT_ASSESSED_WORDS = ("không đánh giá", "kđg", "không áp dụng", "n/a", "na")
ASSESSMENT_WORDS = ("đạt", "chưa đạt", "không đánh giá")  # as the template's drop-down offers them

_TRUE = frozenset(map(fold_words, TRUE_WORDS))
_FALSE = frozenset(map(fold_words, FALSE_WORDS))
_NOT_ASSESSED = frozenset(map(fold_words, NOT_ASSESSED_WORDS))


def _word(raw: object) -> str:
    return fold_words(clean_text(raw))


def read_truth(raw: object) -> bool | None:
    """The value of a yes/no indicator: "có", "đạt", "x", "yes", True… → True; "không", "chưa đạt", "no",
    False… → False; blank → None. Anything else is refused."""
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float, Decimal)) and raw in (0, 1):
        return bool(raw)
    w = _word(raw)
    if not w:
        return None
    if w in _TRUE:
        return True
    if w in _FALSE:
        return False
    raise ValueRefused(f"'{clean_text(raw)}' không phải là giá trị có/không (dùng: có, không — hoặc đạt, chưa đạt)")


def read_assessment(raw: object) -> tuple[bool | None, bool]:
    """The official's assessment: (True/False/None, not assessed). "đạt" → (True, False), "chưa đạt" →
    (False, False), "không đánh giá", "KĐG", "n/a" → (None, True), blank → (None, False)."""
    if raw is None or isinstance(raw, bool):
        return raw, False
    w = _word(raw) if not isinstance(raw, (int, float, Decimal)) else fold_words(str(raw))
    if not w:
        return None, False
    if w in _NOT_ASSESSED:
        return None, True
    if w in _TRUE:
        return True, False
    if w in _FALSE:
        return False, False
    raise ValueRefused(f"'{clean_text(raw)}' không phải là đánh giá (chọn: {', '.join(ASSESSMENT_WORDS)})")


def stored_truth(text: object) -> object:
    """A value stored as text, for the engine: a yes/no word becomes True/False, any other text (a level
    name) stays as it is."""
    if not isinstance(text, str):
        return text
    return _stored_word(text)


@lru_cache(maxsize=4096)  # evaluation reads a cell's stored values on every save: the same few words
def _stored_word(text: str) -> object:
    w = fold_words(text)
    if w in _TRUE:
        return True
    if w in _FALSE:
        return False
    return text


def is_true(raw: object) -> bool:
    """Whether ``raw`` reads as a yes word ("có", "true", "1"…), never refusing: a switch such as a query
    parameter, where anything else (blank, "không", a typo) means no."""
    try:
        return read_truth(raw) is True
    except ValueRefused:
        return False


def truth_text(value: bool) -> str:
    """How a yes/no value is stored and shown: "có" / "không"."""
    return "có" if value else "không"


def assessment_text(assessment: bool | None, not_assessed: bool = False) -> str:
    if not_assessed:
        return "không đánh giá"
    return {True: "đạt", False: "chưa đạt", None: ""}[assessment]


# -- numbers ------------------------------------------------------------------------------------------
_MINUS = "-\u2212\u2013"  # hyphen, minus sign, en dash (word processors turn "-5" into "–5")
_SPACES = " \u00a0\u202f\u2009"  # spaces that spreadsheets and word processors put between thousands
_BODY = re.compile(r"(?:[0-9]+(?:[., \u00a0\u202f\u2009][0-9]+)*|[.,][0-9]+)")


def _grouped(groups: list[str]) -> bool:
    """Digit groups of a number written with thousands separators: 1–3 digits (not a lone leading zero
    before a group), then groups of exactly three."""
    first = groups[0]
    return 1 <= len(first) <= 3 and not first.startswith("0") and all(len(g) == 3 for g in groups[1:])


def _show_reading(d: Decimal) -> str:
    """A reading written without any thousands separator ("64125", "64,125", "1234,5")."""
    return format(d, "f").replace(".", ",")


def _readings(body: str) -> list[Decimal]:
    """Every number the digits and separators of ``body`` can mean (0, 1 or 2 of them)."""
    if body[0] in ".,":  # ",5" / ".5"
        return [Decimal("0." + body[1:])]
    parts = re.split(r"([., \u00a0\u202f\u2009])", body)
    groups, seps = parts[0::2], parts[1::2]
    if not seps:
        return [Decimal(body)]
    out: list[Decimal] = []
    # the last separator is the decimal mark; any before it separate thousands (one kind of mark)
    last, before = seps[-1], set(seps[:-1])
    if last in ".," and (not before or (len(before) == 1 and last not in before and _grouped(groups[:-1]))):
        out.append(Decimal("".join(groups[:-1]) + "." + groups[-1]))
    # every separator separates thousands (one kind of mark)
    if len(set(seps)) == 1 and _grouped(groups):
        out.append(Decimal("".join(groups)))
    return out


def read_number(raw: object) -> Decimal:
    """A number as written in Vietnamese ("64,5", "1.234,5"), in plain decimals ("64.5", "0.125"), with
    thousands separated by spaces ("1 234,5"), or as a spreadsheet gives it (int, float). Refuses a text
    that could mean two numbers ("64.125", "1,234"), naming both."""
    if isinstance(raw, bool):
        raise ValueRefused(f"'{raw}' không phải là số")
    if isinstance(raw, Decimal):
        d = raw
    elif isinstance(raw, int):
        d = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueRefused(f"'{raw}' không phải là số")
        d = Decimal(repr(raw))  # the shortest text that is this double: what the spreadsheet shows
    else:
        text = clean_text(raw)
        if not text:
            raise ValueRefused("chưa có số")
        s = text
        negative = s[0] in _MINUS
        if negative or s[0] == "+":
            s = s[1:].lstrip()
        s = s.strip(_SPACES)
        if not s or not _BODY.fullmatch(s):
            raise ValueRefused(f"'{text}' không phải là số")
        readings = _readings(s)
        if not readings:
            raise ValueRefused(
                f"'{text}' không phải là số (dấu chấm, dấu phẩy không đúng chỗ: viết ví dụ 1.234,5 hoặc 1234,5)"
            )
        if negative:
            readings = [-r for r in readings]
        if len(readings) > 1:
            a, b = readings
            raise ValueRefused(
                f"'{text}' có thể hiểu là hai số: {_show_reading(a)} (dấu '{_mark(s)}' là dấu thập phân) hoặc "
                f"{_show_reading(b)} (dấu '{_mark(s)}' ngăn cách hàng nghìn). Không đoán: hãy ghi {_show_reading(b)} "
                f"nếu là số nguyên, hoặc {input_text(a)} nếu là số thập phân",
                (a, b),
            )
        d = readings[0]
    if not d.is_finite():
        raise ValueRefused(f"'{raw}' không phải là số")
    if abs(d) >= MAX_MAGNITUDE:
        raise ValueRefused(f"'{_shown(raw)}' quá lớn (tối đa {MAX_DIGITS} chữ số phần nguyên)")
    if len(d.normalize().as_tuple().digits) > MAX_DIGITS:
        raise ValueRefused(f"'{_shown(raw)}' có quá nhiều chữ số (tối đa {MAX_DIGITS} chữ số có nghĩa)")
    return d + 0 if d == 0 else d  # no negative zero


def _mark(s: str) -> str:
    return next(ch for ch in s if ch in ".,")


def _shown(raw: object) -> str:
    return clean_text(raw) if isinstance(raw, str) else str(raw)


def input_text(value: Decimal | float | int) -> str:
    """A number as an official types it and :func:`read_number` reads it back as itself: comma decimals,
    no thousands separator, trailing zeros dropped — and one zero added where three decimals would make
    it ambiguous ("64,1250", not "64,125"). ``input_text(84.21) == "84,21"``, ``input_text(6084) == "6084"``."""
    d = value if isinstance(value, Decimal) else (Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    if d == 0:
        return "0"
    if d == d.to_integral_value():
        return format(d.quantize(Decimal(1)), "f")
    text = format(d.normalize(), "f")
    whole, _, frac = text.partition(".")
    digits = whole.lstrip("-")
    if len(frac) == 3 and _grouped([digits, frac]):
        frac += "0"
    return f"{whole},{frac}"


# -- the type of an indicator's value ------------------------------------------------------------------
class Measure(str, Enum):
    TRUTH = "truth"  # có / không
    LEVEL = "level"  # one of the indicator's levels
    PERCENT = "percent"  # 0–100
    COUNT = "count"  # a whole number ≥ 0 (houses, villages…)
    AMOUNT = "amount"  # a number ≥ 0 (income…)


# Units of measure (as the catalogue writes them) that count things: their values are whole numbers.
COUNT_UNITS = frozenset(
    {
        "căn",
        "nhà",
        "hộ",
        "người",
        "thôn",
        "ấp",
        "bản",
        "xã",
        "huyện",
        "lĩnh vực",
        "mô hình",
        "sản phẩm",
        "trường",
        "công trình",
        "cơ sở",
        "chợ",
        "điểm",
        "cái",
        "chiếc",
        "lần",
        "tuyến",
        "trạm",
        "làng nghề",
        "hợp tác xã",
    }
)


def measure_of(ind: Indicator) -> Measure:
    """The type of the indicator's values, from its ``kind`` and (for amounts) its ``unit``."""
    if ind.kind == Kind.BOOLEAN:
        return Measure.TRUTH
    if ind.kind == Kind.LEVEL:
        return Measure.LEVEL
    if ind.kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT):
        return Measure.PERCENT
    unit = unicodedata.normalize("NFC", ind.unit or "").strip().lower()
    return Measure.COUNT if unit in COUNT_UNITS else Measure.AMOUNT


def measure_unit(ind: Indicator) -> str:
    """What is shown next to the field: "%", the unit of measure, or nothing."""
    return "%" if measure_of(ind) == Measure.PERCENT else (ind.unit or "")


def read_value(ind: Indicator, raw: object) -> Decimal | bool | str | None:
    """The value of indicator ``ind`` written as ``raw`` (a text, a spreadsheet's number or boolean):
    a Decimal within the indicator's range, True/False, a level name as the catalogue writes it, or
    None for a blank. Raises :class:`ValueRefused` with a message naming the value and the indicator."""
    if raw is None or (isinstance(raw, str) and not clean_text(raw)):
        return None
    m = measure_of(ind)
    try:
        if m == Measure.TRUTH:
            return read_truth(raw)
        if m == Measure.LEVEL:
            s = clean_text(raw).casefold()
            for level in ind.levels or []:
                if unicodedata.normalize("NFC", level).casefold() == s:
                    return level
            raise ValueRefused(
                f"'{clean_text(raw)}' không phải là một mức của chỉ tiêu ({', '.join(ind.levels or [])})"
            )
        if m == Measure.PERCENT and isinstance(raw, str):
            text = clean_text(raw)
            raw = text[:-1] if text.endswith("%") else text
        d = read_number(raw)
    except ValueRefused as exc:
        raise ValueRefused(f"{exc.message} (chỉ tiêu {ind.code})", exc.readings) from None
    shown = _shown(raw) if not isinstance(raw, float) else input_text(d)
    if m == Measure.PERCENT and not (0 <= d <= 100):
        raise ValueRefused(f"'{shown}' nằm ngoài khoảng 0–100% (chỉ tiêu {ind.code} là tỷ lệ phần trăm)")
    if d < 0:
        raise ValueRefused(f"'{shown}' là số âm: chỉ tiêu {ind.code}{_unit(ind)} không nhận số âm")
    if m == Measure.COUNT and d != d.to_integral_value():
        raise ValueRefused(f"'{shown}' không phải là số nguyên: chỉ tiêu {ind.code} đếm số {ind.unit}")
    return d


def _unit(ind: Indicator) -> str:
    return f" ({ind.unit})" if ind.unit else ""


def parse_value(ind: Indicator, raw: object) -> float | bool | str | None:
    """:func:`read_value` with a number as a float (as the engine and the database keep it)."""
    v = read_value(ind, raw)
    return float(v) if isinstance(v, Decimal) else v
