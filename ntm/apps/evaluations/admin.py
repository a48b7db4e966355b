from django.contrib import admin

from .models import Result


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("unit", "set_code", "period", "criteria_met", "criteria_total", "indicators_met", "indicators_total", "standard_met", "computed_at")
    list_filter = ("set_code", "standard_met", "period")
    search_fields = ("unit__name",)
    raw_id_fields = ("unit",)

    def has_change_permission(self, request, obj=None):  # results are computed, never edited
        return False
