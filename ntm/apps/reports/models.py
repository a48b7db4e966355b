"""Imports of observations from Excel/CSV: the uploaded file waiting for confirmation (checked once, at
upload: the preview reads the stored check), then the record of what was written (one ``batch`` id
shared by every observation of the import). A file never confirmed expires (:mod:`.uploads`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "chờ xác nhận"
        DONE = "done", "đã ghi"
        FAILED = "failed", "lỗi"
        CANCELLED = "cancelled", "đã hủy"
        EXPIRED = "expired", "đã hết hạn"

    batch = models.CharField("lô nhập", max_length=64, unique=True)
    file_name = models.CharField("tên tệp", max_length=255)
    stored_path = models.CharField("tệp lưu tạm", max_length=500, blank=True)
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name="đơn vị mặc định")
    set_code = models.CharField("bộ tiêu chí mặc định", max_length=64, blank=True)
    period = models.CharField("kỳ mặc định", max_length=10, blank=True)
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.PENDING)
    rows = models.PositiveIntegerField("số dòng", default=0)
    written = models.PositiveIntegerField("số giá trị đã ghi", default=0)
    unchanged = models.PositiveIntegerField("không đổi", default=0)
    summary = models.JSONField("tóm tắt", default=dict, blank=True)
    size = models.PositiveBigIntegerField("dung lượng tệp (byte)", default=0)
    # the check made at upload (ImportPlan.as_dict()): what the preview shows, without reading the file again
    plan = models.JSONField("kết quả kiểm tra", default=dict, blank=True)
    checked_at = models.DateTimeField("kiểm tra lúc", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="người nhập")
    created_at = models.DateTimeField("tải lên lúc", auto_now_add=True)
    committed_at = models.DateTimeField("ghi lúc", null=True, blank=True)

    class Meta:
        verbose_name = "lần nhập số liệu"
        verbose_name_plural = "các lần nhập số liệu"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.batch} ({self.file_name}, {self.get_status_display()})"
