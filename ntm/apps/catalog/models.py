"""Which catalogue files were loaded, and their exact text, so that old results stay reproducible; and
the catalogue's generation, which tells every process when to load the files again."""

from django.db import models


class SetVersion(models.Model):
    code = models.CharField("mã bộ tiêu chí", max_length=64)
    version = models.CharField("phiên bản", max_length=32)
    name = models.CharField("tên", max_length=300)
    level = models.CharField("cấp", max_length=16)
    tier = models.CharField("hạng", max_length=16)
    phase = models.CharField("giai đoạn", max_length=16)
    criteria_count = models.PositiveSmallIntegerField("số tiêu chí")
    indicator_count = models.PositiveSmallIntegerField("số chỉ tiêu")
    source_path = models.CharField("tệp", max_length=500)
    source_text = models.TextField("nội dung tệp")
    loaded_at = models.DateTimeField("nạp lúc", auto_now_add=True)

    # one ObjectChange per create/save/delete (ntm.apps.audit.changelog)
    change_log = {"exclude": ("source_text", "loaded_at")}

    class Meta:
        verbose_name = "phiên bản bộ tiêu chí"
        verbose_name_plural = "phiên bản bộ tiêu chí"
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="setversion_unique")]
        ordering = ["code", "-loaded_at"]

    def __str__(self) -> str:
        return f"{self.code} ({self.version})"


class CatalogGeneration(models.Model):
    """One row, raised each time the catalogue changes (a set imported in the web application, new
    versions loaded by ``ntm setup``): a process that loaded an older generation loads the
    catalogue files again (:func:`ntm.apps.catalog.services.ensure_current`)."""

    number = models.PositiveBigIntegerField("thế hệ", default=0)
    changed_at = models.DateTimeField("thay đổi lúc", null=True, blank=True)
    reason = models.CharField("lý do", max_length=200, blank=True)

    class Meta:
        verbose_name = "thế hệ bộ tiêu chí"
        verbose_name_plural = "thế hệ bộ tiêu chí"

    def __str__(self) -> str:
        return f"thế hệ {self.number}"
