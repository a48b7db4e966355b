"""Keep what a dashboard computed from stored results until those results change.

A national overview reads every commune's result (10,000 communes: about a second of work); under
load, dozens of officials open the same few overviews between two saves. Each write that changes
what the dashboards show calls :func:`changed` inside its transaction; once the transaction has
committed, the topic's counter (:class:`~.models.DataVersion`: one tiny row per topic — results,
units, plans) is raised in its own short transaction, together with a row of the change log
(:class:`~.models.DataChange`: which units and periods changed, or "anything"). A page then asks
:func:`memo` for its figures under a key; the entry remembers the counters it was computed at:

- counters unchanged → the kept value;
- only the results counter moved and the log says which units changed → the entry's ``patch``
  brings it up to date (an overview re-reads only those communes; a page none of whose communes
  changed is kept as it is) — so a save in one commune does not make every worker recompute the
  national overview;
- anything else → computed again.

The figures shown are always those of committed results: the counters are read *before* the
results, so a page computed while a save commits is kept under the older counter and patched or
recomputed at the next request. :func:`kept_page` keeps whole responses per user on the same rule.

Rules that keep this correct:

- a reader inside a transaction (e.g. a request that has just written, or a test case) may see
  uncommitted rows the counters do not reflect: it never uses nor fills the memo;
- entries also expire after ``NTM_MEMO_SECONDS`` (default 300 s) from their first computation,
  patched or not — a bound on staleness should a writer ever forget :func:`changed` (and when the
  process missed a commit made by hand in SQL);
- a missing step in the change log (pruned, or a log write that failed) counts as "anything";
- the memo is per process (gunicorn workers each keep their own), bounded in size by a weight
  (roughly the number of communes an entry holds), least recently used first out;
- cached objects are shared between requests: callers must not modify them.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ntm.apps.ops.sql import statement

log = logging.getLogger("ntm.freshness")
T = TypeVar("T")
TOPICS = ("results", "units", "plans")
# whole pages also announce the background re-evaluations queued or under way (tasks.py raises "runs"
# when one is queued and when it ends) and show review states (the menu's count of sheets waiting,
# reporting completeness: workflow raises "review" at every step): such a change builds a kept page
# again, and nothing else
PAGE_TOPICS = TOPICS + ("runs", "review")

_LOCK = threading.Lock()
_MEMO: OrderedDict[Hashable, tuple[float, tuple, int, object]] = OrderedDict()
_WEIGHT = [0]
# what one page request has read of the counters and the change log (set by kept_page)
_READ = contextvars.ContextVar("ntm_freshness_read", default=None)


def _max_weight() -> int:
    return int(getattr(settings, "NTM_MEMO_WEIGHT", None) or os.environ.get("NTM_MEMO_WEIGHT") or 60_000)


def _max_age() -> float:
    return float(getattr(settings, "NTM_MEMO_SECONDS", None) or os.environ.get("NTM_MEMO_SECONDS") or 300)


# -- writers -----------------------------------------------------------------------------------
LOG_KEEP = 5_000  # change-log rows kept per topic: a worker more changes behind recomputes


@dataclass(frozen=True)
class Changes:
    """What changed between two counter values: ``units``/``periods`` whose results changed (None:
    anything may have changed), ``added``: result rows were added or removed."""

    units: frozenset[int] | None
    periods: frozenset[str]
    added: bool

    @property
    def everything(self) -> bool:
        return self.units is None

    def touches(self, unit_ids) -> bool:
        """Whether any of ``unit_ids`` (a set or a dict keyed by id) changed."""
        if self.units is None:
            return True
        if len(self.units) <= len(unit_ids):
            return any(u in unit_ids for u in self.units)
        return any(u in self.units for u in unit_ids)


class _Raise:
    """One pending raise of a topic's counter (an ``on_commit`` callback), with what it covers."""

    __slots__ = ("topic", "units", "periods", "added")

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.units: set[int] | None = set()
        self.periods: set[str] = set()
        self.added = False

    def cover(self, units, periods, added: bool) -> None:
        if units is None or self.units is None:
            self.units = None
        else:
            self.units.update(int(u) for u in units)
        self.periods.update(periods or ())
        self.added = self.added or added

    def __call__(self) -> None:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            try:
                if self._in_one_statement():
                    return
            except DatabaseError:
                log.warning("raising %s in one statement failed; step by step", self.topic, exc_info=True)
        self._step_by_step()

    def _in_one_statement(self) -> bool:
        """PostgreSQL, outside a transaction: the raise and its log row in ONE statement (its own
        transaction: one round trip instead of seven), not waiting for the disk (after a crash every
        worker starts with an empty memo). False when the counter's row does not exist yet."""
        from .models import DataChange, DataVersion

        qn = connection.ops.quote_name
        with connection.cursor() as cur:
            cur.execute(
                f"WITH quick AS (SELECT set_config('synchronous_commit', 'off', true)), "
                f"raised AS (UPDATE {qn(DataVersion._meta.db_table)} SET value = value + 1 WHERE topic = %s "
                f"RETURNING value) "
                f"INSERT INTO {qn(DataChange._meta.db_table)} (topic, version, units, periods, added) "
                f"SELECT %s, raised.value, CAST(%s AS jsonb), CAST(%s AS jsonb), %s FROM raised, quick "
                f"RETURNING version",
                [
                    self.topic,
                    self.topic,
                    None if self.units is None else json.dumps(sorted(self.units)),
                    json.dumps(sorted(self.periods)),
                    self.added,
                ],
            )
            row = cur.fetchone()
        if row is None:
            return False
        if row[0] % 500 == 0:
            DataChange.objects.filter(topic=self.topic, version__lte=row[0] - LOG_KEEP).delete()
        return True

    def _step_by_step(self) -> None:
        from .models import DataChange, DataVersion

        table = connection.ops.quote_name(DataVersion._meta.db_table)
        try:
            with transaction.atomic():
                with connection.cursor() as cur:
                    if connection.vendor == "postgresql":
                        # no wait for the disk: after a crash every worker starts with an empty memo
                        cur.execute("SET LOCAL synchronous_commit TO OFF")
                    cur.execute(f"UPDATE {table} SET value = value + 1 WHERE topic = %s RETURNING value", [self.topic])
                    row = cur.fetchone()
                if row is None:
                    obj, _ = DataVersion.objects.get_or_create(topic=self.topic, defaults={"value": 1})
                    row = (obj.value,)
                version = row[0]
                try:  # without its log row, the raise still stands: readers then recompute everything
                    with transaction.atomic():
                        DataChange.objects.create(
                            topic=self.topic,
                            version=version,
                            added=self.added,
                            periods=sorted(self.periods),
                            units=None if self.units is None else sorted(self.units),
                        )
                        if version % 500 == 0:
                            DataChange.objects.filter(topic=self.topic, version__lte=version - LOG_KEEP).delete()
                except DatabaseError:
                    log.exception("could not log the change %s #%s", self.topic, version)
        except DatabaseError:  # never fail a committed save over it; the memo expires anyway
            log.exception("could not raise the data version %s", self.topic)


