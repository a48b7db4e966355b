"""Hostile and odd input: never a crash or a hang, spans always slice to their text."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntm.core.claims import InputTooLarge, extract, normalize_text
from ntm.core.claims.testing import stub_catalog

PIECES = [
    "Xã Nguyên Lý",
    "xã",
    "huyện",
    "Huyện Đầm Hà",
    "8 xã",
    "cả nước",
    "đạt",
    "chưa đạt",
    "còn 2",
    "tiêu chí",
    "chỉ tiêu",
    "nông thôn mới",
    "NTM nâng cao",
    "kiểu mẫu",
    "giai đoạn 2021-2025",
    "17/19",
    "17,87/19",
    "6.084/7.669",
    "54/57",
    "(84,21%)",
    "đạt 94%",
    "tiêu chí số 1; 15 và 17",
    "1.1; 1.2; 15.1",
    "tăng 02 chỉ tiêu so với đầu năm",
    "tháng 7/2023",
    "Sáng ngày 19/8/2022",
    "8 tháng đầu năm",
    "đã công nhận xã A đạt chuẩn",
    ";",
    ",",
    ".",
    ":",
    "\n",
    "\n\n",
    " ",
    "(",
    ")",
    "/",
    "%",
    "\u200b",
    "\u00a0",
    "\u0301",
    "\ufeff",
    "\u202e",
    "19/8/2022",
    "phấn đấu",
]


def check_spans(report):
    t = report.text
    for c in report.claims:
        assert t[c.span[0] : c.span[1]] == c.text
        assert c.span[0] <= c.figure_span[0] <= c.figure_span[1] <= c.span[1] or c.achieved is None
    for f in report.findings:
        assert t[f.span[0] : f.span[1]] == f.text
    for r in report.recognitions:
        assert t[r.span[0] : r.span[1]] == r.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=60))
def test_random_text_never_crashes_and_spans_slice(parts, cat):
    report = extract(" ".join(parts), catalog=cat)
    check_spans(report)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_unicode(text):
    report = extract(text, catalog=False)
    check_spans(report)
    assert unicodedata.is_normalized("NFC", report.text)


def test_zero_width_nbsp_and_combining_diacritics_are_normalised(cat):
    text = (
        "X\u200bã Nguye\u0302n Lý:\u00a0đạt 1\u200d7/19 tie\u0302u chi\u0301 (90\u00a0%) nông thôn mới; "
        "\ufeffcòn 2 tiêu chí chưa đạt: tiêu chí số 1\u200b; 15."
    )
    r = extract(text, catalog=cat)
    assert [(c.subject, c.achieved, c.total, c.percent) for c in r.claims] == [("Xã Nguyên Lý", 17, 19, 90)]
    assert [f.code for f in r.findings] == ["percent-mismatch"]
    assert "\u200b" not in r.text and "\u00a0" not in r.text
    check_spans(r)


def test_unaccented_and_typo_wording_still_names_the_set(cat):
    r = extract("Thang 7/2023. Xa Nguyen Ly dat 17/19 tieu chi, 70/75 chi tieu nong thon moi nang cao.", catalog=cat)
    assert [(c.subject, c.set) for c in r.claims] == [("Xã Nguyen Ly", "xa-nang-cao-2021")] * 2


def test_dates_are_not_figures(cat):
    r = extract("Ngày 19/8/2022, tháng 7/2023 xã A họp; QĐ 318/QĐ-TTg; (03/02/1930 - 03/02/2020) xã.", catalog=cat)
    assert r.claims == []


def test_text_over_the_limit_is_refused_quickly():
    t0 = time.monotonic()
    with pytest.raises(InputTooLarge, match="quá lớn"):
        extract("a" * 1001, max_chars=1000)
    with pytest.raises(InputTooLarge):
        normalize_text("x" * 10_000_001)
    assert time.monotonic() - t0 < 2


HOSTILE = {
    "figures": "Xã A đạt 1/2 tiêu chí; ",
    "slashes": "1/",
    "no punctuation": "xã huyện nông thôn mới tiêu chí chưa đạt còn 2 tiêu chí ",
    "unmet lists": "còn 2 tiêu chí chưa đạt: 1, 2, 3, 4; ",
    "spaces": " ",
    "one long word": "a",
    "digits and commas": "1,1.1,1.",
    "combining marks": "a\u0301\u0302\u0303",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_of_two_megabytes_finishes(name):
    unit = HOSTILE[name]
    text = (unit * (2_000_000 // len(unit) + 1))[:2_000_000]
    t0 = time.process_time()
    r = extract(text, catalog=stub_catalog())
    assert time.process_time() - t0 < 20  # about 1 s on a 2-core machine; generous for loaded CI
    assert len(r.claims) <= 2 * 20_000


@pytest.mark.slow
def test_ten_megabytes_of_realistic_text(load_sample):
    text, _ = load_sample("ly-nhan-ban-tin-2023-07")
    big = text * (9_900_000 // len(text))
    t0 = time.process_time()
    r = extract(big, catalog=stub_catalog())
    assert time.process_time() - t0 < 60
    assert r.findings == [] and len(r.claims) > 1000
