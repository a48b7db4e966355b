"""Observations: what officials enter for an indicator of a unit in a period.

Two tables, each with only the indexes its readers need:

- :class:`Observation` — the current value of each cell (unit, set, period, indicator): one row,
  changed in place when a new version is saved. What evaluation, dashboards, exports and the entry
  form read. ``version`` counts the saves of the cell and is used to detect two people editing the
  same form (optimistic concurrency).
- :class:`ObservationVersion` — the history, append-only: every version ever saved, the current one
  included (who, when, old → new is never lost). What the version list, "as of" views, the history
  export and the audit read. ``is_approved`` marks, per cell, the version a reviewer approved last
  (see ``workflow``): the published figures are evaluated from those, the working figures ("gồm cả số
  liệu chưa duyệt") from the current values.

Every write goes through ``services`` (a form, the API) or ``imports`` (a file): both append the new
version to the history and change the current row in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

CARRIED_OVER = "carryover"  # the source of a value copied from the previous period, until confirmed or changed

# the columns a version carries, in the order the bulk writers (imports, the demos) list them
VALUE_COLUMNS = (
    "unit_id",
    "set_code",
    "indicator",
    "period",
    "year",
    "value_text",
    "value_num",
    "assessment",
    "not_applicable",
    "note",
    "evidence",
    "version",
    "source",
    "batch",
    "created_by_id",
    "created_by_name",
    "created_at",
)
# the columns that identify a cell
CELL_COLUMNS = ("unit_id", "set_code", "period", "indicator")
# the fields a version carries besides its unit
VERSION_FIELDS = tuple(c.removesuffix("_id") if c == "created_by_id" else c for c in VALUE_COLUMNS if c != "unit_id")
# what a new version changes on the current row of its cell (the cell stays)
CHANGED_FIELDS = tuple(f for f in VERSION_FIELDS if f not in CELL_COLUMNS)


class ObservationQuerySet(models.QuerySet):
    def current(self):
        """Every row of :class:`Observation` is current (kept for the readers that say so)."""
        return self

    def with_current(self):
        """The rows with ``is_current``, as :meth:`VersionQuerySet.with_current` gives it: always true here."""
        return self.annotate(is_current=models.Value(True, output_field=models.BooleanField()))


class VersionQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(is_approved=True)

    def with_current(self):
        """Each version with ``is_current``: whether it is its cell's current value."""
        same = {f: models.OuterRef(f) for f in ("unit_id", "set_code", "period", "indicator", "version")}
        return self.annotate(is_current=models.Exists(Observation.objects.filter(**same)))


class ObservationFields(models.Model):
    """What one version of a cell holds, the same in the current values and in the history."""

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
    source = models.CharField(
        "nguồn",
        max_length=40,
        default="form",
        help_text="form, import, api, demo, carryover (chép từ kỳ trước, chưa xác nhận)…",
    )
    batch = models.CharField("lô nhập", max_length=64, blank=True)
    # no index: no page reads the values by their author, and an index of it is the one a new version
    # would change (the current row could then not be rewritten on its own page, see migration 0008);
    # removing an account (rare: accounts are deactivated) reads the tables through once
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người nhập",
        db_index=False,
    )
    created_by_name = models.CharField(
        "tên người nhập", max_length=150, blank=True, help_text="giữ lại khi tài khoản bị xóa"
    )
    # the time of the version (set by the writer: the current row takes the time of each new version)
    created_at = models.DateTimeField("thời điểm", default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.unit_id} {self.set_code} {self.indicator} {self.period}: {self.value_text or self.assessment}"


class Observation(ObservationFields):
    """The current value of a cell: one row per unit, set, period and indicator, changed in place."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="observations", verbose_name="đơn vị", db_index=False
    )

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = "số liệu chỉ tiêu"
        verbose_name_plural = "số liệu chỉ tiêu"
        # a cell's value through obs_cell (which begins with the unit: no index of the unit alone); a set
        # and period's values (evaluation, exports) through obs_set_period. A new version changes no
        # indexed column: the row is rewritten in place (PostgreSQL: on its own page, see migrations 0007 and 0008).
        indexes = [models.Index(fields=["set_code", "period"], name="obs_set_period")]
        constraints = [
            models.UniqueConstraint(fields=["unit", "set_code", "period", "indicator"], name="obs_cell"),
        ]

    @classmethod
    def of(cls, version: ObservationVersion) -> Observation:
        """The current row holding ``version`` (not saved): for the writers that create both in bulk."""
        return cls(unit_id=version.unit_id, **{f: getattr(version, f) for f in VERSION_FIELDS})


class ObservationVersion(ObservationFields):
    """One saved version of a cell, never changed (but for ``is_approved``) nor removed."""

    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="observation_versions",
        verbose_name="đơn vị",
        db_index=False,
    )
    # db_default: the bulk writers (imports, the national demo) list their columns; a new value is never approved
    is_approved = models.BooleanField(
        "đã duyệt",
        default=False,
        db_default=False,
        help_text="phiên bản được phê duyệt lần gần nhất của chỉ tiêu trong kỳ",
    )

    objects = VersionQuerySet.as_manager()

    class Meta:
        verbose_name = "phiên bản số liệu"
        verbose_name_plural = "lịch sử số liệu"
        # An import appends one row per value: it enters the primary key and obsv_version only (a new
        # version is never approved, so the partial ones do not hold it). A cell's versions are read
        # through obsv_version; a set and period's approved values through obsv_set_period_approved.
        indexes = [
            models.Index(
                fields=["set_code", "period"], condition=models.Q(is_approved=True), name="obsv_set_period_approved"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["unit", "set_code", "period", "indicator", "version"], name="obsv_version"),
            models.UniqueConstraint(
                fields=["unit", "set_code", "period", "indicator"],
                condition=models.Q(is_approved=True),
                name="obsv_one_approved",
            ),
        ]


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
