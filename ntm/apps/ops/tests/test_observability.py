"""Observability: a structured log line for every write and every denied access (who, what, unit);
/healthz checks the database and the task worker; the audit trail outlives a deleted user."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

NGUYEN_LY = "xa:13570@2024"
CELL = f"/nhap-lieu/{NGUYEN_LY}/xa-ntm-2021/2023-07/"


@pytest.fixture
def users(db):
    from ntm.apps.accounts.testing import demo_users

    return demo_users()


def _lines(caplog, logger: str) -> list[dict]:
    out = []
    for r in caplog.records:
        if r.name == logger:
            msg = r.getMessage()
            out.append(
                json.loads(msg)
                if msg.startswith("{")
                else {"msg": msg, **{k: v for k, v in r.__dict__.items() if k in ("event", "user", "unit")}}
            )
    return out


def test_every_write_is_one_json_line_with_who_what_and_unit(users, caplog):
    c = Client()
    c.force_login(users["xa"])
    with caplog.at_level(logging.INFO, logger="ntm"):
        r = c.post(CELL, {"v-1.1": "", "a-1.1": "dat", "n-1.1": "ghi nhật ký", "ver-1.1": "0"}, REMOTE_ADDR="10.2.3.4")
    assert r.status_code == 302
    access = _lines(caplog, "ntm.access")
    assert {
        "event": "write",
        "user": "demo_xa",
        "method": "POST",
        "path": CELL,
        "view": "entry-form",
        "unit": NGUYEN_LY,
        "status": 302,
        "ip": "10.2.3.4",
    }.items() <= access[-1].items()
    audit = [x for x in _lines(caplog, "ntm.audit") if x["event"] == "observations_saved"]
    assert audit and audit[-1]["user"] == "demo_xa" and audit[-1]["unit"] == NGUYEN_LY
    assert audit[-1]["new"]["1.1"]["note"] == "ghi nhật ký"


def test_every_denied_access_is_a_warning_line_with_who_and_unit(users, caplog):
    c = Client()
    c.force_login(users["xa"])
    other = "/nhap-lieu/xa:06841@2024/xa-ntm-2021/2023-07/"
    with caplog.at_level(logging.INFO, logger="ntm"):
        assert c.get(other).status_code == 403
        assert Client().get("/api/v1/results/").status_code in (401, 403)
    denied = [(r, json.loads(r.getMessage())) for r in caplog.records if r.name == "ntm.access"]
    assert [d["status"] for _, d in denied] == [403, 401] or [d["status"] for _, d in denied] == [403, 403]
    first, second = denied[0][1], denied[1][1]
    assert first["event"] == "denied" and first["user"] == "demo_xa" and first["unit"] == "xa:06841@2024"
    assert second["event"] == "denied" and second["user"] is None and second["path"] == "/api/v1/results/"
    assert all(r.levelno == logging.WARNING for r, _ in denied)
    audit = [x for x in _lines(caplog, "ntm.audit") if x["event"] == "access_denied"]
    assert audit[0]["user"] == "demo_xa" and audit[0]["unit"] == "xa:06841@2024"


def test_the_json_formatter_writes_one_object_per_line_merging_audit_lines():
    from ntm.apps.ops.jsonlog import JsonFormatter

    rec = logging.LogRecord("ntm.access", logging.WARNING, __file__, 1, '{"event": "denied", "user": "a"}', (), None)
    line = json.loads(JsonFormatter().format(rec))
    assert line["event"] == "denied" and line["user"] == "a" and line["level"] == "WARNING" and "ts" in line
    rec = logging.LogRecord("ntm.ops", logging.INFO, __file__, 1, "backup written", (), None)
    rec.rows = 3
    line = json.loads(JsonFormatter().format(rec))
    assert line["msg"] == "backup written" and line["rows"] == 3


# -- /healthz -----------------------------------------------------------------------------------------
def test_health_is_ok_with_a_database_and_no_task_yet(db):
    r = Client().get("/healthz")
    assert r.status_code == 200 and r["Cache-Control"].startswith("max-age=0")
    body = r.json()
    assert body["status"] == "ok" and body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["worker"]["status"] == "unknown"  # nothing to judge the worker by


def _task(status: str, enqueued_ago: int, finished_ago: int | None = None):
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    t = DBTaskResult.objects.create(
        status=status,
        enqueued_at=now - dt.timedelta(seconds=enqueued_ago),
        run_after=get_date_max(),
        task_path="ntm.apps.evaluations.tasks.reevaluate_all",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        priority=0,
        started_at=None if finished_ago is None else now - dt.timedelta(seconds=finished_ago + 1),
        finished_at=None if finished_ago is None else now - dt.timedelta(seconds=finished_ago),
    )
    DBTaskResult.objects.filter(pk=t.pk).update(enqueued_at=now - dt.timedelta(seconds=enqueued_ago))  # auto_now_add
    return t


def test_health_reports_a_working_worker_and_a_stalled_one(db):
    from django_tasks.base import TaskResultStatus

    _task(TaskResultStatus.SUCCESSFUL, 120, finished_ago=60)
    r = Client().get("/healthz")
    assert r.status_code == 200 and r.json()["checks"]["worker"]["status"] == "ok"
    assert r.json()["checks"]["worker"]["last_activity"]
    _task(TaskResultStatus.READY, 3600)  # due an hour ago, never started: no worker is running
    r = Client().get("/healthz")
    assert r.status_code == 503, r.json()
    w = r.json()["checks"]["worker"]
    assert w["status"] == "stalled" and w["overdue"] == 1 and "db_worker" in w["detail"]


def test_health_fails_without_a_database_and_shows_no_secret(db, monkeypatch, caplog):
    from ntm.apps.ops import views

    class Broken:
        def cursor(self):
            raise RuntimeError("could not connect to server at db.internal:5432 password=secret")

    monkeypatch.setattr(views, "connection", Broken())
    with caplog.at_level(logging.ERROR, logger="ntm.ops"):
        r = Client().get("/healthz")
    assert r.status_code == 503
    assert r.json()["checks"]["database"] == {"status": "error", "error": "RuntimeError"}
    assert b"secret" not in r.content and b"db.internal" not in r.content
    assert any("database check failed" in rec.getMessage() for rec in caplog.records)


# -- the audit trail outlives its users ---------------------------------------------------------------
def test_the_audit_trail_survives_the_deletion_of_a_user(users):
    from django.contrib.auth import get_user_model

    from ntm.apps.audit.models import Action, AuditEvent

    c = Client()
    c.force_login(users["xa"])
    c.post(CELL, {"v-1.1": "", "a-1.1": "dat", "n-1.1": "trước khi xóa", "ver-1.1": "0"})
    c.get("/nhap-lieu/xa:06841@2024/xa-ntm-2021/2023-07/")  # a denied access
    pk = users["xa"].pk
    before = list(AuditEvent.objects.filter(user_id=pk).values_list("id", "action", "username", "unit_uid"))
    assert {a for _, a, _, _ in before} >= {Action.OBSERVATIONS_SAVED, Action.ACCESS_DENIED}
    get_user_model().objects.filter(pk=pk).delete()
    after = list(
        AuditEvent.objects.filter(id__in=[i for i, *_ in before]).values_list(
            "id", "action", "username", "unit_uid", "user_id"
        )
    )
    assert [(i, a, u, x) for i, a, u, x, _ in after] == before
    assert all(
        user_id is None and u == "demo_xa" for *_, u, _, user_id in [(a[0], a[1], a[2], a[3], a[4]) for a in after]
    )
    # the observation still says who saved it
    from ntm.apps.observations.models import Observation

    o = Observation.objects.get(
        unit__uid=NGUYEN_LY,
        set_code="xa-ntm-2021",
        period="2023-07",
        indicator="1.1",
    )
    assert "demo_xa" in o.created_by_name and o.created_by_id is None
