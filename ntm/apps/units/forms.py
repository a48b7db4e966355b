"""The form of one commune classification (group 1/2/3 or ĐBKK/ATK, dates, decision)."""

from __future__ import annotations

from django import forms

from .models import Classification, CommuneGroup

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class ClassificationForm(forms.Form):
    kind = forms.ChoiceField(label="Loại", choices=Classification.Kind.choices, initial=Classification.Kind.GROUP)
    group = forms.ChoiceField(label="Nhóm", choices=[("", "—")] + list(CommuneGroup.choices), required=False)
    valid_from = forms.DateField(
        label="Hiệu lực từ",
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y"),
    )
    valid_to = forms.DateField(
        label="Hiệu lực đến",
        required=False,
        input_formats=DATE_FORMATS,
        help_text="để trống nếu còn hiệu lực",
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y"),
    )
    decision_number = forms.CharField(label="Số quyết định", max_length=64)
    decision_date = forms.DateField(
        label="Ngày quyết định",
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y"),
    )
    issued_by = forms.CharField(label="Cơ quan ban hành", max_length=200)
    note = forms.CharField(label="Ghi chú", max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == Classification.Kind.GROUP and not data.get("group"):
            self.add_error("group", "Chọn nhóm 1, 2 hoặc 3.")
        if data.get("kind") == Classification.Kind.SPECIAL:
            data["group"] = ""
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label="Tệp phân loại (.xlsx hoặc .csv)")
