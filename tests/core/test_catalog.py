"""The criteria catalogue: the shipped set files, and the errors a province office sees when its own file is wrong.

Run without Django: ``.venv/bin/pytest tests/core -q -p no:django``.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from ntm.core.catalog import BUILTIN_DIR, CatalogError, Context, Kind, load_catalog, load_set_text
from ntm.core.codes import code_key, criterion_of, is_code, sort_codes


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


# -- the shipped sets ---------------------------------------------------------------------------
COUNTS = {
    "xa-ntm-2010": (19, 19),
    "xa-ntm-2016": (19, 49),
    "xa-ntm-2021": (19, 57),
    "xa-nang-cao-2021": (19, 75),
    "xa-kieu-mau-2021": (4, 4),
    "huyen-ntm-2021": (9, 13),
    "huyen-nang-cao-2021": (9, 38),
    "xa-ntm-2026": (10, 47),
    # QĐ 51/2025 Phụ lục II and III: only their titles are sourced, one placeholder slot each
    "xa-ntm-hien-dai-2026": (1, 1),
    "tinh-ntm-2026": (1, 1),
}


def test_all_builtin_sets_load(cat):
    assert set(cat.sets) == set(COUNTS)


@pytest.mark.parametrize("code,counts", COUNTS.items())
def test_counts(cat, code, counts):
    s = cat.get(code)
    assert (s.criteria_count, s.indicator_count) == counts
    assert [c.number for c in s.criteria] == list(range(1, counts[0] + 1))


def test_declared_totals_are_the_ones_bulletins_use(cat):
    declared = {s.code: (s.data.declared.criteria, s.data.declared.indicators) for s in cat if s.data.declared}
    assert declared == {
        "xa-ntm-2010": (19, None),  # 19 criteria are sourced; the number of indicators is not
        "xa-ntm-2016": (19, 49),
        "xa-ntm-2021": (19, 57),
        "xa-nang-cao-2021": (19, 75),
        "huyen-nang-cao-2021": (9, 38),
        "xa-ntm-2026": (10, 47),
    }
    # kiểu mẫu: bulletins say "x/10 chỉ tiêu" but only 4 are known, so no total is declared
    assert cat.get("xa-kieu-mau-2021").data.declared is None
    assert "10 chỉ tiêu" in cat.get("xa-kieu-mau-2021").data.notes


def test_file_name_is_the_set_code():
    files = sorted(BUILTIN_DIR.glob("*.yaml"))
    assert len(files) == len(COUNTS)
    for f in files:
        assert load_set_text(f.read_text(encoding="utf-8"), f.name).code == f.stem


def test_files_are_utf8_nfc_vietnamese():
    """Decomposed (NFD) Vietnamese looks the same but does not match what users type."""
    for f in BUILTIN_DIR.glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        assert unicodedata.normalize("NFC", text) == text, f.name
    assert "Thủy lợi và phòng, chống thiên tai" in (BUILTIN_DIR / "xa-ntm-2021.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", COUNTS)
def test_codes_belong_to_their_criterion_and_sort_like_officials(cat, code):
    s = cat.get(code)
    for c in s.criteria:
        assert all(criterion_of(i.code) == c.number for i in c.indicators)
        assert [i.code for i in c.indicators] == sort_codes(i.code for i in c.indicators)
    assert s.indicator_codes() == sort_codes(s.indicator_codes())


def test_single_indicator_criteria_use_the_bare_number(cat):
    codes = cat.get("xa-ntm-2021").indicator_codes()
    for bare in ("5", "7", "10", "11", "16"):
        assert bare in codes and f"{bare}.1" not in codes
    split = [len(c.indicators) for c in cat.get("xa-ntm-2021").criteria]
    assert split == [2, 4, 2, 2, 1, 3, 1, 4, 2, 1, 1, 2, 5, 2, 4, 1, 12, 6, 2]
    assert "11" in cat.get("xa-nang-cao-2021").by_code


def test_codes_seen_in_bulletins_exist(cat):
    ntm = cat.get("xa-ntm-2021").by_code
    assert {"1.1", "1.2", "15.1", "17.2", "17.7", "17.11", "8.4", "19.2"} <= set(ntm)
    nc = cat.get("xa-nang-cao-2021").by_code
    assert {
        "1.1",
        "1.2",
        "1.3",
        "11",
        "13.5",
        "14.1",
        "14.2",
        "14.3",
        "16.2",
        "17.2",
        "17.6",
        "17.12",
        "8.4",
        "15.2",
        "19.2",
    } <= set(nc)
    assert "9.5" in cat.get("huyen-ntm-2021").by_code
    assert "6.5" in cat.get("huyen-nang-cao-2021").by_code


def test_advanced_set_names_confirmed_criteria(cat):
    nc = cat.get("xa-nang-cao-2021").criterion_by_number
    assert nc[8].name == "Thông tin và Truyền thông" and nc[8].provenance.tag.value == "OFF"
    assert nc[15].name == "Hành chính công" and nc[15].provenance.tag.value == "OFF"
    assert nc[3].provenance.tag.value == "RECALL"


def test_groups_of_the_commune_sets(cat):
    for code in ("xa-ntm-2016", "xa-ntm-2021"):
        s = cat.get(code)
        assert [g.name for g in s.data.groups] == [
            "Quy hoạch",
            "Hạ tầng kinh tế - xã hội",
            "Kinh tế và tổ chức sản xuất",
            "Văn hóa - Xã hội - Môi trường",
            "Hệ thống chính trị",
        ]
        assert all(c.group for c in s.criteria)


# -- provenance rules ---------------------------------------------------------------------------
@pytest.mark.parametrize("code", COUNTS)
def test_no_number_comes_from_memory(cat, code):
    """A threshold needs a source: never RECALL or PLACEHOLDER."""
    for i in cat.get(code).indicators:
        for t in i.thresholds:
            assert t.provenance.tag.value not in ("RECALL", "PLACEHOLDER"), (code, i.code)
            assert t.provenance.source.strip()
            assert t.provenance.status == "provisional"  # nothing checked against the official text yet


@pytest.mark.parametrize("code", COUNTS)
def test_placeholders_say_so_and_carry_no_rule(cat, code):
    for i in cat.get(code).indicators:
        if i.provenance.tag.value == "PLACEHOLDER":
            # the file says content: null; pages and documents print the code and the criterion instead
            assert not i.content_known, (code, i.code)
            n = int(i.code.split(".")[0])
            assert (
                i.content == f"Chỉ tiêu {i.code} thuộc tiêu chí số {n} về {cat.get(code).criterion_by_number[n].name}"
            )
            assert not i.thresholds and i.relative_to is None
            assert i.kind == Kind.BOOLEAN


def test_sourced_threshold_counts(cat):
    """Indicators carrying at least one sourced threshold (update when an annex is loaded)."""
    with_rule = {
        s.code: sorted((i.code for i in s.indicators if i.thresholds or i.relative_to), key=code_key) for s in cat
    }
    assert len(with_rule["xa-ntm-2016"]) == 44
    assert set(cat.get("xa-ntm-2016").indicator_codes()) - set(with_rule["xa-ntm-2016"]) == {
        "6.3",
        "17.1",
        "17.7",
        "19.1",
        "19.2",
    }
    assert with_rule["xa-ntm-2021"] == [
        "3.1",
        "3.2",
        "5",
        "6.1",
        "6.2",
        "6.3",
        "7",
        "8.1",
        "8.2",
        "8.3",
        "8.4",
        "9.1",
        "9.2",
        "14.1",
    ]
    assert with_rule["xa-nang-cao-2021"] == ["4.1", "4.2", "6.1", "7"]
    assert with_rule["xa-kieu-mau-2021"] == ["1", "2", "3", "4"]
    assert with_rule["huyen-ntm-2021"] == with_rule["huyen-nang-cao-2021"] == with_rule["xa-ntm-2026"] == []
    assert with_rule["xa-ntm-2010"] == []


def test_the_2010_2015_set_holds_only_what_is_sourced(cat):
    """QĐ 491/2009 (revised by QĐ 342/2013): 19 criteria in 5 groups, the five revised in 2013 sourced, the other
    names from memory, one placeholder per criterion, no threshold and no indicator total."""
    s = cat.get("xa-ntm-2010")
    d = s.data
    assert (d.phase, d.level, d.tier, d.legal_basis.decision, str(d.valid_from)) == (
        "2010-2015",
        "commune",
        "ntm",
        "491/QĐ-TTg",
        "2009-04-16",
    )
    assert d.declared.indicators is None and s.placeholder_count == 19
    tags = {c.number: c.provenance.tag.value for c in d.criteria}
    assert {n for n, t in tags.items() if t == "NEWS"} == {7, 10, 12, 14, 15}
    assert all(t in ("NEWS", "RECALL") for t in tags.values())
    assert all("342/QĐ-TTg" in c.provenance.source for c in d.criteria if c.number in (7, 10, 12, 14, 15))
    assert not any(i.thresholds for i in s.indicators) and "342/QĐ-TTg" in d.notes


def test_conflicting_values_are_kept_as_reference_not_rules(cat):
    water = cat.get("xa-ntm-2016").by_code["17.1"]
    assert water.thresholds == [] and "55" in water.reference and "≥95/≥60" in water.reference


def test_2021_kinds_units_and_dynamic_indicators(cat):
    s = cat.get("xa-ntm-2021").by_code
    assert s["10"].kind == Kind.MIN_AMOUNT and s["10"].unit == "triệu đồng/người/năm" and not s["10"].thresholds
    assert s["11"].kind == Kind.MAX_PERCENT and not s["11"].thresholds
    assert s["15.1"].kind == Kind.MIN_PERCENT and not s["15.1"].thresholds
    dynamic = {c for c, i in s.items() if i.dynamic}
    assert {"10", "11", "12.1", "12.2", "15.1"} <= dynamic
    assert any(c.startswith("17.") for c in dynamic)
    assert all(i.provenance.tag.value != "PLACEHOLDER" for i in s.values())


def test_set_metadata(cat):
    ntm = cat.get("xa-ntm-2021").data
    assert (ntm.legal_basis.decision, ntm.legal_basis.annex, str(ntm.legal_basis.date)) == (
        "318/QĐ-TTg",
        "Phụ lục I",
        "2022-03-08",
    )
    assert ntm.special_override_region == cat.get("xa-nang-cao-2021").data.special_override_region == "TDMNPB"
    assert cat.get("xa-ntm-2016").data.special_override_region is None
    x26 = cat.get("xa-ntm-2026").data
    assert (x26.phase, x26.scope_kind, str(x26.valid_from), x26.legal_basis.decision) == (
        "2026-2030",
        "group",
        "2026-02-15",
        "51/2025/QĐ-TTg",
    )
    assert {s.code: s.data.short_name for s in cat} == {
        "xa-ntm-2010": "nông thôn mới",
        "xa-ntm-2016": "nông thôn mới",
        "xa-ntm-2021": "nông thôn mới",
        "xa-ntm-2026": "nông thôn mới",
        "xa-nang-cao-2021": "nông thôn mới nâng cao",
        "xa-kieu-mau-2021": "nông thôn mới kiểu mẫu",
        "huyen-ntm-2021": "huyện nông thôn mới",
        "huyen-nang-cao-2021": "huyện nông thôn mới nâng cao",
        "xa-ntm-hien-dai-2026": "nông thôn mới hiện đại",
        "tinh-ntm-2026": "hoàn thành nhiệm vụ xây dựng nông thôn mới",
    }
    assert [(s.code, s.level) for s in cat if s.level == "district"] == [
        ("huyen-nang-cao-2021", "district"),
        ("huyen-ntm-2021", "district"),
    ]


# -- set-level conditions -----------------------------------------------------------------------
def test_prerequisites_chain(cat):
    def prereq(code):
        s = cat.get(code)
        conds = [c.set for c in s.conditions if c.type == "prerequisite"]
        assert conds == ([s.data.prerequisite] if s.data.prerequisite else [])
        return s.data.prerequisite

    assert prereq("xa-nang-cao-2021") == "xa-ntm-2021"
    assert prereq("xa-kieu-mau-2021") == "xa-nang-cao-2021"
    assert prereq("huyen-nang-cao-2021") == "huyen-ntm-2021"
    assert prereq("xa-ntm-2021") is None
    assert prereq("xa-ntm-hien-dai-2026") == "xa-ntm-2026"  # "65% … trong đó khoảng 10% … hiện đại"


@pytest.mark.parametrize("code", ["xa-ntm-2021", "xa-nang-cao-2021", "xa-kieu-mau-2021"])
def test_recognition_conditions_of_qd_18_2022(cat, code):
    rec = {c.fact: c for c in cat.get(code).conditions if c.recognition_only}
    assert set(rec) == {"satisfaction_ok", "no_construction_debt", "no_security_complexity"}
    assert all(c.type == "fact_true" for c in rec.values())  # the commune satisfaction % was not found


def test_district_conditions(cat):
    conds = {c.code: c for c in cat.get("huyen-ntm-2021").conditions}
    shares = {
        (c.set or c.fact, tuple(c.child_types or ()), c.min_percent)
        for c in conds.values()
        if c.type == "children_share"
    }
    assert shares == {
        ("xa-ntm-2021", ("Xã",), 100),
        ("xa-nang-cao-2021", ("Xã",), 10),
        ("do_thi_van_minh", ("Thị trấn",), 100),
        ("satisfaction_80", ("Xã",), 100),
    }
    assert [(c.fact, c.value) for c in conds.values() if c.type == "fact_min"] == [("satisfaction_pct", 90)]
    assert not any(c.recognition_only for c in conds.values())


# -- errors in a province's file: file, line and path -------------------------------------------
VALID = """\
code: tinh-thu
name: Bộ tiêu chí thử của tỉnh
phase: 2021-2025
level: commune
tier: ntm
legal_basis: {decision: "QĐ thử/QĐ-UBND", provenance: {source: test, tag: LOCAL}}
valid_from: 2022-03-08
declared: {criteria: 2, indicators: 3, provenance: {source: test, tag: LOCAL}}
criteria:
  - number: 1
    name: Quy hoạch
    provenance: {source: test, tag: LOCAL}
    indicators:
      - code: "1.1"
        content: Có quy hoạch chung xây dựng xã
        kind: boolean
        provenance: {source: test, tag: LOCAL}
  - number: 2
    name: Thu nhập và nghèo
    provenance: {source: test, tag: LOCAL}
    indicators:
      - code: "2.1"
        content: Thu nhập bình quân đầu người
        kind: min_amount
        unit: triệu đồng/người/năm
        provenance: {source: test, tag: LOCAL}
        thresholds:
          - scope: national
            value: 50
            provenance: {source: test, tag: LOCAL}
      - code: "2.2"
        content: Tỷ lệ nghèo đa chiều
        kind: max_percent
        provenance: {source: test, tag: LOCAL}
        thresholds:
          - scope: "region:DBSH"
            value: 5
            provenance: {source: test, tag: LOCAL}
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def load_bad(tmp_path: Path, text: str, name: str = "tinh-thu.yaml", builtin: bool = False) -> tuple[CatalogError, str]:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as exc:
        load_catalog([tmp_path], builtin=builtin)
    return exc.value, str(f)


