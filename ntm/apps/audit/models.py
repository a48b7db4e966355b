"""The audit log: who did what, where and when — every write, workflow step, log-in and denied access.

Rows are only ever added (see :func:`ntm.apps.audit.services.log`). The user is kept twice: as a
foreign key (``SET_NULL``) and as text, so an event still says who acted after the account is
deleted; the unit likewise keeps its uid as text.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    LOGIN = "login", "Đăng nhập"
    LOGIN_FAILED = "login_failed", "Đăng nhập thất bại"
    LOGOUT = "logout", "Đăng xuất"
    ACCESS_DENIED = "access_denied", "Truy cập bị từ chối"
    OBSERVATIONS_SAVED = "observations_saved", "Lưu số liệu"
    WRITE_REFUSED = "write_refused", "Từ chối ghi số liệu"
    SUBMITTED = "submitted", "Gửi duyệt"
    WITHDRAWN = "withdrawn", "Rút lại hồ sơ"
    APPROVED = "approved", "Phê duyệt"
    RETURNED = "returned", "Trả lại"
    REOPENED = "reopened", "Mở lại (bỏ khóa)"
    REVIEW_COMMENT = "review_comment", "Ý kiến thẩm định theo chỉ tiêu"
    PLAN_CREATED = "plan_created", "Đăng ký kế hoạch đạt chuẩn"
    PLAN_UPDATED = "plan_updated", "Sửa kế hoạch đạt chuẩn"
    PLAN_DELETED = "plan_deleted", "Xóa kế hoạch đạt chuẩn"
    RECOGNITION_CREATED = "recognition_created", "Nhập quyết định công nhận"
    RECOGNITION_UPDATED = "recognition_updated", "Sửa quyết định công nhận"
    RECOGNITION_DELETED = "recognition_deleted", "Xóa quyết định công nhận"
    CLASSIFICATION_SAVED = "classification_saved", "Ghi phân loại xã (nhóm, ĐBKK/ATK)"
    CLASSIFICATION_DELETED = "classification_deleted", "Xóa phân loại xã"
    MEMBERSHIP_SUCCESSION = "membership_succession", "Phân quyền sang đơn vị kế thừa"
    PROVINCE_TARGET_SAVED = "province_target_saved", "Ghi mục tiêu của tỉnh"


class AuditEvent(models.Model):
    at = models.DateTimeField("thời điểm", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người dùng",
    )
    username = models.CharField(
        "tên đăng nhập",
        max_length=150,
        blank=True,
        db_index=True,
        help_text="giữ lại khi tài khoản bị xóa; với đăng nhập thất bại: tên đã gõ",
    )
    action = models.CharField("hành động", max_length=32, choices=Action.choices, db_index=True)
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="đơn vị"
    )
    unit_uid = models.CharField("mã đơn vị", max_length=32, blank=True)
    object_repr = models.CharField("đối tượng", max_length=300, blank=True)
    message = models.CharField("mô tả", max_length=500, blank=True)
    old = models.JSONField("giá trị cũ", null=True, blank=True, encoder=DjangoJSONEncoder)
    new = models.JSONField("giá trị mới", null=True, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    path = models.CharField("đường dẫn", max_length=300, blank=True)
    request_id = models.CharField("mã yêu cầu", max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name = "sự kiện nhật ký"
        verbose_name_plural = "nhật ký thay đổi"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["unit", "at"], name="audit_unit_at"),
            models.Index(fields=["username", "at"], name="audit_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.username or '—'} {self.get_action_display()} {self.object_repr}"

    def changes(self) -> list[tuple[str, list[tuple[str, str, str]]]]:
        """old → new as (item, [(field label, old, new)]): per indicator for saved observations,
        one item ("") for workflow steps."""
        old, new = self.old or {}, self.new or {}
        if self.action == Action.OBSERVATIONS_SAVED:
            return [(code, _diff(old.get(code) or {}, n or {})) for code, n in new.items()]
        if old or new:
            return [("", _diff(old, new))]
        return []


_LABELS = {
    "value": "giá trị",
    "assessment": "đánh giá",
    "note": "ghi chú",
    "evidence": "minh chứng",
    "state": "trạng thái",
    "comment": "ý kiến",
    "set_code": "chuẩn",
    "year": "năm",
    "decision": "số quyết định",
    "decision_date": "ngày quyết định",
    "issued_by": "cơ quan ban hành",
    "kind": "loại",
    "group": "nhóm",
    "valid_from": "hiệu lực từ",
    "valid_to": "hiệu lực đến",
    "decision_number": "số quyết định",
    "role": "vai trò",
    "unit": "đơn vị",
    "share": "tỷ lệ (%)",
}


# the names of coded values, by key (``state``: a sheet's workflow state), given by the apps that
# own the codes when they start (:func:`name_values`), so the audit log imports none of them
_VALUE_NAMES: dict[str, dict[str, str]] = {}


def name_values(key: str, choices) -> None:
    """Show the values of ``key`` in an event's old → new by their names: ``choices`` as
    ``(value, name)`` pairs (a Django ``TextChoices.choices``)."""
    _VALUE_NAMES[key] = dict(choices)


def _text(key: str, v) -> str:
    if v in (None, ""):
        return "(trống)"
    return str(_VALUE_NAMES.get(key, {}).get(v, v))


def _diff(old: dict, new: dict) -> list[tuple[str, str, str]]:
    out = []
    for key, label in _LABELS.items():
        if key not in old and key not in new:
            continue
        a, b = _text(key, old.get(key)), _text(key, new.get(key))
        if a != b:
            out.append((label, a, b))
    return out


class ObjectChange(models.Model):
    """One saved, created or deleted object of a change-logged model (see :mod:`.changelog`), with
    every concrete field before and after, who did it and in which request. Written by the model's
    signals (or, for a bulk write, by :func:`ntm.apps.audit.changelog.record_many`); only ever added.

    The unit is kept as text (uid, name, path): the path decides who may read the record, and it
    outlives the unit."""

    class Kind(models.TextChoices):
        CREATE = "create", "Tạo mới"
        UPDATE = "update", "Sửa"
        DELETE = "delete", "Xóa"

    at = models.DateTimeField("thời điểm", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người dùng",
    )
    username = models.CharField("tên đăng nhập", max_length=150, blank=True, db_index=True)
    request_id = models.CharField("mã yêu cầu", max_length=32, blank=True, db_index=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", verbose_name="loại đối tượng"
    )
    object_id = models.PositiveBigIntegerField("mã đối tượng")
    object_repr = models.CharField("đối tượng", max_length=300, blank=True)
    action = models.CharField("thao tác", max_length=8, choices=Kind.choices)
    unit_uid = models.CharField("mã đơn vị", max_length=32, blank=True)
    unit_name = models.CharField("đơn vị", max_length=120, blank=True)
    unit_path = models.CharField("đường dẫn đơn vị", max_length=64, blank=True, db_index=True)
    before = models.JSONField("trước", null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField("sau", null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = "thay đổi đối tượng"
        verbose_name_plural = "thay đổi đối tượng"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="objectchange_object")]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.username or '—'} {self.get_action_display()} {self.object_repr}"

    def changes(self) -> list[tuple[str, str, str]]:
        """(field label, old, new) of each field that differs, in the model's field order."""
        from .changelog import field_changes

        return field_changes(self, getattr(self, "related_names", None))
