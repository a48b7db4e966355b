from django.contrib import admin
from knox.models import AuthToken

from .models import ApiToken, Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "role")
    list_filter = ("role",)
    raw_id_fields = ("unit",)
    search_fields = ("user__username", "unit__name")


# knox registers its own token model, which this project replaces with ApiToken (KNOX_TOKEN_MODEL)
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: seen and revoked (deleted) here; created only through /api/v1/token/."""

    list_display = ("user", "token_key", "name", "created", "expiry", "last_used")
    search_fields = ("user__username", "token_key")
    fields = ("user", "token_key", "name", "created", "expiry", "last_used")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
