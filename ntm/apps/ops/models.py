"""What the operations app stores: the heartbeats of background processes and failed log-ins."""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    """A background process that is alive: the task worker (started by ``ntm serve``) or ``ntm reevaluate
    --here``. It writes ``beat_at`` every few seconds from a thread of its own (:mod:`ntm.apps.ops.heartbeat`)
    and removes its row when it stops normally; a row that stopped beating is a process that died (killed,
    out of memory, host down). ``run_id`` is the re-evaluation it is computing."""

    worker_id = models.CharField("mã tiến trình", max_length=64, primary_key=True)
    kind = models.CharField("loại", max_length=16)
    host = models.CharField("máy", max_length=255)
    pid = models.IntegerField("pid")
    run_id = models.BigIntegerField("lượt đang tính", null=True, blank=True)
    started_at = models.DateTimeField("bắt đầu")
    beat_at = models.DateTimeField("nhịp gần nhất", db_index=True)

    class Meta:
        verbose_name = "tiến trình nền"
        verbose_name_plural = "tiến trình nền"

    def __str__(self) -> str:
        return f"{self.kind} {self.host}:{self.pid}"


class LoginFailure(models.Model):
    """One failed log-in (or one attempt under way), counted under one key of the log-in throttle
    (:mod:`ntm.apps.ops.throttle`): the pair (user name, address), the user name, or the address — hashed,
    never the name itself. In the database so that every worker of every host counts the same failures;
    rows older than the throttle's window are deleted."""

    key = models.CharField(max_length=64)
    at = models.FloatField(db_index=True)  # seconds since the epoch

    class Meta:
        verbose_name = "đăng nhập sai"
        verbose_name_plural = "đăng nhập sai"
        indexes = [models.Index(fields=["key", "at"], name="ops_loginfailure_key_at")]