def test_the_valid_file_loads(tmp_path):
    (tmp_path / "tinh-thu.yaml").write_text(VALID, encoding="utf-8")
    s = load_catalog([tmp_path], builtin=False).get("tinh-thu")
    assert s.indicator_codes() == ["1.1", "2.1", "2.2"]


def test_content_null_reads_as_code_and_criterion_but_a_missing_key_is_an_error(tmp_path):
    """``content: null`` marks wording our sources lack; forgetting the key is still a mistake."""
    (tmp_path / "tinh-thu.yaml").write_text(
        VALID.replace("content: Thu nhập bình quân đầu người", "content: null"), encoding="utf-8"
    )
    s = load_catalog([tmp_path], builtin=False).get("tinh-thu")
    i = s.by_code["2.1"]
    assert (i.content, i.content_known) == (
        f"Chỉ tiêu 2.1 thuộc tiêu chí số 2 về {s.criterion_by_number[2].name}",
        False,
    )
    assert s.by_code["1.1"].content_known and s.as_dict()["indicators"][1]["content_known"] is False
    text = VALID.replace("        content: Thu nhập bình quân đầu người\n", "")
    err, f = load_bad(tmp_path, text)
    assert "criteria[1].indicators[0].content: Field required" in str(err)


def test_unknown_scope(tmp_path):
    text = VALID.replace('scope: "region:DBSH"', 'scope: "region:XYZ"')
    err, f = load_bad(tmp_path, text)
    assert len(err.problems) == 1
    assert (
        f"{f}:{line_of(text, 'region:XYZ')} criteria[1].indicators[1].thresholds[0].scope: unknown scope 'region:XYZ'"
        in str(err)
    )


