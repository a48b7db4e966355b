from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is never edited."""

    list_display = ("at", "username", "action", "unit_uid", "object_repr", "ip")
    list_filter = ("action",)
    search_fields = ("username", "unit_uid", "object_repr", "message")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
