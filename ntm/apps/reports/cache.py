"""Rendered bulletins kept on disk, so that a second download of the same bulletin is instant.

A file is looked up by a key over everything its content depends on:

- the unit, the period, the format and the requested sets (or "the sets with results"), and the view
  of the figures (approved, or including unapproved data: ``evaluations.dataview``);
- the stored results of the unit's communes (all sets and periods, so the baseline and the previous
  period are covered): their number and latest ``computed_at`` — every save and every full
  re-evaluation writes ``computed_at``, so a changed result always gives a new key;
- the data versions of :mod:`ntm.web.cache` (raised by every committed change of
  results, units or plans — also the one case ``computed_at`` misses: a save committed after a
  later one);
- the roll-up states (generation and ``updated_at``: a background re-evaluation switches them);
- the plans and recognition decisions of these communes for the year (their rows, hashed);
- the catalogue version, the date of issue (today: the bulletin prints it) and a digest of the
  code that composes and renders bulletins (a new release never serves an old layout).

Computing the key costs a few aggregate queries (≈ 20–60 ms for a province); rendering costs
seconds. Files live in ``NTM_HOME/cache/bulletins`` (``<key>.<format>`` and ``<key>.json`` with the
file name and a summary); the oldest are removed beyond :data:`MAX_FILES`. Nothing in the database is
written, so the cache also works on a read-only replica.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max

MAX_FILES = 400  # rendered files kept (bulletins of ~100 KB each)


@dataclass
class Rendered:
    content: bytes
    filename: str  # without extension
    summary: dict  # rows, tables, charts (for the command line's message)
    cached: bool  # served from the cache


def cache_dir() -> Path:
    return Path(settings.NTM_HOME) / "cache" / "bulletins"


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the modules that compose and render bulletins."""
    from ntm.core import sectors
    from ntm.core.reports import bulletin, chart, html, model

    from . import documents, export_tables, formats, render, services

    h = hashlib.sha256()
    for mod in (bulletin, chart, html, model, formats, render, services, export_tables, documents, sectors):
        h.update(Path(mod.__file__).read_bytes())
    return h.hexdigest()[:16]


def _rows_digest(qs) -> str:
    return hashlib.sha256(repr(sorted(map(repr, qs))).encode()).hexdigest()[:16]


def bulletin_key(
    unit, period, fmt: str, *, set_codes: list[str] | None = None, issued: dt.date | None = None, frame=None
) -> str:
    from django.utils import translation

    from ntm.apps.evaluations import dataview
    from ntm.apps.plans.models import PlanTarget, Recognition
    from ntm.core.catalog import default_catalog
    from ntm.web.cache import stamp

    from .documents import frame_for
    from .services import communes_of

    view = dataview.current()  # the approved figures, or those including unapproved data
    communes = communes_of(unit, period).order_by()
    res = view.result.objects.filter(unit__in=communes).aggregate(n=Count("id"), last=Max("computed_at"))
    roll = view.state.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    plans = PlanTarget.objects.filter(unit__in=communes, year=period.year).values_list()
    recs = Recognition.objects.filter(unit__in=communes, decision_date__year=period.year).values_list()
    parts = {
        "unit": unit.uid,
        "period": period.key,
        "format": fmt,
        "sets": set_codes or "auto",
        "view": view.code,
        "issued": (issued or dt.date.today()).isoformat(),
        "catalog": default_catalog().version,
        "code": code_digest(),
        "results": [res["n"], res["last"].isoformat() if res["last"] else None],
        "rollups": [roll["n"], roll["last"].isoformat() if roll["last"] else None],
        "plans": _rows_digest(plans),
        "recognitions": _rows_digest(recs),
        # raised by every committed change of results, units or plans (a save whose computed_at is older
        # than the latest one, committed after it, would not move "results" above)
        "versions": list(stamp()),
        # the frame (saved document settings, or the form's edits for this file) and the language of its words
        "frame": (frame or frame_for(unit)).key(),
        "language": translation.get_language(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def _write_atomic(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune(folder: Path) -> None:
    files = sorted((p for p in folder.iterdir() if p.suffix == ".json"), key=lambda p: p.stat().st_mtime)
    for meta in files[: max(0, len(files) - MAX_FILES)]:
        for p in folder.glob(meta.stem + ".*"):
            p.unlink(missing_ok=True)


def render_bulletin(
    unit, period, fmt: str, *, set_codes: list[str] | None = None, use_cache: bool = True, frame=None
) -> Rendered:
    """The bulletin of ``unit`` for ``period`` rendered as ``fmt``, from the cache when its data has not changed.

    ``frame``: the document settings (:mod:`ntm.apps.reports.documents`; default: the unit's saved ones).
    Raises :class:`~ntm.apps.reports.services.ReportError` (no results…) and
    :class:`~ntm.apps.reports.render.RenderUnavailable` (no WeasyPrint) like the uncached path.
    """
    from ntm.core.periods import Period

    from .documents import frame_for
    from .export_tables import all_communes_table
    from .formats import render
    from .services import bulletin

    p = Period.parse(period) if isinstance(period, str) else period
    frame = frame or frame_for(unit)
    folder = cache_dir()
    key = bulletin_key(unit, p, fmt, set_codes=set_codes, issued=frame.issued, frame=frame) if use_cache else None
    if key:
        try:
            meta = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
            content = (folder / f"{key}.{fmt}").read_bytes()
            return Rendered(content, meta["filename"], meta["summary"], True)
        except (OSError, ValueError, KeyError):
            pass
    doc, data = bulletin(unit, p, set_codes=set_codes, frame=frame)
    content = render(doc, fmt, extra_tables=[all_communes_table(data)] if fmt == "xlsx" else (), document="bulletin")
    summary = {"rows": len(data.rows), "tables": len(doc.tables), "charts": len(doc.charts)}
    if key:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write_atomic(folder / f"{key}.{fmt}", content)
            _write_atomic(
                folder / f"{key}.json",
                json.dumps(
                    {"filename": doc.filename, "summary": summary, "unit": unit.uid, "period": p.key, "format": fmt},
                    ensure_ascii=False,
                ).encode("utf-8"),
            )
            _prune(folder)
        except OSError:  # a read-only or full disk: serve the file anyway
            pass
    return Rendered(content, doc.filename, summary, False)