def test_percent_above_100(tmp_path):
    text = VALID.replace("value: 5\n", "value: 105\n")
    err, f = load_bad(tmp_path, text)
    assert (
        f"{f}:{line_of(text, 'value: 105')} criteria[1].indicators[1].thresholds[0].value: percentage threshold 105"
        in str(err)
    )


def test_duplicate_key(tmp_path):
    text = VALID.replace("        kind: boolean\n", "        kind: boolean\n        content: Lặp lại\n")
    err, f = load_bad(tmp_path, text)
    first, second = line_of(text, "content: Có quy hoạch"), line_of(text, "content: Lặp lại")
    assert str(err) == f"{f}:{second} criteria[0].indicators[0].content: key 'content' repeated (first on line {first})"


def test_indicator_code_of_another_criterion(tmp_path):
    text = VALID.replace('code: "2.2"', 'code: "3.2"')
    err, f = load_bad(tmp_path, text)
    assert (
        str(err)
        == f"{f}:{line_of(text, '3.2')} criteria[1].indicators[1].code: indicator 3.2 does not belong to criterion 2"
    )


def test_bad_yaml_syntax(tmp_path):
    text = VALID.replace("        unit: triệu đồng/người/năm\n", "        unit: triệu đồng: người/năm\n")
    err, f = load_bad(tmp_path, text)
    (p,) = err.problems
    assert (p.file, p.line) == (f, line_of(text, "unit: triệu đồng: người"))
    assert p.message.startswith("not valid YAML: mapping values are not allowed")  # libyaml: "… in this context"


