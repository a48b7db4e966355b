"""The standards a xã works towards and the national sets that stand for them, in officials' order."""

from __future__ import annotations

from ntm.core.catalog import default_catalog
from ntm.core.standards import TIERS, national_commune_sets, set_order


def test_the_sets_a_xa_is_recognised_at_by_phase_then_tier():
    codes = [s.code for s in national_commune_sets(default_catalog())]
    assert codes[:2] == ["xa-ntm-2010", "xa-ntm-2016"]
    assert codes.index("xa-ntm-2021") < codes.index("xa-nang-cao-2021") < codes.index("xa-kieu-mau-2021")
    assert "huyen-ntm-2021" not in codes and "xa-ntm-hien-dai-2026" not in codes  # districts; not by decision


def test_sets_sort_by_tier_then_phase_and_unknown_codes_last():
    cat = default_catalog()
    got = sorted(
        ["da-xoa", "xa-kieu-mau-2021", "xa-ntm-2026", "xa-nang-cao-2021", "xa-ntm-2021"],
        key=lambda c: set_order(cat, c),
    )
    assert got == ["xa-ntm-2021", "xa-ntm-2026", "xa-nang-cao-2021", "xa-kieu-mau-2021", "da-xoa"]
    assert TIERS[0] == "ntm"


def test_the_next_standard_follows_the_tiers_of_the_period():
    from ntm.core.standards import next_tier

    tiers_2021 = {"ntm": 1, "nang_cao": 2, "kieu_mau": 3}
    assert [next_tier(b, tiers_2021) for b in ("nodata", "below", "ntm", "nang_cao", "kieu_mau")] == [
        "ntm",
        "ntm",
        "nang_cao",
        "kieu_mau",
        None,
    ]
    assert next_tier("ntm", {"ntm": 1, "hien_dai": 2}) == "hien_dai"  # 2026–2030
