"""Stored, explained evaluation results: one row per unit, set and period, kept current."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ResultColumns(models.Model):
    """The columns of a stored result, shared by the two views of the figures (see :mod:`.dataview`)."""

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
        abstract = True

    def __str__(self) -> str:
        return f"{self.unit_id} {self.set_code} {self.period}: {self.criteria_met}/{self.criteria_total}"


class Result(ResultColumns):
    """The published figures: evaluated from the APPROVED observations of each unit, set and period
    (``ObservationVersion.is_approved``: the values as they stood at the last approval). Every page, document,
    export and API answer reads these unless a reviewer asks for :class:`ResultAll`."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="results", verbose_name="đơn vị")

    class Meta:
        verbose_name = "kết quả đánh giá"
        verbose_name_plural = "kết quả đánh giá"
        constraints = [models.UniqueConstraint(fields=["unit", "set_code", "period"], name="result_unique")]
        indexes = [models.Index(fields=["set_code", "period"], name="result_set_period")]


class ResultAll(ResultColumns):
    """The working figures, "gồm cả số liệu chưa duyệt": evaluated from the latest saved observations
    (``Observation``: the current values), approved or not — kept current on every save."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị")

    class Meta:
        verbose_name = "kết quả đánh giá (gồm cả số liệu chưa duyệt)"
        verbose_name_plural = "kết quả đánh giá (gồm cả số liệu chưa duyệt)"
        constraints = [models.UniqueConstraint(fields=["unit", "set_code", "period"], name="result_all_unique")]
        indexes = [models.Index(fields=["set_code", "period"], name="result_all_set_period")]


class RollupStateColumns(models.Model):
    set_code = models.CharField("bộ tiêu chí", max_length=64)
    period = models.CharField("kỳ", max_length=10)
    generation = models.PositiveIntegerField("thế hệ hiện hành", default=0)
    edition = models.CharField("phiên bản địa giới", max_length=4, help_text="2024 trước 01/07/2025, 2025 từ ngày đó")
    built_at = models.DateTimeField("thời điểm tính lại toàn bộ")
    updated_at = models.DateTimeField("thời điểm cập nhật", auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.set_code} {self.period}: thế hệ {self.generation} ({self.edition})"


class RollupState(RollupStateColumns):
    """The stored roll-ups of one set and period: which generation is current, over which hierarchy.

    A row exists once the roll-ups of every parent unit (the root, provinces, districts) have been
    computed for the set and period; from then on each save adjusts them incrementally. A full
    re-evaluation writes a new generation beside the current one and switches this pointer in the
    same transaction that replaces the results, so readers see the old figures or the new ones,
    never a mixture. (Of :class:`Result`; :class:`RollupStateAll` is the same for :class:`ResultAll`.)
    """

    class Meta:
        verbose_name = "trạng thái tổng hợp"
        verbose_name_plural = "trạng thái tổng hợp"
        constraints = [models.UniqueConstraint(fields=["set_code", "period"], name="rollupstate_unique")]


class RollupStateAll(RollupStateColumns):
    """:class:`RollupState` of the roll-ups of :class:`ResultAll`."""

    class Meta:
        verbose_name = "trạng thái tổng hợp (gồm cả số liệu chưa duyệt)"
        verbose_name_plural = "trạng thái tổng hợp (gồm cả số liệu chưa duyệt)"
        constraints = [models.UniqueConstraint(fields=["set_code", "period"], name="rollupstate_all_unique")]


class RollupColumns(models.Model):
    set_code = models.CharField("bộ tiêu chí", max_length=64)
    period = models.CharField("kỳ", max_length=10)
    generation = models.PositiveIntegerField("thế hệ", default=0)
    edition = models.CharField("phiên bản địa giới", max_length=4)
    units_total = models.PositiveIntegerField("số xã")
    units_with_results = models.PositiveIntegerField("số xã có kết quả")
    units_at_standard = models.PositiveIntegerField("số xã đạt chuẩn")
    sum_criteria = models.PositiveIntegerField("tổng số tiêu chí đạt")
    sum_indicators = models.PositiveIntegerField("tổng số chỉ tiêu đạt")
    distribution = models.JSONField("phân bố số tiêu chí đạt", default=dict, help_text='{"19": 120, "18": 7, …}')
    computed_at = models.DateTimeField("thời điểm tính", auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.unit_id} {self.set_code} {self.period} (thế hệ {self.generation}): {self.units_at_standard}/{self.units_total}"


class RollupResult(RollupColumns):
    """Counts and sums over the communes (type Xã) of one parent unit, for one set and period, as the
    hierarchy stood at the end of the period, from :class:`Result`. Averages are
    ``sum_* / units_with_results``."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="rollups", verbose_name="đơn vị")

    class Meta:
        verbose_name = "kết quả tổng hợp"
        verbose_name_plural = "kết quả tổng hợp"
        constraints = [
            models.UniqueConstraint(fields=["unit", "set_code", "period", "generation"], name="rollup_unique"),
        ]
        indexes = [models.Index(fields=["set_code", "period", "generation"], name="rollup_set_period")]


