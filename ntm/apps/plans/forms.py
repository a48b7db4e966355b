from __future__ import annotations

from django import forms

from ntm.apps.units.models import Unit

from .models import PlanTarget, Recognition
from .permissions import can_plan, can_recognise
from .recognitions import recognition_errors, recognition_sets, standard_choices


def commune_field(field, communes, not_allowed: str) -> None:
    """The "Xã" choice of a plan or a decision: the xã the user may choose, by name."""
    field.queryset = communes
    field.label_from_instance = lambda u: u.name
    field.empty_label = "— chọn xã —"
    field.error_messages["invalid_choice"] = not_allowed


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
        commune_field(self.fields["unit"], communes, "Xã này không thuộc các xã bạn được đăng ký kế hoạch.")
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
                raise forms.ValidationError(
                    f"{unit.name} đã đăng ký chuẩn này (năm {dup.first().year}); hãy sửa kế hoạch đã có."
                )
        return data

    def validate_unique(self):  # the friendly message above replaces Django's generic one
        pass


class RecognitionForm(forms.ModelForm):
    """A recognition decision. ``communes``: the xã the user may choose (under the page's unit); the
    rules of :func:`~.recognitions.recognition_errors` (xã, commune set, date not in the future, one
    decision per xã and set) and :func:`~.permissions.can_recognise` are checked again on save."""

    class Meta:
        model = Recognition
        fields = ["unit", "set_code", "decision", "decision_date", "issued_by", "note"]
        labels = {
            "unit": "Xã",
            "set_code": "Chuẩn được công nhận",
            "decision": "Số quyết định",
            "decision_date": "Ngày quyết định",
            "issued_by": "Cơ quan ban hành",
            "note": "Ghi chú",
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, user, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        commune_field(self.fields["unit"], communes, "Xã này không thuộc các xã bạn được nhập quyết định công nhận.")
        self.fields["unit"].error_messages["required"] = "Hãy chọn xã."
        self.fields["set_code"] = forms.ChoiceField(
            label="Chuẩn được công nhận",
            choices=recognition_sets(),
            error_messages={
                "invalid_choice": "Hãy chọn một bộ tiêu chí cấp xã trong danh mục.",
                "required": "Hãy chọn chuẩn được công nhận.",
            },
        )
        self.fields["decision"].error_messages["required"] = "Hãy nhập số quyết định (vd. 1234/QĐ-UBND)."
        self.fields["decision"].widget.attrs["placeholder"] = "1234/QĐ-UBND"
        self.fields["decision_date"] = forms.DateField(
            label="Ngày quyết định",
            input_formats=["%d/%m/%Y", "%Y-%m-%d"],
            widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "size": 11}),
            error_messages={
                "invalid": "Ngày quyết định không hợp lệ (dùng dd/mm/yyyy).",
                "required": "Hãy nhập ngày quyết định (dd/mm/yyyy).",
            },
        )
        self.fields["issued_by"].widget.attrs.update({"placeholder": "UBND tỉnh …", "size": 40})
        if self.instance.pk:
            self.fields["unit"].disabled = True

    def clean_unit(self) -> Unit:
        unit = self.cleaned_data["unit"]
        if not can_recognise(self.user, unit):
            raise forms.ValidationError(f"Bạn không có quyền nhập quyết định công nhận cho {unit.name}.")
        return unit

    def clean(self):
        data = super().clean()
        errors = recognition_errors(
            unit=data.get("unit"),
            set_code=data.get("set_code"),
            decision_date=data.get("decision_date"),
            instance=self.instance,
        )
        for name, message in errors.items():
            self.add_error(None if name == "__all__" else name, message)
        return data

    def validate_unique(self):  # the friendly message of clean() replaces Django's generic one
        pass
