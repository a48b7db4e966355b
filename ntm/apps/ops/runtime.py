"""Start-up of a server process: what every request would otherwise pay for once, and Python's
cyclic garbage collector.

A web worker holds a large, long-lived heap: Django's modules, URL patterns and compiled
templates, the criteria catalogue, and the dashboards kept in memory
(:mod:`ntm.web.cache`). CPython's collector walks every tracked object of the
oldest generation in a full collection: on a warm worker that was a pause of tens of milliseconds,
landing on whichever request happened to allocate at that moment (measured in
``bench/run --only single_save``: the slowest saves were the ones with a full collection).

:func:`settle` (called by ``ntm.web.wsgi`` when a worker loads the application) therefore

- loads what the first request would load (the catalogue, the URL patterns);
- moves everything alive at that point to the collector's permanent generation (``gc.freeze``):
  it is never walked again — start-up objects live as long as the process anyway;
- makes the youngest generation larger (``gc.set_threshold``), so that the many short-lived objects
  of one request are mostly freed by reference counting before a collection looks at them.

Nothing here changes what a request computes; a process that never calls it behaves the same,
only with longer pauses. ``NTM_GC_FREEZE=0`` turns it off (to compare).
"""

from __future__ import annotations

import gc
import os

# youngest generation: 700 allocations by default; a request allocates tens of thousands of
# short-lived containers, most freed by reference counting before the collector would look at them
GEN0_THRESHOLD = 20_000
_SETTLED = [False]


def warm() -> None:
    """Load what every request needs once per process."""
    from django.urls import get_resolver

    from ntm.core.catalog import default_catalog

    default_catalog()
    get_resolver().url_patterns  # noqa: B018 — builds the URL resolver


def settle() -> bool:
    """Warm the process, then freeze what is alive into the collector's permanent generation and
    enlarge its youngest generation. Once per process; returns whether it did anything."""
    if _SETTLED[0] or os.environ.get("NTM_GC_FREEZE", "1") == "0":
        return False
    _SETTLED[0] = True
    warm()
    gc.collect()  # what start-up left as garbage is freed now, not frozen
    gc.freeze()
    _, g1, g2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, g1, g2)
    return True


# -- ntm serve: the web server and its task worker, the worker restarted when it dies ------------------
class Supervisor:
    """Runs the web server and the background-task worker as child processes (``ntm serve``).

    The worker is restarted whenever it exits while the server runs — crashed, killed (SIGKILL, the
    out-of-memory killer) or stopped by hand — after a pause that doubles while it keeps dying within
    ``min_uptime`` seconds of its start (1 s, 2 s, 4 s … at most ``max_pause``), so that a worker that
    cannot start does not spin. Its process id is written to ``pid_file`` (``NTM_HOME/run/worker.pid``).
    The run that a killed worker was computing is marked failed by the new one (its heartbeat stopped:
    :mod:`ntm.apps.ops.heartbeat`). When the server exits, the worker is stopped and the server's exit
    status returned; SIGTERM or Ctrl+C stop both.
    """

    def __init__(
        self,
        web_cmd: list[str],
        worker_cmd: list[str] | None,
        env: dict,
        *,
        pid_file=None,
        say=print,
        min_uptime: float = 10.0,
        max_pause: float = 30.0,
        poll: float = 0.5,
    ):
        self.web_cmd, self.worker_cmd, self.env = web_cmd, worker_cmd, env
        self.pid_file, self.say = pid_file, say
        self.min_uptime, self.max_pause, self.poll = min_uptime, max_pause, poll
        self.web = None
        self.worker = None
        self.restarts = 0
        self._pause = 1.0
        self._started_at = 0.0
        self._stopping = False

    def _start_worker(self) -> None:
        import subprocess
        import time

        self.worker = subprocess.Popen(self.worker_cmd, env=self.env)
        self._started_at = time.monotonic()
        if self.pid_file is not None:
            from pathlib import Path

            p = Path(self.pid_file)
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_suffix(".tmp")
            tmp.write_text(f"{self.worker.pid}\n")
            tmp.replace(p)

    def run(self) -> int:
        import signal
        import subprocess
        import time

        previous = signal.signal(signal.SIGTERM, self._on_term)
        try:
            if self.worker_cmd:
                self._start_worker()
            self.web = subprocess.Popen(self.web_cmd, env=self.env)
            restart_at = None
            while True:
                rc = self.web.poll()
                if rc is not None or self._stopping:
                    return 0 if self._stopping else rc
                if self.worker is not None and restart_at is None and (code := self.worker.poll()) is not None:
                    lived = time.monotonic() - self._started_at
                    self._pause = 1.0 if lived >= self.min_uptime else min(self._pause * 2, self.max_pause)
                    restart_at = time.monotonic() + self._pause
                    self.say(f"Tiến trình nền đã dừng (mã {code}); khởi động lại sau {self._pause:g} giây.")
                    import logging

                    logging.getLogger("ntm.ops").error(
                        "task worker exited; restarting",
                        extra={
                            "event": "worker_restart",
                            "exit_code": code,
                            "uptime": round(lived, 1),
                            "pause": self._pause,
                        },
                    )
                if restart_at is not None and time.monotonic() >= restart_at:
                    restart_at = None
                    self.restarts += 1
                    self._start_worker()
                time.sleep(self.poll)
        except KeyboardInterrupt:
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.stop()

    def _on_term(self, *_):
        self._stopping = True

    def stop(self) -> None:
        import subprocess

        children = [c for c in (self.web, self.worker) if c is not None]
        for c in children:
            if c.poll() is None:
                c.terminate()
        for c in children:
            try:
                c.wait(timeout=15)
            except subprocess.TimeoutExpired:
                c.kill()
                c.wait()
        if self.pid_file is not None:
            from pathlib import Path

            Path(self.pid_file).unlink(missing_ok=True)
