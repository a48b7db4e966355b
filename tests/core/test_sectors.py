"""Responsible sectors are named as today's bodies, at the level of the unit the document is for."""

from __future__ import annotations

import pytest

from ntm.core.catalog import load_catalog
from ntm.core.sectors import OverridesError, current_ministry, defaults_for, parse_overrides, responsible


def test_ministries_merged_in_2025_take_their_new_name():
    assert current_ministry("Bộ Nông nghiệp và Phát triển nông thôn") == "Bộ Nông nghiệp và Môi trường"
    assert current_ministry("Bộ Tài nguyên và Môi trường") == "Bộ Nông nghiệp và Môi trường"
    assert current_ministry("Bộ Giao thông vận tải") == "Bộ Xây dựng"
    assert current_ministry("Bộ Thông tin và Truyền thông") == "Bộ Khoa học và Công nghệ"
    # labour went to Bộ Nội vụ, poverty reduction to Bộ Nông nghiệp và Môi trường
    assert current_ministry("Bộ Lao động - Thương binh và Xã hội", "Lao động") == "Bộ Nội vụ"
    assert current_ministry("Bộ Lao động - Thương binh và Xã hội", "Nghèo đa chiều") == "Bộ Nông nghiệp và Môi trường"
    assert current_ministry("Bộ Y tế") == "Bộ Y tế"


def test_each_level_names_its_own_department():
    old = "Bộ Nông nghiệp và Phát triển nông thôn"
    assert responsible(old, level="country") == "Bộ Nông nghiệp và Môi trường"
    assert responsible(old, level="district") == "Bộ Nông nghiệp và Môi trường"
    assert responsible(old, level="province") == "Sở Nông nghiệp và Môi trường"
    assert responsible(old, level="commune", unit_type="Xã") == "Phòng Kinh tế"
    assert responsible(old, level="commune", unit_type="Phường") == "Phòng Kinh tế, Hạ tầng và Đô thị"
    assert responsible("Bộ Y tế", level="commune", unit_type="Xã") == "Phòng Văn hóa - Xã hội"
    assert responsible("Bộ Giao thông vận tải", level="province") == "Sở Xây dựng"


def test_several_bodies_are_named_each_and_bodies_without_a_local_counterpart_keep_their_name():
    text = "Bộ Nội vụ; Bộ Tư pháp (tiếp cận pháp luật); Ban Tổ chức Trung ương"
    assert responsible(text, level="province") == "Sở Nội vụ; Sở Tư pháp (tiếp cận pháp luật); Ban Tổ chức Trung ương"
    assert responsible("Bộ Quốc phòng; Bộ Công an", level="province") == "Bộ Quốc phòng; Bộ Công an"
    # NN&PTNT and TN&MT both become the same department: named once
    assert (
        responsible("Bộ Nông nghiệp và Phát triển nông thôn; Bộ Tài nguyên và Môi trường", level="province")
        == "Sở Nông nghiệp và Môi trường"
    )


def test_a_units_setting_wins_by_criterion_or_by_ministry():
    over = parse_overrides(
        "# ngành của huyện\n17 = Phòng Tài nguyên và Môi trường huyện\n"
        "Bộ Nông nghiệp và Môi trường = Phòng Nông nghiệp huyện\n\n"
        "bộ  y tế = Trung tâm Y tế huyện"
    )
    old = "Bộ Nông nghiệp và Phát triển nông thôn"
    assert (
        responsible("Bộ Tài nguyên và Môi trường", criterion=17, overrides=over)
        == "Phòng Tài nguyên và Môi trường huyện"
    )
    assert (
        responsible(old, criterion=3, level="province", overrides=over) == "Phòng Nông nghiệp huyện"
    )  # by current name
    assert responsible("Bộ Y tế", criterion=15, overrides=over) == "Trung tâm Y tế huyện"  # case and spaces folded
    assert responsible(None, criterion=17, overrides=over) == "Phòng Tài nguyên và Môi trường huyện"
    assert responsible(None, criterion=2, overrides=over) is None


def test_unreadable_lines_are_named():
    with pytest.raises(OverridesError) as e:
        parse_overrides("Bộ Y tế = Trạm Y tế\nBộ Xây dựng Phòng Kinh tế\n = Phòng Kinh tế")
    assert [n for n, _ in e.value.problems] == [2, 3]
    assert "dòng 2" in str(e.value) and "'='" in str(e.value)


def test_no_pre_2025_ministry_name_is_left_in_any_default():
    """Every sector in the shipped catalogue gets a current name at every level."""
    gone = (
        "Phát triển nông thôn",
        "Tài nguyên và Môi trường",
        "Giao thông vận tải",
        "Thông tin và Truyền thông",
        "Lao động - Thương binh và Xã hội",
        "Kế hoạch và Đầu tư",
    )
    ministries = sorted({c.sector.ministry for s in load_catalog() for c in s.criteria if c.sector})
    assert ministries
    for level, kind in (("country", ""), ("district", ""), ("province", ""), ("commune", "Xã"), ("commune", "Phường")):
        for old, named in defaults_for(ministries, level, kind):
            assert not any(g in named for g in gone), (level, old, named)
