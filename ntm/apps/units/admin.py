"""Units are loaded from the shipped dataset (``ntm units load``) and read-only here. What the
dataset cannot know — a commune's 2026–2030 group and its ĐBKK/ATK status — is dated data entered
in the web application (``/don-vi/<mã>/phan-loai/``, or imported from a file) through
:mod:`ntm.apps.units.classifications`, which audits it and re-evaluates what depends on it."""

from django.contrib import admin

from .models import Classification, Unit, UnitLink


class PredecessorInline(admin.TabularInline):
    model = UnitLink
    fk_name = "successor"
    verbose_name = "đơn vị trước"
    verbose_name_plural = "tiền thân (trước 01/07/2025)"
    fields = ("predecessor", "kind", "date", "is_default")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SuccessorInline(PredecessorInline):
    fk_name = "predecessor"
    verbose_name = "đơn vị sau"
    verbose_name_plural = "kế thừa (từ 01/07/2025)"
    fields = ("successor", "kind", "date", "is_default")
    readonly_fields = fields


class ClassificationInline(admin.TabularInline):
    model = Classification
    fields = (
        "kind",
        "group",
        "valid_from",
        "valid_to",
        "decision_number",
        "decision_date",
        "issued_by",
        "note",
        "recorded_by",
        "recorded_at",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("uid", "name", "type", "level", "edition", "parent", "region", "special", "commune_group")
    list_filter = ("level", "edition", "region", "type", "special", "commune_group")
    search_fields = ("uid", "code", "name", "search")
    list_select_related = ("parent",)
    ordering = ("edition", "level", "code")
    readonly_fields = (
        "uid",
        "code",
        "name",
        "short_name",
        "type",
        "level",
        "edition",
        "parent",
        "path",
        "region",
        "special",
        "commune_group",
        "lat",
        "lon",
        "valid_from",
        "valid_to",
        "search",
    )
    fieldsets = (
        (None, {"fields": ("uid", "name", "short_name", "type", "code", "level", "edition", "parent", "region")}),
        ("Phân loại đang có hiệu lực hôm nay (sửa trong trang đơn vị)", {"fields": ("special", "commune_group")}),
        ("Hiệu lực và vị trí", {"fields": ("valid_from", "valid_to", "lat", "lon", "path", "search")}),
    )
    inlines = (ClassificationInline, PredecessorInline, SuccessorInline)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnitLink)
class UnitLinkAdmin(admin.ModelAdmin):
    """Read-only: lineage comes from the source data and is rewritten by every load."""

    list_display = ("predecessor", "successor", "kind", "date", "is_default")
    list_filter = ("kind", "is_default", "date")
    search_fields = ("predecessor__uid", "predecessor__name", "successor__uid", "successor__name")
    list_select_related = ("predecessor", "successor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
