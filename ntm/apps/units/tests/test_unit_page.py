"""The page of a commune as its officials and the district office read it (demo data)."""

from __future__ import annotations

import pytest

from ntm.apps.accounts.testing import cell, one, soup, text, texts
from ntm.apps.evaluations.models import Result
from ntm.apps.evaluations.services import explanation
from ntm.apps.evaluations.tests.fixtures import demo_db, login, member, ntm_middleware  # noqa: F401
from ntm.apps.units.services import resolve_unit
from ntm.core.catalog import default_catalog
from ntm.core.codes import code_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db", "ntm_middleware")]

NGUYEN_LY = "xa:13570@2024"
NAM_XANG = "xa:13591@2025"  # Nguyên Lý, Công Lý and Đức Lý merged on 1 July 2025


def section(response, ident: str):
    """The ``<section id=ident>`` of the page (a criteria set's card, the predecessors)."""
    return one(response, f"section#{ident}")


def test_scorecard_as_the_bulletin_writes_it(login):
    r = login("Hà Nam/Lý Nhân", "leader").get(f"/don-vi/{NGUYEN_LY}/", {"period": "2023-07"})
    assert r.status_code == 200
    assert (
        "Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới; "
        "17/19 tiêu chí với 70/75 chỉ tiêu nông thôn mới nâng cao"
    ) in text(r)
    assert "89,47% số tiêu chí, 94,74% số chỉ tiêu" in text(r)  # 17/19, 54/57
    assert "Xã Nguyên Lý — tháng 7/2023" in text(r)


def test_unmet_criteria_and_indicators_sorted_as_officials_sort_codes(login):
    r = login("Hà Nam/Lý Nhân").get(f"/don-vi/{NGUYEN_LY}/", {"period": "2023-07"})
    res = Result.objects.get(unit__uid=NGUYEN_LY, set_code="xa-nang-cao-2021", period="2023-07")
    block = section(r, "set-xa-nang-cao-2021")
    table = one(block, "table.unmet-indicators")
    codes = [cell(table, tr, "Mã") for tr in table.select("tbody tr")]
    assert codes == sorted(res.unmet_indicators, key=code_key) and len(codes) == 75 - 70
    cs = default_catalog().get("xa-nang-cao-2021")
    for tr in table.select("tbody tr"):  # code + content
        assert cell(table, tr, "Nội dung") == cs.by_code[cell(table, tr, "Mã")].content
    # "3. Thủy lợi và phòng, chống thiên tai; 17. Môi trường …": numbered, in order
    crits = text(one(block, "p.unmet-criteria")).split("; ")
    assert [c.split(". ")[0] for c in crits] == [str(n) for n in sorted(int(n) for n in res.unmet_criteria)]
    for c in crits:
        number, name = c.split(". ", 1)
        assert name == cs.criterion_by_number[int(number)].name


def test_changes_since_last_period_and_start_of_year(login):
    r = login("Hà Nam/Lý Nhân").get(f"/don-vi/{NGUYEN_LY}/", {"period": "2023-07"})
    rs = {x.period: x for x in Result.objects.filter(unit__uid=NGUYEN_LY, set_code="xa-ntm-2021")}
    now, last, jan = rs["2023-07"], rs["2023-06"], rs["2022-12"]
    block = section(r, "set-xa-ntm-2021")
    changes = {text(change.p.strong): change for change in block.select("div.change")}
    assert list(changes) == ["So với đầu năm (tháng 12/2022):", "So với kỳ trước (tháng 6/2023):"]
    since_year, since_last = changes.values()  # the start of 2023 = the end of 2022
    delta = now.indicators_met - jan.indicators_met
    assert f"{'+' if delta > 0 else ''}{delta} chỉ tiêu" in text(since_year.p).replace("−", "-")
    gained = sorted(set(last.unmet_indicators) - set(now.unmet_indicators), key=code_key)
    lost = sorted(set(now.unmet_indicators) - set(last.unmet_indicators), key=code_key)
    assert gained or lost, "the demo changes between June and July 2023"
    if gained:
        assert text(one(since_last, "p.gained")) == "Chỉ tiêu mới đạt: " + ", ".join(gained)
    if lost:
        assert texts(one(since_last, "p.lost"), "span[title]") == lost


