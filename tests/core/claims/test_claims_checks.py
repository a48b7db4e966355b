"""Each kind of inconsistency, on short texts written the way bulletins are."""

from __future__ import annotations

import pytest

from ntm.core.claims import compare_with, extract

DATE = "Bản tin tháng 9/2023.\n"


def findings(text, cat, **kw):
    r = extract(DATE + text, catalog=cat, **kw)
    for f in r.findings:  # every finding points at text that is really there
        assert r.text[f.span[0] : f.span[1]] == f.text
    return r, [(f.severity, f.code, f.reported, f.expected) for f in r.findings]


def test_consistent_text_gives_nothing(cat):
    text = (
        "+ Xã An Bình: đạt 17/19 tiêu chí (89,47%) với 54/57 chỉ tiêu nông thôn mới; còn 2 tiêu chí chưa đạt: "
        "tiêu chí số 1 và 17; chưa đạt các chỉ tiêu 1.1; 17.2; 17.7.\n"
        "Cả nước có 6.084/7.669 xã (79,3%) đạt chuẩn nông thôn mới."
    )
    r, got = findings(text, cat)
    assert got == []
    an_binh = r.claims[0]
    assert (an_binh.unmet_count, [i.code for i in an_binh.unmet]) == (2, ["1", "17"])


# -- percentages --------------------------------------------------------------------------------
def test_percent_mismatch(cat):
    r, got = findings("Xã An Bình đạt 17/19 tiêu chí nông thôn mới (90%).", cat)
    assert got == [("error", "percent-mismatch", "90%", "89,47%")]
    f = r.findings[0]
    assert f.text == "90%" and f.subject == "Xã An Bình" and f.set == "xa-ntm-2021"
    assert f.message == "Tỷ lệ 90% không khớp với 17/19 tiêu chí: 17/19 = 89,47%."


@pytest.mark.parametrize(
    "text,ok",
    [
        ("8 xã đạt: 17,87/19 tiêu chí đạt 94%", True),  # 94,05 — within ±0,5
        ("8 xã đạt: 55,75/57 chỉ tiêu đạt 97,8%", True),  # 97,807 — within ±0,05
        ("Xã A đạt 16/19 tiêu chí (84,21%)", True),
        ("Xã A đạt 16/19 tiêu chí (84,2%)", True),
        ("Xã A đạt 16/19 tiêu chí (84,3%)", False),  # 84,21 is not 84,3 ± 0,05
        ("Xã A đạt 16/19 tiêu chí (84,22%)", False),  # ± 0,005
        ("Xã A đạt 16/19 tiêu chí (85%)", False),
        ("Xã A đạt 16/19 tiêu chí (84%)", True),
        ("Xã A đạt 17/19 tiêu chí, đạt tỷ lệ 89,5%", True),
        ("cả nước có 6.084/7.669 xã (80,5%) đạt chuẩn nông thôn mới", False),
    ],
)
def test_percent_tolerance_follows_stated_precision(cat, text, ok):
    _, got = findings(text + " nông thôn mới.", cat)
    assert (got == []) is ok, got


def test_percent_before_the_fraction(cat):
    _, got = findings("Xã A đạt 95% (17/19 tiêu chí nông thôn mới).", cat)
    assert got == [("error", "percent-mismatch", "95%", "89,47%")]


# -- unmet lists ---------------------------------------------------------------------------------
def test_listed_unmet_count_differs_from_stated_count(cat):
    _, got = findings("Xã A đạt 17/19 tiêu chí nông thôn mới, còn 2 tiêu chí chưa đạt: tiêu chí số 1; 15 và 17.", cat)
    assert got == [("error", "unmet-list-count", "3", "2")]


def test_listed_unmet_count_differs_from_total_minus_achieved(cat):
    _, got = findings("Xã A đạt 54/57 chỉ tiêu nông thôn mới, chưa đạt các chỉ tiêu 1.1; 1.2; 15.1; 17.2.", cat)
    assert got == [("error", "unmet-count-mismatch", "4", "3")]


