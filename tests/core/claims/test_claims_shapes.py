"""Ways officials write their figures, each a class of text (not one sentence), and what a reader checks."""

from __future__ import annotations

import pytest

from ntm.core.claims import compare_with, extract


def claims(text, cat):
    return [(c.subject, c.set, c.kind, c.achieved, c.total, c.percent) for c in extract(text, catalog=cat).claims]


@pytest.mark.parametrize(
    "text,want",
    [
        (
            "Tháng 4/2020, tỉnh Hải Dương có 160 trong tổng số 178 xã đạt chuẩn nông thôn mới.",
            ("Tỉnh Hải Dương", "xa-ntm-2016", "units", 160, 178, None),
        ),
        (
            "Năm 2023, tỉnh Bắc Ninh có 3 trong 10 xã đăng ký đã đạt chuẩn nông thôn mới nâng cao.",
            ("Tỉnh Bắc Ninh", "xa-nang-cao-2021", "units", 3, 10, None),
        ),
        (
            "Cuối năm 2018, toàn tỉnh Nghệ An có 44 xã/104 xã đạt chuẩn nông thôn mới, tương ứng tỷ lệ 42,31%.",
            ("Tỉnh Nghệ An", "xa-ntm-2016", "units", 44, 104, 42.31),
        ),
        (
            "Tháng 8/2013, tỉnh Bắc Giang có 25 xã đạt từ 15-18 tiêu chí (chiếm 12,4%).",
            ("Tỉnh Bắc Giang", "xa-ntm-2010", "units", 25, None, 12.4),
        ),
        (
            "Tháng 6/2025, cả nước có 79,3% số xã đạt chuẩn nông thôn mới.",
            ("cả nước", "xa-ntm-2021", "units", None, None, 79.3),
        ),
        (
            "Năm 2023, xã Phú Thạnh:\n- Số tiêu chí đạt: 17/19 tiêu chí, chiếm tỷ lệ 89,47%.",
            ("Xã Phú Thạnh", None, "criteria", 17, 19, 89.47),
        ),
        (
            "Năm 2019, xã Hòa An đã hoàn thành 19/19 tiêu chí nông thôn mới.",
            ("Xã Hòa An", "xa-ntm-2016", "criteria", 19, 19, None),
        ),
        (
            "Năm 2019, xã Hòa An đạt đủ 19 tiêu chí nông thôn mới.",
            ("Xã Hòa An", "xa-ntm-2016", "criteria", 19, None, None),
        ),
    ],
)
def test_a_figure_is_read_whatever_its_shape(text, want, cat):
    assert claims(text, cat)[0] == want


def test_the_national_average_is_of_the_ntm_set_not_of_the_last_set_named(cat):
    text = (
        "Đến tháng 6/2022, cả nước có 5.775/8.227 xã (chiếm 70,2%) đạt chuẩn nông thôn mới; trong đó 764 xã đạt "
        "chuẩn nông thôn mới nâng cao và 83 xã đạt chuẩn nông thôn mới kiểu mẫu; bình quân cả nước đạt 17 tiêu chí/xã."
    )
    r = extract(text, catalog=cat)
    assert [(c.kind, c.achieved, c.set) for c in r.claims] == [
        ("units", 5775, "xa-ntm-2021"),
        ("units", 764, "xa-nang-cao-2021"),
        ("units", 83, "xa-kieu-mau-2021"),
        ("criteria", 17, "xa-ntm-2021"),
    ]
    assert r.claims[-1].average and r.findings == []  # not "17 > 4"


def test_subjects_from_the_title_and_sets_from_the_headings(cat):
    text = (
        "Xã Khánh Hòa tổng kết năm 2023\n\n* Về xã nông thôn mới:\n\n- Số tiêu chí đạt: 17/19 tiêu chí.\n\n"
        "* Về xã nông thôn mới nâng cao:\n\n- Số tiêu chí đạt: 13/19 tiêu chí; số chỉ tiêu đạt: 63/75 chỉ tiêu.\n"
    )
    assert claims(text, cat) == [
        ("Xã Khánh Hòa", "xa-ntm-2021", "criteria", 17, 19, None),
        ("Xã Khánh Hòa", "xa-nang-cao-2021", "criteria", 13, 19, None),
        ("Xã Khánh Hòa", "xa-nang-cao-2021", "indicators", 63, 75, None),
    ]


def test_units_named_together_share_the_figure(cat):
    text = "Tháng 11/2023, xã Hoành Mô và xã Húc Động đạt 100% tiêu chí, chỉ tiêu nông thôn mới nâng cao."
    assert claims(text, cat) == [
        ("Xã Hoành Mô", "xa-nang-cao-2021", "criteria", 19, 19, 100),
        ("Xã Húc Động", "xa-nang-cao-2021", "criteria", 19, 19, 100),
        ("Xã Hoành Mô", "xa-nang-cao-2021", "indicators", 75, 75, 100),
        ("Xã Húc Động", "xa-nang-cao-2021", "indicators", 75, 75, 100),
    ]


