"""The dashboard building blocks without a database: standards, gaps, sectors, changes, charts."""

from __future__ import annotations

import datetime as dt

from ntm.apps.accounts.testing import one, soup, text, texts
from ntm.apps.evaluations import queries as q
from ntm.apps.evaluations.templatetags.dashboard_tags import bar_chart_svg, map_svg, nice_ticks, project
from ntm.core.catalog import default_catalog
from ntm.core.evaluation import UnitScore, rollup
from ntm.core.periods import Period

CAT = default_catalog()
TIERS = q.tier_sets(Period.parse("2023-07"), CAT)


def row(set_code: str, met: bool, unmet: list[str] = (), crit: int = 19) -> dict:
    cs = CAT.get(set_code)
    unmet = list(unmet)
    crits = sorted({int(c.split(".")[0]) for c in unmet})
    return {
        "unit_id": 1,
        "set_code": set_code,
        "period": "2023-07",
        "criteria_met": cs.criteria_count - len(crits),
        "criteria_total": cs.criteria_count,
        "indicators_met": cs.indicator_count - len(unmet),
        "indicators_total": cs.indicator_count,
        "standard_met": met,
        "unmet_criteria": crits,
        "unmet_indicators": unmet,
    }


def test_tier_sets_follow_the_phase_of_the_period():
    assert {t: s.code for t, s in TIERS.items()} == {
        "ntm": "xa-ntm-2021",
        "nang_cao": "xa-nang-cao-2021",
        "kieu_mau": "xa-kieu-mau-2021",
    }
    assert q.tier_sets(Period.parse("2019"), CAT)["ntm"].code == "xa-ntm-2016"
    assert q.tier_sets(Period.parse("2027-Q1"), CAT)["ntm"].code == "xa-ntm-2026"


def test_periods_sort_by_time_whatever_their_shape():
    keys = ["2023-Q3", "2023-07", "2023", "2022-12", "2023-10", "2023-Q1"]
    assert q.sort_periods(keys) == ["2022-12", "2023-Q1", "2023-07", "2023-Q3", "2023-10", "2023"]


def test_best_standard_is_the_highest_tier_met():
    ntm_ok = row("xa-ntm-2021", True)
    nc_ok = row("xa-nang-cao-2021", True)
    nc_no = row("xa-nang-cao-2021", False, ["10"])
    assert q.best_standard({"xa-ntm-2021": ntm_ok, "xa-nang-cao-2021": nc_ok}, TIERS) == "nang_cao"
    assert q.best_standard({"xa-ntm-2021": ntm_ok, "xa-nang-cao-2021": nc_no}, TIERS) == "ntm"
    assert q.best_standard({"xa-ntm-2021": row("xa-ntm-2021", False, ["2.1"])}, TIERS) == "below"
    assert q.best_standard({}, TIERS) == "nodata"
    assert q.best_standard({"xa-ntm-2016": row("xa-ntm-2016", True)}, TIERS) == "nodata"  # another phase's set


def test_scorecard_sentence_as_bulletins_write_it():
    a = {"criteria_met": 17, "criteria_total": 19, "indicators_met": 54, "indicators_total": 57}
    b = {"criteria_met": 17, "criteria_total": 19, "indicators_met": 70, "indicators_total": 75}
    assert q.scorecard_sentence("Xã Nguyên Lý", [(a, "nông thôn mới"), (b, "nông thôn mới nâng cao")]) == (
        "Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới; "
        "17/19 tiêu chí với 70/75 chỉ tiêu nông thôn mới nâng cao"
    )


def test_rollup_sentence_separates_thousands():
    scores = [UnitScore(str(i), 19 if i < 6084 else 15, 57, i < 6084) for i in range(7000)]
    r = rollup("xa-ntm-2021", scores, units_total=7692, criteria_total=19, indicators_total=57)
    assert q.rollup_sentence(r).endswith("6.084/7.692 xã đạt chuẩn (79,10%)")
    assert q.rollup_sentence(r).startswith("7.000 xã đạt bình quân 18,48/19 tiêu chí")


