"""In a real browser, the world of today (December 2026): a Ninh Bình reviewer opens the province on
the 2026–2030 set, switches to 12/2024 on today's map and sees the old communes' results by today's
commune, opens Nam Xang and sees its three predecessors; a Hà Nam reviewer whose province was merged
meets no link that answers 403; commune groups imported from a file with a preview."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NINH_BINH = "tinh:37@2025"
NAM_XANG = "xa:13591@2025"  # Nguyên Lý, Công Lý and Đức Lý from 1 July 2025


def _quiet_console():
    import io

    from rich.console import Console

    return Console(file=io.StringIO())


@pytest.fixture
def demo_today(units_loaded, monkeypatch):
    """The demo, lighter: Lý Nhân's communes in 7/2023 and 12/2024, then today's Ninh Bình (2026); and the
    programme's targets (loaded by a migration, emptied by an earlier transactional test)."""
    from ntm import demo
    from ntm.apps.plans.targets import load_programme_targets

    load_programme_targets()

    monkeypatch.setattr(demo, "DISTRICTS", ["Hà Nam/Lý Nhân"])
    monkeypatch.setattr(demo, "PERIODS", ["2023-07", "2024-12"])
    monkeypatch.setattr(demo, "SETS", ["xa-ntm-2021"])
    info = demo.build_demo(console=_quiet_console())
    # the data-version counters start again from zero in each transactional test: what the server kept
    # from an earlier test could look current
    from ntm.web import cache

    cache.clear()
    return info


def test_ninh_binh_reviewer_from_2026_to_the_old_communes_of_nam_xang(server, demo_today, new_page):
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, server.url, "demo_ninhbinh", next="/")
    # today by default: today's province, the set in force, the latest period with data
    expect(page.locator("h1")).to_have_text("Tổng quan: Tỉnh Ninh Bình — quý III/2026")
    expect(page.locator("main")).to_contain_text("Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026–2030")
    expect(page.locator("#rollup-sentence")).to_contain_text("Tỉnh Ninh Bình: 7 xã đạt bình quân")
    expect(page.locator("#rollup-sentence")).to_contain_text("/10 tiêu chí")
    expect(page.locator("#progress")).to_contain_text("khoảng 65% số xã đạt chuẩn nông thôn mới")

    # 12/2024 on today's map: the old communes' stored results, by the commune they became
    page.select_option("select[name=period]", "2024-12")
    page.click("form.inline button[type=submit]")
    expect(page.locator("h1")).to_have_text("Tổng quan: Tỉnh Ninh Bình — tháng 12/2024")
    expect(page.locator("#lineage-note")).to_contain_text("không gộp")
    expect(page.locator("#map-editions")).to_contain_text("hiện nay (từ 01/07/2025)")
    expect(page.locator("#rollup-sentence")).to_contain_text("Tỉnh Ninh Bình: 20 xã cũ đạt bình quân")
    row = page.locator(f'#lineage tr[data-uid="{NAM_XANG}"]')
    expect(row).to_contain_text(re.compile(r"\d/3 xã cũ đạt chuẩn nông thôn mới"))

    # Nam Xang: its three predecessors' figures, none combined into a status of its own
    row.get_by_role("link", name="Xã Nam Xang").click()
    page.wait_for_url(f"**/don-vi/{NAM_XANG}/**")
    history = page.locator("#predecessors")
    for name in ("Xã Nguyên Lý (cũ): đạt", "Xã Công Lý (cũ): đạt", "Xã Đức Lý (cũ): đạt"):
        expect(history).to_contain_text(name)
    expect(history).to_contain_text("tháng 12/2024")
    expect(page.locator("#lineage-summary")).to_contain_text("xã cũ đạt chuẩn nông thôn mới")
    expect(page.locator("#classification")).to_contain_text("nhóm 2")
    # a predecessor's page is the history of Nam Xang: it opens
    history.get_by_role("link", name="Xã Công Lý").click()
    expect(page.locator("h1")).to_have_text("Xã Công Lý — tháng 12/2024")


