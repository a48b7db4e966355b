"""How fast the dashboard pages render on the demo data.

Builds the demo (the real units, Lý Nhân and Bình Liêu communes, six periods) in a fresh temporary
SQLite database, then renders each main page N times with Django's test client as the demo account
of the matching level, and prints p50/p95 in milliseconds per page, with the ratio to a floor
measured in the same run (the log-in page: a template through the same middleware, no data), so
that figures from different machines compare; the last line is a JSON summary.
Target: under 200 ms per page on a 2-core machine.

    .venv/bin/python bench/pages_bench.py              # fresh database in a temporary folder
    .venv/bin/python bench/pages_bench.py -n 50 --home /tmp/ntm-bench   # keep/reuse the database

Timings are measured here, never in the tests (the tests count queries instead).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (name, demo account or None for anonymous, url); the floor first
FLOOR = ("floor-login-page", None, "/tai-khoan/dang-nhap/")
PAGES = [
    FLOOR,
    ("units-browse", "demo_tinh", "/don-vi/?in=tinh:35@2024"),
    ("units-search", "demo_quocgia", "/don-vi/?q=nguyen+ly"),
    ("entry-form", "demo_xa", "/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-07/"),
    ("audit-log", "demo_tinh", "/nhat-ky/"),
    ("overview-district", "demo_huyen", "/?unit=huyen:353@2024"),
    ("overview-province", "demo_tinh", "/?unit=tinh:35@2024"),
    ("overview-national", "demo_quocgia", "/?unit=vn"),
    ("unit-commune", "demo_huyen", "/don-vi/xa:13570@2024/"),
    ("unit-merged-2025", "demo_quocgia", "/don-vi/xa:13591@2025/"),
    ("communes-district", "demo_huyen", "/xa/?unit=huyen:353@2024"),
    ("communes-national", "demo_quocgia", "/xa/?unit=vn"),
    ("gaps-district", "demo_huyen", "/thieu-hut/?unit=huyen:353@2024"),
    ("gaps-province", "demo_tinh", "/thieu-hut/?unit=tinh:35@2024"),
    ("plans-district", "demo_huyen", "/ke-hoach/?unit=huyen:353@2024"),
    ("plans-national", "demo_quocgia", "/ke-hoach/?unit=vn"),
]
TARGET_MS = 200.0


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def setup(home: Path) -> None:
    os.environ["NTM_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)  # always the embedded SQLite of NTM_HOME
    os.environ.setdefault("NTM_SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("NTM_DEBUG", "0")  # as deployed: no query log kept in memory
    os.environ["NTM_ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm.web.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build(quiet: bool) -> float:
    """Migrate, load the catalogue, the units and the demo (skipped when the demo is there)."""
    from django.core.management import call_command

    from ntm.apps.evaluations.models import Result

    t = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if Result.objects.exists():
        return 0.0
    import io

    from rich.console import Console

    from ntm.apps.catalog.services import sync_catalog
    from ntm.apps.units.services import load_units
    from ntm.demo import build_demo

    console = Console(file=io.StringIO()) if quiet else Console(stderr=True)
    sync_catalog()
    load_units()
    build_demo(console)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=30, help="renders per page (after 2 warm-up renders)")
    ap.add_argument("--home", help="NTM_HOME to use and keep (default: a fresh temporary folder)")
    ap.add_argument("--only", nargs="*", help="page names to run")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()

    tmp = None
    if a.home:
        home = Path(a.home)
        home.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="ntm-bench-")
        home = Path(tmp.name)
    setup(home)
    built = build(a.quiet)
    if built:
        print(f"demo built in {built:.1f} s in {home}", file=sys.stderr)

    from django.contrib.auth import get_user_model
    from django.test import Client

    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo_")}
    clients: dict[str, Client] = {}
    results = {}
    print(f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'KiB':>7} {'× floor':>8}")
    for name, username, url in PAGES:
        if a.only and name not in a.only and name != FLOOR[0]:
            continue
        if username not in clients:
            clients[username] = Client()
            if username:
                clients[username].force_login(users[username])
        c = clients[username]
        for _ in range(2):
            r = c.get(url)
            if r.status_code != 200:
                raise SystemExit(f"{name}: {url} answered {r.status_code}")
        times = []
        for _ in range(a.n):
            t = time.perf_counter()
            r = c.get(url)
            times.append((time.perf_counter() - t) * 1000)
        p50, p95 = percentile(times, 50), percentile(times, 95)
        floor = results.get(FLOOR[0], {}).get("p50_ms") or p50
        results[name] = {
            "url": url,
            "user": username,
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(max(times), 1),
            "mean_ms": round(statistics.mean(times), 1),
            "bytes": len(r.content),
            "p50_vs_floor": round(p50 / floor, 1) if floor else None,
        }
        print(f"{name:<22} {p50:8.1f} {p95:8.1f} {max(times):8.1f} {len(r.content) / 1024:7.1f} {p50 / floor:8.1f}")
    pages = {k: v for k, v in results.items() if k != FLOOR[0]}
    worst = max((v["p95_ms"] for v in pages.values()), default=0.0)
    slowest = max(pages, key=lambda k: pages[k]["p95_ms"]) if pages else None
    summary = {
        "n": a.n,
        "cpus": os.cpu_count(),
        "target_ms": TARGET_MS,
        "floor": results.get(FLOOR[0]),
        "worst_p95_ms": worst,
        "slowest": slowest,
        "all_under_target": worst < TARGET_MS,
        "pages": results,
    }
    print(json.dumps(summary, ensure_ascii=False))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
