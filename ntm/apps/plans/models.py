"""Plans: communes registered to reach a standard by a year, and the programme's own targets.

- :class:`PlanTarget` — "xã đăng ký đạt chuẩn": a commune, the set of the standard it aims at
  (``xa-ntm-2021``, ``xa-nang-cao-2021``, ``xa-kieu-mau-2021``…) and the year. Entered by the
  district/province offices (entry or reviewer role on an ancestor of the commune).
- :class:`ProgrammeTarget` — the programme's targets (QĐ 263/QĐ-TTg: by 2025, 80 % of the communes of
  the country at NTM, 100 % in the Red River Delta; QĐ 417/QĐ-BNNMT: by 2030 about 65 % at NTM, about
  10 % "hiện đại", 5 provinces complete), shipped as ``ntm/data/targets.yaml`` with their source;
- :class:`ProvinceTarget` — a province's own targets for 2026–2030, entered by the province office.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PlanTarget(models.Model):
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="plan_targets", verbose_name="xã")
    set_code = models.CharField("chuẩn đăng ký (bộ tiêu chí)", max_length=64)
    year = models.PositiveSmallIntegerField("năm dự kiến đạt chuẩn")
    note = models.TextField("ghi chú", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người tạo",
    )
    created_at = models.DateTimeField("thời điểm tạo", auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người sửa",
    )
    updated_at = models.DateTimeField("thời điểm sửa", auto_now=True)

    # one ObjectChange per create/save/delete (ntm.apps.audit.changelog)
    change_log = {"unit": "unit", "exclude": ("created_at", "updated_at")}

    class Meta:
        verbose_name = "kế hoạch đạt chuẩn"
        verbose_name_plural = "kế hoạch đạt chuẩn"
        constraints = [models.UniqueConstraint(fields=["unit", "set_code"], name="plantarget_unique")]
        indexes = [models.Index(fields=["year", "set_code"], name="plantarget_year_set")]

    def __str__(self) -> str:
        return f"{self.unit} — {self.set_code} — {self.year}"


class ProgrammeTarget(models.Model):
    class Level(models.TextChoices):
        COMMUNE = "commune", "xã"
        DISTRICT = "district", "huyện"
        PROVINCE = "province", "tỉnh"

    code = models.CharField("mã", max_length=64, unique=True, help_text="vd. qd-263-qd-ttg-2025-commune-ntm-DBSH")
    decision = models.CharField("quyết định", max_length=64)
    decision_date = models.DateField("ngày quyết định", null=True, blank=True)
    year = models.PositiveSmallIntegerField("năm mục tiêu")
    level = models.CharField("cấp", max_length=10, choices=Level.choices)
    tier = models.CharField("chuẩn", max_length=16, help_text="ntm, nang_cao, kieu_mau")
    region = models.CharField("vùng", max_length=8, blank=True, help_text="để trống: chung cả nước")
    min_share = models.DecimalField("tỷ lệ tối thiểu (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    min_count = models.PositiveIntegerField(
        "số đơn vị tối thiểu", null=True, blank=True, help_text="vd. 5 tỉnh hoàn thành nhiệm vụ (QĐ 417/QĐ-BNNMT)"
    )
    approximate = models.BooleanField("mức 'khoảng'", default=False, help_text="văn bản viết 'khoảng 65%'")
    source = models.CharField("nguồn", max_length=500)
    tag = models.CharField("độ tin cậy", max_length=16)
    note = models.TextField("ghi chú", blank=True)

    # one ObjectChange per create/save/delete (ntm.apps.audit.changelog)
    change_log = {}

    class Meta:
        verbose_name = "mục tiêu của Chương trình"
        verbose_name_plural = "mục tiêu của Chương trình"
        ordering = ["year", "level", "tier", "region"]

    def __str__(self) -> str:
        return f"{self.decision} {self.year} {self.level} {self.tier} {self.region or 'cả nước'}: {self.goal}"

    @property
    def goal(self) -> str:
        """As the decision writes it: "≥ 80%", "khoảng 65%", "5 tỉnh"."""
        from django.utils.translation import gettext, ngettext

        from ntm.core import formatting as fmt

        if self.min_count is not None:
            counted = {
                "commune": ngettext("%(n)s xã", "%(n)s xã", self.min_count),
                "district": ngettext("%(n)s huyện", "%(n)s huyện", self.min_count),
                "province": ngettext("%(n)s tỉnh", "%(n)s tỉnh", self.min_count),
            }
            text = (
                counted[self.level] % {"n": self.min_count}
                if self.level in counted
                else f"{self.min_count} {self.get_level_display()}"
            )
        else:
            text = f"{fmt.number(float(self.min_share), 2, trim=True)}%"
        return gettext("khoảng %(x)s") % {"x": text} if self.approximate else "≥ " + text


class ProvinceTarget(models.Model):
    """A province's own target for a year of 2026–2030: how many of its xã (or what share) at a
    standard, entered by the province office beside the programme's national targets."""

    class Tier(models.TextChoices):
        NTM = "ntm", "đạt chuẩn nông thôn mới"
        HIEN_DAI = "hien_dai", "nông thôn mới hiện đại"

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="province_targets", verbose_name="tỉnh"
    )
    year = models.PositiveSmallIntegerField("năm")
    tier = models.CharField("chuẩn", max_length=16, choices=Tier.choices, default=Tier.NTM)
    communes = models.PositiveIntegerField("số xã đạt chuẩn", null=True, blank=True)
    share = models.DecimalField("tỷ lệ xã đạt chuẩn (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    decision = models.CharField("căn cứ (kế hoạch, nghị quyết của tỉnh)", max_length=200, blank=True)
    note = models.TextField("ghi chú", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người sửa",
    )
    updated_at = models.DateTimeField("thời điểm sửa", auto_now=True)

    # one ObjectChange per create/save/delete (ntm.apps.audit.changelog)
    change_log = {"unit": "unit", "exclude": ("updated_at",)}

    class Meta:
        verbose_name = "mục tiêu của tỉnh"
        verbose_name_plural = "mục tiêu của tỉnh"
        ordering = ["unit", "year", "tier"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "tier"], name="provincetarget_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.tier}: {self.communes or ''} {self.share or ''}"


class Recognition(models.Model):
    """A recognition decision (quyết định công nhận đạt chuẩn): a commune recognised at a standard.

    Evaluation says whether a commune meets the criteria; recognition is the competent authority's
    decision (UBND tỉnh for NTM and nâng cao…) and is recorded here as a fact, with its reference.
    The bulletin lists the recognitions of the year; a recognised commune whose current evaluation
    no longer meets the standard is worth a look (criteria such as income or poverty can regress).
    """

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="recognitions", verbose_name="xã")
    set_code = models.CharField("chuẩn được công nhận (bộ tiêu chí)", max_length=64)
    decision = models.CharField("số quyết định", max_length=64, help_text="vd. 1234/QĐ-UBND")
    decision_date = models.DateField("ngày quyết định")
    issued_by = models.CharField("cơ quan ban hành", max_length=200, blank=True, help_text="vd. UBND tỉnh Hà Nam")
    note = models.TextField("ghi chú", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người nhập",
    )
    created_at = models.DateTimeField("thời điểm nhập", auto_now_add=True)

    # one ObjectChange per create/save/delete (ntm.apps.audit.changelog)
    change_log = {"unit": "unit", "exclude": ("created_at",)}

    class Meta:
        verbose_name = "quyết định công nhận đạt chuẩn"
        verbose_name_plural = "quyết định công nhận đạt chuẩn"
        constraints = [models.UniqueConstraint(fields=["unit", "set_code"], name="recognition_unique")]
        indexes = [models.Index(fields=["decision_date"], name="recognition_date")]
        ordering = ["decision_date", "unit__name"]

    def __str__(self) -> str:
        return f"{self.unit} — {self.set_code} — {self.decision}"
