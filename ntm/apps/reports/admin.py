from django.contrib import admin

from .models import DocumentSettings


@admin.register(DocumentSettings)
class DocumentSettingsAdmin(admin.ModelAdmin):
    """Every save of a unit's document settings, who made it and when (read only: set on the bulletin and
    dossier pages, where each save adds a row)."""

    list_display = ("unit", "issuer", "signer_authority", "signer_title", "signer_name", "created_by", "created_at")
    search_fields = ("unit__name", "unit__uid", "signer_name")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
