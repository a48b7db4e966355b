"""What every stage of an import shares: the columns of the template, the problems and how they are named."""

from __future__ import annotations

from dataclasses import dataclass

from ntm.core.values import (
    ASSESSMENT_WORDS,
)

SHEET = "Số liệu"
ASSESSMENT_CHOICES = ASSESSMENT_WORDS
IMPORT_SOURCE = "import"
MAX_ISSUES = 1000

# canonical name -> (header as written in the template, accepted folded spellings)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "unit": ("Mã đơn vị", ("ma don vi", "uid", "unit", "don vi ma")),
    "unit_name": ("Đơn vị", ("don vi", "ten don vi", "unit name")),
    "set": ("Bộ tiêu chí", ("bo tieu chi", "set", "ma bo tieu chi")),
    "period": ("Kỳ", ("ky", "period", "ky bao cao")),
    "criterion": ("Tiêu chí", ("tieu chi", "criterion")),
    "indicator": ("Chỉ tiêu", ("chi tieu", "indicator", "ma chi tieu", "code")),
    "content": ("Nội dung", ("noi dung", "content")),
    "rule": ("Quy định", ("quy dinh", "yeu cau", "rule")),
    "threshold": ("Ngưỡng", ("nguong", "threshold")),
    "measure": ("Đơn vị tính", ("don vi tinh", "dvt")),
    "value": ("Giá trị", ("gia tri", "value", "so lieu")),
    "assessment": ("Đánh giá", ("danh gia", "assessment", "ket qua danh gia")),
    "note": ("Ghi chú", ("ghi chu", "note")),
    "evidence": ("Minh chứng", ("minh chung", "evidence")),
    "version": ("Lần sửa", ("lan sua", "version", "phien ban")),
}
TEMPLATE_ORDER = [
    "unit",
    "unit_name",
    "set",
    "period",
    "criterion",
    "indicator",
    "content",
    "rule",
    "threshold",
    "measure",
    "value",
    "assessment",
    "note",
    "evidence",
    "version",
]
INPUT_COLUMNS = {"value", "assessment", "note", "evidence"}


# -- problems -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Issue:
    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file + (f" [{self.sheet}]" if self.sheet else "") + (f", dòng {self.row}" if self.row else "")
        where += f", cột '{self.column}'" if self.column else ""
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


class ImportFailed(ValueError):
    def __init__(self, issues: list[Issue], total: int | None = None):
        self.issues = issues
        self.total = total if total is not None else len(issues)
        more = f"\n… và {self.total - len(issues)} lỗi khác" if self.total > len(issues) else ""
        super().__init__("\n".join(str(i) for i in issues[:20]) + more)
