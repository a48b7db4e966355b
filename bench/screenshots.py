"""Screenshots of the dashboard pages for the README and docs/, with a real headless Chromium.

Run against a server on a demo database (``ntm setup --demo`` then ``ntm serve --dev``), with the
same ``NTM_HOME`` so that this script can open a session for a demo account:

    NTM_HOME=/tmp/ntm-demo .venv/bin/python bench/screenshots.py --base http://127.0.0.1:8000 --user demo_tinh

Uses Playwright with Debian's ``/usr/bin/chromium`` (no browser download).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [  # (file name, demo account, url)
    ("overview", "demo_huyen", "/?unit=huyen:353@2024&period=2023-07"),
    ("overview-province", "demo_tinh", "/?unit=tinh:35@2024&period=2023-12"),
    ("overview-national", "demo_quocgia", "/?unit=vn&period=2023-12"),
    ("unit", "demo_huyen", "/don-vi/xa:13570@2024/?period=2023-07"),
    ("unit-merged", "demo_quocgia", "/don-vi/xa:13591@2025/?period=2023-07"),
    ("gaps", "demo_huyen", "/thieu-hut/?unit=huyen:353@2024&period=2023-12"),
    ("plans", "demo_huyen", "/ke-hoach/?unit=huyen:353@2024&period=2023-12"),
    ("communes", "demo_huyen", "/xa/?unit=huyen:353@2024&period=2023-12"),
]


def session_cookie(username: str) -> str:
    """A logged-in session for ``username`` in the server's database (same NTM_HOME)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm.web.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=username)
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.save()
    return s.session_key


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--user", help="one demo account for every page (default: the account of each page's level)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=1600)
    ap.add_argument("--full-page", action="store_true")
    ap.add_argument("pages", nargs="*", help="names among: " + ", ".join(n for n, *_ in PAGES))
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = [(n, a.user or u, url) for n, u, url in PAGES if not a.pages or n in a.pages]
    host = a.base.split("//", 1)[1].split("/", 1)[0].split(":")[0]
    sessions = {user: session_cookie(user) for _, user, _ in wanted}  # before Playwright's event loop
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=a.chromium, args=["--no-sandbox", "--disable-gpu"])
        contexts = {}
        for name, user, url in wanted:
            if user not in contexts:
                ctx = browser.new_context(viewport={"width": a.width, "height": a.height}, locale="vi-VN")
                ctx.add_cookies([{"name": "sessionid", "value": sessions[user], "domain": host, "path": "/"}])
                contexts[user] = ctx.new_page()
            page = contexts[user]
            resp = page.goto(a.base + url, wait_until="networkidle")
            path = out / f"{name}.png"
            page.screenshot(path=str(path), full_page=a.full_page)
            print(f"{name}: HTTP {resp.status if resp else '?'} → {path}")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
