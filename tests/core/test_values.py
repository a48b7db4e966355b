"""The one value parser (``ntm.core.values``): numbers as officials write them, read exactly or refused
with both readings, the type and range of each indicator, the yes/no and assessment words."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ntm.core import formatting as fmt
from ntm.core.catalog import default_catalog
from ntm.core.catalog.schema import Indicator
from ntm.core.values import (
    MAX_DIGITS,
    Measure,
    ValueRefused,
    clean_text,
    input_text,
    is_true,
    measure_of,
    read_assessment,
    read_number,
    read_truth,
    read_value,
    stored_truth,
)

CAT = default_catalog()
NTM = CAT.get("xa-ntm-2021")
PERCENT = NTM.by_code["2.1"]  # a percentage (min_percent)
INCOME = NTM.by_code["10"]  # triệu đồng/người/năm: an amount
HOUSES = CAT.get("xa-ntm-2016").by_code["9.1"]  # căn (houses left): a count
YES_NO = NTM.by_code["1.1"]  # boolean


# -- numbers as written ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,value",
    [
        ("64,5", "64.5"),
        ("1.234,5", "1234.5"),
        ("64.5", "64.5"),
        ("0.125", "0.125"),
        ("0,125", "0.125"),
        ("1.234.567", "1234567"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("12345.678", "12345.678"),
        ("1 234,5", "1234.5"),
        ("1\u00a0234,5", "1234.5"),
        ("94", "94"),
        ("03", "3"),
        (",5", "0.5"),
        ("-5", "-5"),
        ("\u22125", "-5"),
        ("64,1250", "64.125"),
        (" 45 ", "45"),
    ],
)
def test_numbers_are_read_exactly(text, value):
    assert read_number(text) == Decimal(value)
    assert isinstance(read_number(text), Decimal)


@pytest.mark.parametrize(
    "text,readings",
    [
        ("64.125", ("64,125", "64125")),
        ("1,234", ("1,234", "1234")),
        ("1.000", ("1,000", "1000")),
        ("-2.500", ("-2,500", "-2500")),
    ],
)
def test_a_number_that_could_mean_two_is_refused_with_both_readings(text, readings):
    with pytest.raises(ValueRefused) as e:
        read_number(text)
    assert all(r in e.value.message for r in readings), e.value.message
    assert f"'{text}'" in e.value.message and "Không đoán" in e.value.message
    assert len(e.value.readings) == 2


@pytest.mark.parametrize("text", ["1.5.3", "1,23,456", "1e3", "abc", "12a", "5,", "1..2", "--5", "nan", "inf", ""])
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(ValueRefused):
        read_number(text)


def test_numbers_from_a_spreadsheet_are_taken_as_they_are():
    assert read_number(64.125) == Decimal("64.125")  # a number cell: no text to misread
    assert read_number(45) == Decimal(45)
    assert read_number(1e-05) == Decimal("0.00001")
    for bad in (float("nan"), float("inf"), True):
        with pytest.raises(ValueRefused):
            read_number(bad)


def test_too_many_digits_for_a_stored_value_are_refused():
    with pytest.raises(ValueRefused, match="quá nhiều chữ số"):
        read_number("1,2345678901234567")
    with pytest.raises(ValueRefused, match="quá lớn"):
        read_number("1" + "0" * 20)


# -- properties ---------------------------------------------------------------------------------------
decimals = st.decimals(
    min_value=Decimal("-999999999999"),
    max_value=Decimal("999999999999"),
    places=3,
    allow_nan=False,
    allow_infinity=False,
)


@given(decimals)
@example(Decimal("64.125"))
@example(Decimal("1.234"))
@example(Decimal("0.125"))
@example(Decimal("-0.5"))
def test_what_input_text_writes_reads_back_as_itself(d):
    assert read_number(input_text(d)) == d
    assert "." not in input_text(d)


@given(decimals, st.integers(1, 3))
def test_vietnamese_formatted_numbers_with_decimals_read_back_or_are_refused_naming_their_value(d, places):
    text = fmt.number(d, places)  # "1.234.567,890"
    value = Decimal(text.replace(".", "").replace(",", "."))
    try:
        assert read_number(text) == value
    except ValueRefused as exc:  # "1,000": three decimals after a short whole part also read as thousands
        assert places == 3 and abs(d) < 1000 and value in exc.readings


@given(st.integers(-(10**12), 10**12))
def test_vietnamese_formatted_whole_numbers_read_back_or_are_refused_naming_their_value(n):
    text = fmt.number(n)  # "6.084": one dot and three digits may also be a decimal
    try:
        assert read_number(text) == n
    except ValueRefused as exc:
        assert Decimal(n) in exc.readings and text.count(".") == 1


@given(decimals)
def test_plain_decimals_read_back_or_are_refused_naming_their_value(d):
    text = format(d, "f")  # "64.125", "0.125", "1234.5"
    try:
        assert read_number(text) == d
    except ValueRefused as exc:
        assert d in exc.readings


@given(st.integers(1, 999), st.integers(0, 999), st.sampled_from(".,"))
def test_one_separator_before_three_digits_is_ambiguous_unless_the_whole_part_starts_with_zero(whole, frac, mark):
    text = f"{whole}{mark}{frac:03d}"
    with pytest.raises(ValueRefused) as e:
        read_number(text)
    assert set(e.value.readings) == {Decimal(f"{whole}.{frac:03d}"), Decimal(whole * 1000 + frac)}
    assert read_number(f"0{mark}{frac:03d}") == Decimal(f"0.{frac:03d}")


@given(st.text(max_size=12).map(lambda t: t + "\x00"))
def test_a_nul_character_is_refused_in_any_text(text):
    with pytest.raises(ValueRefused, match="NUL"):
        clean_text(text)
    for read in (read_number, read_truth, read_assessment, lambda t: read_value(PERCENT, t)):
        with pytest.raises(ValueRefused):
            read(text)


# -- types and ranges from the catalogue ----------------------------------------------------------------
def test_the_type_of_a_value_follows_the_indicators_kind_and_unit():
    assert measure_of(PERCENT) == Measure.PERCENT
    assert measure_of(INCOME) == Measure.AMOUNT
    assert measure_of(HOUSES) == Measure.COUNT
    assert measure_of(YES_NO) == Measure.TRUTH
    every = {measure_of(i) for cs in CAT for i in cs.indicators}
    assert every >= {Measure.PERCENT, Measure.AMOUNT, Measure.COUNT, Measure.TRUTH}


@pytest.mark.parametrize("text", ["150", "-5", "100,01", "-0,5", "150%"])
def test_a_percentage_outside_0_to_100_is_refused(text):
    with pytest.raises(ValueRefused) as e:
        read_value(PERCENT, text)
    assert "2.1" in e.value.message and f"'{text.rstrip('%')}'" in e.value.message


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_any_percentage_from_0_to_100_is_kept(d):
    assert read_value(PERCENT, input_text(d)) == d
    assert read_value(PERCENT, input_text(d) + "%") == d


def test_counts_are_whole_and_amounts_not_negative():
    assert read_value(HOUSES, "3") == 3
    with pytest.raises(ValueRefused, match="số nguyên"):
        read_value(HOUSES, "2,5")
    with pytest.raises(ValueRefused, match="số âm"):
        read_value(HOUSES, "-1")
    assert read_value(INCOME, "1.234,5") == Decimal("1234.5")
    with pytest.raises(ValueRefused, match="số âm"):
        read_value(INCOME, "-48")
    with pytest.raises(ValueRefused):
        read_value(INCOME, "48%")  # a percent sign only for a percentage


def test_levels_are_matched_to_the_catalogues_spelling():
    ind = Indicator.model_validate(
        {
            "code": "1.1",
            "content": "x",
            "kind": "level",
            "levels": ["Khá", "Tốt"],
            "provenance": {"source": "t", "tag": "LOCAL"},
        }
    )
    assert read_value(ind, " tốt ") == "Tốt"
    assert read_value(ind, unicodedata.normalize("NFD", "KHÁ")) == "Khá"
    with pytest.raises(ValueRefused, match="Khá, Tốt"):
        read_value(ind, "giỏi")


# -- yes/no and assessments -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw,expected",
    [
        ("đạt", (True, False)),
        (" Đạt ", (True, False)),
        ("dat", (True, False)),
        ("x", (True, False)),
        ("chưa đạt", (False, False)),
        ("CHƯA ĐẠT", (False, False)),
        ("không đạt", (False, False)),
        ("không đánh giá", (None, True)),
        ("KĐG", (None, True)),
        ("n/a", (None, True)),
        ("", (None, False)),
        (None, (None, False)),
        (True, (True, False)),
        (False, (False, False)),
    ],
)
def test_assessment_words(raw, expected):
    assert read_assessment(raw) == expected


def test_decomposed_text_from_an_old_excel_csv_is_read_like_composed_text():
    nfd = unicodedata.normalize("NFD", "chưa đạt")  # what Windows-1258 decoding gives
    assert nfd != "chưa đạt"
    assert read_assessment(nfd) == (False, False)
    assert read_truth(unicodedata.normalize("NFD", "có")) is True
    assert clean_text(nfd) == "chưa đạt"


def test_yes_no_values_and_stored_words():
    assert [read_truth(w) for w in ("có", "không", "yes", "no", "x", "0", 1)] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
    ]
    with pytest.raises(ValueRefused, match="có/không"):
        read_truth("không đánh giá")  # an assessment, not a value
    assert read_value(YES_NO, "có") is True
    assert stored_truth("có") is True and stored_truth("chưa đạt") is False and stored_truth("Tốt") == "Tốt"
    assert stored_truth(91.5) == 91.5


def test_a_switch_is_on_only_for_a_yes_word():
    assert [is_true(w) for w in ("có", "Có", "true", "1", "yes", "Đạt", True)] == [True] * 7
    assert [is_true(w) for w in ("", None, "không", "0", "false", "bật", "2", False)] == [False] * 8


def test_every_number_keeps_at_most_the_digits_a_stored_value_holds():
    d = read_number("9" * MAX_DIGITS)
    assert Decimal(repr(float(d))) == d
