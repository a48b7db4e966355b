from django.contrib import admin

from .models import PlanTarget, ProgrammeTarget, Recognition


@admin.register(PlanTarget)
class PlanTargetAdmin(admin.ModelAdmin):
    list_display = ("unit", "set_code", "year", "created_by", "updated_at")
    list_filter = ("set_code", "year")
    search_fields = ("unit__name",)
    raw_id_fields = ("unit",)


@admin.register(ProgrammeTarget)
class ProgrammeTargetAdmin(admin.ModelAdmin):
    list_display = ("decision", "year", "level", "tier", "region", "min_share", "tag")
    list_filter = ("year", "level", "tier")


@admin.register(Recognition)
class RecognitionAdmin(admin.ModelAdmin):
    list_display = ("unit", "set_code", "decision", "decision_date", "issued_by")
    list_filter = ("set_code",)
    search_fields = ("unit__name", "decision")
    raw_id_fields = ("unit",)
    date_hierarchy = "decision_date"
