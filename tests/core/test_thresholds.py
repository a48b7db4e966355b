"""Which threshold applies: region, year, ĐBKK/ATK override, province overlay, relative (kiểu mẫu) values.

The 2016–2020 set has real per-region numbers (thresholds.md §1), so it carries most of these checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ntm.core.catalog import Context, Kind, load_catalog
from ntm.core.evaluation.engine import rule_outcome


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def sel(cat, set_code, code, **ctx):
    t = cat.get(set_code).threshold(code, Context(**ctx))
    return None if t is None else (t.value, t.scope)


# -- regions ------------------------------------------------------------------------------------
def test_continuation_rate_75_meets_tay_nguyen_but_not_dong_bang_song_hong(cat):
    s = cat.get("xa-ntm-2016")
    ind = s.by_code["14.2"]
    tn = s.threshold("14.2", Context(region="TN", year=2019))
    assert (tn.value, tn.scope, tn.note) == (70, "region:TN", None)
    assert rule_outcome(ind, 75.0, tn) is True
    dbsh = s.threshold("14.2", Context(region="DBSH", year=2019))
    assert (dbsh.value, dbsh.scope) == (90, "region:DBSH")
    assert rule_outcome(ind, 75.0, dbsh) is False
    assert dbsh.provenance.source.startswith("S-GD:") and dbsh.provenance.tag.value == "NEWS"
    assert sel(cat, "xa-ntm-2016", "14.2") == (85, "national")  # region unknown: the national value


def test_every_region_and_the_national_value_of_14_3(cat):
    got = {
        r: sel(cat, "xa-ntm-2016", "14.3", region=r)[0]
        for r in ("TDMNPB", "DBSH", "BTB", "DHNTB", "TN", "DNB", "DBSCL")
    }
    assert got == {"TDMNPB": 25, "DBSH": 40, "BTB": 40, "DHNTB": 40, "TN": 25, "DNB": 45, "DBSCL": 25}
    assert sel(cat, "xa-ntm-2016", "14.3") == (40, "national")


def test_region_without_its_own_value_falls_back_to_national(cat):
    assert sel(cat, "xa-ntm-2016", "5", region="DBSCL") == (70, "region:DBSCL")
    assert sel(cat, "xa-ntm-2016", "5", region="TN") == (80, "national")


def test_stunting_is_a_maximum(cat):
    s = cat.get("xa-ntm-2016")
    ind = s.by_code["15.3"]
    assert ind.kind == Kind.MAX_PERCENT
    tn, dbsh = s.threshold("15.3", Context(region="TN")), s.threshold("15.3", Context(region="DBSH"))
    assert (tn.value, dbsh.value) == (31.4, 13.9)
    assert rule_outcome(ind, 20.0, tn) is True  # 20 % ≤ 31,4 %
    assert rule_outcome(ind, 20.0, dbsh) is False  # 20 % > 13,9 %


# -- years --------------------------------------------------------------------------------------
def test_income_2020_by_region(cat):
    s = cat.get("xa-ntm-2016")
    ind = s.by_code["10"]
    mountain = s.threshold("10", Context(region="TDMNPB", year=2020))
    assert (mountain.value, mountain.scope, mountain.year) == (36, "region:TDMNPB", 2020)
    national = s.threshold("10", Context(region=None, year=2020))
    assert (national.value, national.scope, national.year) == (45, "national", 2020)
    assert rule_outcome(ind, 40.0, mountain) is True and rule_outcome(ind, 40.0, national) is False
    assert sel(cat, "xa-ntm-2016", "10", region="DNB", year=2020) == (59, "region:DNB")


@pytest.mark.parametrize("year", [2018, 2021, None])
def test_income_is_year_keyed(cat, year):
    """Only 2020 values are known: other years have no threshold, so the official's assessment decides."""
    assert sel(cat, "xa-ntm-2016", "10", region="TDMNPB", year=year) is None
    assert sel(cat, "xa-ntm-2016", "10", year=year) is None


def test_2021_income_poverty_and_insurance_have_no_threshold(cat):
    for code in ("10", "11", "15.1"):
        assert sel(cat, "xa-ntm-2021", code, region="DBSH", year=2023) is None


# -- ĐBKK / ATK communes take the Trung du và miền núi phía Bắc values ---------------------------
def test_special_commune_uses_tdmnpb_values_in_the_basic_set(cat):
    s = cat.get("xa-ntm-2021")
    t = s.threshold("6.3", Context(special=True, region="DBSH", year=2023))
    assert (t.value, t.scope) == (100, "region:TDMNPB")
    assert "Trung du và miền núi phía Bắc" in t.note
    plain = s.threshold("6.3", Context(region="DBSH", year=2023))
    assert (plain.scope, plain.note) == ("region:DBSH", None)


