from django.contrib import admin

from .models import PlanTarget, ProgrammeTarget


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
