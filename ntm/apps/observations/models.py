"""Observations: what officials enter for an indicator of a unit in a period.

Append-only: saving a value adds a row and marks the previous one as superseded, so the
history (who, when, old → new) is never lost. ``version`` counts the saves of one cell and
is used to detect two people editing the same form (optimistic concurrency).

Two rows of an indicator matter: the latest saved (``is_current``) and the latest approved
(``is_approved``: set on the current rows of a unit, set and period when a reviewer approves them,
see ``workflow``). The published figures are evaluated from the approved rows, the working figures
("gồm cả số liệu chưa duyệt") from the current ones.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

CARRIED_OVER = "carryover"  # the source of a value copied from the previous period, until confirmed or changed


class ObservationQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)

    def approved(self):
        return self.filter(is_approved=True)


class Observation(models.Model):
    # no index of its own: obs_version_unique and obs_one_current begin with the unit
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="observations", verbose_name="đơn vị", db_index=False
    )
    set_code = models.CharField("bộ tiêu chí", max_length=64)
    indicator = models.CharField("chỉ tiêu", max_length=16)
    period = models.CharField("kỳ", max_length=10, help_text="YYYY, YYYY-MM hoặc YYYY-Qn")
    year = models.PositiveSmallIntegerField("năm")
    value_text = models.CharField("giá trị (như đã nhập)", max_length=200, blank=True)
    value_num = models.FloatField("giá trị số", null=True, blank=True)
    assessment = models.BooleanField("đánh giá của cán bộ", null=True, blank=True)
    not_applicable = models.BooleanField("không đánh giá", default=False)
    note = models.TextField("ghi chú", blank=True)
    evidence = models.CharField("minh chứng", max_length=500, blank=True)
    version = models.PositiveIntegerField("lần sửa", default=1)
    is_current = models.BooleanField(default=True)  # read through the partial indexes below, never alone
    # db_default: the bulk writers (imports, the national demo) list their columns; a new value is never approved
    is_approved = models.BooleanField(
        "đã duyệt",
        default=False,
        db_default=False,
        help_text="giá trị được phê duyệt lần gần nhất của chỉ tiêu trong kỳ",
    )
    source = models.CharField(
        "nguồn",
        max_length=40,
        default="form",
        help_text="form, import, api, demo, carryover (chép từ kỳ trước, chưa xác nhận)…",
    )
    batch = models.CharField("lô nhập", max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người nhập",
    )
    created_by_name = models.CharField(
        "tên người nhập", max_length=150, blank=True, help_text="giữ lại khi tài khoản bị xóa"
    )
    created_at = models.DateTimeField("thời điểm", auto_now_add=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = "số liệu chỉ tiêu"
        verbose_name_plural = "số liệu chỉ tiêu"
        # Only the indexes a reader needs: every row written (an import writes one per value, and
        # retires the one it replaces) enters each index that covers it. A cell's current rows are
        # read through obs_one_current, all its versions through obs_version_unique; a set and
        # period's current rows (evaluation, exports) through obs_set_period, its approved ones
        # through obs_set_period_approved. The partial ones hold no retired version.
        indexes = [
            models.Index(fields=["set_code", "period"], condition=models.Q(is_current=True), name="obs_set_period"),
            models.Index(
                fields=["set_code", "period"], condition=models.Q(is_approved=True), name="obs_set_period_approved"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "set_code", "period", "indicator"],
                condition=models.Q(is_current=True),
                name="obs_one_current",
            ),
            models.UniqueConstraint(
                fields=["unit", "set_code", "period", "indicator", "version"], name="obs_version_unique"
            ),
            models.UniqueConstraint(
                fields=["unit", "set_code", "period", "indicator"],
                condition=models.Q(is_approved=True),
                name="obs_one_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.set_code} {self.indicator} {self.period}: {self.value_text or self.assessment}"


class Fact(models.Model):
    """A set-level fact about a unit in a period: satisfaction %, smart villages, no construction debt…"""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="facts")
    name = models.CharField(max_length=64)
    period = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    value = models.FloatField(null=True, blank=True)
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # one ObjectChange per create/save/delete (ntm.apps.audit.changelog)
    change_log = {
        "unit": "unit",
        "exclude": ("created_at",),
        "labels": {
            "unit": "đơn vị",
            "name": "thông tin",
            "period": "kỳ",
            "year": "năm",
            "value": "giá trị",
            "note": "ghi chú",
            "version": "phiên bản",
            "is_current": "đang dùng",
            "created_by": "người nhập",
            "created_by_name": "tên người nhập",
        },
    }

    class Meta:
        verbose_name = "thông tin bổ sung"
        verbose_name_plural = "thông tin bổ sung"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name", "period"], condition=models.Q(is_current=True), name="fact_one_current"
            ),
        ]


class SubmissionState(models.TextChoices):
    DRAFT = "draft", "Chưa gửi duyệt"
    SUBMITTED = "submitted", "Chờ duyệt"
    APPROVED = "approved", "Đã duyệt"
    RETURNED = "returned", "Bị trả lại"


class Submission(models.Model):
    """The review state of one unit, set and period: draft → submitted → approved (locked) or returned.

    Written only by ``workflow.transition``; while submitted or approved, ``services.record_many``
    refuses to change the observations of the cell."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="submissions", verbose_name="đơn vị")
    set_code = models.CharField("bộ tiêu chí", max_length=64)
    period = models.CharField("kỳ", max_length=10)
    year = models.PositiveSmallIntegerField("năm")
    state = models.CharField(
        "trạng thái", max_length=12, choices=SubmissionState.choices, default=SubmissionState.DRAFT
    )
    comment = models.TextField("ý kiến", blank=True, help_text="lý do trả lại hoặc mở lại gần nhất")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người gửi",
    )
    submitted_by_name = models.CharField("tên người gửi", max_length=150, blank=True)
    submitted_at = models.DateTimeField("gửi lúc", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người thẩm định",
    )
    reviewed_by_name = models.CharField("tên người thẩm định", max_length=150, blank=True)
    reviewed_at = models.DateTimeField("thẩm định lúc", null=True, blank=True)
    updated_at = models.DateTimeField("cập nhật", auto_now=True)

    class Meta:
        verbose_name = "hồ sơ duyệt"
        verbose_name_plural = "hồ sơ duyệt"
        constraints = [models.UniqueConstraint(fields=["unit", "set_code", "period"], name="submission_unique")]
        indexes = [models.Index(fields=["state", "set_code", "period"], name="submission_state")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.set_code} {self.period}: {self.get_state_display()}"

    @property
    def locked(self) -> bool:
        return self.state in (SubmissionState.SUBMITTED, SubmissionState.APPROVED)


