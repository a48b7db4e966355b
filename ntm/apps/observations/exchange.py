"""One entry for every exchange file, used by the web pages and the ``ntm`` command alike.

- :func:`plan_file` / :func:`commit_file` — the preview and the all-or-nothing write of an import: a
  DHIS2 ``dataValueSets`` file (JSON, or CSV with DHIS2's columns) through :mod:`.dhis2`, any other
  file (the entry template as XLSX, CSV…) through :mod:`.imports`.
- :func:`build_export` — an export (observations, results, DHIS2 data values, DHIS2 metadata) in a
  format (CSV, XLSX, JSON), as text pieces to stream or a finished file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet

from ntm.core.catalog import default_catalog

from . import dhis2
from . import exports as X
from . import imports as I

KINDS = ("observations", "results", "dhis2", "dhis2-metadata")
FORMATS = {
    "observations": ("csv", "xlsx", "json"),
    "results": ("csv", "xlsx", "json"),
    "dhis2": ("csv", "json", "xlsx"),
    "dhis2-metadata": ("json",),
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ExportKind:
    """An export kind another app provides (the results: ``evaluations.exports``, registered when the
    app starts): its selection, columns, rows and what it adds to the file name."""

    select: Callable[..., QuerySet]  # (user, unit=, set_code=, period=) -> the rows to export
    columns: list[tuple[str, str]]  # (JSON key, column heading)
    rows: Callable[[QuerySet], Iterator[list]]
    suffix: Callable[[], str] = lambda: ""


_PROVIDED: dict[str, ExportKind] = {}


def provide_export(kind: str, export: ExportKind) -> None:
    """Called by the app that owns ``kind`` (one of :data:`KINDS`) when it starts."""
    _PROVIDED[kind] = export


class ExportError(ValueError):
    """An export that cannot be made as asked (an unknown kind, a format the kind does not have)."""


# -- imports --------------------------------------------------------------------------------------
def plan_file(
    path: str | Path,
    *,
    user=None,
    defaults: dict | None = None,
    name: str | None = None,
    stage: str | Path | None = None,
) -> I.ImportPlan:
    """Check a file and describe what it would change (writes nothing in the database). Raises
    :class:`ImportFailed` for a file that cannot be used at all (unreadable, no header…); row problems
    are in the plan. With ``stage``, the entry template's check leaves there what :func:`commit_file`
    writes without checking the file again (:mod:`.imports.stage`; a DHIS2 file leaves none)."""
    if dhis2.is_dhis2(path):
        return dhis2.plan_import(path, user=user, name=name)
    return I.plan_import(path, user=user, defaults=defaults, name=name, stage=stage)


def commit_file(
    path: str | Path,
    *,
    user=None,
    defaults: dict | None = None,
    name: str | None = None,
    stage: str | Path | None = None,
    **kw,
) -> I.ImportResult:
    """Write everything the file changes in one transaction, or nothing (:class:`ImportFailed`); from
    the ``stage`` :func:`plan_file` left when it is there and matches the file (a DHIS2 file is always
    checked again)."""
    if dhis2.is_dhis2(path):
        return dhis2.commit_import(path, user=user, name=name, **kw)
    return I.commit_import(path, user=user, defaults=defaults, name=name, stage=stage, **kw)


# -- exports --------------------------------------------------------------------------------------
@dataclass
class Export:
    kind: str
    fmt: str
    filename: str
    content_type: str
    text: Iterator[str] | None = None  # the content as text pieces (CSV, JSON), or
    path: Path | None = None  # a finished temporary file (XLSX) that the caller sends, then deletes


def _json_objects(keys: list[str], rows) -> Iterator[str]:
    """``[{key: value…}, …]`` in pieces: one object per row, empty cells left out."""
    yield "["
    first = True
    for r in rows:
        obj = {k: v for k, v in zip(keys, r) if v is not None and v != ""}
        yield ("" if first else ",") + "\n" + json.dumps(obj, ensure_ascii=False, default=str)
        first = False
    yield "\n]\n"


def build_export(
    kind: str,
    fmt: str,
    *,
    unit,
    user=None,
    set_code: str | None = None,
    period: str | None = None,
    history: bool = False,
) -> Export:
    """An export of ``unit`` and the units under it (those ``user`` may see; every unit when None)."""
    if kind not in KINDS:
        raise ExportError(f"không có loại dữ liệu '{kind}' (chọn: {', '.join(KINDS)})")
    if fmt not in FORMATS[kind]:
        raise ExportError(f"dữ liệu {kind} không xuất được dạng {fmt} (chọn: {', '.join(FORMATS[kind])})")
    if set_code and set_code not in default_catalog():
        raise ExportError(f"không có bộ tiêu chí '{set_code}'")
    stem = (
        f"{kind}-{unit.uid.replace(':', '-').replace('@', '-')}"
        + (f"-{set_code}" if set_code else "")
        + (f"-{period}" if period else "")
    )
    if kind == "dhis2-metadata":
        return Export(
            kind,
            fmt,
            f"{stem}.json",
            CONTENT_TYPES[fmt],
            text=dhis2.metadata_json(unit, set_code=set_code, period=period),
        )
    provided = _PROVIDED.get(kind)
    if provided is not None:  # the results: the figures of the view read (approved, or with unapproved data)
        qs = provided.select(user, unit=unit, set_code=set_code, period=period)
        columns = provided.columns
        stem += provided.suffix()
    elif kind == "results":
        raise ExportError("chưa có dữ liệu kết quả để xuất")
    else:  # DHIS2 holds one value per cell: the current ones only
        qs = X.select_observations(
            user, unit=unit, set_code=set_code, period=period, history=history and kind != "dhis2"
        )
        columns = X.OBSERVATION_COLUMNS
    if kind == "dhis2" and fmt == "json":
        return Export(kind, fmt, f"{stem}-dataValueSets.json", CONTENT_TYPES[fmt], text=dhis2.data_value_set_json(qs))
    if kind == "dhis2" and fmt == "csv":
        return Export(kind, fmt, f"{stem}-dataValueSets.csv", CONTENT_TYPES[fmt], text=dhis2.data_value_set_csv(qs))
    if kind == "observations" and fmt == "csv":  # formatted by the database (on PostgreSQL: in parts, at once)
        return Export(kind, fmt, f"{stem}.csv", CONTENT_TYPES[fmt], text=X.observations_csv(qs))
    if provided is not None:
        header, rows = [h for _, h in provided.columns], provided.rows(qs)
    elif kind == "dhis2":
        header, rows = dhis2.CSV_COLUMNS, dhis2.csv_rows(qs)
    else:
        header, rows = X.export(kind, fmt, qs)
    if fmt == "xlsx":
        return Export(kind, fmt, f"{stem}.xlsx", CONTENT_TYPES[fmt], path=X.xlsx_file(header, rows))
    if fmt == "json":
        return Export(kind, fmt, f"{stem}.json", CONTENT_TYPES[fmt], text=_json_objects([k for k, _ in columns], rows))
    return Export(kind, fmt, f"{stem}.csv", CONTENT_TYPES[fmt], text=X.csv_stream(header, rows))