def test_stated_unmet_count_differs_from_total_minus_achieved(cat):
    _, got = findings("Xã A đạt 16/19 tiêu chí nông thôn mới, còn 2 tiêu chí chưa đạt.", cat)
    assert got == [("error", "unmet-count-mismatch", "2", "3")]


def test_unmet_list_in_the_next_sentence_is_attached(cat):
    r, got = findings("Xã A đạt 55/57 chỉ tiêu nông thôn mới. Các chỉ tiêu chưa đạt gồm: 15.1, 17.2, 17.7.", cat)
    assert got == [("error", "unmet-count-mismatch", "3", "2")]
    assert len(r.claims) == 1


# -- implied criteria ------------------------------------------------------------------------------
def test_unmet_indicator_implies_unmet_criterion(cat):
    text = (
        "Xã Phú Mỹ đạt 16/19 tiêu chí với 71/75 chỉ tiêu nông thôn mới nâng cao; còn 3 tiêu chí chưa đạt là 1, 13, 17;"
        " các chỉ tiêu chưa đạt gồm: 1.1, 13.5, 14.2, 17.6."
    )
    r, got = findings(text, cat)
    assert got == [("error", "implied-criteria-mismatch", "1; 13; 17", "có tiêu chí 14")]
    assert r.findings[0].text == "14.2"
    assert "Chỉ tiêu 14.2 chưa đạt nên tiêu chí 14 chưa đạt" in r.findings[0].message


def test_unmet_criterion_without_unmet_indicator(cat):
    text = (
        "Xã Phú Mỹ đạt 16/19 tiêu chí với 72/75 chỉ tiêu nông thôn mới nâng cao; còn 3 tiêu chí chưa đạt là 1, 15, 17;"
        " các chỉ tiêu chưa đạt gồm: 1.1, 17.2, 17.6."
    )
    _, got = findings(text, cat)
    assert got == [("error", "implied-criteria-mismatch", "15", "1; 17")]


def test_unmet_indicators_spread_over_more_criteria_than_unmet(cat):
    text = "Xã A đạt 18/19 tiêu chí, 55/57 chỉ tiêu nông thôn mới; chưa đạt các chỉ tiêu 1.1; 15.1."
    _, got = findings(text, cat)
    assert got == [("error", "implied-criteria-mismatch", "2", "1")]


def test_all_criteria_met_but_not_all_indicators(cat):
    _, got = findings("Xã Tân Phú đạt 19/19 tiêu chí, 55/57 chỉ tiêu nông thôn mới.", cat)
    assert got == [("error", "criteria-indicators-mismatch", "55/57", "57/57")]


def test_more_unmet_criteria_than_unmet_indicators(cat):
    _, got = findings("Xã Tân Phú đạt 15/19 tiêu chí, 55/57 chỉ tiêu nông thôn mới.", cat)
    assert [g[1] for g in got] == ["criteria-indicators-mismatch"]


# -- the catalogue -----------------------------------------------------------------------------------
def test_total_does_not_match_the_named_set(cat):
    r, got = findings("Xã Hòa Lạc đạt 16/19 tiêu chí, 53/57 chỉ tiêu nông thôn mới nâng cao.", cat)
    assert got == [("error", "total-mismatch", "57", "75")]
    assert r.findings[0].text == "57"
    assert "(xa-nang-cao-2021) có 75 chỉ tiêu" in r.findings[0].message


def test_criteria_total_does_not_match(cat):
    _, got = findings("Xã Hòa Lạc đạt 16/20 tiêu chí nông thôn mới.", cat)
    assert got == [("error", "total-mismatch", "20", "19")]


