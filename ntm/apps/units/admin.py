"""Units are loaded from the shipped dataset (``ntm units load``) and read-only here. What the
dataset cannot know — a commune's 2026–2030 group and its ĐBKK/ATK status — is dated data entered
in the web application (``/don-vi/<mã>/phan-loai/``, or imported from a file) or in the
classification rows of a unit's admin page; every one of these goes through
:mod:`ntm.apps.units.classifications` (:func:`~ntm.apps.units.classifications.save` and
``delete``), which checks it, change-logs it, refreshes the pages that show it and re-evaluates
what depends on it. The admin never writes a classification or a unit itself."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction

from . import classifications as C
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


class _DryRun(Exception):
    pass


class ClassificationFormSet(forms.BaseInlineFormSet):
    """The classification rows of one unit, checked by the service as a whole before anything is
    written (overlaps, a commune that is not a xã, …) and written by it (see ``UnitAdmin``)."""

    def changes(self) -> tuple[list[C.Row], list[Classification]]:
        """(rows to save, stored rows to delete): a stored row whose kind or start changed is
        deleted and saved again as a new row."""
        rows, gone = [], []
        for form in self.forms:
            if not form.has_changed() or not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            stored = form.instance if form.instance.pk else None
            if self.can_delete and self._should_delete_form(form):
                if stored is not None:
                    gone.append(stored)
                continue
            d = form.cleaned_data
            if stored is not None:
                was = Classification.objects.get(pk=stored.pk)
                if (was.kind, was.valid_from) != (d["kind"], d["valid_from"]):
                    gone.append(was)
            rows.append(
                C.Row(
                    unit=self.instance,
                    kind=d["kind"],
                    group=d.get("group") or "",
                    valid_from=d["valid_from"],
                    valid_to=d.get("valid_to"),
                    decision_number=d.get("decision_number") or "",
                    decision_date=d["decision_date"],
                    issued_by=d.get("issued_by") or "",
                    note=d.get("note") or "",
                )
            )
        return rows, gone

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows, gone = self.changes()
        try:
            with transaction.atomic():  # a trial: what the save would meet, then rolled back
                for c in gone:
                    Classification.objects.filter(pk=c.pk).delete()
                C.plan(rows)
                raise _DryRun
        except _DryRun:
            pass
        except C.ClassificationError as exc:
            raise ValidationError([str(p) for p in exc.problems]) from None


class ClassificationInline(admin.TabularInline):
    model = Classification
    formset = ClassificationFormSet
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
    readonly_fields = ("recorded_by", "recorded_at")
    extra = 0


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

    def save_model(self, request, obj, form, change):
        """Nothing to write: a unit's own fields come from the shipped dataset and are read-only here
        (its group and ĐBKK/ATK status are the mirror the classification service keeps)."""

    def save_formset(self, request, form, formset, change):
        # what the admin's history message reads: the service does the writing (lineage is read-only)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not isinstance(formset, ClassificationFormSet):
            return
        rows, gone = formset.changes()
        with transaction.atomic():
            for c in gone:
                C.delete(c, user=request.user, request=request)
            if rows:
                C.save(rows, user=request.user, request=request, reason="Sửa phân loại xã trong trang quản trị")
        form.instance.refresh_from_db()


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
