"""``ntm export`` and ``ntm import``: the exchange files of the web pages, from a script.

    ntm export {observations,results,dhis2,dhis2-metadata} --unit U [--set S] [--period P]
               --format csv|xlsx|json -o FILE
    ntm import FILE [--dry-run] [--format text|json] [--user NAME] [--unit U] [--set S] [--period P]

Both call the services the web pages call (:mod:`.exchange`). An import is checked whole and previewed
first, then written all or nothing. Exit codes of ``ntm import``: 0 written (with ``--dry-run``: the file
would be written), 1 refused (row-level errors, or values changed since the file was made; nothing
written), 2 unusable input (no such file, not a table, no header, not DHIS2's layout…).
"""

from __future__ import annotations

import argparse
import getpass
import json
import shutil
import sys
import tempfile
from pathlib import Path

from ntm.core import formatting as fmt

EXIT_WRITTEN, EXIT_REFUSED, EXIT_UNUSABLE = 0, 1, 2
# the kinds of .exchange.KINDS (named here: the parser is built before Django is set up)
KINDS = ("observations", "results", "dhis2", "dhis2-metadata")
SHOWN = 30  # changes and problems listed in the text report (all of them in JSON, up to the plan's limits)


def add_commands(sub, *, django_setup, fail) -> None:
    """Register ``export`` and ``import`` on the ``ntm`` parser. ``django_setup()`` prepares Django and
    checks the database; ``fail(message, code)`` raises the command line's error."""

    def run(handler):
        def go(a: argparse.Namespace) -> int:
            django_setup()
            return handler(a, fail)

        return go

    x = sub.add_parser("export", help="xuất số liệu, kết quả hoặc tệp DHIS2 (như trang Báo cáo › Xuất dữ liệu)")
    x.add_argument(
        "kind",
        choices=KINDS,
        help="observations: số liệu chỉ tiêu; results: kết quả đánh giá; "
        "dhis2: dataValueSets; dhis2-metadata: gói metadata DHIS2",
    )
    x.add_argument(
        "--unit", required=True, help="mã đơn vị (vd. huyen:353@2024) hoặc đường dẫn tên; gồm các đơn vị trực thuộc"
    )
    x.add_argument("--set", help="chỉ bộ tiêu chí này")
    x.add_argument("--period", help="chỉ kỳ này (YYYY, YYYY-MM, YYYY-Qn)")
    x.add_argument(
        "--format",
        required=True,
        choices=("csv", "xlsx", "json"),
        help="dhis2-metadata: chỉ json; dhis2: csv hoặc json (dataValueSets)",
    )
    x.add_argument("--history", action="store_true", help="số liệu: cả các lần sửa trước (mặc định: giá trị hiện hành)")
    x.add_argument("-o", "--output", required=True, help="tệp ghi ra")
    x.set_defaults(func=run(cmd_export))

    x = sub.add_parser(
        "import",
        help="nhập số liệu từ tệp (mẫu XLSX/CSV hoặc dataValueSets của DHIS2): "
        "kiểm tra, xem trước, rồi ghi tất cả hoặc không ghi gì",
    )
    x.add_argument("file")
    x.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra và xem trước, không ghi")
    x.add_argument("--format", choices=("text", "json"), default="text", help="dạng báo cáo")
    x.add_argument("--user", help="tài khoản nhận là người nhập (quyền của tài khoản được kiểm tra)")
    x.add_argument("--unit", help="đơn vị mặc định (tệp không có cột mã đơn vị)")
    x.add_argument("--set", help="bộ tiêu chí mặc định")
    x.add_argument("--period", help="kỳ mặc định")
    x.set_defaults(func=run(cmd_import))


# -- export -----------------------------------------------------------------------------------------
def cmd_export(a: argparse.Namespace, fail) -> int:
    from ntm.apps.units.services import resolve_unit
    from ntm.core.periods import Period

    from .exchange import ExportError, build_export

    period = None
    if a.period:
        try:
            period = Period.parse(a.period).key
        except ValueError as exc:
            fail(str(exc), EXIT_UNUSABLE)
    try:
        unit = resolve_unit(a.unit, Period.parse(period).end if period else None)
        e = build_export(a.kind, a.format, unit=unit, set_code=a.set, period=period, history=a.history)
    except (LookupError, ExportError) as exc:
        fail(str(exc.args[0] if exc.args else exc), EXIT_UNUSABLE)
    out = Path(a.output)
    if out.parent and not out.parent.exists():
        fail(f"{out.parent}: không có thư mục này", EXIT_UNUSABLE)
    if e.path is not None:
        shutil.move(str(e.path), str(out))
    else:
        with open(out, "w", encoding="utf-8", newline="") as f:
            for piece in e.text:
                f.write(piece)
    size = out.stat().st_size
    sys.stdout.write(
        f"Đã xuất {a.kind} ({a.format}) của {unit.name} ({unit.uid}) vào {out} "
        f"({fmt.number(size / 1024, 1, trim=True)} KB).\n"
    )
    return 0


# -- import -----------------------------------------------------------------------------------------
def _operator() -> str:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return f"ntm import ({who})"


