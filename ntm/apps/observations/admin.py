from django.contrib import admin

from .models import Fact, Observation, Submission


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = (
        "unit",
        "set_code",
        "period",
        "indicator",
        "value_text",
        "assessment",
        "version",
        "is_current",
        "created_by_name",
        "created_at",
    )
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


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Read-only here: states change only through the workflow (audited)."""

    list_display = ("unit", "set_code", "period", "state", "submitted_by_name", "reviewed_by_name", "updated_at")
    list_filter = ("state", "set_code")
    search_fields = ("unit__name",)
    raw_id_fields = ("unit", "submitted_by", "reviewed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
