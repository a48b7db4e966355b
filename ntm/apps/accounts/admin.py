from django.contrib import admin

from .models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "role")
    list_filter = ("role",)
    raw_id_fields = ("unit",)
    search_fields = ("user__username", "unit__name")
