"""Keep what a dashboard computed from stored results until those results change.

A national overview reads every commune's result (10,000 communes: about a second of work); under
load, dozens of officials open the same few overviews between two saves. Each write that changes
what the dashboards show calls :func:`changed` inside its transaction; once the transaction has
committed, the topic's counter (:class:`~.models.DataVersion`: one tiny row per topic — results, units, plans) is raised in its own
short statement, so no lock is held across the writer's other locks. A page then asks
:func:`memo` for its figures under a key that includes the counters: the first request after a
change computes them, the next ones reuse them — the figures shown are always those of the
committed results (the counters are read *before* the results, so a page computed while a save
commits is stored under the older counter and recomputed at the next request).

Rules that keep this correct:

- a reader inside a transaction (e.g. a request that has just written, or a test case) may see
  uncommitted rows the counters do not reflect: it never uses nor fills the memo;
- entries also expire after ``NTM_MEMO_SECONDS`` (default 300 s), a bound on staleness should a
  writer ever forget :func:`changed` (and when the process missed a commit made by hand in SQL);
- the memo is per process (gunicorn workers each keep their own), bounded in size by a weight
  (roughly the number of communes an entry holds), least recently used first out;
- cached objects are shared between requests: callers must not modify them.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F

log = logging.getLogger("ntm.freshness")
T = TypeVar("T")
TOPICS = ("results", "units", "plans")

_LOCK = threading.Lock()
_MEMO: OrderedDict[Hashable, tuple[float, tuple, int, object]] = OrderedDict()
_WEIGHT = [0]


def _max_weight() -> int:
    return int(getattr(settings, "NTM_MEMO_WEIGHT", None) or os.environ.get("NTM_MEMO_WEIGHT") or 60_000)


def _max_age() -> float:
    return float(getattr(settings, "NTM_MEMO_SECONDS", None) or os.environ.get("NTM_MEMO_SECONDS") or 300)


# -- writers -----------------------------------------------------------------------------------
def _bump(topic: str) -> None:
    from .models import DataVersion

    try:
        if not DataVersion.objects.filter(topic=topic).update(value=F("value") + 1):
            DataVersion.objects.get_or_create(topic=topic, defaults={"value": 1})
    except DatabaseError:  # never fail a committed save over it; the memo expires anyway
        log.exception("could not raise the data version %s", topic)


_BUMPERS = {t: functools.partial(_bump, t) for t in TOPICS}


def changed(topic: str = "results", *, using: str | None = None) -> None:
    """Call in the transaction that changes what dashboards show: the topic's counter is raised
    once that transaction commits (at once when there is none). Repeated calls within one atomic
    block register one raise (a save evaluating three sets raises the counter once)."""
    bump = _BUMPERS[topic]
    conn = transaction.get_connection(using)
    if conn.in_atomic_block:
        here = set(conn.savepoint_ids)
        if any(entry[1] is bump and entry[0] == here for entry in conn.run_on_commit):
            return
    transaction.on_commit(bump, using=using, robust=True)


# -- readers -----------------------------------------------------------------------------------
def enabled() -> bool:
    mode = getattr(settings, "NTM_MEMO", None) or os.environ.get("NTM_MEMO") or "auto"
    if mode == "off":
        return False
    return mode == "always" or not connection.in_atomic_block


def stamp(topics: tuple[str, ...] = TOPICS) -> tuple:
    """The current counters of ``topics`` (one indexed query)."""
    from .models import DataVersion

    values = dict(DataVersion.objects.filter(topic__in=topics).values_list("topic", "value"))
    return tuple(values.get(t, 0) for t in topics)


def memo(key: Hashable, compute: Callable[[], T], *, topics: tuple[str, ...] = TOPICS,
         weight: Callable[[T], int] | int = 1) -> T:
    """``compute()``'s value for ``key``, reused while the counters of ``topics`` stay the same."""
    if not enabled():
        return compute()
    current = stamp(topics)
    now = time.monotonic()
    with _LOCK:
        hit = _MEMO.get(key)
        if hit is not None and hit[1] == current and now - hit[0] < _max_age():
            _MEMO.move_to_end(key)
            return hit[3]  # type: ignore[return-value]
    value = compute()
    w = max(1, weight(value) if callable(weight) else int(weight))
    with _LOCK:
        old = _MEMO.pop(key, None)
        if old is not None:
            _WEIGHT[0] -= old[2]
        _MEMO[key] = (now, current, w, value)
        _WEIGHT[0] += w
        while _WEIGHT[0] > _max_weight() and len(_MEMO) > 1:
            _, dropped = _MEMO.popitem(last=False)
            _WEIGHT[0] -= dropped[2]
    return value


def clear() -> None:
    with _LOCK:
        _MEMO.clear()
        _WEIGHT[0] = 0


# -- who calls changed() -------------------------------------------------------------------------
# Writes through the ORM (a result created or deleted, fixtures loaded by a restore) are caught by
# these receivers; the bulk paths that write with SQL call changed() themselves
# (services.store, batch.evaluate_cell, tasks.switch, demo_national).
def _connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from ntm.apps.units.services import units_changed

    from .models import Result

    def result_written(sender, **kwargs):
        changed("results", using=kwargs.get("using"))

    def units_loaded(sender, **kwargs):
        changed("units")

    post_save.connect(result_written, sender=Result, dispatch_uid="ntm-freshness-result-saved", weak=False)
    post_delete.connect(result_written, sender=Result, dispatch_uid="ntm-freshness-result-deleted", weak=False)
    units_changed.connect(units_loaded, dispatch_uid="ntm-freshness-units", weak=False)

    from ntm.apps.plans.models import PlanTarget

    def plan_written(sender, **kwargs):
        changed("plans", using=kwargs.get("using"))

    post_save.connect(plan_written, sender=PlanTarget, dispatch_uid="ntm-freshness-plan-saved", weak=False)
    post_delete.connect(plan_written, sender=PlanTarget, dispatch_uid="ntm-freshness-plan-deleted", weak=False)
