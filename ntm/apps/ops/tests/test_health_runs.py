"""/healthz says "degraded" (503, with reasons) when background work is not being done: a re-evaluation
that failed, one queued too long, one left under way by a killed worker, a worker that stopped beating."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from ntm.apps.evaluations.models import ReevaluationRun
from ntm.apps.ops.models import WorkerBeat

pytestmark = pytest.mark.django_db
S = ReevaluationRun.Status


def _run(status, *, ago: int = 0, sets=("xa-ntm-2021",), periods=("2024-Q1",), message=""):
    at = timezone.now() - dt.timedelta(seconds=ago)
    run = ReevaluationRun.objects.create(
        status=status,
        set_codes=list(sets),
        periods=list(periods),
        message=message,
        started_at=at,
        finished_at=at if status in (S.DONE, S.FAILED) else None,
    )
    ReevaluationRun.objects.filter(pk=run.pk).update(created_at=at)  # auto_now_add
    return run


def _health():
    r = Client().get("/healthz")
    return r.status_code, r.json()


def test_a_failed_run_makes_the_instance_degraded_until_a_later_run_redoes_its_work():
    run = _run(S.FAILED, ago=60, message="TypeError: '<' not supported at db.internal (tasks.py:120, cells_of)")
    code, body = _health()
    assert code == 503 and body["status"] == "degraded"
    assert body["checks"]["runs"]["failed"] == [run.pk]
    assert any(f"#{run.pk} failed" in r and "TypeError" in r for r in body["reasons"])
    assert "db.internal" not in str(body)  # only the class of the error: /healthz needs no log-in
    _run(S.DONE, sets=(), periods=())  # everything was re-evaluated since
    code, body = _health()
    assert code == 200 and body["status"] == "ok", body


def test_an_old_failure_no_longer_counts():
    _run(S.FAILED, ago=3 * 24 * 3600, message="ValueError: x")
    assert _health()[0] == 200


def test_a_run_queued_too_long_makes_the_instance_degraded(settings):
    settings.NTM_HEALTH_RUN_QUEUED_SECONDS = 600
    _run(S.QUEUED, ago=30)
    assert _health()[0] == 200  # just queued: the worker takes it in a moment
    old = _run(S.QUEUED, ago=3600)
    code, body = _health()
    assert code == 503 and body["checks"]["runs"]["queued_too_long"] == [old.pk]
    assert any("queued since" in r for r in body["reasons"])


def test_a_run_left_running_by_a_killed_worker_and_the_dead_worker_are_reported():
    now = timezone.now()
    run = _run(S.RUNNING, ago=900)
    WorkerBeat.objects.create(
        worker_id="w1",
        kind="worker",
        host="h",
        pid=4242,
        run_id=run.pk,
        started_at=now - dt.timedelta(hours=1),
        beat_at=now - dt.timedelta(minutes=14),
    )
    code, body = _health()
    assert code == 503 and body["status"] == "degraded"
    assert body["checks"]["runs"]["orphaned"] == [run.pk]
    assert body["checks"]["worker"]["status"] == "dead" and body["checks"]["worker"]["workers"] == 0
    assert any("worker dead" in r for r in body["reasons"])
    # a live worker (restarted by ntm serve) beats: the worker is fine again; the run is still reported
    # until that worker marks it failed (it does so when it starts: see test_tasks)
    WorkerBeat.objects.create(worker_id="w2", kind="worker", host="h", pid=4243, started_at=now, beat_at=now)
    code, body = _health()
    assert body["checks"]["worker"]["status"] == "ok" and body["checks"]["worker"]["workers"] == 1
    assert code == 503 and body["checks"]["runs"]["orphaned"] == [run.pk]


def test_a_healthy_instance_with_a_beating_worker_is_ok():
    now = timezone.now()
    WorkerBeat.objects.create(worker_id="w1", kind="worker", host="h", pid=1, started_at=now, beat_at=now)
    _run(S.DONE, ago=60)
    code, body = _health()
    assert code == 200 and body["status"] == "ok" and "reasons" not in body
    assert body["checks"]["worker"] == {**body["checks"]["worker"], "status": "ok", "workers": 1}