def changed(topic: str = "results", *, units=None, periods=(), added: bool = False, using: str | None = None) -> None:
    """Call in the transaction that changes what dashboards show: the topic's counter is raised
    once that transaction commits (at once when there is none), and the change is logged with it.

    ``units``: ids of the units whose results changed, in ``periods`` (None, the default: anything
    may have changed — pages are computed again); ``added``: result rows were added or removed.
    Repeated calls within one atomic block register one raise covering all of them (a save
    evaluating three sets raises the counter once)."""
    conn = transaction.get_connection(using)
    if conn.in_atomic_block:
        here = set(conn.savepoint_ids)
        for entry in conn.run_on_commit:
            cb = entry[1]
            if isinstance(cb, _Raise) and cb.topic == topic and entry[0] == here:
                cb.cover(units, periods, added)
                return
    pending = _Raise(topic)
    pending.cover(units, periods, added)
    transaction.on_commit(pending, using=using, robust=True)


def changes_between(topic: str, old: int, new: int) -> Changes:
    """What changed in ``topic`` after counter value ``old`` up to ``new`` (one query); everything
    when the log does not hold every step (pruned, or written before the log existed)."""
    from .models import DataChange

    if new <= old:
        return Changes(frozenset(), frozenset(), False)
    read = _READ.get()  # several kept values of one page ask for the same steps: read them once
    if read is not None and (topic, old, new) in read:
        return read[(topic, old, new)]
    out = _read_changes(DataChange, topic, old, new)
    if read is not None:
        read[(topic, old, new)] = out
    return out


