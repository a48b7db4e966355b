"""Whole numbers from URL parameters, read one way everywhere.

``int()`` on a query parameter accepts what a database cannot hold (``?runs=99999999999999999999999``
made SQLite raise OverflowError: a 500) and refuses digits ``str.isdigit`` lets through (``"²"``).
:func:`int_param` and :func:`int_list` accept only ASCII digits within bounds (by default what a
64-bit database column holds) and raise :class:`BadParameter` otherwise, which
:class:`ntm.apps.ops.middleware.BadParameterMiddleware` answers with 400 and a message naming the
parameter (JSON under ``/api/``); a DRF view turns it into a ``ValidationError``.
"""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest

DB_INT_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


class BadParameter(BadRequest):
    def __init__(self, name: str, value: str, expected: str):
        self.name, self.value = name, value
        shown = value if len(value) <= 30 else value[:30] + "…"
        self.message = f"Tham số «{name}» không hợp lệ: «{shown}» ({expected})."
        super().__init__(self.message)


def parse_int(name: str, text: str, *, minimum: int = 0, maximum: int = DB_INT_MAX) -> int:
    text = str(text).strip()
    if not _DIGITS.fullmatch(text) or not minimum <= int(text) <= maximum:
        raise BadParameter(name, text, f"cần một số nguyên từ {minimum} đến {maximum}")
    return int(text)


def int_param(
    params, name: str, default: int | None = None, *, minimum: int = 0, maximum: int = DB_INT_MAX
) -> int | None:
    """``params[name]`` (a QueryDict: ``request.GET``) as a whole number, ``default`` when absent or empty."""
    text = params.get(name)
    if text is None or str(text).strip() == "":
        return default
    return parse_int(name, text, minimum=minimum, maximum=maximum)


def int_list(params, name: str, *, max_items: int = 100, minimum: int = 0, maximum: int = DB_INT_MAX) -> list[int]:
    """``?name=1,2,3`` as a list of whole numbers (empty items skipped); too many items is an error too."""
    items = [x.strip() for x in (params.get(name) or "").split(",") if x.strip()]
    if len(items) > max_items:
        raise BadParameter(name, params.get(name), f"tối đa {max_items} số")
    return [parse_int(name, x, minimum=minimum, maximum=maximum) for x in items]
