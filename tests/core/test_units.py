"""The administrative units before and after 1 July 2025, read without Django."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from ntm.core import units as U


@pytest.fixture(scope="module")
def data() -> U.UnitData:
    return U.read_units()


def test_counts_of_both_editions(data):
    assert data.count("province", "2024") == 63
    assert data.count("district", "2024") == 696
    # The dataset has 10,040 rows: 10,035 communes plus 5 island districts that have no commune.
    assert data.count("commune", "2024") == 10_035
    assert data.count("province", "2025") == 34
    assert data.count("district", "2025") == 0
    assert data.count("commune", "2025") == 3_321
    assert [u.uid for u in data.units if u.level == "country"] == ["vn"]


def test_uids_are_unique_and_well_formed(data):
    uids = [u.uid for u in data.units]
    assert len(uids) == len(set(uids))
    pattern = re.compile(r"^(tinh|huyen|xa):\d+@(2024|2025)$")
    assert all(pattern.match(uid) for uid in uids if uid != "vn")
    # codes repeat across editions: 13591 is Xã Đức Lý before the reform and Xã Nam Xang after it
    assert data.get("xa:13591@2024").name == "Xã Đức Lý"
    assert data.get("xa:13591@2025").name == "Xã Nam Xang"


def test_a_commune_and_its_parents(data):
    nl = data.get("xa:13570@2024")
    assert (nl.name, nl.short_name, nl.type, nl.level, nl.edition) == (
        "Xã Nguyên Lý",
        "Nguyên Lý",
        "Xã",
        "commune",
        "2024",
    )
    assert [u.uid for u in data.chain(nl.uid)] == ["vn", "tinh:35@2024", "huyen:353@2024", "xa:13570@2024"]
    assert data.get("huyen:353@2024").name == "Huyện Lý Nhân"
    assert (nl.valid_from, nl.valid_to) == (None, dt.date(2025, 6, 30))
    assert nl.lat == pytest.approx(20.6, abs=0.1) and nl.lon == pytest.approx(106.05, abs=0.1)
    lynhan = data.children("huyen:353@2024")
    assert len(lynhan) == 21
    assert ("Thị trấn Vĩnh Trụ", "Thị trấn") in [(u.name, u.type) for u in lynhan]


def test_every_2025_unit_starts_on_1_july_2025(data):
    new = [u for u in data.units if u.edition == "2025"]
    assert {(u.valid_from, u.valid_to) for u in new} == {(dt.date(2025, 7, 1), None)}
    assert {u.parent_uid for u in new if u.level == "province"} == {"vn"}
    assert all(data.get(u.parent_uid).edition == "2025" for u in new if u.level == "commune")
    assert Counter(u.type for u in new if u.level == "commune") == {"Xã": 2621, "Phường": 687, "Đặc khu": 13}


def test_names_and_types_are_cleaned(data):
    by_name = {
        (u.name, data.get(u.parent_uid).name): u for u in data.units if u.level == "commune" and u.edition == "2024"
    }
    assert by_name[("Phường 5", "Quận Phú Nhuận")].type == "Phường"  # typed "Xã" in the dataset
    assert by_name[("Thị trấn Ngọc Lặc", "Huyện Ngọc Lặc")].type == "Thị trấn"
    assert by_name[("Thị trấn Yên Viên", "Huyện Gia Lâm")].short_name == "Yên Viên"  # not "Yên Viên (Thị trấn)"
    assert {u.name for u in data.units if u.name.startswith(("Thành Phố", "Thị Xã", "Thị Trấn"))} == set()


def test_every_unit_type_belongs_to_its_level(data):
    for u in data.units:
        if u.level != "country":
            assert u.type in U.LEVEL_TYPES[u.level], (u.uid, u.type)


def test_the_types_a_set_evaluates_follow_its_level():
    from ntm.core.catalog import default_catalog

    assert U.COMMUNE_TYPES == U.set_unit_types("commune") == ("Xã",)  # phường, thị trấn, đặc khu: urban
    assert U.set_unit_types("district") == U.LEVEL_TYPES["district"]
    assert U.set_unit_types("village") == ()
    for cs in default_catalog():
        assert set(U.set_unit_types(cs.level)) <= set(U.LEVEL_TYPES.get(cs.level, ())), cs.code


# -- regions ---------------------------------------------------------------------------------
def test_region_table_covers_the_63_provinces():
    table = U.load_regions()
    assert len(table.province_region) == 63
    assert Counter(table.province_region.values()) == {
        "TDMNPB": 14,
        "DBSH": 11,
        "BTB": 6,
        "DHNTB": 8,
        "TN": 5,
        "DNB": 6,
        "DBSCL": 13,
    }
    assert table.provenance["status"] == "provisional"


def test_regions_of_units(data):
    assert data.get("tinh:35@2024").region == "DBSH"  # Hà Nam
    assert data.get("xa:13570@2024").region == "DBSH"
    assert data.get("tinh:02@2024").region == "TDMNPB"  # Hà Giang
    assert all(u.region in U.REGIONS for u in data.units if u.level != "country")
    # a 2025 province: the region of the predecessor whose name it kept
    tay_ninh = data.get("tinh:80@2025")
    assert (tay_ninh.name, tay_ninh.region) == ("Tỉnh Tây Ninh", "DNB")
    assert data.get("tinh:52@2025").name == "Tỉnh Gia Lai" and data.get("tinh:52@2025").region == "TN"
    # a 2025 commune: the region of its predecessors' old province (Tân An, Long An → ĐBSCL)
    long_an = data.get("xa:27694@2025")
    assert (long_an.name, long_an.parent_uid, long_an.region) == ("Phường Long An", "tinh:80@2025", "DBSCL")


# -- lineage ---------------------------------------------------------------------------------
def test_lineage_of_a_hanam_commune_now_in_ninh_binh(data):
    (link,) = data.successors("xa:13570@2024")
    assert (link.successor, link.kind, link.is_default, link.date) == (
        "xa:13591@2025",
        "merge",
        True,
        dt.date(2025, 7, 1),
    )
    nam_xang = data.get("xa:13591@2025")
    assert (nam_xang.name, nam_xang.parent_uid) == ("Xã Nam Xang", "tinh:37@2025")
    assert data.get("tinh:37@2025").name == "Tỉnh Ninh Bình"
    assert {link.predecessor for link in data.predecessors(nam_xang.uid)} == {
        "xa:13570@2024",
        "xa:13582@2024",
        "xa:13591@2024",
    }


def test_provinces_merge(data):
    assert {link.predecessor for link in data.predecessors("tinh:37@2025")} == {
        "tinh:35@2024",
        "tinh:36@2024",
        "tinh:37@2024",
    }
    assert [link.successor for link in data.successors("tinh:35@2024")] == ["tinh:37@2025"]
    assert {link.predecessor for link in data.predecessors("tinh:01@2025")} == {
        "tinh:01@2024"
    }  # unchanged: a 1→1 merge


def test_split_has_one_default_successor(data):
    splits = {}
    for link in data.links:
        if link.kind == "split":
            splits.setdefault(link.predecessor, []).append(link)
    assert len(splits) > 400
    assert all(sum(x.is_default for x in links) == 1 and len(links) >= 2 for links in splits.values())
    ngoc_ha = data.get("xa:00016@2024")
    assert ngoc_ha.name == "Phường Ngọc Hà"
    assert {data.get(x.successor).name for x in data.successors(ngoc_ha.uid)} == {"Phường Ba Đình", "Phường Ngọc Hà"}


def test_every_old_commune_has_a_successor_and_every_new_one_a_predecessor(data):
    preds = {link.successor for link in data.links}
    succs = {link.predecessor for link in data.links}
    assert all(u.uid in succs for u in data.units if u.level == "commune" and u.edition == "2024")
    assert all(u.uid in preds for u in data.units if u.edition == "2025")
    # island districts without communes become special zones
    (link,) = data.successors("huyen:755@2024")
    assert data.get("huyen:755@2024").name == "Huyện Côn Đảo" and data.get(link.successor).name == "Đặc khu Côn Đảo"


def test_same_named_communes_are_not_crossed(data):
    # Phường 4 of Tây Ninh city and Phường 4 of Tân An: the converter "splits" each into the other's successor
    assert [(data.get(x.successor).name, x.kind) for x in data.successors("xa:25462@2024")] == [
        ("Phường Tân Ninh", "merge")
    ]
    assert [(data.get(x.successor).name, x.kind) for x in data.successors("xa:27691@2024")] == [
        ("Phường Long An", "merge")
    ]
    assert "xa:25462@2024 ↛ xa:27694@2025" in data.corrections and len(data.corrections) < 50


# -- names -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,expected",
    [
        ("Xã  Nguyên Lý", "xa nguyen ly"),
        ("ĐỨC LÝ", "duc ly"),
        ("Bà Rịa - Vũng Tàu", "ba ria vung tau"),
        ("Thừa Thiên Huế\n", "thua thien hue"),
        ("Hoà Bình", "hoa binh"),
        ("", ""),
    ],
)
def test_normalize(text, expected):
    assert U.normalize(text) == expected


@pytest.mark.parametrize(
    "ref",
    [
        "Hà Nam/Lý Nhân/Nguyên Lý",
        "Tỉnh Hà Nam/Huyện Lý Nhân/Xã Nguyên Lý",
        "ha nam / ly nhan / nguyen ly",
        "Việt Nam/Hà Nam/Lý Nhân/Nguyên Lý",
        "Hà Nam/Nguyên Lý",
        "Lý Nhân/Nguyên Lý",
        "xa:13570@2024",
        "XA:13570@2024",
        "xa:13570",
    ],
)
def test_resolve_a_name_path(data, ref):
    assert data.resolve(ref).uid == "xa:13570@2024"


def test_resolve_reads_the_path_from_the_top(data):
    assert data.resolve("Hà Nam").uid == "tinh:35@2024"  # not the 2025 Phường Hà Nam or Xã Hà Nam
    assert data.resolve("Phường Hà Nam").uid == "xa:13366@2025"
    assert data.resolve("Hà Nam/Lý Nhân").uid == "huyen:353@2024"
    assert data.resolve("Hà Nam/Lý Nhân/TT Vĩnh Trụ").type == "Thị trấn"
    assert data.resolve("Hồ Chí Minh/Q.1", dt.date(2024, 1, 1)).uid == "huyen:760@2024"
    assert data.resolve("Long An/Tân Thạnh").uid == "huyen:799@2024"  # the district, not the thị trấn inside it


def test_resolve_ambiguous_lists_candidates(data):
    with pytest.raises(U.UnitLookupError) as exc:
        data.resolve("Lý Nhân")
    msg = str(exc.value)
    assert "khớp 2 đơn vị" in msg and "huyen:353@2024" in msg and "xa:13573@2025" in msg
    assert {u.uid for u in exc.value.candidates} == {"huyen:353@2024", "xa:13573@2025"}
    # a date or a type word settles it
    assert data.resolve("Lý Nhân", dt.date(2023, 7, 1)).uid == "huyen:353@2024"
    assert data.resolve("Lý Nhân", dt.date(2025, 7, 1)).uid == "xa:13573@2025"
    assert data.resolve("Huyện Lý Nhân").uid == "huyen:353@2024"


def test_diacritics_typed_are_preferred(data):
    with pytest.raises(U.UnitLookupError) as exc:
        data.resolve("Tân Thạnh")
    assert all("Tân Thạnh" in u.name for u in exc.value.candidates)  # no Tân Thành, Tân Thanh
    with pytest.raises(U.UnitLookupError) as exc:
        data.resolve("tan thanh")  # without diacritics every spelling is a candidate
    assert {"Xã Tân Thành", "Xã Tân Thạnh"} <= {u.name for u in exc.value.candidates}


def test_resolve_not_found(data):
    with pytest.raises(U.UnitLookupError, match="không tìm thấy đơn vị hành chính 'Hà Nam/Không Có'"):
        data.resolve("Hà Nam/Không Có")
    with pytest.raises(U.UnitLookupError, match="vào ngày 01/08/2025"):
        data.resolve("Hà Nam/Lý Nhân", dt.date(2025, 8, 1))


def test_segment_and_path_matching():
    assert U.segment_matches("xa nguyen ly", "Xã Nguyên Lý", "Nguyên Lý", "Xã")
    assert U.segment_matches("Nguyên Lý", "Xã Nguyên Lý", "Nguyên Lý", "Xã")
    assert not U.segment_matches("Huyện Nguyên Lý", "Xã Nguyên Lý", "Nguyên Lý", "Xã")
    assert U.segment_matches("TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh", "Hồ Chí Minh", "Thành phố")
    assert U.segment_matches("Phường 5", "Phường 5", "Phường 5", "Phường")
    chain = [
        ("Việt Nam", "Việt Nam", "Quốc gia"),
        ("Tỉnh Hà Nam", "Hà Nam", "Tỉnh"),
        ("Huyện Lý Nhân", "Lý Nhân", "Huyện"),
        ("Xã Nguyên Lý", "Nguyên Lý", "Xã"),
    ]
    assert U.path_rank(["Hà Nam", "Lý Nhân", "Nguyên Lý"], chain) == 0
    assert U.path_rank(["Hà Nam", "Nguyên Lý"], chain) == 1
    assert U.path_rank(["Nguyên Lý"], chain) == 1
    assert U.path_rank(["Lý Nhân", "Hà Nam", "Nguyên Lý"], chain) is None  # out of order
    assert U.path_rank(["Nam Định", "Nguyên Lý"], chain) is None
    assert U.split_path(" Hà Nam / Lý Nhân /") == ["Hà Nam", "Lý Nhân"]


def test_uids_and_dates():
    assert U.make_uid("commune", "13570", "2024") == "xa:13570@2024"
    assert U.make_uid("province", "01", "2025") == "tinh:01@2025"
    assert U.parse_uid("huyen:353@2024") == ("district", "353", "2024")
    assert U.parse_uid("tinh:01") == ("province", "01", None)
    assert U.parse_uid("Hà Nam") is None
    assert U.parse_date("01/07/2025") == U.parse_date("2025-07-01") == dt.date(2025, 7, 1)
    assert U.edition_at(dt.date(2025, 6, 30)) == "2024" and U.edition_at(dt.date(2025, 7, 1)) == "2025"
    with pytest.raises(ValueError, match="không hợp lệ"):
        U.parse_date("31/02/2024")
