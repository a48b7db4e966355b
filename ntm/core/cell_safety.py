"""Text written into files that people open in a spreadsheet (CSV, XLSX): never a formula.

Excel, LibreOffice and Google Sheets read a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula: a note ``=HYPERLINK("http://…")`` or ``=cmd|' /C calc'!A0`` typed by
one official would run on the computer of whoever opens the export. Following the OWASP guidance on
CSV injection, such a text cell is written with a leading apostrophe (``'=HYPERLINK(…)``), which the
spreadsheet shows as the text itself.

Only text is changed, and not a text that is a plain number with a sign (``-5``, ``+1,5``, ``-12.5%``:
digits, separators and a percent sign only): it holds no function or reference and the spreadsheet
reads it as the number. Numbers written as numbers are never touched.

The same rule is written three times, kept equal by tests: :func:`neutralise` (Python), and the SQL of
:func:`sql_formula_like` for SQLite and PostgreSQL, used where the database formats the export's lines.

XLSX holds types: a text cell is text and is never evaluated, so texts are written unchanged — but
openpyxl stores any string that starts with ``=`` as a formula. :func:`xlsx_value` and
:func:`xlsx_text_only` keep such a string a text cell.
"""

from __future__ import annotations

import re

FORMULA_START = frozenset("=+-@\t\r")
SIGNS = frozenset("+-")
_PLAIN_NUMBER = re.compile(r"[+-][0-9][0-9.,%]*")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` (a CSV cell) as a formula."""
    if not text or text[0] not in FORMULA_START:
        return False
    return not (text[0] in SIGNS and _PLAIN_NUMBER.fullmatch(text))


def neutralise(text: str) -> str:
    """``text`` as a CSV cell that a spreadsheet shows as text: ``'`` before a formula-like text."""
    return "'" + text if is_formula_like(text) else text


def neutralise_row(row) -> list:
    """A CSV row with every text cell neutralised (None → empty; numbers and booleans as they are)."""
    return ["" if v is None else ("'" + v if v.__class__ is str and is_formula_like(v) else v) for v in row]


def sql_formula_like(expr: str, vendor: str) -> str:
    """SQL, true when the text ``expr`` is formula-like (:func:`is_formula_like`); false or NULL
    otherwise. Built to cost next to nothing for the usual text: a first test on the first character
    (a code below 65 on PostgreSQL, a byte comparison on SQLite) turns away letters and empty texts;
    the pattern is matched only for a text that starts with a sign. ``vendor``: ``sqlite`` or
    ``postgresql``."""
    codes = "(9, 13, 43, 45, 61, 64)"  # TAB, CR, +, -, =, @
    if vendor == "postgresql":
        first = f"ascii({expr})"
        return (
            f"({first} BETWEEN 9 AND 64 AND {first} IN {codes} "
            f"AND ({first} NOT IN (43, 45) OR {expr} !~ '^[+-][0-9][0-9.,%%]*$'))"
        )
    if vendor == "sqlite":
        # every character of a formula's start sorts before 'A'; GLOB: the second character a digit,
        # and no character after it outside 0-9 . , %
        first = f"unicode({expr})"
        plain = f"(substr({expr}, 2, 1) GLOB '[0-9]' AND substr({expr}, 3) NOT GLOB '*[^0-9.,%%]*')"
        return f"({expr} < 'A' AND {expr} > '' AND {first} IN {codes} AND ({first} NOT IN (43, 45) OR NOT {plain}))"
    raise NotImplementedError(vendor)


def sql_prefix(expr: str, vendor: str) -> str:
    """SQL giving ``'`` when the text ``expr`` is formula-like, else ``''`` (also for NULL): put it in
    front of the text, ``prefix || expr``."""
    return "(CASE WHEN " + sql_formula_like(expr, vendor) + " THEN '''' ELSE '' END)"


def xlsx_value(ws, value):
    """``value`` for ``ws.append`` (openpyxl, a write-only sheet or not): a string that openpyxl would
    store as a formula becomes a text cell; anything else is returned as it is."""
    if value.__class__ is str and len(value) > 1 and value[0] == "=":
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_text_only(cell):
    """An openpyxl cell made from a string that starts with ``=`` (stored as a formula) as a text cell."""
    if cell.data_type == "f" and isinstance(cell.value, str):
        cell.data_type = "s"
    return cell