def _report(data: dict, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    w = sys.stdout.write
    plan = data.get("plan")
    if plan:
        w(
            f"{plan['file']}: {fmt.number(plan['rows'])} dòng; {fmt.number(plan['new'])} giá trị mới, "
            f"{fmt.number(plan['changed'])} thay đổi, {fmt.number(plan['unchanged'])} không đổi, "
            f"{fmt.number(plan['skipped'])} dòng bỏ qua ({fmt.number(plan['cells'])} ô đơn vị–bộ–kỳ).\n"
        )
        shown = plan["changes"][:SHOWN]
        for c in shown:
            w(
                f"  dòng {c['row']}: {c['unit']} {c['set_code']} {c['period']} chỉ tiêu {c['indicator']}: "
                f"{c['before']} → {c['after']}\n"
            )
        more = plan["new"] + plan["changed"] - len(shown)
        if more > 0:
            w(f"  … và {fmt.number(more)} thay đổi khác\n")
    issues = data.get("issues") or []
    for i in issues[:SHOWN]:
        where = (
            i["file"] + (f" [{i['sheet']}]" if i.get("sheet") else "") + (f", dòng {i['row']}" if i.get("row") else "")
        )
        where += f", cột '{i['column']}'" if i.get("column") else ""
        sys.stderr.write(f"LỖI {where}: {i['message']}\n")
    if data.get("issue_count", 0) > SHOWN:
        sys.stderr.write(f"… và {fmt.number(data['issue_count'] - SHOWN)} lỗi khác\n")
    w(data["summary"] + "\n")


def cmd_import(a: argparse.Namespace, fail) -> int:
    """Check the file, then (unless ``--dry-run``) write it from what the check left in a temporary
    stage, as the web application's confirm does: the file is read once."""
    with tempfile.TemporaryDirectory(prefix="ntm-import-") as tmp:
        return _import(a, fail, None if a.dry_run else Path(tmp) / "checked")


def _import(a: argparse.Namespace, fail, stage: Path | None) -> int:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from ntm.apps.units.services import resolve_unit

    from .exchange import commit_file, plan_file
    from .imports import ImportFailed
    from .models import Observation, ObservationVersion

    as_json = a.format == "json"
    path = Path(a.file)
    user = None
    if a.user:
        user = get_user_model().objects.filter(username=a.user).first()
        if user is None:
            fail(f"không có tài khoản '{a.user}'", EXIT_UNUSABLE)
    defaults: dict = {}
    try:
        if a.unit:
            defaults["unit"] = resolve_unit(a.unit)
    except LookupError as exc:
        fail(str(exc.args[0] if exc.args else exc), EXIT_UNUSABLE)
    if a.set:
        defaults["set"] = a.set
    if a.period:
        defaults["period"] = a.period
    data: dict = {"file": str(path), "dry_run": a.dry_run}

    def refused(status: str, code: int, issues: list, total: int, summary: str) -> int:
        data.update(
            status=status, exit_code=code, issues=[i.as_dict() for i in issues], issue_count=total, summary=summary
        )
        _report(data, as_json)
        return code

    try:
        plan = plan_file(path, user=user, defaults=defaults, name=path.name, stage=stage)
    except ImportFailed as exc:  # the file as a whole cannot be used
        return refused("unusable", EXIT_UNUSABLE, exc.issues, exc.total, "Không dùng được tệp: không ghi gì.")
    data["plan"] = plan.as_dict()
    if not plan.ok:
        return refused(
            "refused", EXIT_REFUSED, plan.issues, plan.issue_count, f"Không ghi gì: {fmt.number(plan.issue_count)} lỗi."
        )
    if a.dry_run:
        data.update(
            status="checked",
            exit_code=EXIT_WRITTEN,
            issues=[],
            issue_count=0,
            summary=f"Tệp hợp lệ: sẽ ghi {fmt.number(plan.to_write)} giá trị (chưa ghi: --dry-run).",
        )
        _report(data, as_json)
        return EXIT_WRITTEN
    try:
        with transaction.atomic():
            res = commit_file(path, user=user, defaults=defaults, name=path.name, stage=stage)
            if user is None:  # who wrote it, when no account was named
                for model in (Observation, ObservationVersion):  # in the transaction that wrote them
                    model.objects.filter(batch=res.batch).update(created_by_name=_operator())
    except ImportFailed as exc:  # e.g. a value changed since the preview
        return refused("refused", EXIT_REFUSED, exc.issues, exc.total, f"Không ghi gì: {fmt.number(exc.total)} lỗi.")
    data["plan"] = res.plan.as_dict()
    data.update(
        status="written",
        exit_code=EXIT_WRITTEN,
        issues=[],
        issue_count=0,
        batch=res.batch,
        written=res.written,
        unchanged=res.unchanged,
        cells=res.cells,
        summary=f"Đã ghi {fmt.number(res.written)} giá trị (lô {res.batch}); "
        f"{fmt.number(res.cells)} kết quả được đánh giá lại.",
    )
    _report(data, as_json)
    return EXIT_WRITTEN
