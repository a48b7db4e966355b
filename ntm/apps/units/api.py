"""REST API of the units: /api/v1/units/ (scoped list with filters) and /api/v1/units/<uid>/ (with lineage)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from ntm.apps.accounts.permissions import scope
from ntm.apps.api.base import Scoped

from .models import Unit


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)  # null for the country

    class Meta:
        model = Unit
        fields = [
            "uid",
            "code",
            "name",
            "short_name",
            "type",
            "level",
            "edition",
            "parent",
            "region",
            "special",
            "commune_group",
            "valid_from",
            "valid_to",
        ]


class LinkedUnitSerializer(serializers.Serializer):
    uid = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="merge | split")
    date = serializers.DateField()
    is_default = serializers.BooleanField()


class UnitDetailSerializer(UnitSerializer):
    ancestors = serializers.SerializerMethodField()
    predecessors = serializers.SerializerMethodField()
    successors = serializers.SerializerMethodField()

    class Meta(UnitSerializer.Meta):
        fields = UnitSerializer.Meta.fields + ["ancestors", "predecessors", "successors"]

    def get_ancestors(self, u: Unit) -> list[dict]:
        from .services import ancestors

        return [{"uid": a.uid, "name": a.name, "level": a.level} for a in ancestors(u)]

    def _linked(self, units) -> list[dict]:
        return [
            {"uid": x.uid, "name": x.name, "kind": x.link.kind, "date": x.link.date, "is_default": x.link.is_default}
            for x in units
        ]

    def get_predecessors(self, u: Unit) -> list[dict]:
        from .services import predecessors

        return self._linked(predecessors(u))

    def get_successors(self, u: Unit) -> list[dict]:
        from .services import successors

        return self._linked(successors(u))


@extend_schema(
    parameters=[
        OpenApiParameter("level", str, description="country | province | district | commune"),
        OpenApiParameter("parent", str, description="uid of the parent"),
        OpenApiParameter("q", str, description="name, diacritics optional"),
        OpenApiParameter("date", OpenApiTypes.DATE, description="only units in force on this date"),
    ]
)
class UnitViewSet(Scoped, viewsets.ReadOnlyModelViewSet):
    """Administrative units the caller may see, with lineage (predecessors/successors of the 2025 reform)."""

    lookup_field = "uid"
    lookup_value_regex = "[^/]+"

    def get_serializer_class(self):
        return UnitDetailSerializer if self.action == "retrieve" else UnitSerializer

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
