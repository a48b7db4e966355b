from __future__ import annotations

from django import forms

from ntm.apps.units.models import Unit
from ntm.core.catalog import default_catalog

from .models import PlanTarget
from .permissions import can_plan


def standard_choices() -> list[tuple[str, str]]:
    order = {"ntm": 0, "nang_cao": 1, "kieu_mau": 2}
    sets = [s for s in default_catalog() if s.level == "commune" and s.tier in order and not s.data.province]
    sets.sort(key=lambda s: (s.phase, order[s.tier]))
    return [(s.code, f"{s.name} ({s.phase})") for s in sets]


class PlanTargetForm(forms.ModelForm):
    """``communes``: the xã the user may choose (those under the page's unit, as the user may see
    them); every choice is checked again with :func:`can_plan`."""

    class Meta:
        model = PlanTarget
        fields = ["unit", "set_code", "year", "note"]
        labels = {"unit": "Xã", "set_code": "Chuẩn đăng ký", "year": "Năm dự kiến đạt chuẩn", "note": "Ghi chú"}
        widgets = {"note": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, user, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = communes
        self.fields["unit"].label_from_instance = lambda u: u.name
        self.fields["unit"].empty_label = "— chọn xã —"
        self.fields["unit"].error_messages["invalid_choice"] = "Xã này không thuộc các xã bạn được đăng ký kế hoạch."
        self.fields["set_code"] = forms.ChoiceField(label="Chuẩn đăng ký", choices=standard_choices())
        self.fields["year"] = forms.IntegerField(label="Năm dự kiến đạt chuẩn", min_value=2010, max_value=2035)
        if self.instance.pk:
            self.fields["unit"].disabled = True

    def clean_unit(self) -> Unit:
        unit = self.cleaned_data["unit"]
        if not can_plan(self.user, unit):
            raise forms.ValidationError(f"Bạn không có quyền đăng ký kế hoạch cho {unit.name}.")
        return unit

    def clean(self):
        data = super().clean()
        unit, code = data.get("unit"), data.get("set_code")
        if unit and code:
            dup = PlanTarget.objects.filter(unit=unit, set_code=code).exclude(pk=self.instance.pk)
            if dup.exists():
                raise forms.ValidationError(f"{unit.name} đã đăng ký chuẩn này (năm {dup.first().year}); hãy sửa kế hoạch đã có.")
        return data

    def validate_unique(self):  # the friendly message above replaces Django's generic one
        pass
