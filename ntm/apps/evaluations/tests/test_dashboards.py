"""The dashboards as a district or province office sees them, on the demo data (Lý Nhân, Bình Liêu).

Expected figures are recomputed here from the stored results with plain queries, independently of
the page's own code, then looked for in the page as an official would read them.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ntm.apps.accounts.testing import cell, one, rows, soup, text, texts
from ntm.apps.evaluations import queries as q
from ntm.apps.evaluations.models import Result
from ntm.apps.units.services import communes_at, resolve_unit
from ntm.core import formatting as fmt
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period

from .fixtures import demo_db, login, member, ntm_middleware  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db", "ntm_middleware")]

LY_NHAN = "huyen:353@2024"


def xa_results(district: str, period: str, set_code: str = "xa-ntm-2021"):
    unit = resolve_unit(district)
    ids = [u.id for u in communes_at(unit, Period.parse(period).end) if u.type == "Xã"]
    return list(Result.objects.filter(unit_id__in=ids, set_code=set_code, period=period)), len(ids)


# -- overview ----------------------------------------------------------------------------------
def test_overview_of_a_district_counts_communes_by_standard(login):
    client = login("Hà Nam/Lý Nhân", "leader")
    rs, n = xa_results("Hà Nam/Lý Nhân", "2023-07")
    met = sum(r.standard_met for r in rs)
    avg = sum(r.criteria_met for r in rs) / len(rs)
    r = client.get("/", {"unit": LY_NHAN, "period": "2023-07"})
    assert r.status_code == 200
    page = text(r)
    assert "Tổng quan: Huyện Lý Nhân — tháng 7/2023" in page
    assert n == 20
    assert f"Huyện Lý Nhân: 20 xã đạt bình quân {fmt.fraction(avg, 19)} tiêu chí" in page
    assert f"{met}/20 xã đạt chuẩn ({fmt.percent(met, 20)})" in page
    # the table of best standards: NTM, below, no data, each with its share
    table = one(r, "#standards")
    row = one(table, "tr[data-standard=ntm]")
    assert cell(table, row, "Số xã") == str(met) and cell(table, row, "Tỷ lệ") == fmt.percent(met, 20)
    assert cell(table, one(table, "tr[data-standard=below]"), "Số xã") == str(20 - met)
    assert "Hệ thống hành chính tại ngày 31/07/2023" in page


def test_best_standard_counts_nang_cao_above_ntm(login):
    """A commune meeting nâng cao is counted once, at nâng cao, and in the NTM cumulative count."""
    unit = resolve_unit("Hà Nam/Lý Nhân/Đức Lý")
    Result.objects.filter(unit=unit, set_code="xa-nang-cao-2021", period="2023-12").update(standard_met=True)
    assert Result.objects.get(unit=unit, set_code="xa-ntm-2021", period="2023-12").standard_met
    rs, _ = xa_results("Hà Nam/Lý Nhân", "2023-12")
    ntm = sum(r.standard_met for r in rs)
    table = one(login("Hà Nam/Lý Nhân").get("/", {"unit": LY_NHAN, "period": "2023-12"}), "#standards")
    nang_cao = one(table, "tr[data-standard=nang_cao]")
    cumulative = "Lũy kế (mức này trở lên)"
    assert cell(table, nang_cao, "Số xã") == "1" and cell(table, nang_cao, cumulative) == "1 (5,00%)"
    row = one(table, "tr[data-standard=ntm]")
    assert cell(table, row, "Số xã") == str(ntm - 1)
    assert cell(table, row, cumulative) == f"{ntm} ({fmt.percent(ntm, 20)})"  # NTM or higher


def test_map_has_one_point_per_commune_coloured_by_standard(login):
    r = login("Hà Nam/Lý Nhân").get("/", {"unit": LY_NHAN, "period": "2023-07"})
    svg = one(r, "svg.map")
    uids = [(standard_of(c), c["data-uid"]) for c in svg.select("circle.commune")]
    expected = {u.uid for u in communes_at(resolve_unit(LY_NHAN), Period.parse("2023-07").end) if u.type == "Xã"}
    assert sorted(u for _, u in uids) == sorted(expected)  # one point each, no more
    met = {
        r.unit.uid
        for r in Result.objects.filter(
            unit__uid__in=expected, set_code="xa-ntm-2021", period="2023-07", standard_met=True
        ).select_related("unit")
    }
    assert {u for s, u in uids if s == "ntm"} == met
    assert {u for s, u in uids if s == "below"} == expected - met
    assert f"Đạt chuẩn NTM: {len(met)} xã" in texts(svg, "g.legend text")
    # every point lies inside the drawing
    for point in svg.select("circle[cx]"):
        assert 0 <= float(point["cx"]) <= 560 and 0 <= float(point["cy"]) <= 560


def standard_of(point) -> str:
    """The standard a map point is coloured by (its class ``s-<standard>``)."""
    (key,) = [c.removeprefix("s-") for c in point["class"] if c.startswith("s-")]
    return key


def test_distribution_and_trend_charts(login):
    rs, _ = xa_results("Hà Nam/Lý Nhân", "2023-07")
    r = login("Hà Nam/Lý Nhân").get("/", {"unit": LY_NHAN, "period": "2023-07"})
    page = soup(r)
    bars = {}
    for bar in texts(one(page, "svg.chart.bar"), "rect > title"):  # "17 tiêu chí: 3 xã"
        criteria, communes = bar.removesuffix(" xã").split(" tiêu chí: ")
        bars[int(criteria)] = int(communes)
    expected: dict[int, int] = {}
    for x in rs:
        expected[x.criteria_met] = expected.get(x.criteria_met, 0) + 1
    assert bars == expected
    assert [row[0] for row in rows(one(page, "table#trend"))] == [
        "tháng 12/2022",
        "tháng 3/2023",
        "tháng 6/2023",
        "tháng 7/2023",
        "tháng 9/2023",
        "tháng 12/2023",
        "tháng 6/2024",
        "tháng 12/2024",
    ]
    # the line charts carry one point per period
    assert len(page.select("circle.pt")) == 2 * 8


def test_province_overview_lists_its_districts(login):
    r = login("Hà Nam", "reviewer").get("/", {"unit": "tinh:35@2024", "period": "2023-07"})
    assert r.status_code == 200
    page = text(r)
    children = [row[0] for row in rows(one(r, "#children"))]
    assert "Huyện Lý Nhân" in children and "Thành phố Phủ Lý" in children
    n = communes_at(resolve_unit("tinh:35@2024"), Period.parse("2023-07").end).filter(type="Xã").count()
    assert f"{n} xã (ngày 31/07/2023)" in page
    assert "20 xã đạt bình quân" in page  # only Lý Nhân has results


def test_overview_before_the_reform_uses_the_hierarchy_of_that_date(login):
    client = login("Hà Nam", "leader")
    r = client.get("/", {"unit": LY_NHAN, "date": "15/03/2024", "period": "2023-12"})
    assert r.status_code == 200
    assert "Hệ thống hành chính tại ngày 15/03/2024" in text(r)
    assert "20 xã đạt bình quân" in text(r) and "20/20 xã đã nộp, 20 đã duyệt" in text(r)
    # nâng cao in December 2023: reporting under way in the demo, 17 sheets of the 20 xã approved
    r = client.get("/", {"unit": LY_NHAN, "date": "15/03/2024", "period": "2023-12", "set": "xa-nang-cao-2021"})
    assert "17 xã đạt bình quân" in text(r)
    assert "18/20 xã đã nộp, 17 đã duyệt, 1 chờ duyệt, 1 bị trả lại, 2 quá hạn" in text(r)
    # after 1 July 2025 the district no longer exists: the page says so and names the successor units,
    # in words (no internal identifiers), and links none the user may not open
    r = client.get("/", {"unit": LY_NHAN, "date": "2025-08-01"})
    assert r.status_code == 200
    assert (
        "Huyện Lý Nhân không còn từ 01/07/2025 (sắp xếp đơn vị hành chính); ngày 01/08/2025, địa bàn "
        "này thuộc: Tỉnh Ninh Bình."
    ) in text(r)  # Hà Nam went into the new Ninh Bình
    assert "tinh:37@2025" not in text(r)
    assert not [a["href"] for a in soup(r).select("[href]") if "tinh%3A37%402025" in a["href"]]
    assert "Tỉnh Ninh Bình: tài khoản của bạn chưa được phân quyền xem đơn vị này" in text(r)
    r = login("vn", "leader").get("/", {"unit": LY_NHAN, "date": "2025-08-01"})
    assert "Xem: Tỉnh Ninh Bình (ngày 01/08/2025)" in text(r)  # a user who may open it gets the link


def test_national_overview_keeps_the_map_light(login):
    client = login("vn", "leader")
    r = client.get("/", {"unit": "vn", "period": "2023-07"})
    assert r.status_code == 200
    page = soup(r)
    assert len(page.select("svg.map circle.commune")) == 26  # communes with results, one each
    assert len(page.select("svg.map path.nodata-merged")) == 1  # thousands without data: one path
    assert "26 xã đạt bình quân" in text(page)
    assert "Tỉnh Quảng Ninh" in [row[0] for row in rows(one(page, "#children"))]


def test_commune_user_is_sent_to_the_commune_page(login):
    r = login("Hà Nam/Lý Nhân/Nguyên Lý", "entry").get("/")
    assert r.status_code == 302 and r["Location"].startswith("/don-vi/xa:13570@2024/")


# -- lists -----------------------------------------------------------------------------------
def test_commune_list_sorted_by_standard_then_criteria(login):
    r = login("Hà Nam/Lý Nhân").get("/xa/", {"unit": LY_NHAN, "period": "2023-07"})
    assert r.status_code == 200
    uids = [tr["data-uid"] for tr in soup(r).select("tr[data-uid]")]
    rs = {
        x.unit.uid: x
        for x in Result.objects.filter(unit__uid__in=uids, period="2023-07", set_code="xa-ntm-2021").select_related(
            "unit"
        )
    }
    keys = [(not rs[u].standard_met, -rs[u].criteria_met, -rs[u].indicators_met) for u in uids]
    assert len(uids) == 20 and keys == sorted(keys)
    assert "17/19 TC · 54/57 CT" in text(r)  # Nguyên Lý, as the bulletin has it
    only_below = login("Hà Nam/Lý Nhân").get("/xa/", {"unit": LY_NHAN, "period": "2023-07", "standard": "below"})
    assert len(soup(only_below).select("tr[data-uid]")) == sum(not x.standard_met for x in rs.values())


def test_gap_list_ranked_by_distance_to_the_next_standard(login):
    r = login("Hà Nam/Lý Nhân").get("/thieu-hut/", {"unit": LY_NHAN, "period": "2023-07"})
    assert r.status_code == 200
    table = one(r, "#gap-list")
    communes = {tr["data-uid"]: tr for tr in table.select("tr[data-uid]")}
    assert len(communes) == 20
    distances = [int(cell(table, tr, "Chỉ tiêu chưa đạt")) for tr in communes.values()]
    assert distances == sorted(distances)
    # each commune's distance is what it lacks for ITS next standard
    for uid, tr in communes.items():
        ntm = Result.objects.get(unit__uid=uid, set_code="xa-ntm-2021", period="2023-07")
        nxt = (
            ntm
            if not ntm.standard_met
            else Result.objects.get(unit__uid=uid, set_code="xa-nang-cao-2021", period="2023-07")
        )
        assert cell(table, tr, "Chỉ tiêu chưa đạt") == str(len(nxt.unmet_indicators)), uid
        # the next standard named
        assert cell(table, tr, "Mức tiếp theo") == ("Đạt chuẩn NTM nâng cao" if ntm.standard_met else "Đạt chuẩn NTM")
    # Nguyên Lý lacks 11 and 17.3, 17.9 for NTM (17/19, 54/57); shown with codes sorted as officials do
    codes = texts(communes["xa:13570@2024"], "span.codes")
    assert codes == sorted(codes, key=lambda c: [int(x) for x in c.split(".")]) and len(codes) == 3


def test_sector_ranking_counts_unmet_indicators_by_responsible_ministry(login):
    from ntm.core.sectors import national

    cat = default_catalog()
    rs, _ = xa_results("Hà Nam/Lý Nhân", "2023-07")
    expected: dict[str, int] = {}
    for ntm in rs:
        code = "xa-ntm-2021"
        if ntm.standard_met:
            code = "xa-nang-cao-2021"
            ntm = Result.objects.get(unit_id=ntm.unit_id, set_code=code, period="2023-07")
        for ind in ntm.unmet_indicators:
            c = cat.get(code).criterion_by_number[int(ind.split(".")[0])]
            # the catalogue's ministry as it is called since the 2025 restructuring
            sector = national(c.sector.ministry, c.name) if c.sector else "Chưa xác định bộ, ngành phụ trách"
            expected[sector] = expected.get(sector, 0) + 1
    r = login("Hà Nam/Lý Nhân").get("/thieu-hut/", {"unit": LY_NHAN, "period": "2023-07"})
    table = one(r, "#sectors")
    shown = [
        (cell(table, tr, "Bộ, ngành phụ trách"), int(cell(table, tr, "Lượt chỉ tiêu chưa đạt").replace(".", "")))
        for tr in table.select("tbody tr")
    ]
    assert dict(shown) == expected
    assert [n for _, n in shown] == sorted(expected.values(), reverse=True)  # most unmet first
    top = max(expected, key=expected.get)
    assert shown[0][0] == top


# -- access ----------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/", "/xa/", "/thieu-hut/", "/ke-hoach/"])
def test_a_ly_nhan_user_cannot_open_binh_lieu(login, url):
    client = login("Hà Nam/Lý Nhân", "entry", "reviewer")
    binh_lieu = resolve_unit("huyen:198@2024")
    r = client.get(url, {"unit": binh_lieu.uid})
    assert r.status_code == 403
    assert "không có quyền xem Huyện Bình Liêu" in text(r)
    assert "Lục Hồn" not in text(r)  # nothing of Bình Liêu's communes leaks


def test_anonymous_is_asked_to_log_in(client):
    r = client.get("/", {"unit": LY_NHAN})
    assert r.status_code in (302, 403)
    assert "Lý Nhân" not in r.content.decode()


def test_a_province_user_sees_only_their_province_on_the_national_page(login):
    r = login("Hà Nam", "leader").get("/", {"unit": "vn"})
    assert r.status_code == 403


# -- speed: a constant number of queries, whatever the number of communes ------------------------
def _count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/", "/xa/", "/thieu-hut/", "/ke-hoach/"])
def test_list_pages_have_no_n_plus_one(login, url, django_assert_max_num_queries):
    client = login("vn", "leader")
    client.get(url, {"unit": "vn", "period": "2023-07"})  # warm caches (catalogue)
    small = _count(client, url, {"unit": "huyen:353@2024", "period": "2023-07"})  # 20 xã
    national = _count(client, url, {"unit": "vn", "period": "2023-07"})  # ~7.700 xã
    assert national <= small + 2  # + the child units' names on a national page, not one per commune
    with django_assert_max_num_queries(17):  # session, user, memberships, …, the review states' counts
        client.get(url, {"unit": "tinh:35@2024", "period": "2023-07"})


def test_national_overview_figures_equal_those_recomputed_from_results(login):
    """The national page reads the periods from the index and the roll-ups with few queries: its
    figures still equal those recomputed here from every stored result of the country."""
    codes = [s.code for s in default_catalog() if s.level == "commune"]
    newest = max(
        set(Result.objects.filter(set_code__in=codes).values_list("period", flat=True)),
        key=lambda k: (Period.parse(k).end, Period.parse(k).start),
    )
    # the newest period is of 2026 (the demo's Ninh Bình): the sets in force then, on today's map
    tiers = {t: cs.code for t, cs in q.tier_sets(Period.parse(newest)).items()}
    main_set = default_catalog().get(tiers["ntm"])
    r = login("vn", "leader").get("/", {"unit": "vn"})  # no period: the newest with results
    assert r.status_code == 200
    page, table = text(r), one(r, "#standards")
    assert f"Tổng quan: Việt Nam — {Period.parse(newest).label}" in page
    ids = {u.id for u in communes_at(resolve_unit("vn"), Period.parse(newest).end) if u.type == "Xã"}
    rs = [x for x in Result.objects.filter(period=newest, set_code__in=tiers.values()) if x.unit_id in ids]
    main = [x for x in rs if x.set_code == tiers["ntm"]]
    met = sum(x.standard_met for x in main)
    avg = sum(x.criteria_met for x in main) / len(main)
    assert (
        f"Việt Nam: {fmt.number(len(main))} xã đạt bình quân {fmt.fraction(avg, main_set.criteria_count)} tiêu chí; "
        f"{fmt.fraction(sum(x.indicators_met for x in main) / len(main), main_set.indicator_count)} chỉ tiêu; "
        f"{fmt.number(met)}/{fmt.number(len(ids))} xã đạt chuẩn ({fmt.percent(met, len(ids))})"
    ) in page
    best: dict[int, str] = {}
    for x in rs:
        best.setdefault(x.unit_id, "below")
        if x.standard_met:
            rank = ["below", "ntm", "nang_cao", "kieu_mau", "hien_dai"]
            tier = next(t for t, c in tiers.items() if c == x.set_code)
            if rank.index(tier) > rank.index(best[x.unit_id]):
                best[x.unit_id] = tier
    for key in [t for t in ("hien_dai", "kieu_mau", "nang_cao", "ntm") if t in tiers] + ["below"]:
        n = sum(1 for b in best.values() if b == key)
        row = one(table, f"tr[data-standard={key}]")
        assert cell(table, row, "Số xã") == fmt.number(n) and cell(table, row, "Tỷ lệ") == fmt.percent(n, len(ids))
    assert cell(table, one(table, "tr[data-standard=nodata]"), "Số xã") == fmt.number(len(ids) - len(best))
    # the trend: one row per period with results of the set, same communes
    periods = set(Result.objects.filter(set_code=tiers["ntm"], unit_id__in=ids).values_list("period", flat=True))
    assert len(rows(one(r, "#trend"))) == len(periods)
