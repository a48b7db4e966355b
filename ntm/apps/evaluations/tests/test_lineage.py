"""Continuity across the 2025 merger: a unit of today's hierarchy and a period before 1 July 2025 —
the overview, the commune list, the bulletin and the API read the old communes' stored results by the
commune they became, each old commune once, and no combined status is made up for today's commune."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ntm.apps.accounts.testing import cell, one, soup, text
from ntm.apps.evaluations.models import Result
from ntm.apps.units.models import Unit, UnitLink
from ntm.core import formatting as fmt

from .fixtures import demo_db, login, member, ntm_middleware  # noqa: F401

pytestmark = pytest.mark.django_db

NINH_BINH = "tinh:37@2025"
NAM_XANG = "xa:13591@2025"


def old_results(period: str = "2024-12", set_code: str = "xa-ntm-2021") -> list[Result]:
    """The stored results of the old xã that became communes of today's Ninh Bình."""
    today = Unit.objects.filter(parent__uid=NINH_BINH)
    olds = UnitLink.objects.filter(successor__in=today, predecessor__type="Xã").values("predecessor_id")
    return list(Result.objects.filter(unit_id__in=olds, set_code=set_code, period=period))


@pytest.fixture
def ninh_binh(client, demo_db, ntm_middleware):  # noqa: F811
    client.force_login(get_user_model().objects.get(username="demo_ninhbinh"))
    return client


def test_today_by_default_and_the_predecessors_results_on_todays_map(ninh_binh):
    r = ninh_binh.get("/")
    assert "Tổng quan: Tỉnh Ninh Bình — quý III/2026" in text(r)  # today's unit, set and latest period
    assert "Giai đoạn 2021–2025 (đến tháng 12/2024)" in text(r)  # history one click away
    r = ninh_binh.get("/", {"unit": NINH_BINH, "period": "2024-12"})
    page = text(r)
    lineage = one(r, "table.lineage")
    rs = old_results()
    n_old = (
        UnitLink.objects.filter(successor__parent__uid=NINH_BINH, predecessor__type="Xã")
        .values("predecessor_id")
        .distinct()
        .count()
    )
    met = sum(x.standard_met for x in rs)
    avg = sum(x.criteria_met for x in rs) / len(rs)
    assert (
        f"Tỉnh Ninh Bình: {len(rs)} xã cũ đạt bình quân {fmt.fraction(avg, 19)} tiêu chí; "
        f"{fmt.fraction(sum(x.indicators_met for x in rs) / len(rs), 57)} chỉ tiêu; "
        f"{met}/{fmt.number(n_old)} xã cũ đạt chuẩn"
    ) in page
    assert "Hệ thống hành chính tại ngày" in page and "hiện nay (từ 01/07/2025): Tỉnh Ninh Bình" in page
    assert "không gộp" in page
    # Nam Xang's line: its three old communes, counted
    nam_xang = [x for x in rs if x.unit.successor_links.filter(successor__uid=NAM_XANG).exists()]
    assert len(nam_xang) == 3
    line = cell(lineage, one(lineage, f'tr[data-uid="{NAM_XANG}"]'), "Các xã cũ đạt chuẩn")
    assert line == f"{sum(x.standard_met for x in nam_xang)}/3 xã cũ đạt chuẩn nông thôn mới"


def test_the_commune_list_groups_old_communes_by_todays_commune(ninh_binh):
    r = ninh_binh.get("/xa/", {"unit": NINH_BINH, "period": "2024-12"})
    row = one(r, f'table.lineage tr[data-uid="{NAM_XANG}"]')
    olds = Result.objects.filter(
        unit__successor_links__successor__uid=NAM_XANG, set_code="xa-ntm-2021", period="2024-12"
    ).select_related("unit")
    assert len(row.select("ul.predecessors li")) == len(olds) == 3  # each old commune once
    for x in olds:
        line = text(one(row, f'li[data-uid="{x.unit.uid}"] span[lang=vi]'))
        assert line.startswith(
            f"{x.unit.name} (cũ): đạt {x.criteria_met}/19 tiêu chí với {x.indicators_met}/57 chỉ tiêu nông thôn mới"
        )


def test_the_bulletin_of_todays_commune_lists_its_old_communes(ninh_binh):
    from ntm.apps.reports.services import bulletin
    from ntm.core.reports.model import to_text

    doc, data = bulletin(Unit.objects.get(uid=NAM_XANG), "2024-12")
    body = to_text(doc)
    olds = {
        x.unit.name: x
        for x in Result.objects.filter(
            unit__successor_links__successor__uid=NAM_XANG, set_code="xa-ntm-2021", period="2024-12"
        ).select_related("unit")
    }
    met = sum(x.standard_met for x in olds.values())
    assert f"Xã Nam Xang: {met}/3 xã cũ đạt chuẩn nông thôn mới." in body
    for name, x in olds.items():
        assert f"{name} (cũ): đạt {x.criteria_met}/19 tiêu chí với {x.indicators_met}/57 chỉ tiêu nông thôn mới" in body
    assert "không gộp" in body and data.noun == "xã cũ"
    # the page offers the predecessors' periods too
    page = ninh_binh.get("/bao-cao/ban-tin/", {"unit": NAM_XANG, "period": "2024-12"})
    assert page.status_code == 200 and "Xã Công Lý (cũ): đạt" in text(page)


def test_the_api_rolls_up_the_old_communes_by_todays_commune():
    api = APIClient()
    api.force_authenticate(get_user_model().objects.get(username="demo_namxang"))
    data = api.get("/api/v1/rollups/", {"unit": NAM_XANG, "set": "xa-ntm-2021", "period": "2024-12"}).json()
    assert data["units_total"] == 3 and data["units_with_results"] == 3
    (succ,) = data["lineage"]["successors"]
    assert succ["uid"] == NAM_XANG and {p["name"] for p in succ["predecessors"]} == {
        "Xã Nguyên Lý",
        "Xã Công Lý",
        "Xã Đức Lý",
    }
    assert "status" not in succ and "standard_met" not in succ  # no combined status
    results = api.get("/api/v1/results/", {"unit": NAM_XANG, "set": "xa-ntm-2021", "period": "2024-12"}).json()
    assert {r["unit_name"] for r in results["results"]} == {"Xã Nguyên Lý", "Xã Công Lý", "Xã Đức Lý"}


def test_a_reviewer_of_a_merged_province_meets_no_link_to_a_page_it_cannot_open(login):  # noqa: F811
    client = login("tinh:35@2024", "reviewer")
    r = client.get("/", {"date": "01/08/2025"})
    page = soup(r)
    error = one(page, "p.error")
    assert "Tỉnh Hà Nam không còn từ 01/07/2025" in text(error) and "Tỉnh Ninh Bình" in text(error)
    assert not error.select("a") and "tinh:37@2025" not in text(error)  # named, not linked
    hrefs = {a["href"] for a in page.select("[href]") if a["href"].startswith("/")}
    assert hrefs  # the page's own links are checked, one by one
    for href in hrefs:
        if href.startswith(("/static/", "/tai-khoan/")):
            continue
        assert client.get(href).status_code != 403, href
