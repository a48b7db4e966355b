"""Browser tests: a live server and a real headless Chromium (Debian ``chromium``, driven by Playwright).

Skipped when Playwright or the browser is missing. The browser is Debian's (``apt-get install
chromium``; set ``NTM_CHROMIUM`` for another path), never one downloaded by ``playwright install``.

The live server answers from another thread, so these tests use ``transactional_db``: data is
committed, and the database is emptied after each test — the units included. Each test therefore
loads what it needs, and the module fixture reloads the units at the end for the tests that follow.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NTM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The screenshots for docs/ are refreshed only on request (NTM_DOCS_SCREENSHOTS=1): a test run must
# not rewrite tracked files.
DOCS_IMG = (
    Path(__file__).resolve().parents[2] / "docs" / "img"
    if os.environ.get("NTM_DOCS_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "ntm-e2e-screenshots"
)


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright==1.65.2)"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set NTM_CHROMIUM)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason:
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """A live server with the site's middleware (log-in required, audit) and a temporary MEDIA_ROOT."""
    from django.conf import settings
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    from ntm.apps.accounts.testing import with_ntm_middleware
    from ntm.apps.units.services import load_units

    old_env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    override = override_settings(
        MIDDLEWARE=with_ntm_middleware(settings.MIDDLEWARE), MEDIA_ROOT=tmp_path_factory.mktemp("media")
    )
    override.enable()
    live = LiveServer("localhost")
    try:
        yield live
    finally:
        live.stop()
        override.disable()
        if old_env is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old_env
        with django_db_blocker.unblock():  # the transactional tests emptied the database
            load_units()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make():
        ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def units_loaded(transactional_db):
    """The units (emptied by the previous transactional test, if any) and the demo accounts."""
    from ntm.apps.accounts.services import create_demo_accounts
    from ntm.apps.units.models import Unit
    from ntm.apps.units.services import load_units

    if not Unit.objects.exists():
        load_units()
    create_demo_accounts()


def log_in(page, base: str, username: str, password: str = "ntm-demo", next: str = "/tai-khoan/") -> None:
    from urllib.parse import quote

    page.goto(f"{base}/tai-khoan/dang-nhap/?next={quote(next)}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(".login-box button[type=submit]")
    page.wait_for_url(lambda url: "dang-nhap" not in url)


def log_out(page) -> None:
    page.click("header form.logout button")
    page.wait_for_url("**/tai-khoan/dang-nhap/")


@pytest.fixture
def demo_data(db):
    """The demo (Lý Nhân and Bình Liêu, six periods, plans and recognitions) and the four demo accounts,
    in the test's transaction: ``{"xa": user, "huyen": …, "tinh": …, "quocgia": …}``."""
    from rich.console import Console

    from ntm.apps.accounts.testing import demo_users
    from ntm.demo import build_demo

    build_demo(console=Console(quiet=True))
    return demo_users()
