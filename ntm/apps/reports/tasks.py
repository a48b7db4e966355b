"""Background jobs of the reports app (django-tasks, database backend; the worker is started by
``ntm serve``)."""

from __future__ import annotations

from django_tasks import task


@task()
def expire_imports() -> dict:
    """Remove import files never confirmed within ``NTM_IMPORT_EXPIRY_HOURS`` (:func:`.uploads.expire`)."""
    from .uploads import expire

    batches, files = expire()
    return {"batches": batches, "files": files}
