"""Serializers of the REST API (read models and the observation write model)."""

from __future__ import annotations

from rest_framework import serializers

from ntm.apps.evaluations.models import Result
from ntm.apps.observations.models import Observation
from ntm.apps.units.models import Unit


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="uid", read_only=True)

    class Meta:
        model = Unit
        fields = ["uid", "code", "name", "short_name", "type", "level", "edition", "parent", "region", "special",
                  "commune_group", "valid_from", "valid_to"]


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
        from ntm.apps.units.services import ancestors

        return [{"uid": a.uid, "name": a.name, "level": a.level} for a in ancestors(u)]

    def _linked(self, units) -> list[dict]:
        return [{"uid": x.uid, "name": x.name, "kind": x.link.kind, "date": x.link.date, "is_default": x.link.is_default}
                for x in units]

    def get_predecessors(self, u: Unit) -> list[dict]:
        from ntm.apps.units.services import predecessors

        return self._linked(predecessors(u))

    def get_successors(self, u: Unit) -> list[dict]:
        from ntm.apps.units.services import successors

        return self._linked(successors(u))


class ObservationSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="uid", read_only=True)
    set = serializers.CharField(source="set_code")

    class Meta:
        model = Observation
        fields = ["id", "unit", "set", "period", "indicator", "value_text", "value_num", "assessment", "not_applicable",
                  "note", "evidence", "version", "is_current", "source", "batch", "created_by_name", "created_at"]


class EntrySerializer(serializers.Serializer):
    """One value to record. ``expected_version``: the version you read (omit for a first value); a different
    current version is a conflict (409) and nothing is written."""

    unit = serializers.CharField(help_text="uid, e.g. xa:13570@2024")
    set = serializers.CharField(help_text="criteria-set code, e.g. xa-ntm-2021")
    period = serializers.CharField(help_text="YYYY-MM, YYYY-Qn or YYYY")
    indicator = serializers.CharField(help_text="e.g. 17.6")
    value = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                  help_text="as entered: '91,5', 'có', a level name")
    assessment = serializers.BooleanField(required=False, allow_null=True, default=None)
    not_applicable = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class ResultSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="uid", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    set = serializers.CharField(source="set_code")

    class Meta:
        model = Result
        fields = ["id", "unit", "unit_name", "set", "period", "criteria_met", "criteria_total", "indicators_met",
                  "indicators_total", "standard_met", "unmet_criteria", "unmet_indicators", "conflicts",
                  "catalog_version", "computed_at"]


class ResultDetailSerializer(ResultSerializer):
    class Meta(ResultSerializer.Meta):
        fields = ResultSerializer.Meta.fields + ["detail"]


class RollupSerializer(serializers.Serializer):
    unit = serializers.CharField()
    set = serializers.CharField()
    period = serializers.CharField()
    units_total = serializers.IntegerField()
    units_with_results = serializers.IntegerField()
    units_at_standard = serializers.IntegerField()
    share_at_standard = serializers.FloatField()
    average_criteria = serializers.FloatField(allow_null=True)
    average_indicators = serializers.FloatField(allow_null=True)
    criteria_total = serializers.IntegerField()
    indicators_total = serializers.IntegerField()
    distribution = serializers.DictField(child=serializers.IntegerField())
    sentence = serializers.CharField()


class ClaimsRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500_000)
    context_names = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
