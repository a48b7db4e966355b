"""REST API v1. Token or session authentication; every query is scoped with ``accounts.permissions``
(the same rule as the pages): a user sees the units under their memberships and writes only where
they may enter data. Lists are paginated (``?page=``, 100 per page) and filtered with query parameters."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ntm.apps.accounts.permissions import can_enter, can_view, scope
from ntm.apps.evaluations.models import Result
from ntm.apps.observations.models import Observation
from ntm.apps.units.models import Unit
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period

from . import serializers as S

P_UNIT = OpenApiParameter("unit", str, description="uid of a unit: the unit and everything below it (xa:13570@2024, huyen:353@2024, vn)")
P_SET = OpenApiParameter("set", str, description="criteria-set code, e.g. xa-ntm-2021")
P_PERIOD = OpenApiParameter("period", str, description="YYYY-MM, YYYY-Qn or YYYY")
P_STANDARD = OpenApiParameter("standard", bool, description="only results that reach (true) / do not reach (false) the standard")


class Scoped:
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]


def _unit_param(request, *, required: bool = False) -> Unit | None:
    ref = request.query_params.get("unit")
    if not ref:
        if required:
            raise ValidationError({"unit": "bắt buộc (uid của đơn vị)"})
        return None
    unit = Unit.objects.filter(uid=ref).first()
    if unit is None:
        raise NotFound(f"không có đơn vị '{ref}'")
    if not can_view(request.user, unit):
        raise PermissionDenied("không có quyền xem đơn vị này")
    return unit


def _period_param(request, *, required: bool = False) -> str | None:
    raw = request.query_params.get("period")
    if not raw:
        if required:
            raise ValidationError({"period": "bắt buộc (YYYY-MM)"})
        return None
    try:
        return Period.parse(raw).key
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from None


def _set_param(request, *, required: bool = False) -> str | None:
    code = request.query_params.get("set")
    if not code:
        if required:
            raise ValidationError({"set": "bắt buộc (mã bộ tiêu chí)"})
        return None
    if code not in default_catalog():
        raise NotFound(f"không có bộ tiêu chí '{code}'")
    return code


# -- units --------------------------------------------------------------------------------------
@extend_schema(parameters=[
    OpenApiParameter("level", str, description="country | province | district | commune"),
    OpenApiParameter("parent", str, description="uid of the parent"),
    OpenApiParameter("q", str, description="name, diacritics optional"),
    OpenApiParameter("date", OpenApiTypes.DATE, description="only units in force on this date"),
])
class UnitViewSet(Scoped, viewsets.ReadOnlyModelViewSet):
    """Administrative units the caller may see, with lineage (predecessors/successors of the 2025 reform)."""

    lookup_field = "uid"
    lookup_value_regex = "[^/]+"

    def get_serializer_class(self):
        return S.UnitDetailSerializer if self.action == "retrieve" else S.UnitSerializer

    def get_queryset(self):
        from ntm.core.units import normalize, parse_date

        qs = scope(Unit.objects.all(), self.request.user, field="").select_related("parent")
        p = self.request.query_params
        if p.get("level"):
            qs = qs.filter(level=p["level"])
        if p.get("parent"):
            qs = qs.filter(parent__uid=p["parent"])
        if p.get("q"):
            qs = qs.filter(search__contains=normalize(p["q"]))
        if p.get("date"):
            try:
                qs = qs.valid_at(parse_date(p["date"]))
            except ValueError as exc:
                raise ValidationError({"date": str(exc)}) from None
        return qs.order_by("path")


# -- catalogue ----------------------------------------------------------------------------------
class CriteriaSetViewSet(Scoped, viewsets.ViewSet):
    """Criteria sets of the catalogue (public data, but the API requires a login like the rest)."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="catalog_sets_list")
    def list(self, request):
        return Response([
            {"code": s.code, "name": s.name, "phase": s.phase, "level": s.level, "tier": s.tier,
             "criteria": s.criteria_count, "indicators": s.indicator_count, "version": s.digest}
            for s in default_catalog()
        ])

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def retrieve(self, request, code=None):
        cat = default_catalog()
        if code not in cat:
            raise NotFound(f"không có bộ tiêu chí '{code}'")
        return Response(cat.get(code).as_dict())


