"""REST API of the reports: /api/v1/reports/bulletin/ and /api/v1/reports/dossier/ — figures and text as
JSON, or the document as a file (``?output=docx|pdf|xlsx|html|txt``). Made from the approved figures; a
reviewer may ask for those including unapproved data (``include_unapproved=true``: the document says so)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ntm.apps.api.base import P_PERIOD, P_SET, P_UNIT, Scoped, period_param, set_param, unit_param
from ntm.apps.evaluations import dataview
from ntm.apps.evaluations.api import P_UNAPPROVED, view_param

from . import formats


def _file(content: bytes, fmt: str, filename: str) -> HttpResponse:
    f = formats.FORMATS[fmt]
    resp = HttpResponse(content, content_type=f.media_type)
    resp["Content-Disposition"] = f'attachment; filename="{filename}.{f.extension}"'
    return resp


def _output_param(document: str) -> OpenApiParameter:
    return OpenApiParameter(
        "output",
        str,
        enum=["json", *formats.codes(document)],
        description="json (figures and text) or a file; ?format= is DRF's own",
    )


def _output(request, document: str) -> str:
    fmt = request.query_params.get("output", "json")
    if fmt != "json" and fmt not in formats.codes(document):
        raise ValidationError({"output": f"json, {', '.join(formats.codes(document))}"})
    return fmt


class BulletinView(Scoped, APIView):
    @extend_schema(
        parameters=[
            P_UNIT,
            P_PERIOD,
            _output_param(formats.BULLETIN),
            P_UNAPPROVED,
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
        },
        summary="The monthly bulletin of a unit: figures and text (json) or a file",
    )
    def get(self, request):
        with dataview.reading(view_param(request)):
            return self._get(request)

    def _get(self, request):
        from ntm.core.reports.model import to_text

        from .render import RenderUnavailable
        from .services import ReportError, bulletin

        unit = unit_param(request, required=True)
        period = period_param(request, required=True)
        fmt = _output(request, formats.BULLETIN)
        if fmt != "json":
            from .cache import render_bulletin

            try:
                out = render_bulletin(unit, period, fmt)  # cached while the stored results do not change
            except ReportError as exc:
                raise NotFound(str(exc)) from None
            except RenderUnavailable as exc:
                return Response({"detail": str(exc)}, status=503)
            return _file(out.content, fmt, out.filename)
        try:
            doc, _ = bulletin(unit, period)
        except ReportError as exc:
            raise NotFound(str(exc)) from None
        return Response(
            {
                "title": f"{doc.title} {doc.subtitle}",
                "unit": unit.uid,
                "period": period,
                "text": to_text(doc),
                "figures": doc.meta,
            }
        )


class DossierView(Scoped, APIView):
    @extend_schema(
        parameters=[
            P_UNIT,
            P_SET,
            P_PERIOD,
            _output_param(formats.DOSSIER),
            P_UNAPPROVED,
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
        },
        summary="Recognition dossier of a commune for a set",
    )
    def get(self, request):
        with dataview.reading(view_param(request)):
            return self._get(request)

    def _get(self, request):
        from ntm.core.reports.model import to_text

        from .render import RenderUnavailable
        from .services import ReportError, dossier

        unit = unit_param(request, required=True)
        code = set_param(request, required=True)
        period = period_param(request, required=True)
        fmt = _output(request, formats.DOSSIER)
        try:
            doc, _ = dossier(unit, code, period)
        except ReportError as exc:
            raise NotFound(str(exc)) from None
        if fmt == "json":
            return Response(
                {"unit": unit.uid, "set": code, "period": period, "text": to_text(doc), "figures": doc.meta}
            )
        try:
            content = formats.render(doc, fmt)
        except RenderUnavailable as exc:
            return Response({"detail": str(exc)}, status=503)
        return _file(content, fmt, doc.filename)