def test_not_utf8(tmp_path):
    f = tmp_path / "tinh-thu.yaml"
    f.write_bytes(VALID.encode("utf-8").replace("ạ".encode(), b"\xe1"))
    with pytest.raises(CatalogError, match=r"tinh-thu.yaml: not UTF-8 text"):
        load_catalog([tmp_path], builtin=False)


def test_declared_count_mismatch(tmp_path):
    text = VALID.replace("declared: {criteria: 2, indicators: 3,", "declared: {criteria: 2, indicators: 57,")
    err, f = load_bad(tmp_path, text)
    assert str(err) == f"{f}:8 declared.indicators: declared 57 indicators but the file lists 3"


def test_unknown_prerequisite(tmp_path):
    text = VALID.replace("valid_from: 2022-03-08\n", "valid_from: 2022-03-08\nprerequisite: xa-khong-co\n")
    err, f = load_bad(tmp_path, text)
    assert str(err) == f"{f}:{line_of(text, 'prerequisite:')} prerequisite: unknown set 'xa-khong-co'"


def test_unknown_set_in_a_condition_and_in_relative_to(tmp_path):
    text = VALID.replace(
        "        unit: triệu đồng/người/năm\n",
        "        unit: triệu đồng/người/năm\n"
        "        relative_to: {set: xa-nang-cao-2021, indicator: '99', factor: 1.1, provenance: {source: t, tag: LOCAL}}\n",
    )
    text = text.replace(
        "        thresholds:\n          - scope: national\n            value: 50\n"
        "            provenance: {source: test, tag: LOCAL}\n",
        "",
        1,
    )
    text += (
        "conditions:\n"
        "  - {code: nc, type: prerequisite, set: xa-nang-cao-2021, label: Đạt nâng cao, provenance: {source: t, tag: LOCAL}}\n"
        "  - {code: x, type: prerequisite, set: xa-khong-co, label: Không có, provenance: {source: t, tag: LOCAL}}\n"
    )
    err, f = load_bad(tmp_path, text, builtin=True)
    assert [str(p) for p in err.problems] == [
        f"{f}:{line_of(text, 'set: xa-khong-co')} conditions[1].set: unknown set 'xa-khong-co'",
        f"{f}:{line_of(text, 'relative_to:')} criteria[1].indicators[0].relative_to: unknown indicator xa-nang-cao-2021 99",
    ]


