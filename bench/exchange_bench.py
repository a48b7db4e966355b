"""Excel exchange at national size: streamed exports and an all-or-nothing import, rows/s and peak memory.

    .venv/bin/python bench/exchange_bench.py                      # 10,000 communes × 75 indicators
    .venv/bin/python bench/exchange_bench.py --communes 1000      # quicker
    .venv/bin/python bench/exchange_bench.py --reevaluate         # the import also re-evaluates every result

Runs in a temporary SQLite database (synthetic units: one root, 63 provinces, N communes; N × 75 current
observations of xa-nang-cao-2021 for 2023-07). Phases:

1. export of the observations as XLSX (streamed workbook into a temporary file) and as CSV (formatted by the
   database, streamed);
2. the entry template for all communes (XLSX, prefilled);
3. import of an XLSX of the same size in which every value changed: check + preview (one read), then
   commit (one more read: checked, compared and written chunk by chunk in one transaction, one batch id).

Each phase prints rows/s, the peak of Python allocations (tracemalloc) and the process's peak RSS;
the last line is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

SET = "xa-nang-cao-2021"
PERIOD = "2023-07"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, rows: int, fn, results: dict, trace: bool):
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 1e6 if trace else None
    if trace:
        tracemalloc.stop()
    results[name] = {
        "rows": rows,
        "seconds": round(dt, 2),
        "rows_per_s": round(rows / dt) if dt else None,
        "python_peak_mb": round(peak, 1) if peak is not None else None,
        "rss_peak_mb": round(rss_mb(), 1),
    }
    r = results[name]
    print(
        f"{name:<28} {rows:>9,} rows  {r['seconds']:>8.1f} s  {r['rows_per_s'] or 0:>9,} rows/s  "
        f"python peak {r['python_peak_mb']} MB  rss peak {r['rss_peak_mb']} MB",
        flush=True,
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--communes", type=int, default=10_000)
    ap.add_argument("--reevaluate", action="store_true", help="re-evaluate every imported result (slow)")
    ap.add_argument("--no-trace", action="store_true", help="skip tracemalloc (it slows Python code 2–3×)")
    a = ap.parse_args(argv)
    trace = not a.no_trace

    tmp = Path(tempfile.mkdtemp(prefix="ntm-bench-"))
    os.environ["NTM_HOME"] = str(tmp)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "ntm.web.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    from ntm.apps.observations import dhis2
    from ntm.apps.observations import exports as X
    from ntm.apps.observations.imports import COLUMNS, commit_import, plan_import, write_template
    from ntm.apps.observations.models import Observation, ObservationVersion
    from ntm.apps.units.models import Unit
    from ntm.core.catalog import default_catalog
    from ntm.core.periods import Period

    cs = default_catalog().get(SET)
    codes = cs.indicator_codes()
    n_rows = a.communes * len(codes)
    results: dict = {"communes": a.communes, "indicators": len(codes)}
    print(f"NTM exchange bench: {a.communes:,} communes × {len(codes)} indicators = {n_rows:,} rows; database {tmp}")

    # -- synthetic units and observations ----------------------------------------------------------
    t0 = time.perf_counter()
    root = Unit.objects.create(
        uid="vn",
        code="VN",
        name="Việt Nam",
        short_name="Việt Nam",
        type="Quốc gia",
        level="country",
        path="",
        search="viet nam",
    )
    Unit.objects.filter(pk=root.pk).update(path=f"/{root.pk}/")
    root.refresh_from_db()
    provinces = Unit.objects.bulk_create(
        [
            Unit(
                uid=f"tinh:{k:02d}@2024",
                code=f"{k:02d}",
                name=f"Tỉnh Thử {k}",
                short_name=f"Thử {k}",
                type="Tỉnh",
                level="province",
                edition="2024",
                parent=root,
                path="",
                region="DBSH",
                search=f"tinh thu {k}",
            )
            for k in range(1, 64)
        ]
    )
    for p in provinces:
        p.path = f"{root.path}{p.pk}/"
    Unit.objects.bulk_update(provinces, ["path"])
    communes = Unit.objects.bulk_create(
        [
            Unit(
                uid=f"xa:{k:05d}@2024",
                code=f"{k:05d}",
                name=f"Xã Thử {k}",
                short_name=f"Thử {k}",
                type="Xã",
                level="commune",
                edition="2024",
                parent=provinces[k % 63],
                path="",
                region="DBSH",
                search=f"xa thu {k}",
            )
            for k in range(1, a.communes + 1)
        ],
        batch_size=2000,
    )
    for u in communes:
        u.path = f"{u.parent.path}{u.pk}/"
    Unit.objects.bulk_update(communes, ["path"], batch_size=2000)
    p = Period.parse(PERIOD)
    batch: list[ObservationVersion] = []

    def store(versions: list[ObservationVersion]) -> None:  # the history and the same as the current values
        ObservationVersion.objects.bulk_create(versions, batch_size=5000)
        Observation.objects.bulk_create(map(Observation.of, versions), batch_size=5000)

    for u in communes:
        for j, code in enumerate(codes):
            batch.append(
                ObservationVersion(
                    unit_id=u.pk,
                    set_code=SET,
                    indicator=code,
                    period=p.key,
                    year=p.year,
                    assessment=(u.pk + j) % 7 != 0,
                    source="bench",
                    created_by_name="bench",
                )
            )
        if len(batch) >= 20_000:
            store(batch)
            batch = []
    store(batch)
    connection.close()
    print(f"{'setup (synthetic data)':<28} {n_rows:>9,} rows  {time.perf_counter() - t0:>8.1f} s", flush=True)

    # -- 1. exports ---------------------------------------------------------------------------------
    qs = X.select_observations(None, set_code=SET, period=PERIOD)

    def export_xlsx():
        header, rows = X.export("observations", "xlsx", qs)
        path = X.xlsx_file(header, rows, directory=str(tmp))
        size = path.stat().st_size
        path.unlink()
        return size

    size = measure("export observations XLSX", n_rows, export_xlsx, results, trace)
    results["export observations XLSX"]["file_mb"] = round(size / 1e6, 1)

    def export_csv():
        n = 0
        with open(tmp / "export.csv", "w", encoding="utf-8", newline="") as f:
            for piece in X.observations_csv(qs):  # formatted by the database
                f.write(piece)
                n += len(piece)
        return n

    measure("export observations CSV", n_rows, export_csv, results, trace)

    def dhis2_json():
        n = 0
        for piece in dhis2.data_value_set_json(qs):
            n += len(piece)
        return n

    measure("export DHIS2 JSON", n_rows, dhis2_json, results, trace)

    # -- 2. template ----------------------------------------------------------------------------------
    units = list(Unit.objects.filter(level="commune").order_by("code"))
    template = tmp / "template.xlsx"
    measure("entry template XLSX", n_rows, lambda: write_template(template, units, cs, p), results, trace)
    results["entry template XLSX"]["file_mb"] = round(template.stat().st_size / 1e6, 1)

    # -- 3. import --------------------------------------------------------------------------------------
    upload = tmp / "upload.xlsx"
    # every value replaced names the version it replaces (1: the synthetic observations), as the template does
    X.xlsx_file(
        [COLUMNS[k][0] for k in ("unit", "set", "period", "indicator", "value", "assessment", "note", "version")],
        (
            [u.uid, SET, PERIOD, code, None, "chưa đạt" if (u.pk + j) % 7 != 0 else "đạt", "nhập thử", 1]
            for u in units
            for j, code in enumerate(codes)
        ),
        sheet="Số liệu",
        directory=str(tmp),
    ).rename(upload)
    results["import file_mb"] = round(upload.stat().st_size / 1e6, 1)

    plan = measure("import: check + preview", n_rows, lambda: plan_import(upload), results, trace)
    assert plan.ok, plan.issues[:5]
    results["import: check + preview"]["changes"] = plan.to_write
    res = measure(
        "import: commit" + (" + re-evaluate" if a.reevaluate else ""),
        n_rows,
        lambda: commit_import(upload, reevaluate=a.reevaluate),
        results,
        trace,
    )
    results["import written"] = res.written
    assert Observation.objects.filter(batch=res.batch).count() == res.written == n_rows
    results["rss_peak_mb"] = round(rss_mb(), 1)
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