def test_regressed_indicators_highlight_the_dynamic_ones(login):
    r = login("Hà Nam/Lý Nhân").get(f"/don-vi/{NGUYEN_LY}/", {"period": "2023-07"})
    block = section(r, "set-xa-ntm-2021")
    table = one(block, "table.regressions")
    cs = default_catalog().get("xa-ntm-2021")
    rows = [
        ("dynamic" in tr.get("class", []), cell(table, tr, "Từ kỳ"), cell(table, tr, "Sang kỳ"), cell(table, tr, "Mã"))
        for tr in table.select("tbody tr")
    ]
    assert rows, "the demo has regressions"
    rs = {x.period: set(x.unmet_indicators) for x in Result.objects.filter(unit__uid=NGUYEN_LY, set_code="xa-ntm-2021")}
    for dyn, _before, _after, code in rows:
        assert dyn == cs.by_code[code].dynamic  # "tiêu chí động" highlighted, others not
    # e.g. from 12/2022 to 3/2023: every indicator met in 12/2022 and unmet in 3/2023 is listed
    expected = sorted(rs["2023-03"] - rs["2022-12"], key=code_key)
    assert [c for _, b, a, c in rows if b == "tháng 12/2022"] == expected
    assert any(dyn for dyn, *_ in rows)


def test_each_indicator_is_explained(login):
    r = login("Hà Nam/Lý Nhân").get(f"/don-vi/{NGUYEN_LY}/", {"period": "2023-07"})
    block = section(r, "set-xa-ntm-2021")
    explain = one(block, "table.explain")
    assert len(explain.select("tr[data-code]")) == 57
    row = one(explain, 'tr[data-code="15.1"]')
    assert cell(explain, row, "Căn cứ") == "theo đánh giá của cán bộ"  # decided_by
    heading = [th for th in explain.select("th[colspan]") if text(th).startswith("Tiêu chí 17. ")]
    assert len(heading) == 1
    assert text(heading[0]).startswith("Tiêu chí 17. Môi trường và an toàn thực phẩm — ")
    # the responsible sector (the ministry of today)
    assert text(one(heading[0], "span.muted")) == "Bộ Nông nghiệp và Môi trường"


def test_a_commune_evaluated_by_a_full_reevaluation_is_explained_the_same(login):
    """A full re-evaluation (the batch path) stores only one status letter per indicator: the page
    still explains every indicator, exactly as after a save."""
    from ntm.apps.evaluations import batch

    client = login("Hà Nam/Lý Nhân")
    before = section(client.get(f"/don-vi/{NGUYEN_LY}/", {"period": "2023-07"}), "set-xa-ntm-2021")
    from ntm.apps.evaluations import dataview

    for view in (dataview.APPROVED, dataview.ALL):  # both views of the figures, as a full re-evaluation does
        batch.evaluate_period("2023-07", ["xa-ntm-2021", "xa-nang-cao-2021"], view=view)
    assert Result.objects.get(unit__uid=NGUYEN_LY, set_code="xa-ntm-2021", period="2023-07").detail["mode"] == "batch"
    after = section(client.get(f"/don-vi/{NGUYEN_LY}/", {"period": "2023-07"}), "set-xa-ntm-2021")
    assert len(after.select("table.explain tr[data-code]")) == 57
    assert after == before  # the same markup, element by element


def test_rule_threshold_scope_and_conflict_are_shown(login):
    """An indicator with a regional threshold: the rule, the scope and a conflict with the assessment."""
    unit = resolve_unit(NGUYEN_LY)
    res = Result.objects.get(unit=unit, set_code="xa-ntm-2021", period="2023-07")
    detail = explanation(res)  # a whole explanation kept in the row is shown as it is
    item = next(i for i in detail["indicator_results"] if i["code"] == "15.1")
    item.update(rule="≥ 95%", threshold=95.0, scope="region:DBSH", decided_by="rule", conflict=True, value=93.5)
    Result.objects.filter(pk=res.pk).update(detail=detail)
    r = login("Hà Nam/Lý Nhân").get(f"/don-vi/{NGUYEN_LY}/", {"period": "2023-07"})
    explain = one(section(r, "set-xa-ntm-2021"), "table.explain")
    row = one(explain, 'tr[data-code="15.1"]')
    assert cell(explain, row, "Quy tắc / ngưỡng") == "≥ 95%"
    assert cell(explain, row, "Phạm vi ngưỡng") == "vùng Đồng bằng sông Hồng"
    assert cell(explain, row, "Căn cứ") == "theo ngưỡng của bộ tiêu chí"
    assert cell(explain, row, "Giá trị") == "93,5"
    assert "Mâu thuẫn" in cell(explain, row, "Kết quả")