def test_a_set_defined_twice(tmp_path):
    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    err, f = load_bad(tmp_path, VALID, name="b.yaml")
    assert str(err) == f"{f}:1 code: set 'tinh-thu' is already defined in {tmp_path / 'a.yaml'}"


def test_set_keyed_by_group_refuses_region_values(tmp_path):
    text = VALID.replace("valid_from: 2022-03-08\n", "valid_from: 2022-03-08\nscope_kind: group\n")
    err, f = load_bad(tmp_path, text)
    assert str(err) == (
        f"{f}:{line_of(text, 'region:DBSH')} criteria[1].indicators[1].thresholds[0].scope: "
        "indicator 2.2: this set is keyed by group, not by region"
    )


def test_all_problems_are_reported_together(tmp_path):
    text = VALID.replace('scope: "region:DBSH"', 'scope: "region:XYZ"').replace('code: "1.1"', 'code: "4.1"')
    (tmp_path / "other.yaml").write_text(
        VALID.replace("code: tinh-thu", "code: tinh-khac").replace("value: 50", "value: '50'"), encoding="utf-8"
    )
    err, f = load_bad(tmp_path, text)
    where = sorted((Path(p.file).name, p.path) for p in err.problems)
    assert where == [
        ("other.yaml", "criteria[1].indicators[0].thresholds[0].value"),
        ("tinh-thu.yaml", "criteria[0].indicators[0].code"),
        ("tinh-thu.yaml", "criteria[1].indicators[1].thresholds[0].scope"),
    ]


