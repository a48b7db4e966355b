"""Figures a published report states for a unit (saved from the report checker), kept beside the stored
results so the differences stay visible. Append-only; who saved each figure and from which text."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportedFigure(models.Model):
    class Kind(models.TextChoices):
        CRITERIA = "criteria", "tiêu chí"
        INDICATORS = "indicators", "chỉ tiêu"

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="reported_figures", verbose_name="đơn vị"
    )
    set_code = models.CharField("bộ tiêu chí", max_length=64)
    period = models.CharField("kỳ", max_length=10, blank=True)
    kind = models.CharField("loại", max_length=12, choices=Kind.choices)
    achieved = models.FloatField("số đạt")
    total = models.FloatField("tổng số", null=True, blank=True)
    percent = models.FloatField("tỷ lệ ghi trong văn bản", null=True, blank=True)
    text = models.CharField("đoạn văn bản", max_length=500)
    source = models.CharField("nguồn", max_length=255, blank=True, help_text="tên tệp, hoặc trống khi dán văn bản")
    findings = models.PositiveIntegerField("số phát hiện", default=0)
    stored = models.FloatField("kết quả lưu trong hệ thống", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người lưu",
    )
    created_at = models.DateTimeField("lưu lúc", auto_now_add=True)

    class Meta:
        verbose_name = "số liệu báo cáo"
        verbose_name_plural = "số liệu báo cáo"
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["unit", "set_code", "period"], name="reported_unit_set_period")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.set_code} {self.period}: {self.achieved:g}/{self.total or 0:g} {self.get_kind_display()}"
