from django.contrib import admin

from .models import Fact, Observation


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ("unit", "set_code", "period", "indicator", "value_text", "assessment", "version", "is_current", "created_by_name", "created_at")
    list_filter = ("set_code", "is_current", "source")
    search_fields = ("unit__name", "indicator")
    raw_id_fields = ("unit", "created_by")

    def has_change_permission(self, request, obj=None):  # append-only: history is never edited
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fact)
class FactAdmin(admin.ModelAdmin):
    list_display = ("unit", "name", "period", "value", "version", "is_current", "created_by_name", "created_at")
    raw_id_fields = ("unit", "created_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
