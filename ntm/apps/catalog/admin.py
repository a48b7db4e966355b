from django.contrib import admin

from .models import SetVersion


@admin.register(SetVersion)
class SetVersionAdmin(admin.ModelAdmin):
    list_display = ("code", "version", "criteria_count", "indicator_count", "loaded_at")
    readonly_fields = [f.name for f in SetVersion._meta.fields]