def _overview(rows: list[q.CommuneRow]) -> q.Overview:
    ov = q.Overview(unit=None, date=dt.date(2023, 7, 31), period=Period.parse("2023-07"), set=TIERS["ntm"], tiers=TIERS)
    ov.rows = rows
    return ov


def _commune(i: int, name: str, **results) -> q.CommuneRow:
    by_set = {k.replace("_", "-"): v for k, v in results.items()}
    return q.CommuneRow(
        {"id": i, "uid": f"xa:{i}", "name": name}, q.best_standard(by_set, TIERS), by_set, by_set.get("xa-ntm-2021")
    )


def test_gaps_rank_communes_by_distance_to_their_next_standard():
    rows = [
        _commune(1, "Xã A", xa_ntm_2021=row("xa-ntm-2021", False, ["2.1", "11", "17.3", "17.9"])),
        _commune(
            2, "Xã B", xa_ntm_2021=row("xa-ntm-2021", True), xa_nang_cao_2021=row("xa-nang-cao-2021", False, ["10"])
        ),
        _commune(3, "Xã C", xa_ntm_2021=row("xa-ntm-2021", False, ["17.10", "17.2"])),
        _commune(4, "Xã D"),  # no result: not in the gap list
        _commune(5, "Xã E", xa_ntm_2021=row("xa-ntm-2021", True)),  # nâng cao not evaluated
    ]
    gaps = q.gaps(_overview(rows))
    assert [(g.unit["name"], g.next_tier, g.distance) for g in gaps] == [
        ("Xã B", "nang_cao", 1),
        ("Xã C", "ntm", 2),
        ("Xã A", "ntm", 4),
        ("Xã E", "nang_cao", None),
    ]
    assert [i["code"] for i in gaps[1].unmet_indicators] == ["17.2", "17.10"]  # as officials sort codes
    assert [i["code"] for i in gaps[2].unmet_indicators if i["dynamic"]] == ["11", "17.3"]  # "tiêu chí động"
    assert [g.rank for g in gaps] == [1, 2, 3, 4]


def test_sector_ranking_by_unmet_indicators():
    rows = [
        _commune(1, "Xã A", xa_ntm_2021=row("xa-ntm-2021", False, ["17.3", "17.9", "2.1"])),
        _commune(2, "Xã B", xa_ntm_2021=row("xa-ntm-2021", False, ["17.1", "10"])),
    ]
    ranking = q.sector_ranking(q.gaps(_overview(rows)))
    assert [(s.sector, s.unmet, s.communes) for s in ranking] == [  # the ministries of today (2025 restructuring)
        ("Bộ Nông nghiệp và Môi trường", 3, 2),
        ("Bộ Xây dựng", 1, 1),
        ("Chưa xác định bộ, ngành phụ trách", 1, 1),  # criterion 10 (income) names no ministry
    ]
    assert ranking[0].dynamic == 2 and ranking[0].share_text == "60,00%"


def test_changes_and_the_start_of_the_year():
    periods = ["2022-12", "2023-03", "2023-06", "2023-07"]
    assert q.start_of_year_period(periods, Period.parse("2023-07")) == "2022-12"
    assert q.start_of_year_period(["2023-03", "2023-07"], Period.parse("2023-07")) == "2023-03"
    assert q.start_of_year_period(["2023-07"], Period.parse("2023-07")) is None
    cs = CAT.get("xa-ntm-2021")
    before, now = row("xa-ntm-2021", False, ["2.1", "11"]), row("xa-ntm-2021", False, ["11", "15.1"])
    ch = q.change(cs, "2023-06", before, now, "so với kỳ trước")
    assert [i["code"] for i in ch.gained_indicators] == ["2.1"] and ch.gained_criteria == [2]
    assert [(i["code"], i["dynamic"]) for i in ch.lost_indicators] == [("15.1", True)] and ch.lost_criteria == [15]
    assert (ch.criteria_delta, ch.indicators_delta) == (0, 0)
    history = {"2023-06": before, "2023-07": now, "2023-09": row("xa-ntm-2021", False, ["11", "15.1", "17.1"])}
    assert [(r["to_key"], r["code"]) for r in q.regressions(cs, history, "2023-07")] == [("2023-07", "15.1")]
    assert [r["code"] for r in q.regressions(cs, history, "2023-09")] == ["15.1", "17.1"]


