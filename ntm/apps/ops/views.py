"""``/healthz``: is this instance able to serve? JSON, 200 when healthy, 503 otherwise.

- ``database``: a query on the database (and on a table of the project, so a database without the
  schema is not "healthy"); the time it took;
- ``worker``: the background-task worker (django-tasks' database backend; ``ntm manage db_worker``).
  That backend keeps no heartbeat, so the worker is judged by the queue: a task that has been due
  for longer than ``NTM_HEALTH_WORKER_STALL_SECONDS`` (default 300) and not started means no worker is
  running ("stalled" → 503); otherwise "ok" with the time of the worker's last activity, or
  "unknown" when no task has ever run (nothing to judge by). Without the database backend the
  worker is "unknown". The worker also beats (:mod:`ntm.apps.ops.heartbeat`): a worker whose beat
  stopped for ``NTM_WORKER_DEAD_SECONDS`` (default 120) with no live one beside it is "dead" (503);
- ``runs``: the background re-evaluations. "degraded" (503) when one failed in the last
  ``NTM_HEALTH_FAILED_RUN_HOURS`` (default 24) and no later run over the same sets and periods
  succeeded; when one has waited in the queue longer than ``NTM_HEALTH_RUN_QUEUED_SECONDS`` (default
  600); when one is under way but its process stopped beating (killed: the next worker marks it failed).

The answer: ``status`` "ok" (200), "degraded" (503: the site serves, background work does not; the
``reasons`` say why) or "error" (503: no database).

No log-in is needed and nothing secret is shown: no host name, no database name, no error text (only
the class of an error; the full error goes to the ``ntm.ops`` log).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
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
DEFAULT_FAILED_RUN_HOURS = 24
DEFAULT_QUEUED_SECONDS = 600


def _setting(name: str, default):
    """A Django setting, else the environment variable of the same name, else ``default``."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or None
    return default if value is None else value


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
    stall = dt.timedelta(seconds=int(_setting("NTM_HEALTH_WORKER_STALL_SECONDS", DEFAULT_STALL_SECONDS)))
    try:
        due = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
            Q(run_after=get_date_max(), enqueued_at__lt=now - stall) | Q(run_after__lt=now - stall)
        )
        waiting = due.count()
        agg = DBTaskResult.objects.aggregate(started=Max("started_at"), finished=Max("finished_at"))
        queued = DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()
    except Exception as exc:  # noqa: BLE001
        logger.error("health: worker check failed", exc_info=True, extra={"event": "health_worker_failed"})
        return {"status": "error", "error": exc.__class__.__name__}
    last = max((t for t in (agg["started"], agg["finished"]) if t is not None), default=None)
    info = {"queued": queued, "running": running, "last_activity": last.isoformat() if last else None}
    try:
        beats = _worker_beats(now)
    except Exception as exc:  # noqa: BLE001
        logger.error("health: heartbeat check failed", exc_info=True, extra={"event": "health_worker_failed"})
        return {"status": "error", "error": exc.__class__.__name__}
    info.update(beats)
    if waiting:
        return {
            "status": "stalled",
            "overdue": waiting,
            "detail": f"{waiting} task(s) due for more than {int(stall.total_seconds())} s and not started: "
            "is `ntm manage db_worker` running?",
            **info,
        }
    if not beats["workers"] and beats["last_beat"]:
        return {
            "status": "dead",
            "detail": f"the task worker stopped beating at {beats['last_beat']} and no other "
            "is alive: killed? (`ntm serve` restarts its own)",
            **info,
        }
    if beats["workers"]:
        return {"status": "ok", **info}
    if last is None:
        return {"status": "unknown", "detail": "no task has run yet", **info}
    return {"status": "ok", **info}


def _worker_beats(now: dt.datetime) -> dict:
    from django.db.models import Max

    from .heartbeat import live_beats
    from .models import WorkerBeat

    workers = WorkerBeat.objects.filter(kind="worker")
    last = workers.aggregate(last=Max("beat_at"))["last"]
    return {"workers": live_beats(now).filter(kind="worker").count(), "last_beat": last.isoformat() if last else None}


