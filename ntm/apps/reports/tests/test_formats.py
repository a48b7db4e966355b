"""The document formats are one table: the files each renders, the API's ``output`` enum, the ``ntm report``
choices and the pages' download buttons all list the same formats."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import zipfile

import pytest

from ntm.apps.reports import formats
from ntm.core.reports.model import Document, Paragraph


def _doc() -> Document:
    return Document(
        kind="bulletin",
        issuer=["UBND XÃ THỬ"],
        place="Thử",
        issued=dt.date(2023, 7, 31),
        title="BẢN TIN",
        subtitle="Tháng 7/2023",
        blocks=[Paragraph("Xã thử: đạt 17/19 tiêu chí.")],
    )


def _choices(document: str) -> tuple[str, ...]:
    from ntm.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    report = next(a for a in sub.choices["report"]._actions if isinstance(a, argparse._SubParsersAction))
    return tuple(next(a for a in report.choices[document]._actions if a.dest == "format").choices)


def _api_enum(path: str) -> list[str]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    params = schema["paths"][path]["get"]["parameters"]
    return next(p for p in params if p["name"] == "output")["schema"]["enum"]


@pytest.mark.parametrize(
    "document,path",
    [(formats.BULLETIN, "/api/v1/reports/bulletin/"), (formats.DOSSIER, "/api/v1/reports/dossier/")],
)
def test_the_api_the_command_line_and_the_table_list_the_same_formats(document, path):
    listed = formats.codes(document)
    assert {"docx", "pdf", "html", "txt"} <= set(listed)
    assert _choices(document) == listed
    assert sorted(_api_enum(path)) == sorted(["json", *listed])


def test_every_format_renders_a_file_of_its_type():
    doc = _doc()
    for f in formats.FORMATS.values():
        if f.code == "pdf":
            continue  # WeasyPrint takes seconds: test_bulletin reads a real PDF back
        content = formats.render(doc, f.code)
        if f.extension in ("docx", "xlsx"):
            assert zipfile.is_zipfile(io.BytesIO(content)), f.code
        else:
            assert "đạt 17/19 tiêu chí" in content.decode("utf-8"), f.code
        assert f.media_type and f.label


def test_a_format_not_offered_for_a_document_is_refused_with_the_offered_ones():
    with pytest.raises(formats.UnknownFormat, match="docx, pdf, html, txt"):
        formats.get("xlsx", formats.DOSSIER)
    with pytest.raises(formats.UnknownFormat):
        formats.render(_doc(), "odt")
    assert formats.content_disposition("html", "ban-tin") == 'inline; filename="ban-tin.html"'
    assert formats.content_disposition("docx", "ban-tin") == 'attachment; filename="ban-tin.docx"'
