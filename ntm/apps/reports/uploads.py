"""Uploaded import files, from upload to removal.

- :func:`receive` — refuses a file over the user's quota (files waiting for confirmation, and their
  bytes with their stages'), stores it under ``MEDIA_ROOT/imports`` with a random name (the user's file name is kept on the
  :class:`ImportBatch`, and every message uses it), and checks it once: the plan (or the reason it
  cannot be imported) is stored on the batch, and the preview page only reads it; what the check found
  is left beside the file (:func:`stage_path`), so that the confirm writes it without checking the file
  again.
- :func:`discard` — the stored file and its stage removed (on confirm, cancel, a failed check, expiry).
- :func:`expire` — batches never confirmed within ``NTM_IMPORT_EXPIRY_HOURS`` are marked expired and
  their files removed, with any file of the folder that no waiting batch refers to (as its file or its
  stage). Run by a task queued at each upload for the moment its file expires, by ``ntm manage
  expire_imports`` (cron), and on each upload.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django_tasks import default_task_backend, task

from ntm.apps.observations import exchange as E
from ntm.apps.observations import imports as I
from ntm.core.formatting import number
from ntm.core.tables import kind_of

from .models import ImportBatch

UPLOAD_DIR = "imports"
STAGE_SUFFIX = ".checked"
log = logging.getLogger("ntm.uploads")


class UploadRefused(ValueError):
    """A file not taken (quota, format): the message names the user's file."""


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


def expiry() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "NTM_IMPORT_EXPIRY_HOURS", 24)))


def _mb(size: int) -> str:
    return number(size / (1024 * 1024), 1, trim=True) + " MB"


def quota_figures() -> dict:
    """The expiry and the quota as the upload form states them."""
    return {
        "upload_hours": number(expiry().total_seconds() / 3600, 1, trim=True),
        "upload_files": int(getattr(settings, "NTM_IMPORT_QUOTA_FILES", 5)),
        "upload_mb": int(getattr(settings, "NTM_IMPORT_QUOTA_MB", 200)),
    }


def check_quota(user, name: str, size: int) -> None:
    """Raise :class:`UploadRefused` when one more file of ``size`` bytes would put the user's files
    waiting for confirmation over the quota."""
    waiting = ImportBatch.objects.filter(created_by=user, status=ImportBatch.Status.PENDING).exclude(stored_path="")
    files = waiting.count()
    held = waiting.aggregate(s=Sum("size"))["s"] or 0
    # what their checks left beside them counts too (a stage is larger than a compressed workbook)
    held += sum(_size(_stage_of(p)) for p in waiting.values_list("stored_path", flat=True))
    max_files = int(getattr(settings, "NTM_IMPORT_QUOTA_FILES", 5))
    max_bytes = int(getattr(settings, "NTM_IMPORT_QUOTA_MB", 200)) * 1024 * 1024
    hours = number(expiry().total_seconds() / 3600, 1, trim=True)
    later = f"hãy xác nhận hoặc hủy các lần nhập đang chờ (hoặc đợi chúng hết hạn sau {hours} giờ) rồi tải lên lại"
    if files >= max_files:
        raise UploadRefused(
            f"Không nhận tệp {name}: bạn đang có {files} tệp chờ xác nhận, tối đa {max_files} tệp; " + later + "."
        )
    if held + size > max_bytes:
        raise UploadRefused(
            f"Không nhận tệp {name} ({_mb(size)}): các tệp chờ xác nhận của bạn đã dùng {_mb(held)}, "
            f"tối đa {_mb(max_bytes)}; " + later + "."
        )


