"""Evidence files (minh chứng): checked on upload, stored under MEDIA_ROOT/minh-chung/<unit>/<set>/<period>/,
and referred to by their stored path.

An observation's ``evidence`` is only ever such a reference: the entry form stores the uploaded file
itself; the API uploads it first (``POST /api/v1/observations/evidence/``) and sends back the path;
an import names a path from the template or from that upload. :func:`reference_problem` refuses any
other text — another unit's or period's file, a path outside the folder, a file that was never
uploaded — so that a dossier counts only a cell's own files.
"""

from __future__ import annotations

import os
import secrets
import zipfile

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {
    "pdf": "PDF",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
}
EVIDENCE_ACCEPT = ",".join(f".{e}" for e in EVIDENCE_TYPES)
EVIDENCE_DIR = "minh-chung"
MAX_REFERENCE_LENGTH = 500  # Observation.evidence


def _magic_ok(ext: str, head: bytes, f) -> bool:
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    # docx / xlsx: a zip archive with the Office Open XML parts of the right kind
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        f.seek(0)
        with zipfile.ZipFile(f) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        f.seek(0)
    part = "word/document.xml" if ext == "docx" else "xl/workbook.xml"
    return "[Content_Types].xml" in names and part in names


def check_evidence(f) -> str | None:
    """None when the upload is acceptable, else the reason (Vietnamese)."""
    name = f.name or ""
    if "\x00" in name:
        return "Tên tệp chứa ký tự NUL (mã 0), không được phép."
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ", ".join(sorted({e.upper() for e in EVIDENCE_TYPES} - {"JPEG"}))
    if ext not in EVIDENCE_TYPES:
        return f"Tệp «{name}» không đúng loại: chỉ nhận {allowed}."
    if f.size > MAX_EVIDENCE_BYTES:
        size = f"{f.size / 1024 / 1024:.1f}".replace(".", ",")
        return f"Tệp «{name}» quá lớn ({size} MB): tối đa 10 MB."
    if f.size == 0:
        return f"Tệp «{name}» rỗng."
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    if not _magic_ok(ext, head, f):
        return f"Nội dung tệp «{name}» không phải là {EVIDENCE_TYPES[ext]} như phần mở rộng cho biết."
    return None


def unit_folder(unit) -> str:
    """MEDIA_ROOT-relative folder of a unit's evidence files."""
    return f"{EVIDENCE_DIR}/{get_valid_filename(unit.uid.replace(':', '-').replace('@', '-'))}"


def cell_folder(unit, set_code: str, period: str) -> str:
    """The folder of the evidence files of one unit, set and period (``period``: a period key)."""
    return "/".join([unit_folder(unit), set_code, period])


def store_evidence(f, unit, set_code: str, period: str, code: str) -> str:
    """Save under MEDIA_ROOT/minh-chung/<unit>/<set>/<period>/; returns the stored relative path."""
    base, _, ext = (f.name or "tep").rpartition(".")
    try:
        safe = get_valid_filename(base)[:60]
    except SuspiciousFileOperation:  # a name like ".pdf" or "..pdf"
        safe = "tep"
    name = f"{cell_folder(unit, set_code, period)}/{code}-{secrets.token_hex(4)}-{safe}.{ext.lower()}"
    return default_storage.save(name, f)


def evidence_belongs_to(path: str, unit) -> bool:
    """Is ``path`` a file stored for ``unit`` (under MEDIA_ROOT/minh-chung/<unit>/)? Only the unit's own
    folder may be served for one of its observations."""
    return bool(path) and path.startswith(unit_folder(unit) + "/") and ".." not in path.split("/") and "\\" not in path


def reference_problem(path: str, unit, set_code: str, period: str, exists=None) -> str | None:
    """None when ``path`` names an evidence file uploaded for this unit, set and period (``period``: a
    period key), else why not (Vietnamese, naming the path). ``exists``: the storage check (a memo)."""
    if not path:
        return None
    folder = cell_folder(unit, set_code, period) + "/"
    name = path[len(folder) :] if path.startswith(folder) else ""
    if (
        not name
        or "/" in name
        or "\\" in name
        or name in (".", "..")
        or "\x00" in path
        or len(path) > MAX_REFERENCE_LENGTH
    ):
        return (
            f"minh chứng '{path}' không phải là tệp đã tải lên cho {unit.uid}, bộ {set_code}, kỳ {period} "
            f"(đường dẫn phải bắt đầu bằng {folder}; tải tệp lên trước rồi ghi đường dẫn nhận được)"
        )
    if not (exists or default_storage.exists)(path):
        return f"minh chứng '{path}': không có tệp này trên máy chủ (tải tệp lên trước rồi ghi đường dẫn nhận được)"
    return None


def delete_evidence(paths: list[str]) -> None:
    for p in paths:
        try:
            default_storage.delete(p)
        except OSError:
            pass


def evidence_name(path: str) -> str:
    """The file name shown to users: without folder and random part."""
    name = os.path.basename(path or "")
    parts = name.split("-", 2)
    return parts[2] if len(parts) == 3 else name