class IndicatorListView(Scoped, APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Indicators of a set (with thresholds and provenance)")
    def get(self, request, code: str):
        cat = default_catalog()
        if code not in cat:
            raise NotFound(f"không có bộ tiêu chí '{code}'")
        return Response(cat.get(code).as_dict()["indicators"])


# -- observations -------------------------------------------------------------------------------
@extend_schema(parameters=[P_UNIT, P_SET, P_PERIOD, OpenApiParameter("indicator", str),
                           OpenApiParameter("history", bool, description="every saved version, not only current values")])
class ObservationViewSet(Scoped, viewsets.GenericViewSet):
    serializer_class = S.ObservationSerializer

    def get_queryset(self):
        p = self.request.query_params
        qs = Observation.objects.all() if p.get("history") in ("1", "true") else Observation.objects.current()
        qs = scope(qs, self.request.user).select_related("unit")
        unit = _unit_param(self.request)
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        if (code := _set_param(self.request)) is not None:
            qs = qs.filter(set_code=code)
        if (period := _period_param(self.request)) is not None:
            qs = qs.filter(period=period)
        if p.get("indicator"):
            qs = qs.filter(indicator=p["indicator"])
        return qs.order_by("unit_id", "set_code", "period", "indicator", "-version")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=S.EntrySerializer(many=True), responses={201: S.ObservationSerializer(many=True),
                   400: S.ErrorSerializer, 403: S.ErrorSerializer, 409: S.ErrorSerializer},
                   summary="Record values (one object or a list): all or nothing")
    def create(self, request):
        from ntm.apps.observations.services import EditConflict, Entry, record_many

        many = isinstance(request.data, list)
        ser = S.EntrySerializer(data=request.data, many=many)
        ser.is_valid(raise_exception=True)
        items = ser.validated_data if many else [ser.validated_data]
        if not items:
            raise ValidationError({"detail": "không có giá trị nào"})
        units: dict[str, Unit] = {}
        for it in items:
            uid = it["unit"]
            if uid not in units:
                u = Unit.objects.filter(uid=uid).first()
                if u is None:
                    raise ValidationError({"unit": f"không có đơn vị '{uid}'"})
                if not can_enter(request.user, u):
                    raise PermissionDenied(f"không có quyền nhập số liệu cho {u.name} ({u.uid})")
                units[uid] = u
        entries = [Entry(units[it["unit"]], it["set"], it["period"], it["indicator"], value=it.get("value"),
                         assessment=it.get("assessment"), not_applicable=it.get("not_applicable", False),
                         note=it.get("note", ""), evidence=it.get("evidence", ""),
                         expected_version=it.get("expected_version")) for it in items]
        try:
            written = record_many(entries, user=request.user, source="api")
        except EditConflict as exc:
            return Response({"detail": str(exc), "indicator": exc.current.indicator, "current_version": exc.current.version},
                            status=status.HTTP_409_CONFLICT)
        except (ValueError, KeyError) as exc:
            raise ValidationError({"detail": str(exc).strip("'\"")}) from None
        rows = [o for o in written if o is not None]
        return Response(S.ObservationSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


# -- results and roll-ups -----------------------------------------------------------------------
@extend_schema(parameters=[P_UNIT, P_SET, P_PERIOD, P_STANDARD])
class ResultViewSet(Scoped, viewsets.ReadOnlyModelViewSet):
    def get_serializer_class(self):
        return S.ResultDetailSerializer if self.action == "retrieve" else S.ResultSerializer

    def get_queryset(self):
        qs = scope(Result.objects.all(), self.request.user).select_related("unit")
        unit = _unit_param(self.request) if self.action == "list" else None
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        if (code := _set_param(self.request)) is not None:
            qs = qs.filter(set_code=code)
        if (period := _period_param(self.request)) is not None:
            qs = qs.filter(period=period)
        std = self.request.query_params.get("standard")
        if std is not None and std != "":
            qs = qs.filter(standard_met=std.lower() in ("1", "true", "có", "yes"))
        if self.action == "list":
            qs = qs.defer("detail")
        return qs.order_by("unit_id", "set_code", "period")


class RollupView(Scoped, APIView):
    @extend_schema(parameters=[P_UNIT, P_SET, P_PERIOD], responses=S.RollupSerializer,
                   summary="Counts and averages over the communes of a unit, from stored results")
    def get(self, request):
        from ntm.apps.evaluations.services import rollup_for

        unit = _unit_param(request, required=True)
        code = _set_param(request, required=True)
        period = _period_param(request, required=True)
        try:
            r = rollup_for(unit, code, period)
        except LookupError as exc:
            raise ValidationError({"unit": str(exc)}) from None
        return Response({"unit": unit.uid, "period": period, **r.to_dict(), "sentence": r.sentence()})


# -- reports ------------------------------------------------------------------------------------
class BulletinView(Scoped, APIView):
    @extend_schema(parameters=[P_UNIT, P_PERIOD, OpenApiParameter("output", str, enum=["json", "docx", "pdf", "xlsx", "html", "txt"], description="json (figures and text) or a file; ?format= is DRF's own")],
                   responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "application/octet-stream"): OpenApiTypes.BINARY},
                   summary="The monthly bulletin of a unit: figures and text (json) or a file")
    def get(self, request):
        from ntm.apps.reports.export_tables import all_communes_table
        from ntm.apps.reports.render import FORMATS, RenderUnavailable, render
        from ntm.apps.reports.services import ReportError, bulletin
        from ntm.core.reports.model import to_text

        unit = _unit_param(request, required=True)
        period = _period_param(request, required=True)
        fmt = request.query_params.get("output", "json")
        if fmt != "json" and fmt not in FORMATS:
            raise ValidationError({"output": "json, docx, pdf, xlsx, html hoặc txt"})
        try:
            doc, data = bulletin(unit, period)
        except ReportError as exc:
            raise NotFound(str(exc)) from None
        if fmt == "json":
            return Response({"title": f"{doc.title} {doc.subtitle}", "unit": unit.uid, "period": period,
                             "text": to_text(doc), "figures": doc.meta})
        try:
            content = render(doc, fmt, extra_tables=[all_communes_table(data)] if fmt == "xlsx" else ())
        except RenderUnavailable as exc:
            return Response({"detail": str(exc)}, status=503)
        resp = HttpResponse(content, content_type=FORMATS[fmt])
        resp["Content-Disposition"] = f'attachment; filename="{doc.filename}.{fmt}"'
        return resp