class SubmissionEvent(models.Model):
    """One step of the workflow, shown on the entry page (the audit log records it too)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("thao tác", max_length=12)
    from_state = models.CharField("từ", max_length=12, choices=SubmissionState.choices)
    to_state = models.CharField("sang", max_length=12, choices=SubmissionState.choices)
    comment = models.TextField("ý kiến", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_name = models.CharField("người thực hiện", max_length=150, blank=True)
    at = models.DateTimeField("lúc", auto_now_add=True)

    class Meta:
        verbose_name = "bước duyệt"
        verbose_name_plural = "các bước duyệt"
        ordering = ["-at", "-id"]


class ReviewComment(models.Model):
    """A reviewer's remark on one indicator of a submitted sheet, shown beside that indicator on the
    entry page (written only by ``workflow.comment``; kept after the sheet is returned or approved)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    indicator = models.CharField("chỉ tiêu", max_length=16)
    text = models.TextField("ý kiến")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_name = models.CharField("người góp ý", max_length=150, blank=True)
    at = models.DateTimeField("lúc", auto_now_add=True)

    class Meta:
        verbose_name = "ý kiến thẩm định theo chỉ tiêu"
        verbose_name_plural = "ý kiến thẩm định theo chỉ tiêu"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["submission", "indicator"], name="review_comment_cell")]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.indicator}: {self.text[:40]}"
