"""``ntm units load | show UNIT | find TEXT`` — called from ``ntm.cli`` after Django is set up.

Each function prints to stdout (tables with Rich, or JSON) and returns the exit code; errors are
raised as ``ntm.cli.CliError`` with a Vietnamese message.
"""

from __future__ import annotations

import json
import sys
import time

from django.db.models import Count
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ntm.core import formatting as vnfmt
from ntm.core import units as core

from . import services
from .models import Level, Region, Unit, UnitLink


def _error(message: str) -> Exception:
    from ntm.cli import CliError

    return CliError(message)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _n(x: int) -> str:
    return vnfmt.number(x)


# -- load ------------------------------------------------------------------------------------
def cmd_load(console: Console | None = None) -> dict[str, int]:
    """Load or refresh both editions and the lineage, with a progress bar; prints a summary."""
    console = console or _console()
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        report("Đọc dữ liệu đơn vị hành chính", 0, 1)
        data = core.read_units()
        report("Đọc dữ liệu đơn vị hành chính", 1, 1)
        counts = services.load_units(progress=report, data=data)
    seconds = time.perf_counter() - started
    console.print(
        f"Đơn vị hành chính: {_n(counts['units'])} đơn vị ({_n(counts['created'])} mới, "
        f"{_n(counts['updated'])} cập nhật, {_n(counts['unchanged'])} không đổi); "
        f"{_n(counts['links'])} quan hệ kế thừa ({_n(counts['links_created'])} mới, "
        f"{_n(counts['links_updated'])} cập nhật, {_n(counts['links_deleted'])} bỏ) — {vnfmt.number(seconds, 1)} giây."
    )
    if counts.get("source_links_dropped"):
        console.print(
            f"Đã bỏ {_n(counts['source_links_dropped'])} quan hệ kế thừa nghi lỗi của nguồn "
            "(xã cùng tên trong một tỉnh mới bị nhầm; xem ntm/core/units.py)."
        )
    if counts.get("not_in_source"):
        console.print(
            f"[yellow]{_n(counts['not_in_source'])} đơn vị trong cơ sở dữ liệu không còn trong nguồn (giữ nguyên).[/]"
        )
    return counts


# -- show ------------------------------------------------------------------------------------
def _link_dict(u: Unit) -> dict:
    return {
        "uid": u.uid,
        "name": u.name,
        "type": u.type,
        "kind": u.link.kind,
        "date": u.link.date.isoformat(),
        "is_default": u.link.is_default,
    }


def _link_label(u: Unit, names: dict[int, list[str]]) -> str:
    where = ", ".join(reversed(names.get(u.id, [])))
    kind = dict(UnitLink.Kind.choices).get(u.link.kind, u.link.kind)
    extra = "" if u.link.kind == core.LINK_MERGE else (" — chính" if u.link.is_default else " — một phần")
    return escape(f"{u.name}{', ' + where if where else ''} [{u.uid}] ({kind}{extra})")


def unit_details(unit: Unit) -> dict:
    chain = services.ancestors(unit)
    children = dict(Unit.objects.filter(parent=unit).values_list("type").annotate(n=Count("id")).order_by("type"))
    communes = (
        services.subtree(unit).filter(level=Level.COMMUNE).exclude(pk=unit.pk).count()
        if unit.level in (Level.COUNTRY, Level.PROVINCE, Level.DISTRICT)
        else 0
    )
    preds, succs = services.predecessors(unit), services.successors(unit)
    return {
        "uid": unit.uid,
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "type": unit.type,
        "level": unit.level,
        "edition": unit.edition,
        "parents": [{"uid": a.uid, "name": a.name, "type": a.type} for a in chain],
        "path": [a.name for a in chain if a.level != Level.COUNTRY],
        "children": sum(children.values()),
        "children_by_type": children,
        "communes": communes,
        "region": unit.region or None,
        "region_name": Region(unit.region).label if unit.region else None,
        "special": unit.special,
        "commune_group": unit.commune_group or None,
        "lat": unit.lat,
        "lon": unit.lon,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "predecessors": [_link_dict(u) for u in preds],
        "successors": [_link_dict(u) for u in succs],
        "_links": (preds, succs),
    }


def cmd_show(ref: str, fmt: str = "table") -> int:
    try:
        unit = services.resolve_unit(ref)
    except (LookupError, ValueError) as exc:
        raise _error(str(exc)) from None
    d = unit_details(unit)
    preds, succs = d.pop("_links")
    if fmt == "json":
        _json(d)
        return 0
    console = _console()
    t = Table(title=escape(f"{unit.name} [{unit.uid}]"), show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column()
    t.add_row("Loại", f"{unit.type} (cấp {core.LEVEL_LABELS.get(unit.level, unit.level)})")
    t.add_row("Mã hành chính", unit.code)
    t.add_row("Thuộc", escape(" › ".join(f"{a['name']} [{a['uid']}]" for a in d["parents"])) or "—")
    t.add_row("Hiệu lực", unit.validity)
    if d["children"]:
        parts = ", ".join(
            f"{_n(n)} {t_.lower()}" for t_, n in sorted(d["children_by_type"].items(), key=lambda kv: -kv[1])
        )
        t.add_row("Trực thuộc", f"{_n(d['children'])} đơn vị ({parts})")
    else:
        t.add_row("Trực thuộc", "không có")
    if d["communes"] and unit.level != Level.DISTRICT:
        t.add_row(
            "Cấp xã",
            f"{_n(d['communes'])} đơn vị cấp xã (cả hai phiên bản)"
            if unit.level == Level.COUNTRY
            else f"{_n(d['communes'])} đơn vị cấp xã",
        )
    t.add_row("Vùng", f"{d['region_name']} ({unit.region})" if unit.region else "—")
    if unit.level == Level.COMMUNE:
        t.add_row("Xã ĐBKK/ATK", "có" if unit.special else "không")
        t.add_row("Nhóm xã 2026–2030", unit.commune_group or "chưa xác định")
    t.add_row("Tọa độ tâm", f"{unit.lat:.5f}, {unit.lon:.5f}" if unit.lat is not None and unit.lon is not None else "—")
    names = services.path_names(preds + succs)
    t.add_row("Tiền thân", "\n".join(_link_label(u, names) for u in preds) or "—")
    t.add_row("Kế thừa", "\n".join(_link_label(u, names) for u in succs) or "—")
    console.print(t)
    return 0


# -- find ------------------------------------------------------------------------------------
def cmd_find(text: str, date: str | None = None, fmt: str = "table", limit: int = 50) -> int:
    try:
        when = core.parse_date(date)
        matches = services.find_units(text, when, limit=limit)
    except (LookupError, ValueError) as exc:
        raise _error(str(exc)) from None
    if fmt == "json":
        _json([m.as_dict() for m in matches])
        return 0
    console = _console()
    when_label = f" ngày {when:%d/%m/%Y}" if when else ""
    if not matches:
        console.print(escape(f"Không có đơn vị nào khớp '{text}'{when_label}."))
        return 0
    t = Table(
        title=escape(f"Đơn vị khớp '{text}'{when_label} ({len(matches)}{'+' if len(matches) == limit else ''})"),
        title_justify="left",
    )
    for col in ("Mã", "Tên", "Thuộc", "Hiệu lực"):
        t.add_column(col)
    for m in matches:
        t.add_row(
            escape(m.uid),
            escape(m.name),
            escape(", ".join(reversed(m.path))),
            core.validity_label(m.valid_from, m.valid_to),
        )
    console.print(t)
    return 0
