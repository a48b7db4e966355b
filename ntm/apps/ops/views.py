"""``/healthz``: is this instance able to serve? JSON, 200 when healthy, 503 otherwise.

- ``database``: a query on the database (and on a table of the project, so a database without the
  schema is not "healthy"); the time it took;
- ``worker``: the background-task worker (django-tasks' database backend; ``ntm manage db_worker``).
  That backend keeps no heartbeat, so the worker is judged by the queue: a task that has been due
  for longer than ``NTM_HEALTH_WORKER_STALL_SECONDS`` (default 300) and not started means no worker is
  running ("stalled" → 503); otherwise "ok" with the time of the worker's last activity, or
  "unknown" when no task has ever run (nothing to judge by). Without the database backend the
  worker is "unknown".

No log-in is needed and nothing secret is shown: no host name, no database name, no error text (only
the class of an error; the full error goes to the ``ntm.ops`` log).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

logger = logging.getLogger("ntm.ops")

DEFAULT_STALL_SECONDS = 300


def check_database() -> dict:
    t0 = time.monotonic()
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        from ntm.apps.units.models import Unit

        Unit.objects.only("pk").first()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        logger.error("health: database check failed", exc_info=True, extra={"event": "health_database_failed"})
        return {"status": "error", "error": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor, "ms": round((time.monotonic() - t0) * 1000, 1)}


def _db_backend_in_use() -> bool:
    tasks = getattr(settings, "TASKS", {}) or {}
    backend = (tasks.get("default") or {}).get("BACKEND", "")
    return "django_tasks_db" in settings.INSTALLED_APPS and backend.startswith("django_tasks_db.")


def check_worker(now: dt.datetime | None = None) -> dict:
    if not _db_backend_in_use():
        return {"status": "unknown", "detail": "no database task backend configured"}
    from django.db.models import Max, Q
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    stall = dt.timedelta(seconds=int(getattr(settings, "NTM_HEALTH_WORKER_STALL_SECONDS", DEFAULT_STALL_SECONDS)))
    try:
        due = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
            Q(run_after=get_date_max(), enqueued_at__lt=now - stall) | Q(run_after__lt=now - stall))
        waiting = due.count()
        agg = DBTaskResult.objects.aggregate(started=Max("started_at"), finished=Max("finished_at"))
        queued = DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()
    except Exception as exc:  # noqa: BLE001
        logger.error("health: worker check failed", exc_info=True, extra={"event": "health_worker_failed"})
        return {"status": "error", "error": exc.__class__.__name__}
    last = max((t for t in (agg["started"], agg["finished"]) if t is not None), default=None)
    info = {"queued": queued, "running": running, "last_activity": last.isoformat() if last else None}
    if waiting:
        return {"status": "stalled", "overdue": waiting,
                "detail": f"{waiting} task(s) due for more than {int(stall.total_seconds())} s and not started: "
                          "is `ntm manage db_worker` running?", **info}
    if last is None:
        return {"status": "unknown", "detail": "no task has run yet", **info}
    return {"status": "ok", **info}


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request):
    checks = {"database": check_database()}
    checks["worker"] = check_worker() if checks["database"]["status"] == "ok" else {"status": "unknown"}
    healthy = checks["database"]["status"] == "ok" and checks["worker"]["status"] not in ("stalled", "error")
    body = {"status": "ok" if healthy else "error", "checks": checks, "time": timezone.now().isoformat()}
    if not healthy:
        logger.warning("health check failed", extra={"event": "health_failed", "checks": checks})
    return JsonResponse(body, status=200 if healthy else 503)