def _store(upload) -> Path:
    suffix = Path(upload.name).suffix.lower()
    if kind_of(upload.name) is None and suffix != ".json":  # .json: a DHIS2 dataValueSets file
        raise UploadRefused(
            f"Không nhận tệp {upload.name}: không hỗ trợ định dạng '{suffix or '(không có đuôi)'}' "
            "(dùng .xlsx, .ods, .csv hoặc .json của DHIS2)."
        )
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with open(path, "wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
    return path


def receive(upload, *, user, unit=None, set_code: str = "", period: str = "") -> ImportBatch:
    """Take an uploaded file: quota, store, check once. Raises :class:`UploadRefused` (nothing kept)."""
    expire()  # files of others' forgotten imports go before a new one comes in
    name = upload.name[:255]
    check_quota(user, name, upload.size)
    path = _store(upload)
    b = ImportBatch.objects.create(
        batch=f"import-{uuid.uuid4().hex[:12]}",
        file_name=name,
        stored_path=str(path),
        size=path.stat().st_size,
        unit=unit,
        set_code=set_code[:64],
        period=period[:10],
        created_by=user,
    )
    check(b, user)
    _queue_expiry(b)
    return b


def defaults(b: ImportBatch) -> dict:
    d: dict = {}
    if b.unit_id:
        d["unit"] = b.unit
    if b.set_code:
        d["set"] = b.set_code
    if b.period:
        d["period"] = b.period
    return d


def stage_path(b: ImportBatch) -> Path | None:
    """Where the check of a stored file leaves what the confirm writes without checking it again (the
    stage, :mod:`ntm.apps.observations.imports.stage`): beside the file, removed with it."""
    return _stage_of(b.stored_path) if b.stored_path else None


def _stage_of(stored_path: str) -> Path:
    return Path(stored_path + STAGE_SUFFIX)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # none (a file whose check left no stage)
        return 0


def check(b: ImportBatch, user) -> None:
    """Check the file once and store the plan on the batch (and the stage beside the file); a file that
    cannot be imported as it is (unreadable, refused by a limit, or with problems in its rows) is
    removed and the batch failed."""
    try:
        plan = E.plan_file(b.stored_path, user=user, defaults=defaults(b), name=b.file_name, stage=stage_path(b))
    except I.ImportFailed as exc:
        b.status = ImportBatch.Status.FAILED
        b.summary = {"issues": [i.as_dict() for i in exc.issues[:200]], "issue_count": exc.total}
        discard(b)
    else:
        b.plan = plan.as_dict()
        b.rows = plan.rows
        if not plan.ok:
            b.status = ImportBatch.Status.FAILED
            discard(b)
    b.checked_at = timezone.now()
    b.save()


def stored_plan(b: ImportBatch) -> I.ImportPlan | None:
    """The plan checked at upload, as the preview shows it (None when there is none)."""
    if not b.plan:
        return None
    d = dict(b.plan)
    issues = [I.Issue(**i) for i in d.pop("issues", [])]
    changes = [I.ChangeLine(**c) for c in d.pop("changes", [])]
    return I.ImportPlan(**d, issues=issues, changes=changes)


def discard(b: ImportBatch) -> None:
    """Remove the stored file and its stage (the batch keeps its record)."""
    if b.stored_path:
        Path(b.stored_path).unlink(missing_ok=True)
        _stage_of(b.stored_path).unlink(missing_ok=True)
        b.stored_path = ""


def expire(now: dt.datetime | None = None) -> tuple[int, int]:
    """Mark batches waiting longer than the expiry as expired and remove their files, and remove files
    of the upload folder that no waiting batch refers to and that are older than the expiry (a request
    stopped between saving a file and recording it). Returns (batches expired, files removed)."""
    now = now or timezone.now()
    cutoff = now - expiry()
    batches = files = 0
    for b in ImportBatch.objects.filter(status=ImportBatch.Status.PENDING, created_at__lt=cutoff):
        had = bool(b.stored_path) and Path(b.stored_path).exists()
        discard(b)
        b.status = ImportBatch.Status.EXPIRED
        b.save(update_fields=["stored_path", "status"])
        batches += 1
        files += had
    target = folder()
    if target.is_dir():
        waiting = (
            ImportBatch.objects.filter(status=ImportBatch.Status.PENDING)
            .exclude(stored_path="")
            .values_list("stored_path", flat=True)
        )
        kept = {p for stored in waiting for p in (stored, str(_stage_of(stored)))}
        for path in target.iterdir():
            if path.is_file() and str(path) not in kept and path.stat().st_mtime < cutoff.timestamp():
                path.unlink(missing_ok=True)
                files += 1
    if batches or files:
        log.info("import files expired", extra={"batches": batches, "files": files})
    return batches, files


@task()
def expire_imports() -> dict:
    """The background job of :func:`expire`: remove import files never confirmed within
    ``NTM_IMPORT_EXPIRY_HOURS``."""
    batches, files = expire()
    return {"batches": batches, "files": files}


def _queue_expiry(b: ImportBatch) -> None:
    """A background clean-up for the moment this file expires (the worker of ``ntm serve`` runs it)."""
    if not default_task_backend.supports_defer:
        return
    try:
        expire_imports.using(run_after=b.created_at + expiry() + dt.timedelta(minutes=1)).enqueue()
    except Exception:  # the clean-up also runs at the next upload and from cron: never fail an upload for it
        log.warning("could not queue the expiry of import files", exc_info=True)
