import datetime as dt

import pytest

from ntm.core import formatting as fmt
from ntm.core.periods import Period


def test_vietnamese_numbers():
    assert fmt.percent(16, 19) == "84,21%"
    assert fmt.percent(53, 57) == "92,98%"
    assert fmt.percent(33.333, places=1) == "33,3%"
    assert fmt.fraction(17, 19) == "17/19"
    assert fmt.fraction(17.875, 19) == "17,88/19"
    assert fmt.fraction(17.5, 19) == "17,5/19"
    assert fmt.number(6084) == "6.084"
    assert fmt.number(1234567.891, 2) == "1.234.567,89"
    assert fmt.date(dt.date(2023, 7, 5)) == "05/07/2023"


@pytest.mark.parametrize(
    "text,value",
    [
        ("17,87", 17.87),
        ("6.084", 6084),
        ("03", 3),
        ("7.669", 7669),
        ("1.234.567,5", 1234567.5),
        ("94", 94),
        ("17.87", 17.87),
    ],
)
def test_parse_vietnamese_numbers(text, value):
    assert fmt.parse_number(text) == pytest.approx(value)


def test_periods():
    p = Period.parse("2023-07")
    assert (p.key, p.label, p.start, p.end) == ("2023-07", "tháng 7/2023", dt.date(2023, 7, 1), dt.date(2023, 7, 31))
    assert Period.parse("2024-Q1").end == dt.date(2024, 3, 31)
    assert Period.parse("2022").label == "năm 2022"
    with pytest.raises(ValueError, match="không hợp lệ"):
        Period.parse("2023-13")
