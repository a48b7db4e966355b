"""Heartbeats of the background processes, and what happens to the work of one that died.

The task worker (``ntm manage ntm_worker``, started and restarted by ``ntm serve``) and ``ntm reevaluate
--here`` each keep a :class:`~ntm.apps.ops.models.WorkerBeat` row fresh from a thread of their own,
every ``NTM_WORKER_BEAT_SECONDS`` (default 10), naming the re-evaluation run they are computing. A
process killed with SIGKILL (or by the out-of-memory killer, or with its host) cannot mark its run
failed; its row simply stops beating. After ``NTM_WORKER_DEAD_SECONDS`` (default 120) without a beat:

- ``/healthz`` reports the worker dead and the run orphaned (503, "degraded");
- every live worker (on start and at each beat) marks such a run failed — with the reason, visible in
  the admin and on the dashboards — removes its staged results and marks its task failed in the queue
  (:func:`recover_orphans`). ``ntm reevaluate`` starts it again.

The runs are the evaluations app's: it tells this module how to find the runs under way and how to
abandon one (:func:`track_runs`, called by ``EvaluationsConfig.ready``), so that ops, a lower layer,
never imports it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

logger = logging.getLogger("ntm.ops")


@dataclass(frozen=True)
class Runs:
    """How to find the runs under way that started before a time (objects with ``pk``), and how to
    mark one failed with a message (False when it had already ended)."""

    under_way: Callable[[datetime], list]
    abandon: Callable[[object, str], bool]


_RUNS = Runs(under_way=lambda started_before: [], abandon=lambda run, message: False)


def track_runs(runs: Runs) -> None:
    """Called by the app whose background runs the workers compute, when it starts."""
    global _RUNS
    _RUNS = runs


def beat_seconds() -> float:
    return float(getattr(settings, "NTM_WORKER_BEAT_SECONDS", None) or os.environ.get("NTM_WORKER_BEAT_SECONDS") or 10)


def dead_after_seconds() -> float:
    return float(getattr(settings, "NTM_WORKER_DEAD_SECONDS", None) or os.environ.get("NTM_WORKER_DEAD_SECONDS") or 120)


class Beater:
    """Keeps one WorkerBeat row fresh from a daemon thread; :meth:`stop` removes it."""

    def __init__(self, kind: str, worker_id: str | None = None, *, recover: bool = False):
        self.kind = kind
        self.worker_id = (worker_id or f"{kind}-{uuid.uuid4().hex[:12]}")[:64]
        self.recover = recover
        self.run_id: int | None = None
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        from .models import WorkerBeat

        WorkerBeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "kind": self.kind,
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "run_id": self.run_id,
                "started_at": self.started_at,
                "beat_at": timezone.now(),
            },
        )

    def start(self) -> Beater:
        self.beat()  # the row exists before any work is claimed
        self._thread = threading.Thread(target=self._loop, name=f"ntm-heartbeat-{self.kind}", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        from django.db import close_old_connections

        try:
            while not self._stop.wait(beat_seconds()):
                try:
                    self.beat()
                    if self.recover:
                        recover_orphans()
                except Exception:  # noqa: BLE001 - a missed beat is retried; never kill the process
                    logger.warning("heartbeat failed", exc_info=True, extra={"event": "heartbeat_failed"})
                    close_old_connections()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        from .models import WorkerBeat

        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=beat_seconds() + 30)
        try:
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        except Exception:  # noqa: BLE001 - the row then goes stale, which is what a dead process looks like
            logger.warning("could not remove the heartbeat row", exc_info=True)


_PROCESS: list[Beater] = []  # the beater of this process, if it has one (the task worker)


def start_process_beater(kind: str, worker_id: str | None = None, *, recover: bool = False) -> Beater:
    beater = Beater(kind, worker_id, recover=recover).start()
    _PROCESS[:] = [beater]
    return beater


def stop_process_beater() -> None:
    while _PROCESS:
        _PROCESS.pop().stop()


@contextmanager
def working_on(run_id: int):
    """Say, in this process's heartbeat, that it computes ``run_id``. A process without a heartbeat
    (``ntm reevaluate --here``) gets one for the duration — unless it is inside a transaction (tests):
    the beat's own connection would then wait for it."""
    own = None
    if _PROCESS:
        beater = _PROCESS[0]
    elif not connection.in_atomic_block:
        beater = own = Beater("here")
    else:
        yield
        return
    beater.run_id = run_id
    try:
        if own is not None:
            own.start()
        else:
            beater.beat()
        yield
    finally:
        beater.run_id = None
        if own is not None:
            own.stop()


def live_beats(now=None):
    from .models import WorkerBeat

    now = now or timezone.now()
    return WorkerBeat.objects.filter(beat_at__gte=now - timezone.timedelta(seconds=dead_after_seconds()))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def orphaned_runs(now=None) -> list:
    """Runs under way whose process stopped beating (or never beat) for longer than the dead time. A
    process of this host that is still alive is not dead, only late: on SQLite its beat waits while
    the run holds the write lock in a long transaction."""
    from .models import WorkerBeat

    now = now or timezone.now()
    cutoff = now - timezone.timedelta(seconds=dead_after_seconds())
    alive = set(live_beats(now).exclude(run_id=None).values_list("run_id", flat=True))
    under_way = [r for r in _RUNS.under_way(cutoff) if r.pk not in alive]
    if under_way:
        host = socket.gethostname()[:255]
        for beat in WorkerBeat.objects.filter(run_id__in=[r.pk for r in under_way], host=host):
            if _process_alive(beat.pid):
                alive.add(beat.run_id)
    return [r for r in under_way if r.pk not in alive]


def recover_orphans(now=None) -> list[int]:
    """Mark every orphaned run failed (and its queued task); returns their ids."""
    done = []
    for run in orphaned_runs(now):
        message = (
            "Tiến trình nền đã dừng đột ngột trong lúc tính (bị tắt, hết bộ nhớ hoặc máy khởi động lại); "
            "chạy lại bằng `ntm reevaluate`."
        )
        if _RUNS.abandon(run, message):
            logger.error("orphaned re-evaluation marked failed", extra={"event": "run_orphaned", "run": run.pk})
            done.append(run.pk)
    return done
