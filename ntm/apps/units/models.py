"""Administrative units with time: the hierarchy before 1 July 2025 (province › district › commune)
and from that date (province › commune), under one root ``vn``, with lineage links between them.

The loaded data (names, codes, hierarchy, region, centroid, validity) comes from
``ntm.core.units`` and is rewritten by ``load_units``; a commune's group and ĐBKK/ATK status are dated
data set by an office (:class:`Classification`) and never touched by a reload.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from ntm.core import units as core


class Level(models.TextChoices):
    COUNTRY = "country", "quốc gia"
    PROVINCE = "province", "tỉnh"
    DISTRICT = "district", "huyện"
    COMMUNE = "commune", "xã"


class Edition(models.TextChoices):
    BEFORE_2025 = core.EDITION_2024, "trước 01/07/2025"
    FROM_2025 = core.EDITION_2025, "từ 01/07/2025"


class Region(models.TextChoices):
    TDMNPB = "TDMNPB", "Trung du và miền núi phía Bắc"
    DBSH = "DBSH", "Đồng bằng sông Hồng"
    BTB = "BTB", "Bắc Trung Bộ"
    DHNTB = "DHNTB", "Duyên hải Nam Trung Bộ"
    TN = "TN", "Tây Nguyên"
    DNB = "DNB", "Đông Nam Bộ"
    DBSCL = "DBSCL", "Đồng bằng sông Cửu Long"


class CommuneGroup(models.TextChoices):
    G1 = "1", "nhóm 1"
    G2 = "2", "nhóm 2"
    G3 = "3", "nhóm 3"


class UnitQuerySet(models.QuerySet):
    def valid_at(self, date: dt.date | None):
        """Units in force on ``date`` (all units when ``date`` is None)."""
        if date is None:
            return self
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=date),
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=date),
        )

    def communes(self):
        return self.filter(level=Level.COMMUNE)


class Unit(models.Model):
    uid = models.CharField(
        "mã định danh", max_length=32, unique=True, help_text="cấp:mã@phiên bản, vd. xa:13570@2024; gốc là vn"
    )
    code = models.CharField("mã hành chính", max_length=8, db_index=True)
    name = models.CharField("tên", max_length=120)
    short_name = models.CharField("tên ngắn", max_length=100)
    type = models.CharField(
        "loại", max_length=16, help_text="Tỉnh, Thành phố, Huyện, Quận, Thị xã, Xã, Phường, Thị trấn, Đặc khu"
    )
    level = models.CharField("cấp", max_length=10, choices=Level.choices)
    edition = models.CharField("phiên bản", max_length=4, choices=Edition.choices, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name="cấp trên"
    )
    path = models.CharField(
        "đường dẫn",
        max_length=64,
        db_index=True,
        editable=False,
        help_text="id của gốc, các cấp trên và chính đơn vị: /1/5/77/",
    )
    region = models.CharField("vùng", max_length=8, choices=Region.choices, blank=True)
    # the classification in force today (a copy kept by ntm.apps.units.classifications; the evaluation
    # reads the dated Classification rows)
    special = models.BooleanField(
        "xã ĐBKK/ATK", default=False, help_text="xã đặc biệt khó khăn, an toàn khu: áp dụng mức của vùng TDMNPB"
    )
    commune_group = models.CharField("nhóm xã (2026–2030)", max_length=1, choices=CommuneGroup.choices, blank=True)
    lat = models.FloatField("vĩ độ", null=True, blank=True)
    lon = models.FloatField("kinh độ", null=True, blank=True)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    search = models.CharField("tên không dấu", max_length=120, db_index=True, editable=False)

    objects = UnitQuerySet.as_manager()

    # one ObjectChange per create/save/delete (ntm.apps.audit.changelog)
    change_log = {"unit": "self", "exclude": ("search",)}

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        indexes = [models.Index(fields=["level", "edition"], name="unit_level_edition")]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent (from ``path``)."""
        return [int(x) for x in self.path.strip("/").split("/") if x][:-1]

    def is_valid_at(self, date: dt.date | None) -> bool:
        return core.valid_at(self.valid_from, self.valid_to, date)

    @property
    def validity(self) -> str:
        return core.validity_label(self.valid_from, self.valid_to)


class UnitLink(models.Model):
    class Kind(models.TextChoices):
        MERGE = core.LINK_MERGE, "nhập"
        SPLIT = core.LINK_SPLIT, "chia tách"

    predecessor = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="successor_links", verbose_name="đơn vị trước"
    )
    successor = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="predecessor_links", verbose_name="đơn vị sau"
    )
    kind = models.CharField("loại", max_length=8, choices=Kind.choices)
    date = models.DateField("ngày hiệu lực")
    is_default = models.BooleanField(
        "đơn vị kế thừa chính", default=True, help_text="khi chia tách: đơn vị mới nhận tên/trụ sở của đơn vị cũ"
    )

    class Meta:
        verbose_name = "quan hệ kế thừa"
        verbose_name_plural = "quan hệ kế thừa"
        constraints = [models.UniqueConstraint(fields=["predecessor", "successor"], name="unitlink_unique")]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id} ({self.kind}, {self.date})"


class Classification(models.Model):
    """A commune's 2026–2030 group (1/2/3) or its ĐBKK/ATK status, for a dated interval, with the
    decision that set it. The evaluation reads the classification in force at the end of the period
    evaluated; ``Unit.commune_group`` and ``Unit.special`` mirror the one in force today (written only
    by :mod:`ntm.apps.units.classifications`)."""

    class Kind(models.TextChoices):
        GROUP = "group", "nhóm xã (2026–2030)"
        SPECIAL = "special", "xã ĐBKK/ATK"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="classifications", verbose_name="xã")
    kind = models.CharField("loại", max_length=8, choices=Kind.choices)
    group = models.CharField(
        "nhóm", max_length=1, choices=CommuneGroup.choices, blank=True, help_text="với loại nhóm xã: 1, 2 hoặc 3"
    )
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    decision_number = models.CharField("số quyết định", max_length=64)
    decision_date = models.DateField("ngày quyết định")
    issued_by = models.CharField("cơ quan ban hành", max_length=200)
    note = models.CharField("ghi chú", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người nhập",
    )
    recorded_at = models.DateTimeField("thời điểm nhập", auto_now=True)

    # one ObjectChange per create/save/delete (ntm.apps.audit.changelog)
    change_log = {"unit": "unit", "exclude": ("recorded_at",)}

    class Meta:
        verbose_name = "phân loại xã"
        verbose_name_plural = "phân loại xã (nhóm, ĐBKK/ATK)"
        ordering = ["unit", "kind", "valid_from"]
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "valid_from"], name="classification_start")]
        indexes = [models.Index(fields=["unit", "kind", "valid_from"], name="classification_lookup")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.label} ({core.validity_label(self.valid_from, self.valid_to)})"

    @property
    def label(self) -> str:
        return f"nhóm {self.group}" if self.kind == self.Kind.GROUP else "xã ĐBKK/ATK"

    def is_valid_at(self, date: dt.date) -> bool:
        return core.valid_at(self.valid_from, self.valid_to, date)
