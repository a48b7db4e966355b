"""REST API of the report checker: POST /api/v1/claims/ with a report text → every claim (units resolved
against the stored units), every finding, and the differences with the stored results of the units the
caller may see (``stored_findings``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ntm.apps.api.base import Scoped

from .services import MAX_TEXT_CHARS, CheckError, check


class ClaimsRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT_CHARS)
    context_names = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ClaimsView(Scoped, APIView):
    @extend_schema(
        request=ClaimsRequestSerializer,
        responses=OpenApiTypes.OBJECT,
        summary="Check the figures of a report text: claims and findings (plus differences with stored results "
        "for the units the caller may see)",
    )
    def post(self, request):
        ser = ClaimsRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            checked = check(
                ser.validated_data["text"], user=request.user, context_names=ser.validated_data["context_names"] or None
            )
        except CheckError as exc:
            raise ValidationError({"text": str(exc)}) from None
        return Response(checked.to_dict())
