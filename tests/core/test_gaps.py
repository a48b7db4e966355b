"""Gap analysis without a database: what each commune lacks for its next standard, and which sector
owns the most of it. Rows are plain objects, as the dashboards read them from stored results."""

from __future__ import annotations

from types import SimpleNamespace

from ntm.core.catalog import default_catalog
from ntm.core.gaps import NO_SECTOR, gaps, sector_ranking

CAT = default_catalog()
TIERS = {
    t: CAT.get(c)
    for t, c in (("ntm", "xa-ntm-2021"), ("nang_cao", "xa-nang-cao-2021"), ("kieu_mau", "xa-kieu-mau-2021"))
}


def _res(met: bool, unmet: list[str] = ()) -> dict:
    return {
        "standard_met": met,
        "unmet_indicators": list(unmet),
        "unmet_criteria": sorted({c.split(".")[0] for c in unmet}),
    }


def _row(i: int, name: str, best: str, **results) -> SimpleNamespace:
    return SimpleNamespace(
        unit={"id": i, "name": name}, best=best, results={k.replace("_", "-"): v for k, v in results.items()}
    )


def test_the_closest_commune_comes_first_and_those_at_the_top_last():
    rows = [
        _row(1, "Xã A", "below", xa_ntm_2021=_res(False, ["2.1", "11", "17.3"])),
        _row(2, "Xã B", "ntm", xa_ntm_2021=_res(True), xa_nang_cao_2021=_res(False, ["10"])),
        _row(3, "Xã C", "nodata"),
        _row(4, "Xã D", "ntm", xa_ntm_2021=_res(True)),  # nâng cao not evaluated
        _row(5, "Xã E", "kieu_mau", xa_kieu_mau_2021=_res(True)),
        _row(6, "Xã F", "below", xa_ntm_2021=_res(False)),  # every indicator met, a condition missing
    ]
    got = gaps(rows, TIERS)
    assert [(g.unit["name"], g.next_tier, g.distance, g.rank) for g in got] == [
        ("Xã F", "ntm", 0, 1),
        ("Xã B", "nang_cao", 1, 2),
        ("Xã A", "ntm", 3, 3),
        ("Xã D", "nang_cao", None, 4),
        ("Xã E", None, None, 5),
    ]
    assert got[0].only_conditions and not got[1].only_conditions
    assert got[2].unmet_criteria == [2, 11, 17] and got[2].best_label == "Chưa đạt chuẩn NTM"
    assert got[4].next_label == "Đã đạt mức cao nhất"
    assert [i["code"] for i in got[2].unmet_indicators if i["dynamic"]] == ["11", "17.3"]


def test_sectors_ranked_by_the_unmet_indicators_they_own():
    rows = [
        _row(1, "Xã A", "below", xa_ntm_2021=_res(False, ["17.3", "17.9", "2.1"])),
        _row(2, "Xã B", "below", xa_ntm_2021=_res(False, ["17.1", "10"])),
    ]
    ranking = sector_ranking(gaps(rows, TIERS))
    assert [(s.sector, s.unmet, s.communes, s.share_text) for s in ranking] == [
        ("Bộ Nông nghiệp và Môi trường", 3, 2, "60,00%"),
        ("Bộ Xây dựng", 1, 1, "20,00%"),
        (NO_SECTOR, 1, 1, "20,00%"),  # criterion 10 (income) names no ministry
    ]
    assert ranking[0].criteria == ["17. Môi trường và an toàn thực phẩm"] and ranking[0].dynamic == 2
    assert sector_ranking([]) == []