def test_nice_ticks():
    assert nice_ticks(19) == [0, 5, 10, 15]
    assert nice_ticks(100) == [0, 25, 50, 75, 100]
    assert nice_ticks(3, integer=True) == [0, 1, 2, 3]
    assert nice_ticks(14, integer=True) == [0, 5, 10]


def test_map_projection_keeps_points_in_the_box_and_north_up():
    pts, w, h = project([(20.6, 106.0), (20.5, 106.1), (21.5, 106.05)], 560, 560)
    assert w <= 560.01 and h <= 560.01
    assert all(0 <= x <= w and 0 <= y <= h for x, y in pts)
    assert pts[2][1] < pts[0][1] < pts[1][1]  # north is up
    single, w1, h1 = project([(20.6, 106.0)], 560, 560)  # a single commune still draws
    assert 0 < single[0][0] < w1 and 0 < single[0][1] < h1


def test_map_escapes_names_and_merges_communes_without_data_on_big_maps():
    pts = [
        (20 + i / 1000, 105 + i / 1000, "nodata" if i % 10 else "ntm", f"xa:{i}", f"Xã <b>{i}</b>") for i in range(2000)
    ]
    svg = soup(map_svg(pts, [("Đạt chuẩn NTM", "#1e7b34", 200)], title="Bản đồ", merge_nodata_over=1500))
    assert len(svg.select("circle.commune")) == 200
    assert one(svg, "path.nodata-merged")["d"].count("M") >= 1800  # 1.800 communes, one path
    # a name is text, never markup: shown as typed
    assert not svg.select("b") and text(one(svg, 'circle[data-uid="xa:10"] > title')) == "Xã <b>10</b>: Đạt chuẩn NTM"
    small = soup(map_svg(pts[:50], [], title="Bản đồ"))
    assert len(small.select("circle.commune")) == 50


def test_bar_chart_has_a_bar_per_value_with_communes():
    svg = bar_chart_svg({19: 14, 18: 3, 13: 1}, 19, title="Phân bố")
    bars = soup(svg).select("rect.bar")
    assert [text(bar.title) for bar in bars] == ["13 tiêu chí: 1 xã", "18 tiêu chí: 3 xã", "19 tiêu chí: 14 xã"]


def test_the_national_map_draws_one_path_per_standard():
    """10.000 dots of 3 px cannot be pointed at one by one: the nation's map draws each standard as one
    path (named with its count), keeps the page small, and leaves the links to the province maps."""
    standards = ["ntm", "below", "nang_cao", "nodata"]
    pts = [(8.5 + i / 700, 103 + i / 900, standards[i % 4], f"xa:{i}", f"Xã {i}") for i in range(8000)]
    svg = map_svg(pts, [("Đạt chuẩn NTM", "#1e7b34", 2000)], title="Bản đồ")
    drawing = soup(svg)
    assert not drawing.select("circle.commune") and not drawing.select("[href]")
    paths = drawing.select("path.standard-merged")
    assert sorted(c for p in paths for c in p["class"] if c.startswith("s-")) == sorted(f"s-{k}" for k in standards)
    assert "Đạt chuẩn NTM: 2.000 xã" in texts(drawing, "path.standard-merged > title")
    assert svg.count("h0") == 8000
    assert len(svg) < 8000 * 20