def _read_changes(DataChange, topic: str, old: int, new: int) -> Changes:
    # asked by every kept page a save has touched: plain SQL (see ops.sql)
    sql = statement(
        "data-changes",
        lambda qn: (
            f"SELECT {qn('units')}, {qn('periods')}, {qn('added')} FROM {qn(DataChange._meta.db_table)} "
            f"WHERE {qn('topic')} = %s AND {qn('version')} > %s AND {qn('version')} <= %s"
        ),
    )
    with connection.cursor() as cur:
        cur.execute(sql, [topic, old, new])
        rows = cur.fetchall()
    if len(rows) != new - old:
        return Changes(None, frozenset(), True)
    units: set[int] | None = set()
    periods: set[str] = set()
    added = False
    for u, p, a in rows:
        u = json.loads(u) if isinstance(u, (str, bytes)) else u  # JSON: text on SQLite
        p = json.loads(p) if isinstance(p, (str, bytes)) else p
        if u is None:
            units = None
        elif units is not None:
            units.update(u)
        periods.update(p or ())
        added = added or bool(a)
    return Changes(None if units is None else frozenset(units), frozenset(periods), added)


# -- readers -----------------------------------------------------------------------------------
def enabled() -> bool:
    mode = getattr(settings, "NTM_MEMO", None) or os.environ.get("NTM_MEMO") or "auto"
    if mode == "off":
        return False
    return mode == "always" or not connection.in_atomic_block


_STAMP = "stamp"  # the key of the counters in a request's reads (the change log's keys are tuples)


def stamp(topics: tuple[str, ...] = TOPICS) -> tuple:
    """The current counters of ``topics`` (one indexed query; read once per page request)."""
    read = _READ.get()
    values = read.get(_STAMP) if read is not None else None
    if values is None:  # every topic at once: a page and the parts it is built from read them once
        from .models import DataVersion

        table = connection.ops.quote_name(DataVersion._meta.db_table)
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT topic, value FROM {table} WHERE topic IN ({', '.join(['%s'] * len(PAGE_TOPICS))})",
                list(PAGE_TOPICS),
            )
            values = dict(cur.fetchall())
        if read is not None:
            read[_STAMP] = values
    return tuple(values.get(t, 0) for t in topics)


def _patchable(old: tuple, new: tuple, topics: tuple[str, ...]) -> int | None:
    """The index of "results" in ``topics`` when only that counter moved (forward), else None."""
    if "results" not in topics:
        return None
    i = topics.index("results")
    if any(a != b for k, (a, b) in enumerate(zip(old, new)) if k != i) or new[i] < old[i]:
        return None
    return i


def memo(
    key: Hashable,
    compute: Callable[[], T],
    *,
    topics: tuple[str, ...] = TOPICS,
    weight: Callable[[T], int] | int = 1,
    patch: Callable[[T, Changes], T | None] | None = None,
) -> T:
    """``compute()``'s value for ``key``, reused while the counters of ``topics`` stay the same.

    ``patch(value, changes)``: when only results changed since ``value`` was kept, the value brought
    up to date for ``changes`` (the same object when they do not concern it), or None to compute
    again. A patched value keeps the time of its first computation: the staleness bound holds."""
    if not enabled():
        return compute()
    current = stamp(topics)
    now = time.monotonic()
    with _LOCK:
        hit = _MEMO.get(key)
        if hit is not None and now - hit[0] < _max_age():
            if hit[1] == current:
                _MEMO.move_to_end(key)
                return hit[3]  # type: ignore[return-value]
        else:
            hit = None
    value = None
    born = now
    if hit is not None and patch is not None:
        i = _patchable(hit[1], current, topics)
        if i is not None:
            value = patch(hit[3], changes_between("results", hit[1][i], current[i]))  # type: ignore[arg-type]
            if value is not None:
                born = hit[0]
    if value is None:
        value = compute()
    w = max(1, weight(value) if callable(weight) else int(weight))
    with _LOCK:
        old = _MEMO.pop(key, None)
        if old is not None:
            _WEIGHT[0] -= old[2]
        _MEMO[key] = (born, current, w, value)
        _WEIGHT[0] += w
        while _WEIGHT[0] > _max_weight() and len(_MEMO) > 1:
            _, dropped = _MEMO.popitem(last=False)
            _WEIGHT[0] -= dropped[2]
    return value