def _covers(later, earlier) -> bool:
    """A later run redid everything an earlier one was asked to (empty lists: every set / period)."""
    return all(
        not getattr(later, f) or (getattr(earlier, f) and set(getattr(earlier, f)) <= set(getattr(later, f)))
        for f in ("set_codes", "periods")
    )


def _error_class(message: str) -> str:
    """Only the class of the error: its text may name hosts or paths, and /healthz needs no log-in."""
    m = re.match(r"([A-Za-z_][\w.]*):", message or "")
    return m.group(1) if m else "process stopped"


def check_runs(now: dt.datetime | None = None) -> dict:
    """Background re-evaluations that failed, wait too long or were orphaned by a dead process."""
    from ntm.apps.evaluations.models import ReevaluationRun

    from .heartbeat import orphaned_runs

    now = now or timezone.now()
    S = ReevaluationRun.Status
    hours = float(_setting("NTM_HEALTH_FAILED_RUN_HOURS", DEFAULT_FAILED_RUN_HOURS))
    queued_s = int(_setting("NTM_HEALTH_RUN_QUEUED_SECONDS", DEFAULT_QUEUED_SECONDS))
    try:
        failed = list(
            ReevaluationRun.objects.filter(status=S.FAILED, finished_at__gte=now - dt.timedelta(hours=hours)).order_by(
                "pk"
            )
        )
        later_done = list(ReevaluationRun.objects.filter(status=S.DONE, pk__gt=failed[0].pk)) if failed else []
        failed = [r for r in failed if not any(d.pk > r.pk and _covers(d, r) for d in later_done)]
        waiting = list(
            ReevaluationRun.objects.filter(
                status=S.QUEUED, created_at__lt=now - dt.timedelta(seconds=queued_s)
            ).order_by("pk")[:20]
        )
        orphans = orphaned_runs(now)
    except Exception as exc:  # noqa: BLE001
        logger.error("health: runs check failed", exc_info=True, extra={"event": "health_runs_failed"})
        return {"status": "error", "error": exc.__class__.__name__}
    reasons = [
        f"re-evaluation run #{r.pk} failed at {r.finished_at.isoformat()} ({_error_class(r.message)}; "
        "the error is shown in the admin)"
        for r in failed
    ]
    reasons += [
        f"re-evaluation run #{r.pk} queued since {r.created_at.isoformat()} (more than {queued_s} s)" for r in waiting
    ]
    reasons += [f"re-evaluation run #{r.pk} is {r.status} but its process stopped beating (killed?)" for r in orphans]
    out = {
        "status": "degraded" if reasons else "ok",
        "failed": [r.pk for r in failed],
        "queued_too_long": [r.pk for r in waiting],
        "orphaned": [r.pk for r in orphans],
    }
    if reasons:
        out["reasons"] = reasons
    return out


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request):
    checks = {"database": check_database()}
    db_ok = checks["database"]["status"] == "ok"
    checks["worker"] = check_worker() if db_ok else {"status": "unknown"}
    checks["runs"] = check_runs() if db_ok else {"status": "unknown"}
    reasons = []
    if not db_ok:
        reasons.append(f"database: {checks['database'].get('error')}")
    w = checks["worker"]
    if w["status"] in ("stalled", "dead", "error"):
        reasons.append(f"worker {w['status']}: {w.get('detail') or w.get('error')}")
    if checks["runs"]["status"] == "error":
        reasons.append(f"runs: {checks['runs'].get('error')}")
    reasons += checks["runs"].get("reasons", [])
    status = "error" if not db_ok else ("degraded" if reasons else "ok")
    body = {"status": status, "checks": checks, "time": timezone.now().isoformat()}
    if reasons:
        body["reasons"] = reasons
        logger.warning("health check failed", extra={"event": "health_failed", "checks": checks})
    return JsonResponse(body, status=200 if status == "ok" else 503)