class DossierView(Scoped, APIView):
    @extend_schema(parameters=[P_UNIT, P_SET, P_PERIOD, OpenApiParameter("output", str, enum=["json", "docx", "pdf", "html", "txt"])],
                   responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "application/octet-stream"): OpenApiTypes.BINARY},
                   summary="Recognition dossier of a commune for a set")
    def get(self, request):
        from ntm.apps.reports.render import FORMATS, RenderUnavailable, render
        from ntm.apps.reports.services import ReportError, dossier
        from ntm.core.reports.model import to_text

        unit = _unit_param(request, required=True)
        code = _set_param(request, required=True)
        period = _period_param(request, required=True)
        fmt = request.query_params.get("output", "json")
        try:
            doc, _ = dossier(unit, code, period)
        except ReportError as exc:
            raise NotFound(str(exc)) from None
        if fmt == "json":
            return Response({"unit": unit.uid, "set": code, "period": period, "text": to_text(doc), "figures": doc.meta})
        if fmt not in FORMATS:
            raise ValidationError({"output": "json, docx, pdf, html hoặc txt"})
        try:
            content = render(doc, fmt)
        except RenderUnavailable as exc:
            return Response({"detail": str(exc)}, status=503)
        resp = HttpResponse(content, content_type=FORMATS[fmt])
        resp["Content-Disposition"] = f'attachment; filename="{doc.filename}.{fmt}"'
        return resp


# -- claims -------------------------------------------------------------------------------------
class ClaimsView(Scoped, APIView):
    @extend_schema(request=S.ClaimsRequestSerializer, responses=OpenApiTypes.OBJECT,
                   summary="Check the figures of a report text: claims and findings (plus differences with stored results "
                           "for the units the caller may see)")
    def post(self, request):
        try:
            from ntm.core.claims import InputTooLarge, compare_with, extract
        except ImportError:  # pragma: no cover
            return Response({"detail": "bộ kiểm tra báo cáo chưa được cài"}, status=501)
        ser = S.ClaimsRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            report = extract(ser.validated_data["text"], context_names=ser.validated_data["context_names"] or None)
        except InputTooLarge as exc:
            raise ValidationError({"text": str(exc)}) from None
        out = report.to_dict()
        if report.period and report.period.key:
            user = request.user

            def lookup(unit_code, set_code, period):
                r = (scope(Result.objects.all(), user).filter(Q(unit__uid=unit_code) | Q(unit__code=unit_code),
                                                              set_code=set_code, period=report.period.key)
                     .values_list("criteria_met", "indicators_met").first())
                return r

            out["stored_findings"] = [f.to_dict() for f in compare_with(report, lookup)]
        return Response(out)
