"""REST API of the evaluations: /api/v1/results/ (stored results, scoped, filtered) and /api/v1/rollups/
(counts and averages over the communes of a unit, from stored results).

Both answer with the approved figures; a reviewer may ask for those including unapproved data with
``include_unapproved=true`` — every result and roll-up then carries ``includes_unapproved: true``."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ntm.apps.accounts.permissions import scope
from ntm.apps.api.base import P_PERIOD, P_SET, P_STANDARD, P_UNIT, Scoped, period_param, set_param, unit_param
from ntm.core.catalog import default_catalog
from ntm.core.evaluation import rollup_of
from ntm.core.periods import Period
from ntm.core.values import is_true

from . import dataview
from . import queries as q
from .models import Result
from .queries.communes import lineage_ids
from .services import explanation, rollup_for

P_UNAPPROVED = OpenApiParameter(
    "include_unapproved",
    bool,
    description="reviewers only: the figures including data not yet approved (default: approved data only)",
)


def view_param(request) -> dataview.DataView:
    """The ``include_unapproved`` query parameter: :data:`~.dataview.ALL` for a reviewer who asks, else
    the approved figures (403 for anyone else who asks)."""
    raw = (request.query_params.get("include_unapproved") or "").strip().lower()
    if not is_true(raw):
        return dataview.APPROVED
    if not dataview.may_include_unapproved(request.user):
        raise PermissionDenied("include_unapproved: chỉ cán bộ thẩm định mới xem được số liệu chưa duyệt")
    return dataview.ALL


class ResultSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="uid", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    set = serializers.CharField(source="set_code")
    includes_unapproved = serializers.SerializerMethodField(
        help_text="true: evaluated from the latest values including data not yet approved; false: approved data"
    )

    class Meta:
        model = Result
        fields = [
            "id",
            "unit",
            "unit_name",
            "set",
            "period",
            "criteria_met",
            "criteria_total",
            "indicators_met",
            "indicators_total",
            "standard_met",
            "unmet_criteria",
            "unmet_indicators",
            "conflicts",
            "catalog_version",
            "computed_at",
            "includes_unapproved",
        ]

    def get_includes_unapproved(self, obj) -> bool:
        return not dataview.of_result(obj).approved_only


class ResultDetailSerializer(ResultSerializer):
    detail = serializers.SerializerMethodField(
        help_text="The explanation: indicator_results, criterion_results, conditions (computed from the "
        "unit's current observations; stored results keep only one status letter per indicator)"
    )

    class Meta(ResultSerializer.Meta):
        fields = ResultSerializer.Meta.fields + ["detail"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_detail(self, obj: Result) -> dict:
        return explanation(obj)


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
    lineage = serializers.DictField(
        required=False,
        help_text="Only for a unit formed on 1 July 2025 and a period before it: the date of "
        "today's hierarchy and, per commune of today, its old xã with their own results (no combined status)",
    )
    includes_unapproved = serializers.BooleanField()


@extend_schema(parameters=[P_UNIT, P_SET, P_PERIOD, P_STANDARD, P_UNAPPROVED])
class ResultViewSet(Scoped, viewsets.ReadOnlyModelViewSet):
    def get_serializer_class(self):
        return ResultDetailSerializer if self.action == "retrieve" else ResultSerializer

    def get_queryset(self):
        model = view_param(self.request).result
        qs = scope(model.objects.all(), self.request.user).select_related("unit")
        unit = unit_param(self.request) if self.action == "list" else None
        period = period_param(self.request) if unit is not None else None
        if unit is not None and period is not None and _before(unit, period):
            # a unit formed on 1 July 2025 and a period before it: the results of the old xã it was
            # formed from (seen through today's communes the caller may see)
            today = unit.valid_to or dt.date.today()
            qs = model.objects.filter(unit_id__in=lineage_ids(unit, today, self.request.user)).select_related("unit")
        elif unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        if (code := set_param(self.request)) is not None:
            qs = qs.filter(set_code=code)
        if (period := period_param(self.request)) is not None:
            qs = qs.filter(period=period)
        std = self.request.query_params.get("standard")
        if std is not None and std != "":
            qs = qs.filter(standard_met=is_true(std))
        if self.action == "list":
            qs = qs.defer("detail")
        return qs.order_by("unit_id", "set_code", "period")


class RollupView(Scoped, APIView):
    @extend_schema(
        parameters=[P_UNIT, P_SET, P_PERIOD, P_UNAPPROVED],
        responses=RollupSerializer,
        summary="Counts and averages over the communes of a unit, from stored results",
    )
    def get(self, request):
        unit = unit_param(request, required=True)
        code = set_param(request, required=True)
        period = period_param(request, required=True)
        view = view_param(request)
        if _before(unit, period):
            with dataview.reading(view):
                return Response(
                    {**_lineage_rollup(request, unit, code, period), "includes_unapproved": not view.approved_only}
                )
        try:
            r = rollup_for(unit, code, period, view=view)
        except LookupError as exc:
            raise ValidationError({"unit": str(exc)}) from None
        return Response(
            {
                "unit": unit.uid,
                "period": period,
                **r.to_dict(),
                "sentence": r.sentence(),
                "includes_unapproved": not view.approved_only,
            }
        )


def _before(unit, period: str) -> bool:
    """A unit formed on 1 July 2025 and a period before it existed."""
    return unit.level != "country" and unit.valid_from is not None and Period.parse(period).end < unit.valid_from


def _lineage_rollup(request, unit, code: str, period: str) -> dict:
    """The roll-up of the old xã a unit of today was formed from (each once, from their stored results),
    and per commune of today its old xã with their own results: no combined status is computed."""
    cs = default_catalog().get(code)
    today = unit.valid_to or dt.date.today()
    ov = q.build_overview(unit, today, Period.parse(period), cs, request.user, with_trend=False)
    mains = [r.main for r in ov.rows if r.main is not None]
    r = rollup_of(
        cs.code,
        [m["criteria_met"] for m in mains],
        [m["indicators_met"] for m in mains],
        sum(1 for m in mains if m["standard_met"]),
        units_total=len(ov.rows),
        criteria_total=cs.criteria_count,
        indicators_total=cs.indicator_count,
    )
    successors = []
    for g in q.lineage_groups(ov):
        successors.append(
            {
                "uid": g.unit["uid"],
                "name": g.unit["name"],
                "summary": g.sentence,
                "predecessors": [
                    {
                        "uid": x.unit["uid"],
                        "name": x.unit["name"],
                        **(
                            {
                                k: x.main[k]
                                for k in (
                                    "criteria_met",
                                    "criteria_total",
                                    "indicators_met",
                                    "indicators_total",
                                    "standard_met",
                                )
                            }
                            if x.main
                            else {}
                        ),
                    }
                    for x in g.rows
                ],
            }
        )
    return {
        "unit": unit.uid,
        "period": period,
        **r.to_dict(),
        "sentence": q.rollup_sentence(r, "xã cũ"),
        "lineage": {
            "date": today.isoformat(),
            "successors": successors,
            "note": "Kết quả của các xã cũ (trước 01/07/2025), mỗi xã cũ một lần; không có mức đạt "
            "chuẩn chung cho xã sau sắp xếp.",
        },
    }
