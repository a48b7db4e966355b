"""The ``ntm`` command line.

    ntm setup [--demo]            create the database, load catalogue, units (and demo data)
    ntm serve [--host H] [--port P]
    ntm catalog list | show SET [--format json] | validate [PATH...]
    ntm units load | show UNIT | find TEXT [--date D] [--format json]
    ntm evaluate SET --input FILE [--format table|json] [--region R] [--year Y] …
    ntm claims check FILE... [--format text|json]
    ntm reevaluate [--set SET]... [--period P]... [--here]
    ntm export KIND --unit U [--set S] [--period P] --format csv|xlsx|json -o FILE
    ntm import FILE [--dry-run] [--format json]
    ntm demo
    ntm manage <django command> …

Errors go to stderr in Vietnamese with a non-zero exit code; long work shows a Rich progress bar.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ntm.core import formatting as fmt

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class CliError(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm.web.settings")
    import django

    django.setup()


def _require_database() -> None:
    """Commands that read stored data fail clearly on a database that was never set up."""
    _django()
    from django.db import connection

    if "units_unit" not in connection.introspection.table_names():
        raise CliError("cơ sở dữ liệu chưa được tạo — chạy `ntm setup` (hoặc `ntm setup --demo`) trước.")


def _fail(message: str, code: int = 1):
    raise CliError(message, code)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _reported(command: str, run, **extra) -> int:
    """``--format json`` for a command that reports on a console: its messages recorded, then printed as
    one JSON object with its exit code (errors still go to stderr)."""
    import io

    rec = Console(file=io.StringIO(), record=True, highlight=False, soft_wrap=True, width=1000)
    code = run(rec)
    lines = [line.rstrip() for line in rec.export_text().splitlines() if line.strip()]
    if "file" in extra and code == 0 and Path(extra["file"]).exists():
        extra["bytes"] = Path(extra["file"]).stat().st_size
    _print_json({"command": command, "ok": code == 0, "exit_code": code, **extra, "messages": lines})
    return code


# -- catalog ---------------------------------------------------------------------------------
def cmd_catalog_list(a: argparse.Namespace) -> int:
    from ntm.core.catalog import default_catalog

    cat = default_catalog()
    if a.format == "json":
        _print_json(
            [
                {
                    "code": s.code,
                    "name": s.name,
                    "phase": s.phase,
                    "level": s.level,
                    "tier": s.tier,
                    "criteria": s.criteria_count,
                    "indicators": s.indicator_count,
                    "version": s.digest,
                }
                for s in cat
            ]
        )
        return 0
    t = Table(title=f"Bộ tiêu chí (phiên bản danh mục {cat.version})")
    for col in ("Mã", "Tên", "Giai đoạn", "Cấp", "Tiêu chí", "Chỉ tiêu", "Chưa có ngưỡng", "Chưa có nội dung"):
        t.add_column(col)
    for s in cat:
        t.add_row(
            s.code,
            s.name,
            s.phase,
            s.level,
            str(s.criteria_count),
            str(s.indicator_count),
            str(len(s.indicators_without_threshold())),
            str(s.placeholder_count),
        )
    out.print(t)
    return 0


def cmd_catalog_show(a: argparse.Namespace) -> int:
    from ntm.core.catalog import default_catalog

    cat = default_catalog()
    if a.set not in cat:
        raise CliError(f"không có bộ tiêu chí '{a.set}'. Các bộ hiện có: {', '.join(sorted(cat.sets))}")
    s = cat.get(a.set)
    if a.format == "json":
        _print_json(s.as_dict())
        return 0
    d = s.data
    out.print(f"[bold]{s.name}[/bold] ({s.code})")
    out.print(
        f"Căn cứ: {d.legal_basis.decision}"
        + (f", {d.legal_basis.annex}" if d.legal_basis.annex else "")
        + (f", ngày {fmt.date(d.legal_basis.date)}" if d.legal_basis.date else "")
    )
    out.print(f"Hiệu lực: từ {fmt.date(d.valid_from)}" + (f" đến {fmt.date(d.valid_to)}" if d.valid_to else ""))
    out.print(f"{s.criteria_count} tiêu chí, {s.indicator_count} chỉ tiêu; phiên bản {s.digest}")
    if d.prerequisite:
        out.print(f"Điều kiện tiên quyết: đạt bộ {d.prerequisite}")
    t = Table()
    for col in ("Chỉ tiêu", "Nội dung", "Loại", "Ngưỡng", "Nguồn"):
        t.add_column(col, overflow="fold")
    for c in s.criteria:
        t.add_row(
            f"[bold]{c.number}[/bold]",
            f"[bold]{c.name}[/bold]" + (f" — {c.sector.ministry}" if c.sector else ""),
            "",
            "",
            "",
        )
        for i in c.indicators:
            ths = s.thresholds_of(i.code)
            if i.relative_to:
                th = f"{i.relative_to.factor * 100:g}% × {i.relative_to.set} {i.relative_to.indicator}"
            elif ths:
                th = "; ".join(f"{t.scope}{'/' + str(t.year) if t.year else ''}: {t.value}" for t in ths)
            else:
                th = "cán bộ đánh giá" if i.kind.value != "boolean" else "Đạt"
            t.add_row(i.code, i.content, i.kind.value, th, f"{i.provenance.tag.value}")
    out.print(t)
    return 0


def cmd_catalog_validate(a: argparse.Namespace) -> int:
    from ntm.core.catalog import CatalogError, load_catalog

    paths = [Path(p) for p in a.paths]
    for p in paths:
        if not p.exists():
            raise CliError(f"{p}: không tìm thấy tệp hoặc thư mục")
    try:
        cat = load_catalog(paths)
    except CatalogError as exc:
        if a.format == "json":
            _print_json({"ok": False, "problems": [str(p) for p in exc.problems]})
            return 1
        for p in exc.problems:
            err.print(f"[red]LỖI[/red] {p}", markup=True)
        err.print(f"{len(exc.problems)} lỗi; không nạp bộ tiêu chí nào.")
        return 1
    if a.format == "json":
        _print_json(
            {
                "ok": True,
                "problems": [],
                "sets": sorted(cat.sets),
                "overlays": len(cat.overlays),
                "version": cat.version,
            }
        )
        return 0
    out.print(
        f"Hợp lệ: {len(cat.sets)} bộ tiêu chí, {len(cat.overlays)} tệp điều chỉnh của tỉnh (phiên bản {cat.version})."
    )
    return 0


# -- evaluate (no database) ------------------------------------------------------------------
def cmd_evaluate(a: argparse.Namespace) -> int:
    from ntm.core.catalog import REGIONS, Context, default_catalog
    from ntm.core.evaluation import Observation, evaluate
    from ntm.core.sheets import SheetError, read_table
    from ntm.core.values import ValueRefused, parse_value, read_assessment

    cat = default_catalog()
    if a.set not in cat:
        raise CliError(f"không có bộ tiêu chí '{a.set}'. Các bộ hiện có: {', '.join(sorted(cat.sets))}")
    if a.region and a.region not in REGIONS:
        raise CliError(f"vùng '{a.region}' không hợp lệ (dùng {', '.join(REGIONS)})")
    cs = cat.get(a.set)
    try:
        rows = read_table(
            a.input,
            required={"indicator": ("chi tieu", "ma chi tieu", "ma", "code")},
            optional={"assessment": ("danh gia", "ket qua", "ket qua danh gia"), "value": ("gia tri", "so lieu")},
        )
    except SheetError as exc:
        raise CliError(str(exc)) from None
    obs: dict[str, Observation] = {}
    problems = []
    # values and assessments are read by the parser of every other door (form, API, import): the same
    # file gets the same answer here and in the web import
    for r in rows:
        code = str(r.values.get("indicator") or "").strip()
        if code.endswith(".0") and code[:-2].isdigit():  # spreadsheets turn "11" into 11.0
            code = code[:-2]
        if code not in cs.by_code:
            problems.append(f"{a.input}, dòng {r.number}, cột 'indicator': bộ {cs.code} không có chỉ tiêu '{code}'")
            continue
        if code in obs:
            problems.append(f"{a.input}, dòng {r.number}, cột 'indicator': chỉ tiêu {code} xuất hiện hai lần")
            continue
        bad = False
        try:
            assessment, na = read_assessment(r.values.get("assessment"))
        except ValueRefused as exc:
            problems.append(f"{a.input}, dòng {r.number}, cột 'assessment': {exc}")
            bad = True
        try:
            value = parse_value(cs.by_code[code], r.values.get("value"))
        except ValueRefused as exc:
            problems.append(f"{a.input}, dòng {r.number}, cột 'value': {exc}")
            bad = True
        if bad:
            continue
        obs[code] = Observation(code, value, assessment, na)
    if problems:
        raise CliError("\n".join(problems))
    ctx = Context(region=a.region, group=a.group, special=a.special, year=a.year, province=a.province)
    res = evaluate(cs, obs, ctx, catalog_version=cs.digest)
    if a.format == "json":
        d = res.summary()
        d["indicator_results"] = [i.to_dict() for i in res.indicators]
        _print_json(d)
        return 0
    out.print(f"[bold]{cs.name}[/bold]")
    out.print(
        f"Kết quả: đạt {res.criteria_met}/{res.criteria_total} tiêu chí ({fmt.percent(res.criteria_met, res.criteria_total)}) "
        f"với {res.indicators_met}/{res.indicators_total} chỉ tiêu ({fmt.percent(res.indicators_met, res.indicators_total)})."
    )
    if res.unmet_criteria:
        out.print("Tiêu chí chưa đạt: " + ", ".join(str(n) for n in res.unmet_criteria))
        out.print("Chỉ tiêu chưa đạt: " + ", ".join(res.unmet_indicators))
    for c in res.conditions:
        mark = "đạt" if c.met else "chưa đạt" if c.met is False else "chưa xác định"
        out.print(f"Điều kiện '{c.label}': {mark} ({c.detail})")
    out.print("Đạt chuẩn: " + ("[green]CÓ[/green]" if res.standard_met else "[red]CHƯA[/red]"))
    if res.conflicts:
        out.print("[yellow]Mâu thuẫn giữa số liệu và đánh giá:[/yellow] " + ", ".join(res.conflicts))
    if a.explain:
        t = Table()
        for col in ("Chỉ tiêu", "Kết quả", "Quy định", "Giải thích"):
            t.add_column(col, overflow="fold")
        for i in res.indicators:
            t.add_row(i.code, i.status.label, i.rule or "", i.explanation)
        out.print(t)
    return 0


# -- database commands -----------------------------------------------------------------------
def cmd_setup(a: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command

    from ntm.apps.catalog.services import publish
    from ntm.core.catalog import default_catalog

    out.print("Tạo/cập nhật cơ sở dữ liệu…")
    call_command("migrate", interactive=False, verbosity=0)
    done = publish(reason="ntm setup: phiên bản mới của bộ tiêu chí")
    out.print(f"Đã nạp {len(default_catalog().sets)} bộ tiêu chí ({len(done.changed)} phiên bản mới).")
    from ntm.apps.evaluations.cli import describe

    for run in done.runs:  # an upgrade brought new versions of sets that already have results
        out.print(
            f"Bộ tiêu chí đã thay đổi: đã xếp {describe(run)} vào hàng đợi đánh giá lại trong nền; "
            "các trang vẫn hiện kết quả cũ cho đến khi xong."
        )
    from ntm.apps.units.cli import cmd_load

    cmd_load(out)
    if a.demo:
        from ntm.demo import build_demo

        build_demo(out)
    return 0


def cmd_demo(a: argparse.Namespace) -> int:
    _django()
    if a.national:
        from django.core.management import call_command

        from ntm.apps.catalog.services import sync_catalog
        from ntm.apps.units.cli import cmd_load
        from ntm.apps.units.models import Unit
        from ntm.demo_national import cmd_demo_national

        call_command("migrate", interactive=False, verbosity=0)
        sync_catalog()
        if not Unit.objects.exists():
            cmd_load(out)
        provinces = [p.strip() for p in (a.provinces or "").split(",") if p.strip()]
        return cmd_demo_national(a.years, out, provinces=provinces, limit=a.limit, all_types=a.all_types)
    from django.core.management import call_command

    from ntm.apps.catalog.services import sync_catalog
    from ntm.apps.units.models import Unit
    from ntm.demo import build_demo

    call_command("migrate", interactive=False, verbosity=0)
    if not Unit.objects.exists():
        sync_catalog()
        from ntm.apps.units.cli import cmd_load

        cmd_load(out)
    build_demo(out)
    return 0


def cmd_reevaluate(a: argparse.Namespace) -> int:
    _require_database()
    from ntm.apps.evaluations.cli import cmd_reevaluate as run

    try:
        if a.format == "json":
            return _reported("reevaluate", lambda c: run(a.set or [], a.period or [], here=a.here, console=c))
        return run(a.set or [], a.period or [], here=a.here, console=out)
    except (KeyError, ValueError) as exc:  # an unknown set (the known ones listed), a period that is not one
        raise CliError(str(exc.args[0] if exc.args else exc)) from None


def cmd_report(a: argparse.Namespace) -> int:
    _require_database()
    from ntm.apps.reports import cli as rcli

    if a.report_cmd == "bulletin":
        return rcli.cmd_bulletin(a.unit, a.period, a.format, a.output, out)
    return rcli.cmd_dossier(a.unit, a.set, a.period, a.format, a.output, out)


def cmd_backup(a: argparse.Namespace) -> int:
    _require_database()
    from ntm.apps.ops.backup import cmd_backup as run

    if a.format == "json":
        return _reported("backup", lambda c: run(a.file, c), file=a.file)
    return run(a.file, out)


def cmd_restore(a: argparse.Namespace) -> int:
    _django()
    from ntm.apps.ops.backup import cmd_restore as run

    if a.format == "json":
        return _reported("restore", lambda c: run(a.file, c, force=a.force), file=a.file)
    return run(a.file, out, force=a.force)


def cmd_serve(a: argparse.Namespace) -> int:
    """Web server (gunicorn, or Django's development server with --dev) plus the task worker.

    The worker (``ntm manage ntm_worker``: django-tasks' ``db_worker`` with a heartbeat) runs full
    re-evaluations in the background; it is a child process, restarted when it dies and stopped together
    with the server (:class:`ntm.apps.ops.runtime.Supervisor`).
    """
    _django()
    from django.conf import settings
    from django.core.management import call_command

    from ntm.apps.ops.runtime import Supervisor

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    url = f"http://{a.host}:{a.port}/"
    env = dict(os.environ, NTM_HOME=str(settings.NTM_HOME))
    ntm_bin = Path(sys.executable).with_name("ntm")
    worker = None
    if not a.no_worker:
        worker = [str(ntm_bin), "manage", "ntm_worker", "--interval", "1", "--no-reload"]
        out.print("Tiến trình nền (đánh giá lại toàn bộ) đã chạy; nếu nó dừng, nó được khởi động lại.")
    out.print(f"NTM Monitor đang chạy tại [bold]{url}[/bold] (Ctrl+C để dừng)")
    if a.dev:
        server = [str(ntm_bin), "manage", "runserver", f"{a.host}:{a.port}", "--noreload"]
    else:
        server = [
            str(Path(sys.executable).with_name("gunicorn")),
            "ntm.web.wsgi:application",
            "--bind",
            f"{a.host}:{a.port}",
            "--workers",
            str(a.workers),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
    return Supervisor(server, worker, env, pid_file=Path(settings.NTM_HOME) / "run" / "worker.pid", say=out.print).run()


def cmd_units(a: argparse.Namespace) -> int:
    _django()
    from ntm.apps.units import cli as ucli

    if a.units_cmd == "load":
        ucli.cmd_load(out)
        return 0
    if a.units_cmd == "show":
        return ucli.cmd_show(a.unit, a.format) or 0
    return ucli.cmd_find(a.text, a.date, a.format) or 0


def cmd_claims(a: argparse.Namespace) -> int:
    from ntm.core.claims.cli import run
    from ntm.core.claims.resolver import units_resolver

    resolver = None if a.no_units else units_resolver(a.date)  # no date: the date the text's figures stand at
    lookup = None
    if a.db:
        _require_database()
        from ntm.apps.claims.services import StoredLookup

        lookup = StoredLookup()  # every unit named, counts and averages over communes, for the text's period
    return run(a.files, a.format, resolver=resolver, lookup=lookup)


def cmd_manage(a: argparse.Namespace) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ntm manage", *a.args])
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ntm", description="NTM Monitor — theo dõi xây dựng nông thôn mới")
    sub = p.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("catalog", help="bộ tiêu chí").add_subparsers(dest="catalog_cmd", required=True)
    x = c.add_parser("list", help="liệt kê các bộ tiêu chí")
    x.add_argument("--format", choices=("table", "json"), default="table")
    x.set_defaults(func=cmd_catalog_list)
    x = c.add_parser("show", help="xem một bộ tiêu chí")
    x.add_argument("set")
    x.add_argument("--format", choices=("table", "json"), default="table")
    x.set_defaults(func=cmd_catalog_show)
    x = c.add_parser("validate", help="kiểm tra tệp bộ tiêu chí (mặc định: các bộ có sẵn)")
    x.add_argument("paths", nargs="*")
    x.add_argument("--format", choices=("text", "json"), default="text")
    x.set_defaults(func=cmd_catalog_validate)

    u = sub.add_parser("units", help="đơn vị hành chính").add_subparsers(dest="units_cmd", required=True)
    u.add_parser("load", help="nạp đơn vị hành chính (trước và sau 01/07/2025)").set_defaults(func=cmd_units)
    x = u.add_parser("show", help="xem một đơn vị (mã như xa:13570@2024 hoặc đường dẫn tên Hà Nam/Lý Nhân/Nguyên Lý)")
    x.add_argument("unit")
    x.add_argument("--format", choices=("table", "json"), default="table")
    x.set_defaults(func=cmd_units)
    x = u.add_parser("find", help="tìm đơn vị theo tên (không phân biệt dấu)")
    x.add_argument("text")
    x.add_argument("--date", help="ngày (YYYY-MM-DD hoặc dd/mm/yyyy): chỉ đơn vị còn hiệu lực ngày đó")
    x.add_argument("--format", choices=("table", "json"), default="table")
    x.set_defaults(func=cmd_units)

    x = sub.add_parser("evaluate", help="đánh giá một bảng tự đánh giá (CSV/XLSX) mà không dùng cơ sở dữ liệu")
    x.add_argument("set")
    x.add_argument("--input", required=True, help="tệp CSV hoặc XLSX có cột indicator, assessment, value")
    x.add_argument("--format", choices=("table", "json"), default="table")
    x.add_argument("--region", help="vùng: TDMNPB, DBSH, BTB, DHNTB, TN, DNB, DBSCL")
    x.add_argument("--group", choices=("1", "2", "3"), help="nhóm xã (giai đoạn 2026–2030)")
    x.add_argument("--province", help="mã tỉnh (áp dụng mức của tỉnh nếu có)")
    x.add_argument("--special", action="store_true", help="xã ĐBKK/ATK (áp dụng mức vùng TDMNPB)")
    x.add_argument("--year", type=int, help="năm đánh giá (ngưỡng theo năm)")
    x.add_argument("--explain", action="store_true", help="giải thích từng chỉ tiêu")
    x.set_defaults(func=cmd_evaluate)

    x = sub.add_parser("setup", help="tạo cơ sở dữ liệu, nạp bộ tiêu chí và đơn vị hành chính")
    x.add_argument("--demo", action="store_true", help="kèm dữ liệu mẫu")
    x.set_defaults(func=cmd_setup)
    x = sub.add_parser("demo", help="tạo dữ liệu mẫu trên đơn vị thật")
    x.add_argument(
        "--national", action="store_true", help="số liệu tổng hợp cho mọi xã thật (trước và sau 01/07/2025), theo quý"
    )
    x.add_argument("--years", type=int, default=2, help="số năm số liệu (với --national)")
    x.add_argument("--provinces", help="chỉ các tỉnh này (mã, phân cách bằng dấu phẩy; với --national)")
    x.add_argument("--limit", type=int, help="tối đa số xã mỗi địa giới (với --national, để thử nhanh)")
    x.add_argument(
        "--all-types",
        action="store_true",
        help="với --national: mọi đơn vị cấp xã (cả phường, thị trấn: ~10.600 trước 01/07/2025, 3.321 từ "
        "ngày đó) thay vì chỉ các xã — khối lượng dữ liệu như toàn quốc; các trang tổng hợp vẫn chỉ đếm xã",
    )
    x.set_defaults(func=cmd_demo)

    from ntm.apps.reports.cli import add_commands as add_report_commands  # ntm report bulletin|dossier

    add_report_commands(sub, run=cmd_report)

    x = sub.add_parser("reevaluate", help="đánh giá lại toàn bộ kết quả đã lưu (trong nền, hoặc tại chỗ với --here)")
    x.add_argument(
        "--set", action="append", metavar="BỘ", help="mã bộ tiêu chí (lặp lại được; mặc định: mọi bộ có số liệu)"
    )
    x.add_argument("--period", action="append", metavar="KỲ", help="kỳ, như 2024-Q4 (lặp lại được; mặc định: mọi kỳ)")
    x.add_argument(
        "--here", action="store_true", help="tính ngay trong lệnh này, có thanh tiến độ (không cần tiến trình nền)"
    )
    x.add_argument("--format", choices=("text", "json"), default="text", help="dạng báo cáo")
    x.set_defaults(func=cmd_reevaluate)

    x = sub.add_parser("backup", help="sao lưu toàn bộ cơ sở dữ liệu vào một tệp")
    x.add_argument("file")
    x.add_argument("--format", choices=("text", "json"), default="text", help="dạng báo cáo")
    x.set_defaults(func=cmd_backup)
    x = sub.add_parser("restore", help="khôi phục cơ sở dữ liệu từ tệp sao lưu")
    x.add_argument("file")
    x.add_argument("--force", action="store_true", help="ghi đè cơ sở dữ liệu đang có số liệu")
    x.add_argument("--format", choices=("text", "json"), default="text", help="dạng báo cáo")
    x.set_defaults(func=cmd_restore)

    x = sub.add_parser("serve", help="chạy máy chủ web")
    x.add_argument("--host", default="127.0.0.1")
    x.add_argument("--port", type=int, default=8000)
    x.add_argument("--workers", type=int, default=2)
    x.add_argument("--dev", action="store_true", help="máy chủ phát triển của Django")
    x.add_argument("--no-worker", action="store_true", help="không chạy tiến trình nền")
    x.set_defaults(func=cmd_serve)

    cl = sub.add_parser("claims", help="kiểm tra số liệu trong báo cáo").add_subparsers(
        dest="claims_cmd", required=True
    )
    x = cl.add_parser("check", help="đọc báo cáo (txt, docx, html, pdf) và tìm số liệu không khớp")
    x.add_argument("files", nargs="+")
    x.add_argument("--format", choices=("text", "json"), default="text")
    x.add_argument("--date", help="ngày của báo cáo, để tìm đơn vị hành chính đúng thời điểm (mặc định: theo văn bản)")
    x.add_argument("--no-units", action="store_true", help="không đối chiếu tên với danh mục đơn vị hành chính")
    x.add_argument(
        "--db",
        action="store_true",
        help="so sánh số liệu trong văn bản với kết quả đánh giá đã lưu trong cơ sở dữ liệu",
    )
    x.set_defaults(func=cmd_claims)

    from ntm.apps.observations.cli import add_commands as add_exchange_commands  # ntm export, ntm import

    add_exchange_commands(sub, django_setup=_require_database, fail=_fail)

    x = sub.add_parser("manage", help="lệnh quản trị của Django (createsuperuser, …)")
    x.add_argument("args", nargs=argparse.REMAINDER)
    x.set_defaults(func=cmd_manage)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        err.print(f"Lỗi: {exc}", markup=False)
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