# -- overlays -----------------------------------------------------------------------------------
def overlay(
    indicator: str, value, *, region: str | None = None, set_code: str = "xa-ntm-2016", year: int | None = None
) -> str:
    return (
        f"overlay: {set_code}\n"
        "province: '35'\n" + (f"region: {region}\n" if region else "") + "name: Điều chỉnh của tỉnh Hà Nam (thử)\n"
        "legal_basis: {decision: 'QĐ thử/QĐ-UBND', provenance: {source: test, tag: LOCAL}}\n"
        "indicators:\n"
        f"  - indicator: '{indicator}'\n"
        "    thresholds:\n"
        "      - scope: 'province:35'\n" + (f"        year: {year}\n" if year else "") + f"        value: {value}\n"
        "        provenance: {source: test, tag: LOCAL}\n"
    )


def test_overlay_loosening_a_national_value(tmp_path):
    text = overlay("12", 85)  # national ≥ 90 %, no regional value
    err, f = load_bad(tmp_path, text, name="ha-nam.yaml", builtin=True)
    assert str(err) == (
        f"{f}:{line_of(text, 'value: 85')} indicators[0].thresholds[0].value: "
        "a province may only tighten the national value 90, not loosen it to 85"
    )


def test_overlay_loosening_its_regions_value(tmp_path):
    text = overlay("14.2", 88, region="DBSH")  # ĐBSH ≥ 90 %
    err, _ = load_bad(tmp_path, text, name="ha-nam.yaml", builtin=True)
    assert "tighten the DBSH regional value 90, not loosen it to 88" in str(err)


