"""Generated workbooks against the bounded reader (ntm.core.tables): sparse rows, huge and missing row
numbers, references past their row, shared strings (good and bad indexes), date styles, namespace
prefixes, unusual spacing and quotes, a second reference in a cell. Whatever the structure, the reader
returns rows within its limits or refuses with its own error naming the file — never another exception,
never more rows, columns or cells than the limits (which calamine, loading a sheet whole, would have
built had the scan under-counted).

300 cases in the normal suite (a few seconds); ``HYPOTHESIS_PROFILE=long`` runs 20,000."""

from __future__ import annotations

import os
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntm.core.tables import Limits, TableError, read_table
from ntm.core.tables.testing import NS, shared_strings_xml, xlsx_bytes

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
fuzz = settings(
    max_examples=20_000 if LONG else 300,
    deadline=None,
    derandomize=not LONG,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LIMITS = Limits(max_rows=5_000, max_columns=60, max_cells=150_000, max_text_bytes=2 << 20, max_seconds=20)
STRINGS = ["Chỉ tiêu", "Đánh giá", "đạt", "chưa đạt", "x" * 3000, "e\u0301", ""]
STYLES = (
    f'<styleSheet xmlns="{NS}"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
    '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>'
)

SMALL_ROWS = st.one_of(st.integers(1, 60), st.integers(1, 60), st.integers(1, 4_000))
HUGE_ROWS = st.sampled_from([1_048_576, 1_048_577, 4_294_967_295, 1_000_000_000, 99_999_999_999])
SMALL_COLUMNS = st.one_of(st.sampled_from(["A", "B", "C", "D", "E", "F", "a", ""]), st.sampled_from(["Z", "AA", "BH"]))
HUGE_COLUMNS = st.one_of(
    st.sampled_from(["BI", "XFD", "XFE", "ZZZZ"]), st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3)
)
VALUES = st.one_of(
    st.tuples(st.just("n"), st.sampled_from(["1", "91.5", "-3", "1e-05", "45108", "", "x"])),
    st.tuples(st.just("s"), st.sampled_from(["0", "1", "2", "3", "4", "5", "6", "7", "99", "", "-1", " 1"])),
    st.tuples(st.just("inlineStr"), st.sampled_from(["Chỉ tiêu", "đạt", "a\u0301", "=1+1", ""])),
    st.tuples(st.just("b"), st.sampled_from(["0", "1"])),
    st.tuples(st.just("e"), st.sampled_from(["#N/A", "#DIV/0!"])),
    st.tuples(st.just("str"), st.sampled_from(["tính", ""])),
)


@st.composite
def cells(draw, row: int | None, rows, columns, forms):
    kind, value = draw(VALUES)
    style = draw(st.sampled_from(["", ' s="1"', ' s="2"', ' s="9"']))
    ref_form = draw(forms)
    col = draw(columns)
    number = row if row is not None and draw(st.booleans()) else draw(rows)
    ref = f"{col}{number}"
    attr = {
        "usual": f' r="{ref}"',
        "none": "",
        "spaced": f' r = "{ref}"',
        "single": f" r='{ref}'",
        "second": f' r="A1" r="{ref}"',
        "far": f' r="{col}{draw(rows)}"',
    }[ref_form]
    t = "" if kind == "n" else f' t="{kind}"'
    if kind == "inlineStr":
        inner = f"<is><t>{escape(value)}</t></is>"
    else:
        inner = f"<v>{escape(value)}</v>" if value or draw(st.booleans()) else ""
    if not inner and draw(st.booleans()):
        return f"<c{attr}{style}{t}/>"
    return f"<c{attr}{style}{t}>{inner}</c>"


@st.composite
def sheets(draw):
    prefix = draw(st.sampled_from(["", "", "", "x:"]))
    # one sheet in four may hold huge row numbers anywhere; the others test what is read
    hostile = draw(st.integers(0, 3)) == 0
    numbers = st.one_of(SMALL_ROWS, SMALL_ROWS, HUGE_ROWS) if hostile else SMALL_ROWS
    columns = st.one_of(SMALL_COLUMNS, SMALL_COLUMNS, HUGE_COLUMNS) if hostile else SMALL_COLUMNS
    # half the sheets as Excel writes them (every cell with its reference: the fast scan), half mixed
    forms = st.sampled_from(
        ["usual", "far"] if draw(st.booleans()) else ["usual", "usual", "none", "spaced", "single", "second", "far"]
    )
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        number = draw(st.one_of(st.none(), numbers))
        attr = f' r="{number}"' if number is not None else ""
        body = "".join(draw(cells(number, numbers, columns, forms)) for _ in range(draw(st.integers(0, 6))))
        if draw(st.integers(0, 9)) == 0:  # a block of many plain rows (past the reader's blocks)
            body += "".join(
                f'<row r="{k}"><c r="A{k}"><v>{k}</v></c></row>' for k in range(100, 100 + draw(st.integers(0, 1500)))
            )
            rows.append(body)
            continue
        rows.append(f"<row{attr}>{body}</row>")
    xml = f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>{"".join(rows)}</sheetData></worksheet>'
    if prefix:
        xml = (
            xml.replace("<worksheet xmlns=", f"<{prefix[:-1]}:worksheet xmlns:{prefix[:-1]}=")
            .replace("</worksheet>", f"</{prefix}worksheet>")
            .replace("<sheetData>", f"<{prefix}sheetData>")
            .replace("</sheetData>", f"</{prefix}sheetData>")
            .replace("<row", f"<{prefix}row")
            .replace("</row>", f"</{prefix}row>")
            .replace("<c ", f"<{prefix}c ")
            .replace("<c>", f"<{prefix}c>")
            .replace("<c/>", f"<{prefix}c/>")
            .replace("</c>", f"</{prefix}c>")
            .replace("<v>", f"<{prefix}v>")
            .replace("</v>", f"</{prefix}v>")
        )
    if draw(st.integers(0, 5)) == 0:
        xml = xml.replace("<sheetData>", f'<dimension ref="A1:{draw(columns) or "A"}{draw(numbers)}"/><sheetData>', 1)
    return xml


@fuzz
@given(sheet=sheets(), with_strings=st.booleans(), with_styles=st.booleans())
def test_any_generated_workbook_is_read_within_the_limits_or_refused_by_name(sheet, with_strings, with_styles):
    data = xlsx_bytes(
        sheet, strings=shared_strings_xml(STRINGS) if with_strings else None, styles=STYLES if with_styles else None
    )
    try:
        rows = list(read_table(data, name="sinh-ra.xlsx", sheet="Số liệu", limits=LIMITS).rows)
    except TableError as exc:
        assert exc.file == "sinh-ra.xlsx" and str(exc).startswith("sinh-ra.xlsx") and exc.message
        return
    assert len(rows) <= LIMITS.max_rows
    width = max((len(r) for r in rows), default=0)
    assert width <= LIMITS.max_columns and len(rows) * width <= LIMITS.max_cells
    assert all(isinstance(r, list) for r in rows)
