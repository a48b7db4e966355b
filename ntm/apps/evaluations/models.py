"""Stored, explained evaluation results: one row per unit, set and period, kept current."""

from __future__ import annotations

from django.db import models


class Result(models.Model):
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="results", verbose_name="đơn vị")
    set_code = models.CharField("bộ tiêu chí", max_length=64)
    period = models.CharField("kỳ", max_length=10)
    year = models.PositiveSmallIntegerField("năm")
    criteria_met = models.PositiveSmallIntegerField("số tiêu chí đạt")
    criteria_total = models.PositiveSmallIntegerField("tổng số tiêu chí")
    indicators_met = models.PositiveSmallIntegerField("số chỉ tiêu đạt")
    indicators_total = models.PositiveSmallIntegerField("tổng số chỉ tiêu")
    standard_met = models.BooleanField("đạt chuẩn")
    unmet_criteria = models.JSONField("tiêu chí chưa đạt", default=list)
    unmet_indicators = models.JSONField("chỉ tiêu chưa đạt", default=list)
    conflicts = models.JSONField("mâu thuẫn", default=list)
    detail = models.JSONField("giải thích", default=dict)
    catalog_version = models.CharField("phiên bản bộ tiêu chí", max_length=32)
    computed_at = models.DateTimeField("thời điểm tính", auto_now=True)

    class Meta:
        verbose_name = "kết quả đánh giá"
        verbose_name_plural = "kết quả đánh giá"
        constraints = [models.UniqueConstraint(fields=["unit", "set_code", "period"], name="result_unique")]
        indexes = [models.Index(fields=["set_code", "period"], name="result_set_period")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.set_code} {self.period}: {self.criteria_met}/{self.criteria_total}"