def test_special_commune_uses_tdmnpb_values_in_the_advanced_set(cat):
    """Electricity (QĐ 1327/QĐ-BCT): ĐBSH 100 %, TDMNPB 98 %."""
    assert sel(cat, "xa-nang-cao-2021", "4.2", region="DBSH") == (100, "region:DBSH")
    assert sel(cat, "xa-nang-cao-2021", "4.2", region="DBSH", special=True) == (98, "region:TDMNPB")
    assert sel(cat, "xa-nang-cao-2021", "4.2", region="BTB") == (99, "region:BTB")
    assert sel(cat, "xa-nang-cao-2021", "4.2") is None  # the source gives no national value


def test_no_override_in_the_2016_set(cat):
    assert sel(cat, "xa-ntm-2016", "14.2", region="DBSH", special=True) == (90, "region:DBSH")


def test_region_only_values_do_not_apply_elsewhere(cat):
    assert sel(cat, "xa-ntm-2021", "9.2", region="DBSCL") == (85, "region:DBSCL")
    assert sel(cat, "xa-ntm-2021", "9.2", region="TN") is None


# -- provincial overlays ------------------------------------------------------------------------
OVERLAY = """\
overlay: {set}
province: "35"
region: DBSH
name: Điều chỉnh thử của tỉnh
legal_basis: {{decision: "QĐ thử/QĐ-UBND", provenance: {{source: test, tag: LOCAL}}}}
indicators:
  - indicator: "{code}"
    thresholds:
      - {{scope: "province:35", {year}value: {value}, provenance: {{source: QĐ thử của tỉnh, tag: LOCAL}}}}
"""


def with_overlay(tmp_path: Path, set_code: str, code: str, value, year: int | None = None):
    text = OVERLAY.format(set=set_code, code=code, value=value, year=f"year: {year}, " if year else "")
    (tmp_path / f"{set_code}-{code}.yaml").write_text(text, encoding="utf-8")
    return load_catalog([tmp_path])


def test_province_value_wins_over_the_region_value(tmp_path):
    cat = with_overlay(tmp_path, "xa-ntm-2016", "14.2", 95)
    s = cat.get("xa-ntm-2016")
    t = s.threshold("14.2", Context(region="DBSH", province="35", year=2019))
    assert (t.value, t.scope, t.provenance.tag.value, t.provenance.source) == (
        95,
        "province:35",
        "LOCAL",
        "QĐ thử của tỉnh",
    )
    assert sel(cat, "xa-ntm-2016", "14.2", region="DBSH", province="01") == (90, "region:DBSH")  # other provinces
    assert sel(cat, "xa-ntm-2016", "14.2", region="DBSH") == (90, "region:DBSH")
    assert len(s.thresholds_of("14.2")) == 9 and len(s.by_code["14.2"].thresholds) == 8  # the file itself is unchanged


def test_overlays_do_not_leak_into_other_catalogues(tmp_path):
    with_overlay(tmp_path, "xa-ntm-2016", "14.2", 95)
    assert sel(load_catalog(), "xa-ntm-2016", "14.2", region="DBSH", province="35") == (90, "region:DBSH")


def test_province_fills_a_missing_year_keyed_income(tmp_path):
    cat = with_overlay(tmp_path, "xa-ntm-2021", "10", 60, year=2023)
    assert sel(cat, "xa-ntm-2021", "10", region="DBSH", province="35", year=2023) == (60, "province:35")
    assert sel(cat, "xa-ntm-2021", "10", region="DBSH", province="35", year=2022) is None


# -- kiểu mẫu: income ≥ 110 % of the advanced-NTM income --------------------------------------------
def test_model_commune_income_unknown_while_the_advanced_income_is_unknown(cat):
    km = cat.get("xa-kieu-mau-2021")
    assert km.by_code["2"].relative_to.factor == 1.1
    assert km.threshold("2", Context(region="DBSH", year=2024)) is None
    assert km.threshold("2", Context(region="DBSH", province="35", year=2024, special=True)) is None


def test_model_commune_income_is_110_percent_of_the_advanced_one(tmp_path):
    cat = with_overlay(tmp_path, "xa-nang-cao-2021", "10", 70, year=2024)
    km = cat.get("xa-kieu-mau-2021")
    t = km.threshold("2", Context(region="DBSH", province="35", year=2024))
    assert t.value == pytest.approx(77.0) and (t.scope, t.year) == ("province:35", 2024)
    assert "110% × 70" in t.note and "xa-nang-cao-2021" in t.note
    assert t.provenance.tag.value == "NEWS"  # the 110 % rule is QĐ 319's, the base value the province's
    assert km.threshold("2", Context(region="DBSH", province="35", year=2023)) is None
    assert km.threshold("2", Context(region="DBSH", province="01", year=2024)) is None