class RollupResultAll(RollupColumns):
    """:class:`RollupResult` over :class:`ResultAll` (gồm cả số liệu chưa duyệt)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+", verbose_name="đơn vị")

    class Meta:
        verbose_name = "kết quả tổng hợp (gồm cả số liệu chưa duyệt)"
        verbose_name_plural = "kết quả tổng hợp (gồm cả số liệu chưa duyệt)"
        constraints = [
            models.UniqueConstraint(fields=["unit", "set_code", "period", "generation"], name="rollup_all_unique"),
        ]
        indexes = [models.Index(fields=["set_code", "period", "generation"], name="rollup_all_set_period")]


class ReevaluationRun(models.Model):
    """A full re-evaluation in the background (after a catalogue change or a whole-province import)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("đang chờ tiến trình nền")
        RUNNING = "running", _("đang tính")
        SWITCHING = "switching", _("đang chuyển sang kết quả mới")
        DONE = "done", _("xong")
        FAILED = "failed", _("lỗi")

    set_codes = models.JSONField("bộ tiêu chí", default=list, blank=True, help_text="rỗng: mọi bộ có số liệu")
    periods = models.JSONField("kỳ", default=list, blank=True, help_text="rỗng: mọi kỳ có số liệu")
    reason = models.CharField("lý do", max_length=200, blank=True)
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.QUEUED)
    cells_total = models.PositiveIntegerField("số (bộ, kỳ) cần tính", default=0)
    cells_done = models.PositiveIntegerField("số (bộ, kỳ) đã tính", default=0)
    units_evaluated = models.PositiveIntegerField("số kết quả đã tính", default=0)
    message = models.TextField("ghi chú", blank=True)
    task_id = models.CharField("mã tác vụ", max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    started_at = models.DateTimeField("bắt đầu", null=True, blank=True)
    finished_at = models.DateTimeField("kết thúc", null=True, blank=True)

    class Meta:
        verbose_name = "lượt đánh giá lại"
        verbose_name_plural = "lượt đánh giá lại"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()} {self.cells_done}/{self.cells_total}"

    @property
    def percent(self) -> float:
        return 100.0 * self.cells_done / self.cells_total if self.cells_total else 0.0


class StagedResult(models.Model):
    """Results of a re-evaluation that is not finished: copied over :class:`Result` (``view``
    "approved") or :class:`ResultAll` (``view`` "all") when it is."""

    run = models.ForeignKey(ReevaluationRun, on_delete=models.CASCADE, related_name="staged")
    view = models.CharField(max_length=8, default="approved")
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    set_code = models.CharField(max_length=64)
    period = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    criteria_met = models.PositiveSmallIntegerField()
    criteria_total = models.PositiveSmallIntegerField()
    indicators_met = models.PositiveSmallIntegerField()
    indicators_total = models.PositiveSmallIntegerField()
    standard_met = models.BooleanField()
    unmet_criteria = models.JSONField(default=list)
    unmet_indicators = models.JSONField(default=list)
    conflicts = models.JSONField(default=list)
    detail = models.JSONField(default=dict)
    catalog_version = models.CharField(max_length=32)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = "kết quả đang tính lại"
        verbose_name_plural = "kết quả đang tính lại"
        constraints = [
            models.UniqueConstraint(fields=["run", "view", "unit", "set_code", "period"], name="staged_view_unique")
        ]


class DataVersion(models.Model):
    """A counter per topic ("results", "units") raised after every committed change of what the
    dashboards show, so that a page computed from stored results can be kept and reused until the
    figures change (see :mod:`ntm.web.cache`)."""

    topic = models.CharField("chủ đề", max_length=32, primary_key=True)
    value = models.BigIntegerField("số lần thay đổi", default=0)

    class Meta:
        verbose_name = "phiên bản dữ liệu"
        verbose_name_plural = "phiên bản dữ liệu"

    def __str__(self) -> str:
        return f"{self.topic}: {self.value}"


class DataChange(models.Model):
    """What one raise of a :class:`DataVersion` counter changed, written in the same short
    transaction as the raise: the units and periods whose results changed (``units`` null: anything
    may have changed — an import, a restore, a background run), and whether result rows were added
    or removed. A page kept under an older counter is then patched for those units instead of being
    computed again from every commune (see :mod:`ntm.web.cache`)."""

    topic = models.CharField("chủ đề", max_length=32)
    version = models.BigIntegerField("phiên bản")
    units = models.JSONField("đơn vị thay đổi", null=True, blank=True)
    periods = models.JSONField("kỳ thay đổi", null=True, blank=True)
    added = models.BooleanField("có thêm/bớt kết quả", default=False)

    class Meta:
        verbose_name = "thay đổi dữ liệu"
        verbose_name_plural = "thay đổi dữ liệu"
        constraints = [models.UniqueConstraint(fields=["topic", "version"], name="evaluations_datachange_once")]

    def __str__(self) -> str:
        return f"{self.topic} #{self.version}"