def test_code_lists_are_codes_not_counts(cat):
    r = extract(
        "Tháng 12/2022, xã Minh Tân đạt 16/19 tiêu chí nông thôn mới; các tiêu chí chưa đạt: 06, 13, 17.", catalog=cat
    )
    [c] = r.claims
    assert (c.unmet_count, [i.code for i in c.unmet]) == (None, ["06", "13", "17"]) and r.findings == []
    r = extract(
        "Năm 2023. Xã A đạt 16/19 tiêu chí nông thôn mới. Số tiêu chí chưa đạt: 03 tiêu chí gồm: "
        "tiêu chí số 1; 15 và 17.",
        catalog=cat,
    )
    assert (r.claims[0].unmet_count, [i.code for i in r.claims[0].unmet]) == (3, ["1", "15", "17"])


def findings(text, cat):
    return [(f.severity, f.code, f.reported, f.expected) for f in extract(text, catalog=cat).findings]


@pytest.mark.parametrize(
    "text,want",
    [
        # met + unmet = total, the total from the set when the text gives none
        (
            "Tháng 6/2014, xã Tân Quang đạt 12 tiêu chí nông thôn mới, còn 8 tiêu chí chưa đạt.",
            [("error", "unmet-count-mismatch", "8", "7")],
        ),
        ("Tháng 11/2014, xã Hồng Phong đạt 9 tiêu chí nông thôn mới, 10 tiêu chí còn lại đang hoàn thiện.", []),
        # an outstanding count far from its figure, matched by unit and set
        (
            "Tháng 10/2023, huyện Tiên Yên đạt 30/38 chỉ tiêu huyện nông thôn mới nâng cao.\n\nĐến năm 2025, huyện hoàn "
            "thiện 9 chỉ tiêu của Bộ tiêu chí huyện nông thôn mới nâng cao còn thiếu.",
            [("error", "unmet-count-mismatch", "9", "8")],
        ),
        # a count of communes against the names listed
        (
            "Năm 2018, tỉnh Vĩnh Phúc có 4 xã đạt chuẩn nông thôn mới gồm: Tiên Lữ, Xuân Lôi, Liên Hòa.",
            [("error", "list-count-mismatch", "4", "3")],
        ),
        (
            "Năm 2023, huyện Nam Trực có 3 xã phấn đấu đạt chuẩn nông thôn mới nâng cao là Nam Mỹ, Nam Thắng và Điền Xá.",
            [],
        ),
        # the text's own rounding: cut instead of rounded is fine; one unit off is a doubt; more is an error
        ("Tháng 5/2025, xã Quảng Phú đạt 12/19 tiêu chí nông thôn mới (63,1%).", []),
        (
            "Tháng 6/2024, xã Đại Thắng đạt 18/19 tiêu chí nông thôn mới, chiếm tỷ lệ 94,8%.",
            [("warning", "percent-rounding", "94,8%", "94,74%")],
        ),
        (
            "Tháng 6/2024, xã Đại Thắng đạt 18/19 tiêu chí nông thôn mới, chiếm tỷ lệ 96,8%.",
            [("error", "percent-mismatch", "96,8%", "94,74%")],
        ),
        ("Tháng 4/2020, tỉnh Hải Dương có 160 trong tổng số 178 xã đạt chuẩn nông thôn mới, đạt gần 90%.", []),
        # an average within [0, total]
        ("Quý III/2015, bình quân toàn tỉnh đạt 21,3 tiêu chí/xã.", [("error", "average-above-total", "21,3", "≤ 19")]),
    ],
)
def test_what_a_careful_reader_checks(text, want, cat):
    assert findings(text, cat) == want


def test_every_finding_is_in_vietnamese_with_its_sentence_and_a_correction(cat):
    r = extract(
        "Tháng 7/2023.\n+ Xã An Bình: đạt 17/19 tiêu chí (90%) nông thôn mới, còn 3 tiêu chí chưa đạt: 1, 13.",
        catalog=cat,
    )
    assert r.findings
    for f in r.findings:
        assert f.title and f.message and f.suggestion and f.severity_label in ("Lỗi", "Cần xem lại")
        assert f.sentence.startswith("+ Xã An Bình") and f.code not in f.message + f.title + f.suggestion


def test_counts_and_averages_are_compared_with_the_roll_ups(cat):
    text = "Tháng 7/2023, huyện Lý Nhân có 3/20 xã đạt chuẩn nông thôn mới; 20 xã đạt bình quân 18,3/19 tiêu chí."

    class Stored:
        def __call__(self, unit, set_code, period):
            return None

        def rollup(self, unit, set_code, period):
            return (
                (20, 20, 14, 18.3, 56.15) if (unit, set_code, period.key) == ("h1", "xa-ntm-2021", "2023-07") else None
            )

    r = extract(
        text, catalog=cat, resolver=type("R", (), {"resolve": lambda self, n, c: "h1" if "Lý Nhân" in n else None})()
    )
    got = [(f.subject, f.reported, f.expected) for f in compare_with(r, Stored())]
    assert got == [("Huyện Lý Nhân", "3", "14")]  # the average matches; the count does not
