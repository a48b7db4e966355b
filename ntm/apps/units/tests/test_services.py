"""Units in the database: loading, finding, resolving, walking the hierarchy at a date, lineage.

The units are loaded once per test session (see the top-level conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from ntm.apps.units.models import Unit, UnitLink
from ntm.apps.units.services import (
    UnitLookupError,
    ancestors,
    communes_at,
    find_units,
    load_units,
    predecessors,
    resolve_unit,
    subtree,
    successors,
)

pytestmark = pytest.mark.django_db

BEFORE = dt.date(2023, 7, 1)
AFTER = dt.date(2025, 8, 1)


def count(level, edition):
    return Unit.objects.filter(level=level, edition=edition).count()


def test_both_editions_are_loaded():
    assert (count("province", "2024"), count("district", "2024"), count("commune", "2024")) == (63, 696, 10_035)
    assert (count("province", "2025"), count("district", "2025"), count("commune", "2025")) == (34, 0, 3_321)
    assert Unit.objects.get(uid="vn").children.count() == 63 + 34
    assert Unit.objects.values("uid").distinct().count() == Unit.objects.count()
    assert UnitLink.objects.count() > 10_000


def test_a_unit_as_stored():
    nl = Unit.objects.get(uid="xa:13570@2024")
    assert (nl.name, nl.short_name, nl.type, nl.level, nl.edition, nl.region) == (
        "Xã Nguyên Lý",
        "Nguyên Lý",
        "Xã",
        "commune",
        "2024",
        "DBSH",
    )
    assert nl.parent.uid == "huyen:353@2024" and nl.parent.name == "Huyện Lý Nhân"
    assert nl.parent.parent.uid == "tinh:35@2024" and nl.parent.parent.region == "DBSH"
    assert nl.search == "xa nguyen ly"
    assert nl.valid_to == dt.date(2025, 6, 30) and nl.valid_from is None
    assert nl.path == f"{nl.parent.path}{nl.pk}/" and nl.path.startswith(Unit.objects.get(uid="vn").path)
    assert (nl.special, nl.commune_group) == (False, "")


def test_load_again_changes_nothing():
    counts = load_units()
    assert (counts["created"], counts["updated"], counts["links_created"], counts["links_updated"]) == (0, 0, 0, 0)
    assert counts["paths_written"] == counts["links_deleted"] == 0
    assert counts["unchanged"] == counts["units"] == Unit.objects.count()


def test_load_mirrors_the_lineage_of_the_source():
    nl = Unit.objects.get(uid="xa:13570@2024")
    stray = UnitLink.objects.create(
        predecessor=nl,
        successor=Unit.objects.get(uid="xa:00004@2025"),
        kind="split",
        date=dt.date(2025, 7, 1),
        is_default=False,
    )
    UnitLink.objects.filter(predecessor=nl, successor__uid="xa:13591@2025").update(kind="split")
    counts = load_units()
    assert (counts["links_created"], counts["links_updated"], counts["links_deleted"]) == (0, 1, 1)
    assert not UnitLink.objects.filter(pk=stray.pk).exists()
    assert UnitLink.objects.get(predecessor=nl).kind == "merge"


def test_load_repairs_loaded_fields_and_keeps_office_fields():
    nl = Unit.objects.get(uid="xa:13570@2024")
    Unit.objects.filter(pk=nl.pk).update(name="Xã Sai Tên", region="TN", special=True, commune_group="2")
    counts = load_units()
    assert (counts["created"], counts["updated"]) == (0, 1)
    nl.refresh_from_db()
    assert (nl.name, nl.region) == ("Xã Nguyên Lý", "DBSH")  # from the dataset
    assert (nl.special, nl.commune_group) == (True, "2")  # set by an office, kept


# -- resolving -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ref",
    ["Hà Nam/Lý Nhân/Nguyên Lý", "ha nam/ly nhan/xa nguyen ly", "Tỉnh Hà Nam/Nguyên Lý", "xa:13570@2024", "xa:13570"],
)
def test_resolve(ref):
    assert resolve_unit(ref).uid == "xa:13570@2024"


def test_resolve_a_province_and_a_district():
    assert resolve_unit("Hà Nam").uid == "tinh:35@2024"
    assert resolve_unit("Hà Nam/Lý Nhân").uid == "huyen:353@2024"
    assert resolve_unit("Ninh Bình", date=AFTER).uid == "tinh:37@2025"
    assert resolve_unit("vn").name == "Việt Nam"


def test_resolve_ambiguous_names_the_candidates():
    with pytest.raises(UnitLookupError) as exc:
        resolve_unit("Quảng Ninh/Bình Liêu")
    msg = str(exc.value)
    assert "huyen:198@2024" in msg and "xa:06838@2025" in msg and "Huyện Bình Liêu" in msg
    assert resolve_unit("Quảng Ninh/Bình Liêu", date=BEFORE).uid == "huyen:198@2024"
    assert resolve_unit("Quảng Ninh/Bình Liêu", date="01/08/2025").uid == "xa:06838@2025"


def test_resolve_not_found_is_a_vietnamese_error():
    with pytest.raises(UnitLookupError, match="không tìm thấy đơn vị hành chính 'Hà Nam/Không Có'"):
        resolve_unit("Hà Nam/Không Có")
    with pytest.raises(LookupError):
        resolve_unit("xa:99999@2024")


# -- finding ---------------------------------------------------------------------------------
def test_find_ignores_diacritics():
    matches = find_units("nguyen ly")
    first = matches[0]
    assert (first.uid, first.name, first.type, first.level, first.edition) == (
        "xa:13570@2024",
        "Xã Nguyên Lý",
        "Xã",
        "commune",
        "2024",
    )
    assert first.path == ["Tỉnh Hà Nam", "Huyện Lý Nhân"]
    assert (first.valid_from, first.valid_to) == (None, dt.date(2025, 6, 30))
    assert first.as_dict() == {
        "uid": "xa:13570@2024",
        "name": "Xã Nguyên Lý",
        "type": "Xã",
        "level": "commune",
        "edition": "2024",
        "path": ["Tỉnh Hà Nam", "Huyện Lý Nhân"],
        "valid_from": None,
        "valid_to": "2025-06-30",
    }
    assert find_units("NGUYÊN LÝ")[0].uid == "xa:13570@2024"


def test_find_at_a_date_keeps_the_edition_in_force():
    after = find_units("ha nam", date=AFTER)
    assert after and {m.edition for m in after} == {"2025"}
    assert {"xa:13366@2025", "xa:10843@2025"} <= {m.uid for m in after}
    before = find_units("ha nam", date=BEFORE)
    assert before[0].uid == "tinh:35@2024" and {m.edition for m in before} == {"2024"}
    assert {m.edition for m in find_units("ha nam")} == {"2024", "2025"}


def test_find_ranks_exact_names_and_higher_levels_first():
    names = [m.name for m in find_units("Lý Nhân")]
    assert names[:2] == ["Huyện Lý Nhân", "Xã Lý Nhân"]
    assert find_units("Tân Thạnh", limit=5)[0].name.endswith("Tân Thạnh")
    assert len(find_units("a", limit=7)) == 7
    assert find_units("   ") == []


def test_find_by_path_or_uid():
    assert [m.uid for m in find_units("Lý Nhân/Nguyên Lý")] == ["xa:13570@2024"]
    assert [m.uid for m in find_units("huyen:353@2024")] == ["huyen:353@2024"]


# -- the hierarchy at a date -----------------------------------------------------------------
def test_ancestors_and_subtree():
    nl = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    assert [u.uid for u in ancestors(nl)] == ["vn", "tinh:35@2024", "huyen:353@2024"]
    lynhan = nl.parent
    assert subtree(lynhan).count() == 1 + 21
    assert subtree(resolve_unit("Hà Nam")).filter(level="district").count() == 6


def test_communes_of_a_district_before_the_reform():
    lynhan = resolve_unit("Hà Nam/Lý Nhân")
    units = list(communes_at(lynhan, BEFORE))
    assert len(units) == 21  # every commune-level unit: 20 xã and Thị trấn Vĩnh Trụ
    assert ("Thị trấn Vĩnh Trụ", "Thị trấn") in [(u.name, u.type) for u in units]
    assert len([u for u in units if u.type == "Xã"]) == 20
    assert "xa:13570@2024" in [u.uid for u in units]


def test_communes_of_the_country_follow_the_date():
    vn = Unit.objects.get(uid="vn")
    assert communes_at(vn, BEFORE).count() == 10_035
    assert communes_at(vn, dt.date(2025, 6, 30)).count() == 10_035
    assert communes_at(vn, dt.date(2025, 7, 1)).count() == 3_321
    assert communes_at("vn", AFTER).filter(type="Đặc khu").count() == 13


def test_communes_of_a_new_province():
    ninh_binh = resolve_unit("Ninh Bình", date=AFTER)
    uids = set(communes_at(ninh_binh, AFTER).values_list("uid", flat=True))
    assert "xa:13591@2025" in uids and not any(u.endswith("@2024") for u in uids)
    assert communes_at(resolve_unit("Ninh Bình", date=BEFORE), BEFORE).filter(uid="xa:13570@2024").count() == 0


def test_communes_of_a_unit_not_in_force_is_an_error():
    lynhan = resolve_unit("Hà Nam/Lý Nhân")
    with pytest.raises(UnitLookupError, match="không có hiệu lực ngày 01/08/2025"):
        communes_at(lynhan, AFTER)
    hanam = resolve_unit("Hà Nam")
    with pytest.raises(UnitLookupError, match="tinh:37@2025"):  # names the successor
        communes_at(hanam, AFTER)


# -- lineage ---------------------------------------------------------------------------------
def test_a_hanam_commune_after_the_reform_has_its_predecessors():
    nl = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    (nam_xang,) = successors(nl)
    assert (nam_xang.uid, nam_xang.name, nam_xang.link.kind, nam_xang.link.is_default) == (
        "xa:13591@2025",
        "Xã Nam Xang",
        "merge",
        True,
    )
    assert nam_xang.link.date == dt.date(2025, 7, 1)
    assert nam_xang.parent.uid == "tinh:37@2025" and nam_xang.parent.name == "Tỉnh Ninh Bình"
    assert nam_xang.region == "DBSH"
    preds = predecessors(nam_xang)
    assert {u.name for u in preds} == {"Xã Nguyên Lý", "Xã Công Lý", "Xã Đức Lý"}
    assert {u.parent.uid for u in preds} == {"huyen:353@2024"}


def test_province_lineage_and_splits():
    assert {u.uid for u in predecessors(Unit.objects.get(uid="tinh:37@2025"))} == {
        "tinh:35@2024",
        "tinh:36@2024",
        "tinh:37@2024",
    }
    ngoc_ha = Unit.objects.get(uid="xa:00016@2024")
    succ = successors(ngoc_ha)
    assert len(succ) == 2 and {u.link.kind for u in succ} == {"split"}
    assert succ[0].link.is_default and not succ[1].link.is_default  # the default successor first
