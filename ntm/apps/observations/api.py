"""REST API of the observations: /api/v1/observations/ — read (current values or the full history) within
the caller's units, and write (one value or a list, all or nothing) where the caller may enter data;
/api/v1/observations/evidence/ — upload an evidence file for a cell and get the reference to send as
``evidence``. Writes go through ``services.record_many`` and its checks (:mod:`.validation`)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from ntm.apps.accounts.permissions import can_enter, scope
from ntm.apps.api.base import P_PERIOD, P_SET, P_UNIT, ErrorSerializer, Scoped, period_param, set_param, unit_param
from ntm.apps.units.models import Unit

from .models import Observation, ObservationVersion
from .validation import entry_not_allowed


class ObservationSerializer(serializers.ModelSerializer):
    """A current value — or, with ``history``, one saved version (``id``: the version's; ``is_current``:
    whether it is the cell's current value)."""

    unit = serializers.SlugRelatedField(slug_field="uid", read_only=True)
    set = serializers.CharField(source="set_code")
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Observation
        fields = [
            "id",
            "unit",
            "set",
            "period",
            "indicator",
            "value_text",
            "value_num",
            "assessment",
            "not_applicable",
            "note",
            "evidence",
            "version",
            "is_current",
            "source",
            "batch",
            "created_by_name",
            "created_at",
        ]

    def get_is_current(self, o) -> bool:
        return getattr(o, "is_current", True)  # a current value; a version of the history says


class EntrySerializer(serializers.Serializer):
    """One value to record. ``expected_version``: the version you read — required when the indicator already
    has a value (omit it only for a first value): a missing or different version is a conflict (409) and
    nothing is written. ``evidence``: the reference returned by ``POST /api/v1/observations/evidence/``
    for the same unit, set and period (or the evidence already recorded for the value)."""

    unit = serializers.CharField(help_text="uid, e.g. xa:13570@2024")
    set = serializers.CharField(help_text="criteria-set code, e.g. xa-ntm-2021")
    period = serializers.CharField(help_text="YYYY-MM, YYYY-Qn or YYYY")
    indicator = serializers.CharField(help_text="e.g. 17.6")
    value = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="as entered: '91,5', 'có', a level name"
    )
    assessment = serializers.BooleanField(required=False, allow_null=True, default=None)
    not_applicable = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="reference returned by POST /api/v1/observations/evidence/",
    )
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class EvidenceUploadSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text="uid, e.g. xa:13570@2024")
    set = serializers.CharField(help_text="criteria-set code, e.g. xa-ntm-2021")
    period = serializers.CharField(help_text="YYYY-MM, YYYY-Qn or YYYY")
    indicator = serializers.CharField(help_text="e.g. 17.6")
    file = serializers.FileField(help_text="PDF, JPG, PNG, DOCX or XLSX, at most 10 MB")


class EvidenceSerializer(serializers.Serializer):
    evidence = serializers.CharField(help_text="send this as the entry's 'evidence'")
    name = serializers.CharField()


@extend_schema(
    parameters=[
        P_UNIT,
        P_SET,
        P_PERIOD,
        OpenApiParameter("indicator", str),
        OpenApiParameter("history", bool, description="every saved version, not only current values"),
    ]
)
class ObservationViewSet(Scoped, viewsets.GenericViewSet):
    serializer_class = ObservationSerializer

    def get_queryset(self):
        p = self.request.query_params
        history = p.get("history") in ("1", "true")
        qs = ObservationVersion.objects.with_current() if history else Observation.objects.all()
        qs = scope(qs, self.request.user).select_related("unit")
        unit = unit_param(self.request)
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        if (code := set_param(self.request)) is not None:
            qs = qs.filter(set_code=code)
        if (period := period_param(self.request)) is not None:
            qs = qs.filter(period=period)
        if p.get("indicator"):
            qs = qs.filter(indicator=p["indicator"])
        return qs.order_by("unit_id", "set_code", "period", "indicator", "-version")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    # the created rows come back as a plain list: a raw array schema, because drf-spectacular would
    # document a list serializer on this (paginated) viewset as a paginated page
    @extend_schema(
        request=EntrySerializer(many=True),
        responses={
            201: {"type": "array", "items": {"$ref": "#/components/schemas/Observation"}},
            400: OpenApiTypes.OBJECT,
            403: ErrorSerializer,
            409: ErrorSerializer,
        },
        summary="Record values (one object or a list): all or nothing",
    )
    def create(self, request):
        from .services import EditConflict, Entry, EntryRefused, record_many

        many = isinstance(request.data, list)
        ser = EntrySerializer(data=request.data, many=many)
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
                    raise PermissionDenied(entry_not_allowed(u))
                units[uid] = u
        entries = [
            Entry(
                units[it["unit"]],
                it["set"],
                it["period"],
                it["indicator"],
                value=it.get("value"),
                assessment=it.get("assessment"),
                not_applicable=it.get("not_applicable", False),
                note=it.get("note", ""),
                evidence=it.get("evidence", ""),
                expected_version=it.get("expected_version"),
            )
            for it in items
        ]
        try:
            written = record_many(entries, user=request.user, source="api")
        except EditConflict as exc:
            return Response(
                {"detail": str(exc), "indicator": exc.current.indicator, "current_version": exc.current.version},
                status=status.HTTP_409_CONFLICT,
            )
        except EntryRefused as exc:  # each problem with its item (from 1), unit, indicator and field
            return Response({"detail": str(exc), "errors": exc.as_list()}, status=status.HTTP_400_BAD_REQUEST)
        except (ValueError, KeyError) as exc:
            raise ValidationError({"detail": str(exc).strip("'\"")}) from None
        rows = [o for o in written if o is not None]
        return Response(ObservationSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer},
        summary="Upload an evidence file for a unit, set, period and indicator; returns the reference to record",
    )
    @action(detail=False, methods=["post"], url_path="evidence", parser_classes=[MultiPartParser])
    def evidence(self, request):
        from ntm.core.catalog import default_catalog
        from ntm.core.periods import Period

        from .evidence import check_evidence, store_evidence
        from .validation import entry_refused

        ser = EvidenceUploadSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        unit = Unit.objects.filter(uid=d["unit"]).first()
        if unit is None:
            raise ValidationError({"unit": f"không có đơn vị '{d['unit']}'"})
        if not can_enter(request.user, unit):
            raise PermissionDenied(entry_not_allowed(unit))
        catalog = default_catalog()
        if d["set"] not in catalog or catalog.get(d["set"]).level != unit.level:
            raise ValidationError({"set": f"bộ tiêu chí '{d['set']}' không có hoặc không áp dụng cho {unit.name}"})
        cs = catalog.get(d["set"])
        if d["indicator"] not in cs.by_code:
            raise ValidationError({"indicator": f"bộ {cs.code} không có chỉ tiêu '{d['indicator']}'"})
        try:
            period = Period.parse(d["period"])
        except ValueError as exc:
            raise ValidationError({"period": str(exc)}) from None
        problem = entry_refused(unit, cs, period)
        if problem:
            raise ValidationError({"period": problem})
        problem = check_evidence(d["file"])
        if problem:
            raise ValidationError({"file": problem})
        path = store_evidence(d["file"], unit, cs.code, period.key, d["indicator"])
        return Response({"evidence": path, "name": d["file"].name}, status=status.HTTP_201_CREATED)
