"""Background jobs of the reports app (django-tasks, database backend; the worker is started by
``ntm serve``). Each job lives beside the code it runs; this module names them all, and keeps the paths
of jobs queued before they moved (``ntm.apps.reports.tasks.expire_imports``) importable."""

from __future__ import annotations

from .uploads import expire_imports

__all__ = ["expire_imports"]