RELATIVE_SETS = """\
code: tinh-nang-cao
name: Bộ nâng cao thử
phase: 2021-2025
level: commune
tier: nang_cao
legal_basis: {decision: thử, provenance: {source: test, tag: LOCAL}}
valid_from: 2022-03-08
criteria:
  - number: 1
    name: Thu nhập
    provenance: {source: test, tag: LOCAL}
    indicators:
      - code: "1"
        content: Thu nhập bình quân đầu người
        kind: min_amount
        unit: triệu đồng/người/năm
        provenance: {source: test, tag: LOCAL}
        thresholds:
          - {scope: national, value: 60, provenance: {source: test, tag: LOCAL}}
          - {scope: "region:TN", from_year: 2022, to_year: 2023, value: 50, provenance: {source: test, tag: LOCAL}}
---
code: tinh-kieu-mau
name: Bộ kiểu mẫu thử
phase: 2021-2025
level: commune
tier: kieu_mau
legal_basis: {decision: thử, provenance: {source: test, tag: LOCAL}}
valid_from: 2022-03-08
prerequisite: tinh-nang-cao
criteria:
  - number: 1
    name: Thu nhập
    provenance: {source: test, tag: LOCAL}
    indicators:
      - code: "1"
        content: Thu nhập cao hơn 10% so với mức nâng cao
        kind: min_amount
        provenance: {source: test, tag: LOCAL}
        relative_to: {set: tinh-nang-cao, indicator: "1", factor: 1.1, provenance: {source: test, tag: LOCAL}}
"""


def test_relative_threshold_follows_the_base_scope_and_years(tmp_path):
    first, second = RELATIVE_SETS.split("---\n")
    (tmp_path / "tinh-nang-cao.yaml").write_text(first, encoding="utf-8")
    (tmp_path / "tinh-kieu-mau.yaml").write_text(second, encoding="utf-8")
    cat = load_catalog([tmp_path], builtin=False)
    km = cat.get("tinh-kieu-mau")
    assert sel(cat, "tinh-kieu-mau", "1", region="DBSH", year=2024) == (pytest.approx(66.0), "national")
    t = km.threshold("1", Context(region="TN", year=2023))
    assert (t.value, t.scope, t.year) == (pytest.approx(55.0), "region:TN", 2023)  # 1,1 × 50, a from/to-year value
    assert sel(cat, "tinh-kieu-mau", "1", region="TN", year=2024) == (pytest.approx(66.0), "national")


# -- commune groups (2026–2030) -------------------------------------------------------------------
GROUP_SET = """\
code: thu-nhom
name: Bộ thử theo nhóm xã
phase: 2026-2030
level: commune
tier: ntm
scope_kind: group
legal_basis: {decision: thử, provenance: {source: test, tag: LOCAL}}
valid_from: 2026-02-15
criteria:
  - number: 1
    name: Giảm nghèo
    provenance: {source: test, tag: LOCAL}
    indicators:
      - code: "1.1"
        content: Tỷ lệ nghèo đa chiều
        kind: max_percent
        provenance: {source: test, tag: LOCAL}
        thresholds:
          - {scope: national, value: 3, provenance: {source: test, tag: LOCAL}}
          - {scope: "group:3", value: 10, provenance: {source: test, tag: LOCAL}}
"""


def test_group_keyed_set_ignores_regions(tmp_path):
    (tmp_path / "thu-nhom.yaml").write_text(GROUP_SET, encoding="utf-8")
    cat = load_catalog([tmp_path], builtin=False)
    assert sel(cat, "thu-nhom", "1.1", group="3") == (10, "group:3")
    assert sel(cat, "thu-nhom", "1.1", group="1") == (3, "national")
    # a commune without a group ("chưa phân nhóm"): the values differ by group, none applies —
    # not even the national one — and the official's assessment decides
    assert cat.get("thu-nhom").threshold("1.1", Context(region="TDMNPB", special=True, year=2026)) is None
    assert cat.get("thu-nhom").needs_group("1.1", Context(year=2026))


def test_the_2026_set_is_keyed_by_group_and_has_no_threshold_yet(cat):
    s = cat.get("xa-ntm-2026")
    assert s.data.scope_kind == "group"
    assert all(s.threshold(c, Context(group="3", year=2026)) is None for c in s.indicator_codes())
