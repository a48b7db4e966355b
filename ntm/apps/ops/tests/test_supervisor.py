"""``ntm serve`` keeps its task worker running: killed, it comes back (issue 18 item 14)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
PORT = 8121


def _wait(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = predicate()
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is not alive
        return f.read().split(")")[-1].split()[0] != "Z"


def _beating(db: Path, pid: int) -> bool:
    try:
        with sqlite3.connect(db, timeout=5) as c:
            return bool(c.execute("SELECT 1 FROM ops_workerbeat WHERE pid = ? AND kind = 'worker'", (pid,)).fetchone())
    except sqlite3.Error:
        return False


@pytest.mark.slow
def test_serve_restarts_its_worker_after_a_sigkill(tmp_path):
    env = {**os.environ, "NTM_HOME": str(tmp_path), "NTM_WORKER_BEAT_SECONDS": "1", "NTM_LOG_LEVEL": "ERROR"}
    env.pop("DATABASE_URL", None)
    ntm = Path(sys.executable).with_name("ntm")
    serve = subprocess.Popen(
        [str(ntm), "serve", "--port", str(PORT), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    pid_file, db = tmp_path / "run" / "worker.pid", tmp_path / "ntm.sqlite3"
    try:
        first = _wait(lambda: _pid(pid_file), 180, "the worker to start")
        _wait(lambda: _beating(db, first), 60, "the worker's heartbeat")
        body = _wait(lambda: _get(f"http://127.0.0.1:{PORT}/healthz"), 60, "the web server")
        assert '"worker"' in body
        os.kill(first, signal.SIGKILL)
        second = _wait(lambda: (p := _pid(pid_file)) != first and p, 30, "a new worker")
        assert _alive(second) and not _alive(first)
        _wait(lambda: _beating(db, second), 60, "the new worker's heartbeat")
        assert serve.poll() is None  # the server itself went on
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
    assert not pid_file.exists()  # stopped with the server


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode()
    except OSError as exc:
        if getattr(exc, "code", None) == 503:
            return exc.read().decode()
        return None
