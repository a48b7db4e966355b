"""``ntm report bulletin --unit CODE --period YYYY-MM --format FMT -o FILE`` and ``ntm report dossier --unit
CODE --set SET --period P --format FMT -o FILE``; the ``--format`` choices are the formats each document is
offered in (:mod:`ntm.apps.reports.formats`), as on the pages and in the API.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from . import formats


def add_commands(sub, *, run: Callable[[argparse.Namespace], int]) -> None:
    """Register ``report bulletin`` and ``report dossier`` on the ``ntm`` parser; ``run(args)`` carries
    them out (after setting up Django)."""
    r = sub.add_parser("report", help="bản tin, hồ sơ xét công nhận").add_subparsers(dest="report_cmd", required=True)
    x = r.add_parser("bulletin", help="bản tin nông thôn mới của một đơn vị, một kỳ")
    x.add_argument("--unit", required=True, help="mã đơn vị (vd. huyen:353@2024) hoặc đường dẫn tên")
    x.add_argument("--period", required=True, help="kỳ YYYY-MM")
    x.add_argument("--format", choices=formats.codes(formats.BULLETIN), default="docx")
    x.add_argument("-o", "--output", required=True)
    x.set_defaults(func=run)
    x = r.add_parser("dossier", help="hồ sơ xét công nhận của một xã theo một bộ tiêu chí")
    x.add_argument("--unit", required=True)
    x.add_argument("--set", required=True, help="mã bộ tiêu chí, vd. xa-ntm-2021")
    x.add_argument("--period", required=True)
    x.add_argument("--format", choices=formats.codes(formats.DOSSIER), default="docx")
    x.add_argument("-o", "--output", required=True)
    x.set_defaults(func=run)


class ReportCliError(Exception):
    """A message for the user (the caller prints it to stderr and exits non-zero)."""


def _unit(ref: str, period: str):
    from ntm.apps.units.services import resolve_unit
    from ntm.core.periods import Period

    try:
        p = Period.parse(period)
    except ValueError as exc:
        raise ReportCliError(str(exc)) from None
    try:
        return resolve_unit(ref, p.end), p
    except LookupError as exc:
        raise ReportCliError(str(exc)) from None


def _write(content: bytes, out_path: str | Path) -> Path:
    path = Path(out_path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def cmd_bulletin(unit: str, period: str, fmt: str, out_path: str | Path, console: Console) -> int:
    """Write the bulletin of ``unit`` (uid or name path) for ``period`` to ``out_path``; returns 0 or 1."""
    from ntm.apps.reports.cache import render_bulletin
    from ntm.apps.reports.render import RenderUnavailable
    from ntm.apps.reports.services import ReportError

    try:
        formats.get(fmt, formats.BULLETIN)
    except formats.UnknownFormat as exc:
        console.print(f"Lỗi: {exc}", markup=False)
        return 1
    try:
        u, p = _unit(unit, period)
        out = render_bulletin(u, p, fmt)
    except (ReportCliError, ReportError, RenderUnavailable) as exc:
        console.print(f"Lỗi: {exc}", markup=False)
        return 1
    from ntm.core.formatting import number as fmt_number

    path = _write(out.content, out_path)
    n, s = out.summary["rows"], out.summary
    console.print(
        f"Đã ghi {path} ({fmt_number(len(out.content))} byte): bản tin {u.name}, {p.label}, {n} xã, "
        f"{s['tables']} bảng, {s['charts']} biểu đồ"
        + (" (bản đã tạo trước, số liệu không đổi)." if out.cached else "."),
        markup=False,
    )
    return 0


def cmd_dossier(unit: str, set_code: str, period: str, fmt: str, out_path: str | Path, console: Console) -> int:
    from ntm.apps.reports.render import RenderUnavailable
    from ntm.apps.reports.services import ReportError, dossier
    from ntm.core.catalog import default_catalog

    try:
        formats.get(fmt, formats.DOSSIER)
    except formats.UnknownFormat as exc:
        console.print(f"Lỗi: {exc}", markup=False)
        return 1
    if set_code not in default_catalog():
        console.print(f"Lỗi: không có bộ tiêu chí '{set_code}'")
        return 1
    try:
        u, p = _unit(unit, period)
        doc, _ = dossier(u, set_code, p)
        content = formats.render(doc, fmt, document=formats.DOSSIER)
    except (ReportCliError, ReportError, RenderUnavailable) as exc:
        console.print(f"Lỗi: {exc}", markup=False)
        return 1
    path = _write(content, out_path)
    state = "đủ căn cứ đề nghị công nhận" if doc.meta["ready"] else f"{len(doc.meta['flags'])} điểm cần hoàn thiện"
    console.print(f"Đã ghi {path}: hồ sơ {u.name}, {set_code}, {p.label} — {state}.", markup=False)
    return 0
