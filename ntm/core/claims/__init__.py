"""The report checker: read the figures officials publish in free text and find inconsistent ones.

    >>> from ntm.core.claims import extract
    >>> r = extract("Xã Nguyên Lý: đạt 17/19 tiêu chí (90%) nông thôn mới.", catalog=False)
    >>> [(c.subject, c.set, c.achieved, c.total, c.percent) for c in r.claims]
    [('Xã Nguyên Lý', 'xa-ntm-2021', 17.0, 19.0, 90.0)]
    >>> [(f.code, f.reported, f.expected) for f in r.findings]
    [('percent-mismatch', '90%', '89,47%')]

Pure Python (no Django). Units are resolved through any object with
``resolve(name, context_names) -> uid | None`` (:class:`UnitResolver`; :class:`RecordResolver`
over plain records, :func:`resolver.units_resolver` over ``ntm.core.units``); the catalogue is
passed in (default: :func:`ntm.core.catalog.default_catalog`, ``catalog=False`` to do without;
if the default cannot be loaded the checks that need it are skipped and ``report.notes`` says so).

Modules, by stage: ``text`` (normalisation, same-length lower/folded views, sentences), ``patterns``
(shared patterns and the word-boundary scan),
``timeline`` (period reported on, date of issue, times named in sentences), ``figures`` (every way
a figure is written), ``unmet`` (unmet lists, changes, counts with the units they name),
``subjects`` (whose figure), ``attribution`` (which set), ``extraction`` (the stages put together),
``sets`` (what the catalogue says of a set; phases by decision dates), ``checks`` (findings; the
table of finding codes is there), ``compare`` (against stored results), ``documents``
(txt/docx/html/pdf), ``resolver``, ``cli`` (``ntm claims check``), ``scoring`` (a report against
hand-read expected figures: the development set, ``bench/claims_devset.py``), ``testing`` (a stand-in
catalogue for tests).

JSON (``report_to_json``)::

    {"source": "ly-nhan.txt",
     "period": {"key": "2023-07", "label": "tháng 7/2023", "year": 2023, "month": 7, "date": null, …},
     "context_names": ["Huyện Lý Nhân"],
     "claims": [{"subject": "Xã Nguyên Lý", "unit_code": null, "set": "xa-ntm-2021", "set_source": "run",
                 "kind": "criteria", "achieved": 17, "total": 19, "percent": null, "unmet": ["1", "15"],
                 "unmet_count": 2, "aggregate_of": null, "average": false, "modality": "current",
                 "change": null, "text": "17/19 tiêu chí", "span": [1012, 1026], "notes": […]}, …],
     "findings": [{"severity": "error", "code": "percent-mismatch", "message": "Tỷ lệ 90% không khớp …",
                   "reported": "90%", "expected": "89,47%", "subject": …, "set": …, "text": "90%",
                   "span": [1028, 1031], "claim_span": […], "related_span": null}, …],
     "recognitions": [{"subject": "Xã Đầm Hà", "set": "xa-kieu-mau-2021", "status": "recognized", …}],
     "notes": []}

Spans are offsets into the *normalised* text (``normalize_text(original)`` = ``report.text``:
NFC, invisible characters removed, NBSP and odd spaces made plain, CR/LF made LF).
"""

from __future__ import annotations

import json
import os
from typing import Any

from .checks import run_checks
from .compare import compare_with
from .documents import DEFAULT_MAX_BYTES, DocumentError, document_text, read_document
from .extraction import Extractor
from .model import Change, Claim, Finding, Period, Recognition, Report, UnitList, UnmetItem
from .resolver import RecordResolver, UnitResolver
from .sets import Catalogue
from .text import DEFAULT_MAX_CHARS, InputTooLarge, normalize_text

__all__ = [
    "Change",
    "Claim",
    "DocumentError",
    "Finding",
    "InputTooLarge",
    "Period",
    "Recognition",
    "RecordResolver",
    "Report",
    "UnitList",
    "UnitResolver",
    "UnmetItem",
    "check_file",
    "check_text",
    "compare_with",
    "extract",
    "normalize_text",
    "read_document",
    "document_text",
    "report_to_json",
    "DEFAULT_MAX_CHARS",
    "DEFAULT_MAX_BYTES",
]


def extract(
    text: str,
    *,
    source: str | None = None,
    resolver: UnitResolver | None = None,
    catalog: Any = None,
    context_names: list[str] | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
) -> Report:
    """Claims and findings of one report text.

    ``catalog``: a catalogue object (``.get(code)``, ``code in cat``); None loads the default one
    (if it cannot be loaded, the checks that need it are skipped and a note says so); False: none.
    ``context_names``: provinces/districts the caller knows the text is about (added to those the
    text names). Raises :class:`InputTooLarge` above ``max_chars``.
    """
    if not isinstance(text, str):
        raise TypeError("extract() expects str; use read_document() for files")
    norm = normalize_text(text, max_chars=max_chars)
    cat = Catalogue.load(catalog)
    ex = Extractor(norm, resolver=resolver, catalogue=cat, context_names=context_names)
    claims, recognitions, period, names = ex.run()
    report = Report(
        source=source,
        text=norm,
        claims=claims,
        recognitions=recognitions,
        period=period,
        context_names=names,
        notes=list(dict.fromkeys(ex.notes)),
        unit_lists=ex.unit_lists_found,
        subject=ex.subject_display,
        layout=ex.lay,
    )
    if cat.error and catalog is not False:
        report.notes.append(cat.error)
    report.findings = run_checks(report, cat)
    return report


def check_text(text: str, **kwargs: Any) -> list[Finding]:
    """The findings of :func:`extract` only."""
    return extract(text, **kwargs).findings


def check_file(
    path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES, max_chars: int = DEFAULT_MAX_CHARS, **kwargs: Any
) -> Report:
    """Read a .txt/.docx/.html/.pdf report and check it. Raises :class:`DocumentError`."""
    text = read_document(path, max_bytes=max_bytes, max_chars=max_chars)
    return extract(text, source=os.path.basename(str(path)), max_chars=max_chars, **kwargs)


def report_to_json(report: Report, *, indent: int | None = 1) -> str:
    """``{"source", "period", "claims": [...], "findings": [...], ...}`` as JSON text."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=indent)
