"""The formats a document (the bulletin, the recognition dossier) is exported in: one table read by the
renderer dispatch (:func:`render`), the pages' download buttons, the API's ``output`` parameter (its
OpenAPI enum) and the ``--format`` choices of ``ntm report``. A new format is a row here and its
renderer in :mod:`ntm.apps.reports.render`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ntm.core.reports import html as H
from ntm.core.reports.model import Document, Table, to_text

from . import render as R

BULLETIN = "bulletin"
DOSSIER = "dossier"
DOCUMENTS = (BULLETIN, DOSSIER)


@dataclass(frozen=True)
class DocumentFormat:
    code: str  # as the URL, the API and the command line write it
    label: str  # as the download button shows it
    media_type: str
    extension: str
    renderer: Callable[[Document, tuple[Table, ...]], bytes]  # (document, extra tables) → the file
    documents: tuple[str, ...] = DOCUMENTS  # which documents are offered in it
    inline: bool = False  # shown in the browser rather than saved


FORMATS: dict[str, DocumentFormat] = {
    f.code: f
    for f in (
        DocumentFormat(
            "docx",
            "DOCX",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
            lambda doc, extra: R.to_docx(doc),
        ),
        DocumentFormat("pdf", "PDF", "application/pdf", "pdf", lambda doc, extra: R.to_pdf(doc)),
        DocumentFormat(
            "xlsx",
            "XLSX",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            lambda doc, extra: R.to_xlsx(doc, extra_tables=extra),
            documents=(BULLETIN,),  # the bulletin's tables (and every commune's row) as sheets
        ),
        DocumentFormat(
            "html",
            "HTML",
            "text/html; charset=utf-8",
            "html",
            lambda doc, extra: H.page(doc).encode("utf-8"),
            inline=True,
        ),
        DocumentFormat(
            "txt",
            "TXT",
            "text/plain; charset=utf-8",
            "txt",
            lambda doc, extra: to_text(doc, tables=True).encode("utf-8"),
        ),
    )
}


class UnknownFormat(ValueError):
    """A format the document is not offered in; the message lists those it is."""


def codes(document: str | None = None) -> tuple[str, ...]:
    """The codes of the formats ``document`` is offered in (every format when None), in table order."""
    return tuple(f.code for f in FORMATS.values() if document is None or document in f.documents)


def offered(document: str) -> list[DocumentFormat]:
    return [FORMATS[c] for c in codes(document)]


def get(code: str, document: str | None = None) -> DocumentFormat:
    """The format ``code`` if ``document`` is offered in it, else :class:`UnknownFormat`."""
    if code not in codes(document):
        raise UnknownFormat(f"định dạng '{code}' không hỗ trợ (dùng {', '.join(codes(document))})")
    return FORMATS[code]


def render(doc: Document, fmt: str, *, extra_tables: Iterable[Table] = (), document: str | None = None) -> bytes:
    """``doc`` as a file of format ``fmt``. Raises :class:`UnknownFormat`, and
    :class:`~ntm.apps.reports.render.RenderUnavailable` when the renderer's library is missing."""
    return get(fmt, document).renderer(doc, tuple(extra_tables))


def content_disposition(fmt: str, filename: str) -> str:
    f = FORMATS[fmt]
    return f'{"inline" if f.inline else "attachment"}; filename="{filename}.{f.extension}"'