def test_overlay_may_tighten_a_regional_value_below_the_national_one(tmp_path):
    """A Tây Bắc province raising 14.2 from its region's 70 % to 75 % tightens; it must not be refused
    because the national value is 85 %."""
    (tmp_path / "tinh.yaml").write_text(overlay("14.2", 75, region="TDMNPB"), encoding="utf-8")
    load_catalog([tmp_path])
    (tmp_path / "tinh.yaml").write_text(overlay("14.2", 75), encoding="utf-8")  # region not given: ≥ the loosest (70)
    load_catalog([tmp_path])
    (tmp_path / "tinh.yaml").write_text(overlay("14.2", 65), encoding="utf-8")
    with pytest.raises(CatalogError, match="tighten the (TDMNPB|TN) regional value 70, not loosen it to 65"):
        load_catalog([tmp_path])


def test_overlay_value_must_suit_the_indicator(tmp_path):
    err, f = load_bad(tmp_path, overlay("14.2", 120), name="ha-nam.yaml", builtin=True)
    assert "indicators[0].thresholds[0].value: percentage threshold 120 is outside 0–100" in str(err)
    err, f = load_bad(tmp_path, overlay("14.2", "Đạt"), name="ha-nam.yaml", builtin=True)
    assert "must be a number" in str(err)


def test_overlay_scope_and_unknown_targets(tmp_path):
    err, f = load_bad(
        tmp_path,
        overlay("14.2", 95).replace("scope: 'province:35'", "scope: 'province:01'"),
        name="ha-nam.yaml",
        builtin=True,
    )
    assert "indicators[0].thresholds[0].scope: overlay threshold for 14.2 must have scope 'province:35'" in str(err)
    text = overlay("99.9", 95)
    err, f = load_bad(tmp_path, text, name="ha-nam.yaml", builtin=True)
    assert str(err) == f"{f}:{line_of(text, '99.9')} indicators[0].indicator: set 'xa-ntm-2016' has no indicator 99.9"
    err, f = load_bad(tmp_path, overlay("14.2", 95, set_code="xa-khong-co"), name="ha-nam.yaml", builtin=True)
    assert str(err) == f"{f}:1 overlay: unknown set 'xa-khong-co'"


def test_two_overlays_giving_the_same_value_slot_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(overlay("14.2", 95), encoding="utf-8")
    err, f = load_bad(tmp_path, overlay("14.2", 96), name="b.yaml", builtin=True)
    assert "province:35 already has a value for indicator 14.2" in str(err) and "a.yaml" in str(err)


def test_the_example_overlay_is_valid():
    examples = BUILTIN_DIR.parent / "catalog-examples"
    cat = load_catalog([examples])
    assert cat.overlays and all(src.startswith(str(examples)) for src, _ in cat.overlays)


# -- codes ----------------------------------------------------------------------------------------
def test_sort_codes_as_officials_do():
    assert sort_codes(["2.1", "1.10", "1.2", "11", "17.12", "17.2"]) == ["1.2", "1.10", "2.1", "11", "17.2", "17.12"]
    assert sort_codes(["19", "9.5", "9", "10"]) == ["9", "9.5", "10", "19"]


def test_codes_are_ascii_digits():
    assert is_code("17.12") and is_code("5") and not is_code("1.") and not is_code("a.1")
    assert not is_code("²") and not is_code("١٢")  # \d would accept the Arabic-Indic digits
    assert sort_codes(["1.²", "1.1"]) == ["1.1", "1.²"]  # non-codes sort after, and do not crash


def test_the_readme_examples_are_valid(tmp_path):
    """The format guide for province offices must show files that load."""
    text = (BUILTIN_DIR / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    set_example, overlay_example = blocks
    assert load_set_text(set_example, "README").code == "tinh-ha-nam-thon-ntm-2022"
    (tmp_path / "overlay.yaml").write_text(overlay_example, encoding="utf-8")
    cat = load_catalog([tmp_path])
    assert cat.get("xa-ntm-2016").threshold("14.2", Context(region="DBSH", province="35")).value == 95
