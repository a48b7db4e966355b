"""In a real browser: from the overview's map to a commune, from the commune to the commune it was
merged into on 1 July 2025, whose page shows its predecessors' results; the units search; the
switch to English."""

from __future__ import annotations

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LY_NHAN = "huyen:353@2024"
NGUYEN_LY = "xa:13570@2024"
NAM_XANG = "xa:13591@2025"  # Nguyên Lý, Công Lý and Đức Lý from 1 July 2025


def test_map_to_commune_to_merged_commune_history_search_and_english(server, units_loaded, new_page, monkeypatch):
    from playwright.sync_api import expect

    from ntm import demo
    from ntm.apps.evaluations.models import Result

    monkeypatch.setattr(demo, "DISTRICTS", ["Hà Nam/Lý Nhân"])
    monkeypatch.setattr(demo, "PERIODS", ["2023-07"])
    monkeypatch.setattr(demo, "SETS", ["xa-ntm-2021"])
    demo.build_demo(console=_quiet_console())
    scores = {
        r.unit.uid: (r.criteria_met, r.indicators_met)
        for r in Result.objects.filter(
            unit__uid__in=[NGUYEN_LY, "xa:13582@2024", "xa:13591@2024"], set_code="xa-ntm-2021", period="2023-07"
        ).select_related("unit")
    }
    assert scores[NGUYEN_LY] == (17, 54)  # as in the district's bulletin of July 2023

    page = new_page()
    log_in(page, server.url, "demo_quocgia", next=f"/?unit={LY_NHAN}&period=2023-07")
    expect(page.locator("h1")).to_have_text("Tổng quan: Huyện Lý Nhân — tháng 7/2023")
    expect(page.locator("#rollup-sentence")).to_contain_text("Huyện Lý Nhân: 20 xã đạt bình quân")
    # the map: one point per commune; a click opens the commune's page
    assert page.locator("svg.map circle.commune").count() == 20
    page.locator(f'svg.map circle[data-uid="{NGUYEN_LY}"]').click()
    page.wait_for_url(f"**/don-vi/{NGUYEN_LY}/")
    expect(page.locator("#scorecard")).to_contain_text(
        "Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới"
    )

    # the commune was merged into Nam Xang: the new commune's page shows the three predecessors' results
    page.locator("#successor a").click()
    page.wait_for_url(f"**/don-vi/{NAM_XANG}/")
    expect(page.locator("h1")).to_contain_text("Xã Nam Xang")
    history = page.locator("#predecessors")
    expect(history).to_contain_text("Kết quả của các xã trước sắp xếp (trước 01/07/2025)")
    for uid, (c, i) in scores.items():
        expect(history.locator(f'tr[data-uid="{uid}"]')).to_contain_text(f"đạt {c}/19 tiêu chí với {i}/57 chỉ tiêu")
        expect(history.locator(f'tr[data-uid="{uid}"]')).to_contain_text("tháng 7/2023")

    # the units page: a search without diacritics finds the 2025 commune
    page.goto(server.url + "/don-vi/")
    page.fill("#unit-search input[name=q]", "nam xang")
    page.click("#unit-search button[type=submit]")
    row = page.locator(f'#unit-list tr[data-uid="{NAM_XANG}"]')
    expect(row).to_contain_text("Tỉnh Ninh Bình")
    row.get_by_role("link", name="Xã Nam Xang").click()
    page.wait_for_url(f"**/don-vi/{NAM_XANG}/")

    # English, then back to Vietnamese
    page.click("#language-switch button")
    expect(page.locator("#predecessors h2")).to_have_text(
        "Results of the communes before the merger (before 01/07/2025)"
    )
    expect(page.locator("header nav")).to_contain_text("Overview")
    page.click("#language-switch button")
    expect(page.locator("header nav")).to_contain_text("Tổng quan")


def _quiet_console():
    import io

    from rich.console import Console

    return Console(file=io.StringIO(), quiet=True)


def test_a_background_reevaluation_is_announced_and_its_end_shows_without_a_reload(
    server, units_loaded, new_page, monkeypatch
):
    """The dashboards poll the notice (htmx): the run ends in the worker, the page says so by itself."""
    from playwright.sync_api import expect

    from ntm import demo
    from ntm.apps.evaluations import tasks

    monkeypatch.setattr(demo, "DISTRICTS", ["Hà Nam/Lý Nhân"])
    monkeypatch.setattr(demo, "PERIODS", ["2023-07"])
    monkeypatch.setattr(demo, "SETS", ["xa-ntm-2021"])
    demo.build_demo(console=_quiet_console())
    run = tasks.start_reevaluation(["xa-ntm-2021"], ["2023-07"], reason="nhập cả huyện", enqueue=False)

    page = new_page()
    log_in(page, server.url, "demo_quocgia", next=f"/?unit={LY_NHAN}&period=2023-07")
    notice = page.locator("#reevaluation")
    expect(notice).to_contain_text(
        f"Đang đánh giá lại trong nền (lượt #{run.pk}, nhập cả huyện): đang chờ tiến trình nền"
    )
    expect(page.locator("#rollup-sentence")).to_contain_text("Huyện Lý Nhân: 20 xã")  # the previous results, shown
    tasks.run_reevaluation(run.pk)  # what the worker does
    expect(notice).to_contain_text(f"Lượt đánh giá lại #{run.pk} đã xong.", timeout=20_000)  # polled, no reload
    notice.get_by_role("link", name="Tải lại trang để xem kết quả mới.").click()
    expect(page.locator("#rollup-sentence")).to_contain_text("Huyện Lý Nhân: 20 xã")
    expect(page.locator("#reevaluation")).to_have_text("")
