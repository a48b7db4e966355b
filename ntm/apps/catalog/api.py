"""REST API of the catalogue: /api/v1/catalog/sets/, /api/v1/catalog/sets/<code>/ and its indicators."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ntm.apps.api.base import Scoped
from ntm.core.catalog import default_catalog


class CriteriaSetViewSet(Scoped, viewsets.ViewSet):
    """Criteria sets of the catalogue (public data, but the API requires a login like the rest)."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    pagination_class = None  # a short list, answered whole (the schema said "paginated")

    @extend_schema(responses={200: {"type": "object"}}, operation_id="catalog_sets_list")  # a list of these
    def list(self, request):
        return Response(
            [
                {
                    "code": s.code,
                    "name": s.name,
                    "phase": s.phase,
                    "level": s.level,
                    "tier": s.tier,
                    "criteria": s.criteria_count,
                    "indicators": s.indicator_count,
                    "version": s.digest,
                }
                for s in default_catalog()
            ]
        )

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def retrieve(self, request, code=None):
        cat = default_catalog()
        if code not in cat:
            raise NotFound(f"không có bộ tiêu chí '{code}'")
        return Response(cat.get(code).as_dict())


class IndicatorListView(Scoped, APIView):
    @extend_schema(
        responses={200: {"type": "array", "items": {"type": "object"}}},
        summary="Indicators of a set (with thresholds and provenance)",
    )
    def get(self, request, code: str):
        cat = default_catalog()
        if code not in cat:
            raise NotFound(f"không có bộ tiêu chí '{code}'")
        return Response(cat.get(code).as_dict()["indicators"])
