"""``ntm report bulletin --unit CODE --period YYYY-MM --format docx|pdf|xlsx|html -o FILE`` (and ``dossier``).

The lead wires these into ``ntm/cli.py``, e.g.::

    r = sub.add_parser("report", help="bản tin, hồ sơ").add_subparsers(dest="report_cmd", required=True)
    x = r.add_parser("bulletin", help="bản tin nông thôn mới của một đơn vị, một kỳ")
    x.add_argument("--unit", required=True); x.add_argument("--period", required=True)
    x.add_argument("--format", choices=("docx", "pdf", "xlsx", "html", "txt"), default="docx")
    x.add_argument("-o", "--output", required=True)
    x.set_defaults(func=lambda a: (_django(), cmd_bulletin(a.unit, a.period, a.format, a.output, out))[1])
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console


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
    from ntm.apps.reports.render import FORMATS, RenderUnavailable
    from ntm.apps.reports.services import ReportError

    if fmt not in FORMATS:
        console.print(f"Lỗi: định dạng '{fmt}' không hỗ trợ (dùng {', '.join(FORMATS)})")
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
    from ntm.apps.reports.render import FORMATS, RenderUnavailable, render
    from ntm.apps.reports.services import ReportError, dossier
    from ntm.core.catalog import default_catalog

    if fmt not in FORMATS:
        console.print(f"Lỗi: định dạng '{fmt}' không hỗ trợ (dùng {', '.join(FORMATS)})")
        return 1
    if set_code not in default_catalog():
        console.print(f"Lỗi: không có bộ tiêu chí '{set_code}'")
        return 1
    try:
        u, p = _unit(unit, period)
        doc, _ = dossier(u, set_code, p)
        content = render(doc, fmt)
    except (ReportCliError, ReportError, RenderUnavailable) as exc:
        console.print(f"Lỗi: {exc}", markup=False)
        return 1
    path = _write(content, out_path)
    state = "đủ căn cứ đề nghị công nhận" if doc.meta["ready"] else f"{len(doc.meta['flags'])} điểm cần hoàn thiện"
    console.print(f"Đã ghi {path}: hồ sơ {u.name}, {set_code}, {p.label} — {state}.", markup=False)
    return 0
