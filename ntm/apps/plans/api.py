"""REST API of the recognition decisions: /api/v1/recognitions/ — read within the caller's units
(filters unit, set, year), create / update / delete where the caller may record decisions
(:func:`~.permissions.can_recognise`: the province's office), each write in the audit log.
The same rules as the web form (:func:`~.recognitions.recognition_errors`)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from ntm.apps.accounts.permissions import can_view, scope
from ntm.apps.api.base import P_SET, P_UNIT, ErrorSerializer, Scoped, set_param, unit_param
from ntm.apps.units.models import Unit

from .models import Recognition
from .permissions import can_recognise
from .recognitions import (
    Duplicate,
    delete_recognition,
    latest_results,
    recognition_errors,
    save_recognition,
    snapshot,
    status_of,
)

P_YEAR = OpenApiParameter("year", int, description="year of the decision date, e.g. 2023")


class CurrentResultSerializer(serializers.Serializer):
    period = serializers.CharField()
    criteria_met = serializers.IntegerField()
    criteria_total = serializers.IntegerField()
    indicators_met = serializers.IntegerField()
    indicators_total = serializers.IntegerField()
    standard_met = serializers.BooleanField()


class RecognitionSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(help_text="uid of the xã, e.g. xa:13570@2024 (cannot be changed once recorded)")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    set = serializers.CharField(source="set_code", help_text="commune criteria-set code, e.g. xa-ntm-2021")
    decision_date = serializers.DateField(help_text="YYYY-MM-DD; not in the future")
    created_by_name = serializers.SerializerMethodField()
    still_meets_standard = serializers.SerializerMethodField(
        help_text="whether the commune's newest stored result for the set meets the standard (null: no result)"
    )
    current_result = serializers.SerializerMethodField(help_text="the newest stored result for the set, or null")

    class Meta:
        model = Recognition
        fields = [
            "id",
            "unit",
            "unit_name",
            "set",
            "decision",
            "decision_date",
            "issued_by",
            "note",
            "created_by_name",
            "created_at",
            "still_meets_standard",
            "current_result",
        ]
        read_only_fields = ["created_at"]
        validators = []  # one decision per xã and set: checked in validate() with a Vietnamese message

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["unit"] = instance.unit.uid
        return data

    def _result(self, obj) -> dict | None:
        results = self.context.get("results")
        if results is None:
            results = latest_results([obj])
        return results.get((obj.unit_id, obj.set_code))

    def get_created_by_name(self, obj) -> str:
        return obj.created_by.get_username() if obj.created_by_id else ""

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_still_meets_standard(self, obj) -> bool | None:
        r = self._result(obj)
        return None if r is None else status_of(r) == "met"

    @extend_schema_field(CurrentResultSerializer(allow_null=True))
    def get_current_result(self, obj) -> dict | None:
        r = self._result(obj)
        return None if r is None else CurrentResultSerializer(r).data

    def validate_unit(self, value: str) -> Unit:
        unit = Unit.objects.filter(uid=value).first()
        request = self.context["request"]
        if unit is None:
            raise ValidationError(f"không có đơn vị '{value[:100]}'")
        if not can_view(request.user, unit):  # the units are public reference data: 403 as for observations
            raise PermissionDenied(f"không có quyền nhập quyết định công nhận cho {unit.name} ({unit.uid})")
        if self.instance is not None and unit.pk != self.instance.unit_id:
            raise ValidationError("không đổi được xã của một quyết định đã nhập; hãy xóa và nhập lại")
        if level := recognition_errors(unit=unit, set_code=None, decision_date=None).get("unit"):
            raise ValidationError(level)
        if not can_recognise(request.user, unit):
            raise PermissionDenied(f"không có quyền nhập quyết định công nhận cho {unit.name} ({unit.uid})")
        return unit

    def validate(self, attrs):
        inst = self.instance
        errors = recognition_errors(
            unit=attrs.get("unit", inst.unit if inst else None),
            set_code=attrs.get("set_code", inst.set_code if inst else None),
            decision_date=attrs.get("decision_date"),
            instance=inst,
        )
        if errors:
            raise ValidationError(
                {
                    ("non_field_errors" if k == "__all__" else ("set" if k == "set_code" else k)): [v]
                    for k, v in errors.items()
                }
            )
        return attrs


@extend_schema_view(
    list=extend_schema(
        parameters=[P_UNIT, P_SET, P_YEAR], summary="Recognition decisions within your units, newest first"
    ),
    retrieve=extend_schema(summary="One recognition decision"),
    create=extend_schema(
        responses={201: RecognitionSerializer, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer},
        summary="Record a recognition decision (the province's office)",
    ),
    update=extend_schema(
        responses={200: RecognitionSerializer, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer},
        summary="Change a recognition decision",
    ),
    partial_update=extend_schema(
        responses={200: RecognitionSerializer, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer},
        summary="Change some fields of a recognition decision",
    ),
    destroy=extend_schema(responses={204: None, 403: ErrorSerializer}, summary="Delete a recognition decision"),
)
class RecognitionViewSet(Scoped, viewsets.ModelViewSet):
    serializer_class = RecognitionSerializer

    def get_queryset(self):
        qs = scope(Recognition.objects.all(), self.request.user).select_related("unit", "created_by")
        if self.action == "list":
            unit = unit_param(self.request)
            if unit is not None:
                qs = qs.filter(unit__path__startswith=unit.path)
            if (code := set_param(self.request)) is not None:
                qs = qs.filter(set_code=code)
            year = self.request.query_params.get("year")
            if year:
                if not (year.isascii() and year.isdigit() and 1900 <= int(year) <= 2100):
                    raise ValidationError({"year": f"năm không hợp lệ: '{year[:20]}' (vd. 2023)"})
                qs = qs.filter(decision_date__year=int(year))
        return qs.order_by("-decision_date", "unit__name", "set_code", "id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        ser = self.get_serializer(
            page, many=True, context={**self.get_serializer_context(), "results": latest_results(page)}
        )
        return self.get_paginated_response(ser.data)

    def _check_write(self, rec: Recognition) -> None:
        if not can_recognise(self.request.user, rec.unit):
            raise PermissionDenied(f"không có quyền sửa quyết định công nhận của {rec.unit.name} ({rec.unit.uid})")

    def _store(self, ser, *, old: dict | None) -> Recognition:
        rec = ser.instance if ser.instance is not None else Recognition()
        for k, v in ser.validated_data.items():
            setattr(rec, k, v)
        try:
            return save_recognition(rec, self.request.user, old=old, request=self.request)
        except Duplicate as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        rec = self._store(ser, old=None)
        return Response(self.get_serializer(rec).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        rec = self.get_object()
        self._check_write(rec)
        old = snapshot(rec)
        ser = self.get_serializer(rec, data=request.data, partial=kwargs.pop("partial", False))
        ser.is_valid(raise_exception=True)
        rec = self._store(ser, old=old)
        return Response(self.get_serializer(rec).data)

    def destroy(self, request, *args, **kwargs):
        rec = self.get_object()
        self._check_write(rec)
        delete_recognition(rec, request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
