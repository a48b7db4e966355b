"""When a report speaks of: the period reported on, the date of issue, the years named in its sentences,
and the criteria sets in force then (by the dates of the decisions, not by calendar year)."""

from __future__ import annotations

import pytest

from ntm.core.claims import extract


def period(text):
    p = extract(text, catalog=False).period
    return (p.key, p.label, p.date, p.as_of) if p else None


def test_the_date_of_issue_is_never_the_period_reported_on():
    text = "UBND HUYỆN LÝ NHÂN\nLý Nhân, ngày 07 tháng 12 năm 2026\n\nBẢN TIN NÔNG THÔN MỚI\nTháng 7/2023\n"
    assert period(text) == ("2023-07", "tháng 7/2023", "2026-12-07", "2023-07-31")


@pytest.mark.parametrize(
    "text,want",
    [
        # a plan for next year in the title is not the period reported on
        (
            "Tổng kết xây dựng nông thôn mới năm 2023 và triển khai nhiệm vụ năm 2024\n\nKết quả trong năm như sau.",
            ("2023", "năm 2023"),
        ),
        # a comparison is not the period either
        (
            "Tính đến tháng 6/2022, cả nước có 5.775 xã đạt chuẩn, tăng 160 xã so với cuối năm 2021.",
            ("2022-06", "tháng 6/2022"),
        ),
        # "as of" a date
        ("Đến 30/6/2023, cả nước có 6.022/8.177 xã đạt chuẩn nông thôn mới.", ("2023-06", "đến 30/6/2023")),
        # "sơ kết" is not "so với"
        ("Báo cáo sơ kết năm 2012 của huyện Cẩm Khê.", ("2012", "năm 2012")),
        # a news dateline is a date of issue; the period is the part of the year the text reports on
        ("15/11/2023 09:20\n\nĐến hết 9 tháng đầu năm, huyện đạt 3/9 tiêu chí.", ("2023", "9 tháng đầu năm 2023")),
    ],
)
def test_period_reported_on(text, want):
    assert period(text)[:2] == want


def test_dates_of_other_documents_are_not_the_date_of_issue():
    p = extract(
        "Theo Quyết định số 318/QĐ-TTg ngày 08/3/2022 của Thủ tướng, đến tháng 9/2023 xã đạt 17/19 tiêu chí.",
        catalog=False,
    ).period
    assert (p.key, p.date) == ("2023-09", None)


def one(text, cat):
    return [(c.set, c.kind, c.achieved, c.total, c.when, c.modality) for c in extract(text, catalog=cat).claims]


def test_a_year_named_in_a_sentence_scopes_its_figures(cat):
    got = one(
        "Tháng 9/2023. Năm 2017, xã Liên Minh đạt chuẩn với 19/19 tiêu chí, 49/49 chỉ tiêu nông thôn mới; "
        "đến nay xã đạt 17/19 tiêu chí, 54/57 chỉ tiêu nông thôn mới.",
        cat,
    )
    assert got == [
        ("xa-ntm-2016", "criteria", 19, 19, "2017", "past"),
        ("xa-ntm-2016", "indicators", 49, 49, "2017", "past"),
        ("xa-ntm-2021", "criteria", 17, 19, None, "current"),
        ("xa-ntm-2021", "indicators", 54, 57, None, "current"),
    ]


@pytest.mark.parametrize(
    "when,code",
    [
        ("Năm 2013", "xa-ntm-2010"),  # QĐ 491/2009, revised 2013
        ("Tháng 10/2021", "xa-ntm-2016"),  # QĐ 318 dates from 08/03/2022
        ("Ngày 01/3/2022", "xa-ntm-2016"),
        ("Tháng 3/2022", "xa-ntm-2021"),
        ("Tháng 12/2025", "xa-ntm-2021"),
        ("Tháng 3/2026", "xa-ntm-2026"),  # QĐ 51/2025 in force from 15/02/2026
    ],
)
def test_the_set_is_the_one_in_force_when_the_figures_stand(cat, when, code):
    total = 10 if code == "xa-ntm-2026" else 19
    assert one(f"{when}, xã An Phú đạt 8/{total} tiêu chí nông thôn mới.", cat)[0][0] == code


def test_nineteen_criteria_is_never_the_2026_set(cat):
    got = one(
        "Ngày 12/5/2026: trước khi sắp xếp, các xã cũ đã đạt 19/19 tiêu chí nông thôn mới; hiện nay xã Vĩnh Hải "
        "đạt 6/10 tiêu chí nông thôn mới.",
        cat,
    )
    assert [g[0] for g in got] == ["xa-ntm-2021", "xa-ntm-2026"]


def test_stated_totals_of_a_later_set_hold_for_the_whole_text(cat):
    """A February 2022 text counting 57 indicators (QĐ 318 came out on 08/03/2022) uses the 2021–2025 sets:
    its other figures of the same tier follow, and a wrong total among them is an error of the text."""
    r = extract(
        "Bản tin tháng 2/2022\n\n"
        "+ Xã An Phú: đạt 17/19 tiêu chí với 55/57 chỉ tiêu nông thôn mới; 15/19 tiêu chí với 70/75 chỉ tiêu "
        "nông thôn mới nâng cao.\n"
        "+ Xã Bình Hòa: đạt 18/19 tiêu chí với 56/57 chỉ tiêu nông thôn mới; 18/19 tiêu chí với 56/57 chỉ "
        "tiêu nông thôn mới nâng cao.\n",
        catalog=cat,
    )
    assert [(c.set, c.achieved, c.total) for c in r.claims] == [
        ("xa-ntm-2021", 17, 19),
        ("xa-ntm-2021", 55, 57),
        ("xa-nang-cao-2021", 15, 19),
        ("xa-nang-cao-2021", 70, 75),
        ("xa-ntm-2021", 18, 19),
        ("xa-ntm-2021", 56, 57),
        ("xa-nang-cao-2021", 18, 19),
        ("xa-nang-cao-2021", 56, 57),
    ]
    assert [f.code for f in r.errors] == ["total-mismatch"]


def test_a_criteria_count_alone_does_not_move_a_text_to_another_phase(cat):
    """The district set has had 9 criteria since 2016: "9/9 tiêu chí" in 2019 is not the 2021 set."""
    got = one("Năm 2019, huyện Nghĩa Hưng đạt 9/9 tiêu chí huyện nông thôn mới.", cat)
    assert got[0][0] is None
