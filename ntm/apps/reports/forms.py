"""The form of a document's frame on the bulletin and dossier pages: number and date for one file, the
unit's settings (issuing body, place, signer, "Nơi nhận", sector names) to use once or to save."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from ntm.core import sectors as S


class DocumentFrameForm(forms.Form):
    number = forms.CharField(
        label=_("Số văn bản"), max_length=20, required=False, help_text=_("để trống: văn thư điền khi đăng ký văn bản")
    )
    issued = forms.CharField(
        label=_("Ngày ban hành"), max_length=10, required=False, help_text=_("dd/mm/yyyy; để trống: hôm nay")
    )
    signer_authority = forms.CharField(
        label=_("Quyền hạn người ký"),
        max_length=120,
        required=False,
        help_text=_("TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH…; để trống khi cấp trưởng ký"),
    )
    signer_title = forms.CharField(label=_("Chức vụ người ký"), max_length=120, required=False)
    signer_name = forms.CharField(label=_("Họ tên người ký"), max_length=120, required=False)
    recipients = forms.CharField(
        label=_("Nơi nhận"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("mỗi dòng một nơi nhận; dòng «Lưu: VT» tự thêm"),
    )
    parent_body = forms.CharField(label=_("Cơ quan chủ quản"), max_length=200, required=False)
    issuer = forms.CharField(label=_("Cơ quan ban hành"), max_length=200, required=False)
    symbol = forms.CharField(label=_("Chữ viết tắt tên cơ quan (trong số, ký hiệu)"), max_length=30, required=False)
    place = forms.CharField(label=_("Địa danh"), max_length=100, required=False)
    sectors = forms.CharField(
        label=_("Tên ngành phụ trách của đơn vị"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("mỗi dòng: tên bộ hoặc số tiêu chí = tên cơ quan của đơn vị"),
    )

    def clean_issued(self) -> dt.date | None:
        raw = (self.cleaned_data.get("issued") or "").strip()
        if not raw:
            return None
        try:
            return dt.datetime.strptime(raw, "%d/%m/%Y").date()
        except ValueError:
            raise forms.ValidationError(
                _("Ngày «%(value)s» không hợp lệ (viết dd/mm/yyyy, vd. 05/02/2024)."), params={"value": raw}
            ) from None

    def clean_sectors(self) -> dict[str, str]:
        try:
            return S.parse_overrides(self.cleaned_data.get("sectors") or "")
        except S.OverridesError as exc:
            raise forms.ValidationError([f"dòng {n}: {msg}" for n, msg in exc.problems]) from None
