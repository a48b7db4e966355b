from __future__ import annotations

from django import forms

from .services import MAX_TEXT_CHARS, MAX_UPLOAD_BYTES

ACCEPT = ".txt,.docx,.html,.htm,.pdf"


class CheckForm(forms.Form):
    text = forms.CharField(
        label="Dán văn bản báo cáo",
        required=False,
        max_length=MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100, "spellcheck": "false"}),
    )
    file = forms.FileField(
        label="hoặc tải lên tệp (.txt, .docx, .html, .pdf)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    context = forms.CharField(
        label="Địa bàn (không bắt buộc)",
        required=False,
        max_length=200,
        help_text="tỉnh/huyện mà văn bản nói tới, cách nhau bằng dấu phẩy, ví dụ: Hà Nam, Lý Nhân",
        widget=forms.TextInput(attrs={"size": 40}),
    )

    def clean_file(self):
        f = self.cleaned_data.get("file")
        if f and f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"Tệp {f.name} quá lớn ({f.size / 1048576:.1f} MB; giới hạn {MAX_UPLOAD_BYTES // 1048576} MB).".replace(
                    ".", ",", 1
                )
            )
        return f

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError("Hãy dán văn bản báo cáo hoặc chọn một tệp.")
        return data

    def context_names(self) -> list[str]:
        return [x.strip() for x in (self.cleaned_data.get("context") or "").split(",") if x.strip()]


class SaveForm(forms.Form):
    """Saving checked figures: the checked text comes back (hidden) and is checked again, so nothing the
    browser sends is trusted beyond the text and the numbers of the chosen figures."""

    text = forms.CharField(max_length=MAX_TEXT_CHARS, widget=forms.HiddenInput, strip=False)
    source = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)
    context = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def context_names(self) -> list[str]:
        return [x.strip() for x in (self.cleaned_data.get("context") or "").split(",") if x.strip()]