def test_no_total_check_where_the_catalogue_total_is_not_authoritative(cat):
    # kiểu mẫu: the catalogue lists 4 indicators, bulletins count 10; huyện NTM: placeholders, no declared total
    text = (
        "Thực hiện Bộ tiêu chí huyện nông thôn mới, huyện Đầm Hà đạt 8/9 tiêu chí, 33/36 chỉ tiêu. "
        "Xã Quảng Tân đạt 3/4 tiêu chí, 7/10 chỉ tiêu nông thôn mới kiểu mẫu."
    )
    r, got = findings(text, cat)
    assert [c.set for c in r.claims] == ["huyen-ntm-2021"] * 2 + ["xa-kieu-mau-2021"] * 2
    assert got == []


def test_declared_district_total_is_checked(cat):
    _, got = findings("Huyện Đầm Hà đạt 7/9 tiêu chí, 33/40 chỉ tiêu huyện nông thôn mới nâng cao.", cat)
    assert got == [("error", "total-mismatch", "40", "38")]


def test_no_code_check_where_the_set_has_placeholders(cat):
    # xa-nang-cao-2021 is mostly placeholders: 13.9 may exist; criterion 23 does not
    _, got = findings("Xã A đạt 73/75 chỉ tiêu nông thôn mới nâng cao, chưa đạt các chỉ tiêu 13.9; 23.1.", cat)
    assert [(g[1], g[2]) for g in got] == [("unknown-code", "23.1")]


def test_achieved_above_total(cat):
    _, got = findings("Xã Kim Sơn đạt 20/19 tiêu chí nông thôn mới.", cat)
    assert got == [("error", "achieved-above-total", "20/19", "≤ 19")]


def test_average_above_total(cat):
    r, got = findings("Bình quân 9 xã đạt 19,5/19 tiêu chí nông thôn mới.", cat)
    assert got == [("error", "average-above-total", "19,5/19", "≤ 19")]
    assert r.claims[0].aggregate_of == 9


def test_average_per_commune_above_the_set_total(cat):
    _, got = findings("Bình quân toàn huyện đạt 19,3 tiêu chí/xã theo Bộ tiêu chí xã nông thôn mới.", cat)
    assert [g[1] for g in got] == ["average-above-total"]


def test_achieved_without_total_above_the_set(cat):
    _, got = findings("Xã B đạt 21 tiêu chí nông thôn mới.", cat)
    assert got == [("error", "achieved-above-set-total", "21", "≤ 19")]


def test_code_not_in_the_set(cat):
    r, got = findings("Xã Đông Sơn đạt 54/57 chỉ tiêu nông thôn mới, chưa đạt các chỉ tiêu 1.1; 17.15; 23.1.", cat)
    assert [(g[1], g[2]) for g in got] == [("unknown-code", "17.15"), ("unknown-code", "23.1")]
    assert "không có chỉ tiêu 23.1: bộ không có tiêu chí số 23" in r.findings[1].message


def test_criterion_number_not_in_the_set(cat):
    _, got = findings("Xã Đông Sơn đạt 18/19 tiêu chí nông thôn mới, còn 1 tiêu chí chưa đạt: tiêu chí số 21.", cat)
    assert got == [("error", "unknown-code", "21", "1–19")]


def test_duplicate_code_is_a_warning(cat):
    _, got = findings("Xã A đạt 55/57 chỉ tiêu nông thôn mới, chưa đạt các chỉ tiêu 17.2; 17.2.", cat)
    assert got == [("warning", "duplicate-code", "17.2", None)]


# -- figures against each other --------------------------------------------------------------------------
def test_self_contradiction(cat):
    r, got = findings(
        "Xã An Bình đạt 17/19 tiêu chí nông thôn mới.\n\nKết quả: xã An Bình đạt 16/19 tiêu chí nông thôn mới.", cat
    )
    assert got == [("error", "contradiction", "16/19", "17/19")]
    f = r.findings[0]
    assert f.related_span is not None and r.text[f.related_span[0] : f.related_span[1]] == "17/19"