def _links(html: str, base: str) -> set[str]:
    out = set()
    for href in re.findall(r'href="([^"#]+)"', html):
        url = urljoin(base, href.replace("&amp;", "&"))
        if urlparse(url).netloc != urlparse(base).netloc:
            continue
        path = urlparse(url).path
        if (
            path.startswith(("/static/", "/tai-khoan/dang-xuat", "/admin/", "/api/"))
            or "tai-ve" in path
            or path.endswith((".xlsx", ".csv", ".docx", ".pdf"))
        ):
            continue
        out.add(url)
    return out


def test_a_ha_nam_reviewer_after_the_reform_meets_no_403_link(server, demo_today, new_page):
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, server.url, "demo_tinh", next="/?date=01/08/2025")
    # the province no longer exists on that date: said in words, its successor named without a link
    box = page.locator("p.error")
    expect(box).to_contain_text("Tỉnh Hà Nam không còn từ 01/07/2025")
    expect(box).to_contain_text("Tỉnh Ninh Bình")
    expect(box).not_to_contain_text("tinh:37@2025")
    assert box.locator("a").count() == 0

    start = [
        page.url,
        server.url + "/",
        server.url + "/xa/?date=2025-08-01",
        server.url + "/thieu-hut/?date=2025-08-01",
        server.url + "/ke-hoach/?date=2025-08-01",
        server.url + "/don-vi/xa:13570@2024/",
        server.url + "/don-vi/",
        server.url + "/bao-cao/",
    ]
    seen: set[str] = set()
    queue = list(start)
    refused: list[tuple[str, str]] = []
    pages = 0
    while queue and pages < 90:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        resp = page.request.get(url)
        pages += 1
        if resp.status == 403:
            refused.append((url, "?"))
            continue
        if "text/html" not in resp.headers.get("content-type", ""):
            continue
        for link in _links(resp.text(), url):
            if link not in seen:
                check = page.request.get(link)
                if check.status == 403:
                    refused.append((link, url))
                seen.add(link)
                if len(seen) < 60:
                    queue.append(link)
                    seen.discard(link)
    assert not refused, refused
    assert pages > 10


def test_commune_groups_imported_from_a_file_with_a_preview(server, demo_today, new_page, tmp_path):
    from playwright.sync_api import expect

    from ntm.apps.audit.models import Action, AuditEvent
    from ntm.apps.units.models import Unit

    head = "Mã xã,Tên xã,Nhóm,Hiệu lực từ,Số quyết định,Ngày quyết định,Cơ quan ban hành\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        head + "xa:13591@2025,Nam Xang,1,01/07/2026,15/QĐ-UBND,20/06/2026,UBND tỉnh Ninh Bình\n"
        "xa:13627@2025,Nam Lý,nhóm 5,01/07/2026,15/QĐ-UBND,20/06/2026,UBND tỉnh Ninh Bình\n",
        encoding="utf-8",
    )
    good = tmp_path / "good.csv"
    good.write_text(
        head + "xa:13627@2025,Nam Lý,3,01/07/2026,15/QĐ-UBND,20/06/2026,UBND tỉnh Ninh Bình\n", encoding="utf-8"
    )
    page = new_page()
    log_in(page, server.url, "demo_ninhbinh", next=f"/don-vi/phan-loai/nhap/?unit={NINH_BINH}")
    page.set_input_files("#classification-upload input[type=file]", str(bad))
    page.click("#classification-upload button[type=submit]")
    expect(page.locator("#classification-preview")).to_contain_text("1 lỗi — không ghi gì.")
    expect(page.locator("#classification-problems")).to_contain_text("Nhóm")
    expect(page.locator("#classification-problems td.num")).to_have_text("3")
    assert Unit.objects.get(uid="xa:13627@2025").commune_group == ""

    page.set_input_files("#classification-upload input[type=file]", str(good))
    page.click("#classification-upload button[type=submit]")
    expect(page.locator("#classification-changes")).to_contain_text("Xã Nam Lý")
    page.click("#classification-confirm button[value=confirm]")
    expect(page.locator("main")).to_contain_text("Đã ghi 1 thay đổi phân loại xã")
    assert Unit.objects.get(uid="xa:13627@2025").commune_group == "3"  # in force since 01/07/2026
    assert AuditEvent.objects.filter(action=Action.CLASSIFICATION_SAVED, username="demo_ninhbinh").count() == 1
