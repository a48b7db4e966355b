"""Bulletins and dossiers as plain data: composition (correct Vietnamese, every figure passed in) and
renderers that need no Django (text, HTML, SVG chart).

    >>> from ntm.core.reports.bulletin import BulletinData, compose
    >>> from ntm.core.reports.model import to_text

DOCX, PDF and XLSX renderers live in :mod:`ntm.apps.reports.render` (they need python-docx,
WeasyPrint and openpyxl).
"""

from .model import Bar, Chart, Document, Figure, FrameText, Heading, Lines, Paragraph, Signature, Table, to_text

__all__ = [
    "Bar",
    "Chart",
    "Document",
    "Figure",
    "FrameText",
    "Heading",
    "Lines",
    "Paragraph",
    "Signature",
    "Table",
    "to_text",
]