# -- whole pages ---------------------------------------------------------------------------------
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# base.html wraps the one-time messages in these marks; a view wraps its region with kept_region()
MESSAGES = ("<!--ntm-messages-->", "<!--/ntm-messages-->")
_MESSAGES_CUT = re.compile(re.escape(MESSAGES[0]) + ".*?" + re.escape(MESSAGES[1]), re.S)
_REGION = ("<!--ntm-region-->", "<!--/ntm-region-->")
_HOLE = "\x00ntm-region\x00"


def depends_on(request, unit_ids) -> None:
    """Tell :func:`kept_page` which units' results the page being built shows (ids; a dict keyed by
    id will do): a save for other units then leaves the kept page as it is."""
    request._kept_deps = unit_ids


def kept_region(request, render: Callable[[HttpRequest], tuple[str, object]]) -> str:
    """The part of a :func:`kept_page` page that shows results, as HTML to put in the page.

    ``render(request)`` returns that part's HTML and the ids of the units whose results it shows
    (as :func:`depends_on`). When a save changes results of those units, a later request re-renders
    this part alone, with ``render`` and that request, and reuses the rest of the kept page around
    it (menus, selectors, the list of periods: what a changed result cannot change). ``render``
    is kept with the page: it must not hold the request it was first called with."""
    html, deps = render(request)
    request._kept_region = render
    request._kept_deps = deps
    return mark_safe(_REGION[0] + html + _REGION[1])


def _messages_pending(request) -> bool:
    try:
        return len(request._messages) > 0
    except (AttributeError, TypeError):
        return False


def _page_key(request) -> tuple | None:
    from ntm.apps.accounts.permissions import roles_key

    from .dataview import current

    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        "page",
        request.get_full_path(),
        get_language(),
        current().code,
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-Target", ""),
        user.pk,
        user.get_username(),
        user.get_full_name(),
        bool(user.is_superuser),
        bool(user.is_staff),
        roles_key(user),
    )


class _Kept:
    """A kept page: its HTML cut at the CSRF token (``parts``), with the one-time messages left out
    and, when the view declared a region, that region's HTML apart (``region``, its place marked)."""

    __slots__ = ("parts", "content_type", "deps", "region", "render")

    def __init__(self, parts, content_type, deps, region=None, render=None):
        self.parts, self.content_type, self.deps, self.region, self.render = parts, content_type, deps, region, render

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.parts) + len(self.region or "")

    def html(self, request) -> str:
        parts = self.parts
        html = get_token(request).join(parts) if len(parts) > 1 else parts[0]
        if self.region is not None:
            html = html.replace(_HOLE, _REGION[0] + self.region + _REGION[1], 1)
        if _messages_pending(request):
            from django.template.loader import render_to_string

            shown = render_to_string("_messages.html", {"messages": request._messages})
            html = html.replace(MESSAGES[0] + MESSAGES[1], MESSAGES[0] + shown + MESSAGES[1], 1)
        return html


def _keepable(request, response: HttpResponse) -> _Kept | None:
    """What of a view's response can be kept, or None."""
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or not response.get("Content-Type", "").startswith("text/html")
    ):
        return None
    html = response.content.decode(response.charset or "utf-8")
    if MESSAGES[0] in html:  # the messages shown now are shown once: kept without them
        html = _MESSAGES_CUT.sub(MESSAGES[0] + MESSAGES[1], html, count=1)
    render = getattr(request, "_kept_region", None)
    region = None
    if render is not None:
        a = html.find(_REGION[0])
        b = html.find(_REGION[1], a + 1)
        if a < 0 or b < 0:
            render = None
        else:
            region = html[a + len(_REGION[0]) : b]
            html = html[:a] + _HOLE + html[b + len(_REGION[1]) :]
    found = _TOKEN.search(html)
    if region is not None and _TOKEN.search(region):
        return None  # a form inside the region: not kept (its token could not be replaced)
    parts = html.split(found.group(1)) if found else [html]
    return _Kept(parts, response["Content-Type"], getattr(request, "_kept_deps", None), region, render)


