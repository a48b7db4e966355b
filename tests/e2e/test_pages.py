"""Every page of every demo role on a phone (390 px) and a desk (1280 px), in a real browser: the page
never scrolls sideways, axe-core finds no serious or critical accessibility violation, and none of the
links it shows answers 403 or 404. Keyboard only: a commune official enters, saves and submits; the
district approves.

axe-core is vendored for these tests only (``vendor/axe-*.min.js``, MPL-2.0, licence beside it). The
pages are those each role reaches from its home page (the crawl of ``crawl.py``), one address per
page kind, and a few more each role uses (entry form, review, reports).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from .conftest import log_in
from .crawl import crawl

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = next((Path(__file__).parent / "vendor").glob("axe-*.min.js"))
WIDTHS = (390, 1280)
EXTRA = {
    "xa": ["/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-12/", "/tai-khoan/", "/bo-tieu-chi/xa-ntm-2021/"],
    "huyen": [
        "/nhap-lieu/cho-duyet/",
        "/nhat-ky/",
        "/ke-hoach/them/",
        "/bao-cao/ban-tin/?unit=huyen:353@2024&period=2023-07",
        "/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-12/",
    ],
    "tinh": ["/don-vi/?in=tinh:35@2024"],
    "quocgia": ["/xa/?unit=vn"],
}
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


def kind(url: str) -> tuple:
    """One address per page kind: the path without ids, and the names of its query parameters."""
    parts = urlsplit(url)
    path = "/".join("<id>" if any(ch in seg for ch in ":@") or seg.isdigit() else seg for seg in parts.path.split("/"))
    return path, tuple(sorted(k for k, _v in parse_qsl(parts.query) if k not in ("page", "sort")))


def pages_of(client, role: str) -> tuple[list[str], list[str]]:
    """The pages to open in the browser for ``role``, and the links that did not answer 200."""
    result = crawl(client, "/", max_pages=20, max_links=150)
    chosen, seen = [], set()
    for url in [*result.pages, *EXTRA[role]]:
        if kind(url) not in seen:
            seen.add(kind(url))
            chosen.append(url)
    return chosen, result.failures()


def test_every_page_fits_a_phone_is_accessible_and_has_no_dead_link(server, units_loaded, browser, client, settings):
    from rich.console import Console

    from ntm.apps.accounts.testing import demo_users, with_ntm_middleware
    from ntm.demo import build_demo

    build_demo(console=Console(quiet=True))
    users = demo_users()
    settings.MIDDLEWARE = with_ntm_middleware(settings.MIDDLEWARE)
    problems: list[str] = []
    opened = 0
    for role, user in users.items():
        client.force_login(user)
        urls, dead = pages_of(client, role)
        problems += [f"{role}: dead link {d}" for d in dead]
        for width in WIDTHS:
            ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN", bypass_csp=True)
            ctx.set_default_timeout(20_000)
            page = ctx.new_page()
            log_in(page, server.url, user.username)
            for url in urls:
                response = page.goto(server.url + url)
                page.wait_for_load_state("networkidle")
                opened += 1
                if response is None or response.status != 200:
                    problems.append(f"{role} {width}px {url}: HTTP {response.status if response else '?'}")
                    continue
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    problems.append(f"{role} {width}px {url}: the page is {overflow}px wider than the screen")
                page.add_script_tag(path=str(AXE))
                for v in page.evaluate(AXE_RUN):
                    problems.append(f"{role} {width}px {url}: {v}")
            ctx.close()
    assert opened >= 60
    assert not problems, "\n".join(problems)


def test_keyboard_only_entry_submission_and_approval(server, units_loaded, new_page, monkeypatch):
    from rich.console import Console

    from ntm import demo
    from ntm.apps.observations.models import Submission, SubmissionState

    monkeypatch.setattr(demo, "DISTRICTS", ["Hà Nam/Lý Nhân"])
    monkeypatch.setattr(demo, "PERIODS", ["2023-07"])
    monkeypatch.setattr(demo, "SETS", ["xa-ntm-2021"])
    demo.build_demo(console=Console(quiet=True))
    from ntm.apps.accounts.testing import reopen
    from ntm.apps.units.models import Unit

    reopen(Unit.objects.get(uid="xa:13570@2024"), "xa-ntm-2021", "2023-07")  # the demo's sheets are approved
    form = "/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-07/"

    page = new_page()
    page.goto(f"{server.url}/tai-khoan/dang-nhap/?next={form}")
    page.keyboard.press("Tab")
    _tab_to(page, "#id_username")
    page.keyboard.type("demo_xa")
    page.keyboard.press("Tab")
    page.keyboard.type("ntm-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "dang-nhap" not in url)
    assert page.url.endswith(form)

    # to the value of indicator 2.1 with Tab alone, type it, and save with Enter
    _tab_to(page, 'input[name="v-2.1"]', limit=400)
    page.keyboard.press("Control+A")
    page.keyboard.type("91,3")
    page.keyboard.press("Tab")  # the assessment of the row comes next
    assert page.evaluate("document.activeElement.name") == "a-2.1"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # Enter in a field moves on; it never submits a half-typed sheet
    page.wait_for_timeout(300)
    assert page.url.endswith(form) and not page.locator(".messages").count()
    _tab_to(page, "button.save", limit=400, key="Shift+Tab")  # back up to the sheet's «Lưu»
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Đã lưu" in page.inner_text(".messages")
    _tab_to(page, 'button[data-step="submit"]', limit=400)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Submission.objects.get(unit__uid="xa:13570@2024", period="2023-07").state == SubmissionState.SUBMITTED

    # the district reviews: from "Chờ duyệt" to the form, approves with the keyboard
    page.context.clear_cookies()
    log_in(page, server.url, "demo_huyen", next="/nhap-lieu/cho-duyet/")
    _tab_to(page, 'a[href$="#workflow"]', limit=200)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{form}#workflow")
    _tab_to(page, 'button[data-step="approve"]', limit=400)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Submission.objects.get(unit__uid="xa:13570@2024", period="2023-07").state == SubmissionState.APPROVED


def _tab_to(page, selector: str, limit: int = 60, key: str = "Tab") -> None:
    """Press Tab (or ``key``) until ``selector`` has the focus (fails after ``limit`` presses)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(
        f"{selector} never got the focus with Tab ({json.dumps(page.evaluate('document.activeElement.outerHTML'))[:200]})"
    )
