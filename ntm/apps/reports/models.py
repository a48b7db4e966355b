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
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="đơn vị mặc định"
    )
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người nhập",
    )
    created_at = models.DateTimeField("tải lên lúc", auto_now_add=True)
    committed_at = models.DateTimeField("ghi lúc", null=True, blank=True)

    class Meta:
        verbose_name = "lần nhập số liệu"
        verbose_name_plural = "các lần nhập số liệu"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.batch} ({self.file_name}, {self.get_status_display()})"


class DocumentSettings(models.Model):
    """What a unit's bulletins and dossiers carry in their frame (Nghị định 30/2020/NĐ-CP): the issuing
    body, its abbreviation in the number line, the place, "Nơi nhận", the signer, and how the responsible
    sectors are named. Empty fields take the defaults of :mod:`ntm.apps.reports.documents`.

    Every save adds a row (the latest one is in force), so each change says who made it and when, and
    no earlier setting is lost."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+", verbose_name="đơn vị")
    parent_body = models.CharField(
        "cơ quan chủ quản",
        max_length=200,
        blank=True,
        help_text="dòng trên tên cơ quan ban hành, vd. UBND HUYỆN LÝ NHÂN",
    )
    issuer = models.CharField("cơ quan ban hành", max_length=200, blank=True)
    symbol = models.CharField(
        "chữ viết tắt tên cơ quan", max_length=30, blank=True, help_text="trong số, ký hiệu: Số: …/BC-VPĐP"
    )
    place = models.CharField("địa danh", max_length=100, blank=True)
    signer_authority = models.CharField(
        "quyền hạn người ký",
        max_length=120,
        blank=True,
        help_text="TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH…; để trống khi cấp trưởng ký",
    )
    signer_title = models.CharField("chức vụ người ký", max_length=120, blank=True)
    signer_name = models.CharField("họ tên người ký", max_length=120, blank=True)
    recipients = models.TextField("nơi nhận", blank=True, help_text="mỗi dòng một nơi nhận (dòng «Lưu: VT» tự thêm)")
    sectors = models.JSONField(
        "tên ngành phụ trách", default=dict, blank=True, help_text="tên bộ hoặc số tiêu chí → tên cơ quan của đơn vị"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người lưu",
    )
    created_at = models.DateTimeField("lưu lúc", auto_now_add=True)

    # one ObjectChange per create/save/delete (ntm.apps.audit.changelog)
    change_log = {"unit": "unit", "exclude": ("created_at",)}

    class Meta:
        verbose_name = "thông tin văn bản của đơn vị"
        verbose_name_plural = "thông tin văn bản của đơn vị"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "-created_at"], name="docsettings_unit_latest")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.signer_title} {self.signer_name} ({self.created_at:%d/%m/%Y %H:%M})"
