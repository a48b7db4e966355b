"""The sentences bulletins and pages write about results, as officials write them."""

from __future__ import annotations

from ntm.core.sentences import rollup_sentence, scorecard_phrase, unit_line


def test_a_commune_line_lists_each_set_scorecard():
    phrases = [
        scorecard_phrase(17, 19, 54, 57, "nông thôn mới"),
        scorecard_phrase(17, 19, 70, 75, "nông thôn mới nâng cao"),
    ]
    assert unit_line("Xã Nguyên Lý", phrases) == (
        "Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới; "
        "17/19 tiêu chí với 70/75 chỉ tiêu nông thôn mới nâng cao"
    )
    assert scorecard_phrase(16, 19, 53, 57) == "16/19 tiêu chí với 53/57 chỉ tiêu"
    assert unit_line("Xã Công Lý (cũ)", []) == "Xã Công Lý (cũ): chưa có kết quả đánh giá"


def test_a_rollup_sentence_with_comma_decimals_and_thousands():
    common = dict(criteria_total=19, indicators_total=57)
    assert (
        rollup_sentence(
            units_total=20,
            units_with_results=20,
            units_at_standard=14,
            average_criteria=17.87,
            average_indicators=55.75,
            **common,
        )
        == "20 xã đạt bình quân 17,87/19 tiêu chí; 55,75/57 chỉ tiêu; 14/20 xã đạt chuẩn (70,00%)"
    )
    national = rollup_sentence(
        units_total=7692,
        units_with_results=7692,
        units_at_standard=6084,
        average_criteria=18.5,
        average_indicators=55,
        **common,
    )
    assert "6.084/7.692 xã đạt chuẩn (79,10%)" in national
    assert (
        rollup_sentence(
            units_total=3,
            units_with_results=0,
            units_at_standard=0,
            average_criteria=None,
            average_indicators=None,
            **common,
        )
        == "3 xã: chưa có kết quả"
    )