def kept_page(view):
    """Keep a GET page's response (per user, address and language) while the figures it shows stay
    the same — the next identical request is answered without running the view: no unit lookup,
    no template. The per-request work left is Django's own (session, user, memberships) and one
    read of the data versions. The page's CSRF token is replaced by a fresh one on each answer, and
    one-time messages waiting for the user (``django.contrib.messages``, e.g. "saved") are put in.

    A save that changes only results is checked against the units the view declared with
    :func:`depends_on` or :func:`kept_region`: other units → the kept page is still right; those
    units → the region alone is rendered again (the whole view runs when it declared none); result
    rows added or removed (the period lists), or anything else (units, plans, an import) → built
    again."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET":
            return view(request, *args, **kwargs)
        read = _READ.set({})  # one read of the counters for the whole request (a GET writes nothing)
        try:
            key = _page_key(request) if enabled() else None
            return view(request, *args, **kwargs) if key is None else _answer(request, key, view, args, kwargs)
        finally:
            _READ.reset(read)

    return wrapper


def _answer(request, key: tuple, view, args, kwargs) -> HttpResponse:
    key = key + (args, tuple(sorted(kwargs.items())))
    built: list[HttpResponse] = []

    def compute():
        response = view(request, *args, **kwargs)
        built.append(response)
        return _keepable(request, response)

    def patch(kept: _Kept | None, changes: Changes):
        if kept is None or changes.added or kept.deps is None:
            return None
        if not changes.touches(kept.deps):
            return kept
        if kept.render is None:
            return None
        html, deps = kept.render(request)  # this request: the same user, address and language
        if _TOKEN.search(html):
            return None
        return _Kept(kept.parts, kept.content_type, deps, html, kept.render)

    kept = memo(key, compute, patch=patch, topics=PAGE_TOPICS, weight=lambda k: 1 if k is None else k.size // 1024 + 1)
    if built:  # computed now: the view's own response
        if kept is None:
            forget(key)
        return built[0]
    if kept is None:
        forget(key)
        return view(request, *args, **kwargs)
    return HttpResponse(kept.html(request), content_type=kept.content_type)


def forget(key: Hashable) -> None:
    with _LOCK:
        old = _MEMO.pop(key, None)
        if old is not None:
            _WEIGHT[0] -= old[2]


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

    from .models import Result, ResultAll

    def result_written(sender, instance, **kwargs):
        # one result saved or deleted through the ORM: kept pages are patched for its unit and period
        changed(
            "results",
            units=(instance.unit_id,),
            periods=(instance.period,),
            added=kwargs.get("created", True),
            using=kwargs.get("using"),
        )

    def units_loaded(sender, **kwargs):
        changed("units")

    post_save.connect(result_written, sender=Result, dispatch_uid="ntm-freshness-result-saved", weak=False)
    post_delete.connect(result_written, sender=Result, dispatch_uid="ntm-freshness-result-deleted", weak=False)
    post_save.connect(result_written, sender=ResultAll, dispatch_uid="ntm-freshness-result-all-saved", weak=False)
    post_delete.connect(result_written, sender=ResultAll, dispatch_uid="ntm-freshness-result-all-deleted", weak=False)
    units_changed.connect(units_loaded, dispatch_uid="ntm-freshness-units", weak=False)

    from ntm.apps.plans.models import PlanTarget

    def plan_written(sender, **kwargs):
        changed("plans", using=kwargs.get("using"))

    post_save.connect(plan_written, sender=PlanTarget, dispatch_uid="ntm-freshness-plan-saved", weak=False)
    post_delete.connect(plan_written, sender=PlanTarget, dispatch_uid="ntm-freshness-plan-deleted", weak=False)
