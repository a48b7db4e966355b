from django.contrib import admin

from .models import ReevaluationRun, Result


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = (
        "unit",
        "set_code",
        "period",
        "criteria_met",
        "criteria_total",
        "indicators_met",
        "indicators_total",
        "standard_met",
        "computed_at",
    )
    list_filter = ("set_code", "standard_met", "period")
    search_fields = ("unit__name",)
    raw_id_fields = ("unit",)

    def has_change_permission(self, request, obj=None):  # results are computed, never edited
        return False


@admin.register(ReevaluationRun)
class ReevaluationRunAdmin(admin.ModelAdmin):
    """Background re-evaluations: progress, and the error of a failed one (``ntm reevaluate`` runs one again)."""

    list_display = (
        "pk",
        "status",
        "reason",
        "cells_done",
        "cells_total",
        "units_evaluated",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("status",)
    readonly_fields = [f.name for f in ReevaluationRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