def test_past_and_target_figures_are_not_contradictions(cat):
    text = (
        "Xã Phú Mỹ: đầu năm đạt 66/75 chỉ tiêu nông thôn mới nâng cao; đến nay đạt 70/75 chỉ tiêu, tăng 04 chỉ tiêu "
        "so với đầu năm. Xã Phú Mỹ phấn đấu đến cuối năm đạt 75/75 chỉ tiêu nông thôn mới nâng cao."
    )
    r, got = findings(text, cat)
    assert got == []
    assert [c.modality for c in r.claims] == ["past", "current", "target"]
    assert r.claims[1].change.delta == 4 and r.claims[1].change.since == "đầu năm"


def test_change_that_does_not_add_up(cat):
    text = (
        "Xã Phú Mỹ: đầu năm đạt 66/75 chỉ tiêu nông thôn mới nâng cao; đến nay đạt 70/75 chỉ tiêu, tăng 02 chỉ tiêu "
        "so với đầu năm."
    )
    _, got = findings(text, cat)
    assert got == [("warning", "change-mismatch", "2", "4")]


def test_impossible_change(cat):
    _, got = findings("Xã A đạt 5/57 chỉ tiêu nông thôn mới, tăng 10 chỉ tiêu so với năm 2022.", cat)
    assert got == [("error", "change-impossible", "10", "≤ 5")]


def test_fractional_figure_for_one_commune(cat):
    _, got = findings("Xã A đạt 17,5/19 tiêu chí nông thôn mới.", cat)
    assert got == [("warning", "fractional-single-unit", "17,5", "một số nguyên")]


def test_recognized_but_figure_below_total(cat):
    text = "UBND tỉnh đã công nhận xã Tân Lập đạt chuẩn nông thôn mới nâng cao. Xã Tân Lập đạt 18/19 tiêu chí nông thôn mới nâng cao."
    _, got = findings(text, cat)
    assert got == [("warning", "recognized-but-unmet", "18/19", "19/19")]


# -- catalogue unavailable ---------------------------------------------------------------------------------
class Broken:
    def __contains__(self, code):
        raise RuntimeError("being written")

    def get(self, code):
        raise RuntimeError("being written")


def test_checks_that_need_no_catalogue_still_run_without_one():
    r = extract(DATE + "Xã Hòa Lạc đạt 16/19 tiêu chí (90%), 53/57 chỉ tiêu nông thôn mới nâng cao.", catalog=Broken())
    assert [f.code for f in r.findings] == ["percent-mismatch"]
    assert r.claims[0].set == "xa-nang-cao-2021"


# -- stored results ----------------------------------------------------------------------------------------
class Resolver:
    def resolve(self, name, context_names):
        return {"Xã Nguyên Lý": "xa:13570@2024", "Xã Công Lý": "xa:13573@2024"}.get(name)


def test_compare_with_stored_results(cat, load_sample):
    text, _ = load_sample("ly-nhan-ban-tin-2023-07")
    r = extract(text, catalog=cat, resolver=Resolver(), context_names=["Huyện Lý Nhân"])
    assert r.claims[0].unit_code == "xa:13570@2024" and r.claims[8].unit_code is None
    calls = []

    def lookup(unit, set_code, period):
        calls.append((unit, set_code, period.key))
        return {("xa:13570@2024", "xa-ntm-2021"): (17, 53), ("xa:13573@2024", "xa-nang-cao-2021"): (16, None)}.get(
            (unit, set_code)
        )

    out = compare_with(r, lookup)
    assert [(f.code, f.subject, f.set, f.reported, f.expected) for f in out] == [
        ("stored-mismatch", "Xã Nguyên Lý", "xa-ntm-2021", "54", "53")
    ]
    assert out[0].severity == "warning" and out[0].text == "54/57"
    assert "lưu trong hệ thống là 53 chỉ tiêu" in out[0].message
    assert ("xa:13570@2024", "xa-ntm-2021", "2023-07") in calls
    assert compare_with(r.claims, lambda *a: None) == []


def test_groups_of_communes_are_not_one_subject(cat):
    _, got = findings("Có 3 xã đạt 19/19 tiêu chí nông thôn mới; 3 xã đạt 18/19 tiêu chí nông thôn mới.", cat)
    assert got == []
