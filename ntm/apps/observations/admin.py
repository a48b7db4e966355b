from django import forms
from django.contrib import admin

from ntm.core.periods import Period

from . import facts
from .models import Fact, Observation, ObservationVersion, Submission


class _ReadOnly(admin.ModelAdmin):
    """Values are written only through the services (a form, the API, an import): never edited here."""

    search_fields = ("unit__name", "indicator")
    raw_id_fields = ("unit", "created_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Observation)
class ObservationAdmin(_ReadOnly):
    list_display = (
        "unit",
        "set_code",
        "period",
        "indicator",
        "value_text",
        "assessment",
        "version",
        "created_by_name",
        "created_at",
    )
    list_filter = ("set_code", "source")


@admin.register(ObservationVersion)
class ObservationVersionAdmin(_ReadOnly):
    list_display = (
        "unit",
        "set_code",
        "period",
        "indicator",
        "value_text",
        "assessment",
        "version",
        "is_approved",
        "created_by_name",
        "created_at",
    )
    list_filter = ("set_code", "is_approved", "source")


class FactForm(forms.ModelForm):
    class Meta:
        model = Fact
        fields = ("unit", "name", "period", "value", "note")

    def clean(self):
        data = super().clean()
        unit, name = data.get("unit"), data.get("name")
        try:
            Period.parse(data.get("period") or "")
        except ValueError as exc:
            self.add_error("period", str(exc))
        if unit is not None and name:
            try:
                kind = facts.kind_of(unit, name)
                facts.check_value(kind, data.get("value"))
            except facts.FactError as exc:
                raise forms.ValidationError({exc.field: str(exc)} if exc.field in self.fields else str(exc)) from None
        return data


@admin.register(Fact)
class FactAdmin(admin.ModelAdmin):
    """Adding a fact here records a new version through :func:`ntm.apps.observations.facts.record`
    (history kept, change-logged, results re-evaluated); stored rows are never edited."""

    form = FactForm
    list_display = ("unit", "name", "period", "value", "version", "is_current", "created_by_name", "created_at")
    raw_id_fields = ("unit",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        stored = facts.record(
            d["unit"], d["name"], d["period"], d.get("value"), user=request.user, note=d.get("note", "")
        )
        obj.pk = stored.pk


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