def test_a_commune_before_the_reform_shows_what_it_became(login):
    r = login("Hà Nam/Lý Nhân").get(f"/don-vi/{NGUYEN_LY}/")
    assert "Từ 01/07/2025, Xã Nguyên Lý được nhập cùng Xã Công Lý, Xã Đức Lý vào Xã Nam Xang" in text(r)
    assert "Xã Nguyên Lý — tháng 12/2024" in text(r)  # the latest period by default


def test_a_merged_commune_shows_its_predecessors_results(login):
    client = login(NAM_XANG, "leader")
    r = client.get(f"/don-vi/{NAM_XANG}/", {"period": "2023-07"})
    assert r.status_code == 200
    block = section(r, "predecessors")
    plain = text(block)
    assert "Xã Nam Xang được hình thành từ 3 đơn vị" in plain
    assert (
        "Xã Nguyên Lý (cũ): đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới; "
        "17/19 tiêu chí với 70/75 chỉ tiêu nông thôn mới nâng cao"
    ) in plain
    assert "Xã Công Lý (cũ): đạt 16/19 tiêu chí với 53/57 chỉ tiêu nông thôn mới" in plain
    assert "Xã Đức Lý (cũ): đạt" in plain
    # the predecessors' figures, counted (no combined status is made up for the successor)
    assert "1/3 xã cũ đạt chuẩn nông thôn mới (tháng 7/2023)" in plain  # Đức Lý
    assert "Chưa có quy định chính thức tính một mức đạt chuẩn chung" in plain
    # their pages are the history of Nam Xang: a user of Nam Xang reads them (and meets no dead link)
    links = {text(a): a["href"] for a in block.select("a[href]")}
    assert links["Xã Nguyên Lý"] == f"/don-vi/{NGUYEN_LY}/?period=2023-07"
    page = client.get(f"/don-vi/{NGUYEN_LY}/", {"period": "2023-07"})
    assert page.status_code == 200 and "Xã Nguyên Lý — tháng 7/2023" in text(page)
    # the old district: named, not linked
    assert not [a["href"] for a in soup(page).select("a[href]") if a["href"].startswith("/?unit=huyen")]
    assert "Huyện Lý Nhân" in texts(page, "nav.crumbs")[0]


def test_higher_units_redirect_to_their_overview(login):
    r = login("Hà Nam/Lý Nhân").get("/don-vi/huyen:353@2024/", {"period": "2023-07"})
    assert r.status_code == 302 and r["Location"] == "/?unit=huyen%3A353%402024&period=2023-07"


def test_another_district_user_gets_403(login):
    client = login("huyen:198@2024", "entry", "reviewer")  # Bình Liêu
    r = client.get(f"/don-vi/{NGUYEN_LY}/")
    assert r.status_code == 403
    assert "17/19" not in r.content.decode() and "Nguyên Lý:" not in r.content.decode()
    assert client.get("/don-vi/xa:99999@2024/").status_code == 404


def test_unit_page_queries_do_not_grow_with_history(login, django_assert_max_num_queries):
    client = login("vn", "leader")
    client.get(f"/don-vi/{NGUYEN_LY}/")
    with django_assert_max_num_queries(17):  # + the commune's group in force (dated classifications)
        assert client.get(f"/don-vi/{NGUYEN_LY}/", {"period": "2023-07"}).status_code == 200
    with django_assert_max_num_queries(17):
        assert client.get(f"/don-vi/{NAM_XANG}/").status_code == 200
