"""Screenshots of the main pages for the README and docs/, with a real headless Chromium.

Run against a server on a demo database (``ntm setup --demo`` then ``ntm serve --dev``); the
script logs in through the log-in page with the demo accounts (password ``ntm-demo``), as an
official would, so the audit log it photographs holds real log-in events:

    NTM_HOME=/tmp/ntm-demo .venv/bin/ntm setup --demo
    NTM_HOME=/tmp/ntm-demo .venv/bin/ntm serve --dev --no-worker --port 8011 &
    NTM_HOME=/tmp/ntm-demo .venv/bin/python bench/screenshots.py --base http://127.0.0.1:8011 --seed-plans
    NTM_HOME=/tmp/ntm-demo .venv/bin/python bench/screenshots.py --base http://127.0.0.1:8011 --width 390 \
        --suffix=-phone overview entry-form communes

``overview-today`` (``demo_ninhbinh``'s first page: Tỉnh Ninh Bình on the 2026–2030 set, the
latest quarter) is the picture of today's programme for the README; pass page names to shoot only
those (``… bench/screenshots.py overview-today``).

``--seed-plans`` first registers three sample plans (Lý Nhân communes, noted "kế hoạch mẫu") in the
demo database when it has none, so that the plans page shows plan vs actual; it needs the same
``NTM_HOME`` as the server. Uses Playwright with Debian's ``/usr/bin/chromium`` (no download).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "ntm-demo"
# (file name, demo account, url, element to photograph or None for the viewport)
PAGES = [
    ("login", None, "/tai-khoan/dang-nhap/", ".login-box"),
    ("overview", "demo_huyen", "/?unit=huyen:353@2024&period=2023-12", None),
    ("overview-province", "demo_tinh", "/?unit=tinh:35@2024&period=2023-12", None),
    ("overview-national", "demo_quocgia", "/?unit=vn&period=2023-12", None),
    ("unit", "demo_huyen", "/don-vi/xa:13570@2024/?period=2023-07", None),
    ("unit-merged", "demo_quocgia", "/don-vi/xa:13591@2025/?period=2023-07", None),
    ("units", "demo_tinh", "/don-vi/?in=huyen:353@2024", None),
    ("entry-form", "demo_xa", "/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-12/", None),
    ("pending", "demo_huyen", "/nhap-lieu/cho-duyet/", None),
    ("communes", "demo_huyen", "/xa/?unit=huyen:353@2024&period=2023-12", None),
    ("gaps", "demo_tinh", "/thieu-hut/?unit=tinh:35@2024&period=2023-12", None),
    ("plans", "demo_huyen", "/ke-hoach/?unit=huyen:353@2024&period=2023-12", None),
    # a commune official opening another commune's form: refused (403) and recorded in the audit log
    ("denied", "demo_xa", "/nhap-lieu/xa:13582@2024/xa-ntm-2021/2023-12/", None),
    ("audit", "demo_tinh", "/nhat-ky/", None),
    # today (2026–2030, the 2-level administration): the default page of a province office, the
    # predecessors' 2024 results on today's map, a commune of today, the commune groups import
    ("overview-today", "demo_ninhbinh", "/", None),
    ("overview-lineage", "demo_ninhbinh", "/?unit=tinh:37@2025&period=2024-12", None),
    ("unit-today", "demo_ninhbinh", "/don-vi/xa:13591@2025/", None),
    ("classification-import", "demo_ninhbinh", "/don-vi/phan-loai/nhap/?unit=tinh:37@2025", None),
]


def seed_plans() -> int:
    """Three sample plans for Lý Nhân communes (one reached, one close, one far) if there are none."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm.web.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from ntm.apps.evaluations.models import Result
    from ntm.apps.plans.models import PlanTarget

    if PlanTarget.objects.exists():
        return 0
    user = get_user_model().objects.get(username="demo_huyen")
    rows = list(
        Result.objects.filter(unit__parent__uid="huyen:353@2024", set_code="xa-ntm-2021", period="2023-12")
        .select_related("unit")
        .order_by("unit__name")
    )
    met = next((r for r in rows if r.standard_met), None)
    unmet = sorted((r for r in rows if not r.standard_met), key=lambda r: len(r.unmet_indicators))
    chosen = [(met, 2023), *((r, 2023) for r in unmet[:1]), *((r, 2024) for r in unmet[1:2])]
    n = 0
    for r, year in chosen:
        if r is None:
            continue
        PlanTarget.objects.get_or_create(
            unit=r.unit,
            set_code="xa-ntm-2021",
            year=year,
            defaults={"note": "kế hoạch mẫu", "created_by": user, "updated_by": user},
        )
        n += 1
    return n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=1000)
    ap.add_argument("--full-page", action="store_true")
    ap.add_argument("--suffix", default="", help='added to each file name, e.g. "-phone" with --width 390')
    ap.add_argument("--seed-plans", action="store_true", help="register sample plans in the demo database if none")
    ap.add_argument("pages", nargs="*", help="names among: " + ", ".join(n for n, *_ in PAGES))
    a = ap.parse_args()
    if a.seed_plans:
        print(f"sample plans registered: {seed_plans()}")
    from playwright.sync_api import sync_playwright

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = [p for p in PAGES if not a.pages or p[0] in a.pages]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=a.chromium, args=["--no-sandbox", "--disable-gpu"])
        pages = {}
        for name, user, url, selector in wanted:
            if user not in pages:
                ctx = browser.new_context(viewport={"width": a.width, "height": a.height}, locale="vi-VN")
                page = ctx.new_page()
                if user:
                    page.goto(a.base + "/tai-khoan/dang-nhap/")
                    page.fill("#id_username", user)
                    page.fill("#id_password", PASSWORD)
                    page.click(".login-box button[type=submit]")
                    page.wait_for_url(lambda u: "dang-nhap" not in u)
                pages[user] = page
            page = pages[user]
            resp = page.goto(a.base + url, wait_until="networkidle")
            path = out / f"{name}{a.suffix}.png"
            if selector:
                page.locator(selector).screenshot(path=str(path))
            else:
                page.screenshot(path=str(path), full_page=a.full_page)
            print(f"{name}: HTTP {resp.status if resp else '?'} → {path}")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
