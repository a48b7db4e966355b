"""Keep what a page computed from stored data until that data changes.

A national overview reads every commune's result (10,000 communes: about a second of work); under
load, dozens of officials open the same few overviews between two saves. Each write that changes
what the pages show calls :func:`changed` inside its transaction; once the transaction has
committed, the topic's counter (the ``evaluations.DataVersion`` model: one tiny row per topic —
results, units, plans, runs, review) is raised in its own short transaction, together with a row of
the change log (``evaluations.DataChange``: which units and periods changed, or "anything"). The
apps connect their own models to it in their ``ready()``. A page then asks :func:`memo` for its
figures under a key; the entry, kept in Django's cache framework (the ``pages`` cache,
:data:`CACHE`), remembers the counters it was computed at:

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
- entries also expire after the cache's ``TIMEOUT`` (``NTM_MEMO_SECONDS``, default 300 s) from
  their first computation, patched or not — a bound on staleness should a writer ever forget
  :func:`changed` (and when the process missed a commit made by hand in SQL);
- a missing step in the change log (pruned, or a log write that failed) counts as "anything";
- several calls of :func:`changed` in one transaction raise the counter once, after the commit;
- the ``pages`` cache holds live objects (an overview holds thousands of rows, a kept page the
  function that renders its region again): its backend is :class:`ObjectCache`, one store per
  process (gunicorn workers each keep their own) bounded by a weight (roughly the number of
  communes an entry holds), least recently used first out. Cached objects are shared between
  requests: callers must not modify them.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import json
import logging
import os
import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

log = logging.getLogger("ntm.cache")
T = TypeVar("T")
CACHE = "pages"  # its alias in settings.CACHES
TOPICS = ("results", "units", "plans")
# whole pages also announce the background re-evaluations queued or under way (tasks.py raises "runs"
# when one is queued and when it ends) and show review states (the menu's count of sheets waiting,
# reporting completeness: workflow raises "review" at every step): such a change builds a kept page
# again, and nothing else
PAGE_TOPICS = TOPICS + ("runs", "review")

# what one page request has read of the counters and the change log (set by kept_page)
_READ = contextvars.ContextVar("ntm_cache_read", default=None)


def _versions():
    return apps.get_model("evaluations", "DataVersion")


def _change_log():
    return apps.get_model("evaluations", "DataChange")


# -- the backend -------------------------------------------------------------------------------
class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, tuple[float | None, int, Any]] = OrderedDict()  # key -> (expiry, weight, value)
        self.weight = 0

    def drop(self, key: str) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.weight -= old[1]

    def live(self, key: str) -> tuple | None:
        hit = self.entries.get(key)
        if hit is not None and hit[0] is not None and hit[0] <= time.time():
            self.drop(key)
            return None
        return hit


_STORES: dict[str, _Store] = {}
_STORES_LOCK = threading.Lock()


class ObjectCache(BaseCache):
    """A cache backend keeping live objects (not pickled copies) in this process, shared by its
    threads, bounded by the sum of the entries' weights (``OPTIONS["MAX_WEIGHT"]``; a value's weight
    is its ``cache_weight`` attribute, else 1), least recently used first out."""

    def __init__(self, name: str, params: dict) -> None:
        super().__init__(params)
        self.max_weight = int((params.get("OPTIONS") or {}).get("MAX_WEIGHT", 60_000))
        with _STORES_LOCK:
            self._store = _STORES.setdefault(name, _Store())

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        store = self._store
        with store.lock:
            hit = store.live(key)
            if hit is None:
                return default
            store.entries.move_to_end(key)
            return hit[2]

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        weight = max(1, int(getattr(value, "cache_weight", 1)))
        store = self._store
        with store.lock:
            store.drop(key)
            store.entries[key] = (self.get_backend_timeout(timeout), weight, value)
            store.weight += weight
            while store.weight > self.max_weight and len(store.entries) > 1:
                _, dropped = store.entries.popitem(last=False)
                store.weight -= dropped[1]

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self.has_key(key, version):
            return False
        self.set(key, value, timeout, version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        store = self._store
        with store.lock:
            hit = store.live(key)
            if hit is None:
                return False
            store.entries[key] = (self.get_backend_timeout(timeout), hit[1], hit[2])
            return True

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._store.lock:
            found = key in self._store.entries
            self._store.drop(key)
            return found

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._store.lock:
            return self._store.live(key) is not None

    def clear(self):
        with self._store.lock:
            self._store.entries.clear()
            self._store.weight = 0


def _cache() -> BaseCache:
    return caches[CACHE]


def _key(key: Hashable) -> str:
    """A valid key for any cache backend from one of ours (a tuple of ids, dates, strings)."""
    return hashlib.blake2b(repr(key).encode(), digest_size=20).hexdigest()


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

    __slots__ = ("alias", "topic", "units", "periods", "added", "done", "__weakref__")

    def __init__(self, topic: str, alias: str = DEFAULT_DB_ALIAS) -> None:
        self.alias, self.topic = alias, topic
        self.units: set[int] | None = set()
        self.periods: set[str] = set()
        self.added = False
        self.done = False

    def cover(self, units, periods, added: bool) -> None:
        if units is None or self.units is None:
            self.units = None
        else:
            self.units.update(int(u) for u in units)
        self.periods.update(periods or ())
        self.added = self.added or added

    def __call__(self) -> None:
        if self.done:  # covered by an earlier raise of the same commit
            return
        self.done = True
        for other in _waiting(self.alias, self.topic):  # the others of this commit: one raise for all
            if other is not self:
                self.cover(other.units, other.periods, other.added)
                other.done = True
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
        DataVersion, DataChange = _versions(), _change_log()
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
        DataVersion, DataChange = _versions(), _change_log()
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
    Repeated calls before the commit register one raise covering all of them (a save evaluating
    three sets raises the counter once)."""
    alias = using or DEFAULT_DB_ALIAS
    pending = _Raise(topic, alias)
    pending.cover(units, periods, added)
    waiting = _waiting_list(alias, topic)
    if len(waiting) >= 1000:  # those of rolled-back transactions are gone: drop their references
        _waiting(alias, topic)
    waiting.append(weakref.ref(pending))
    transaction.on_commit(pending, using=using, robust=True)


# The raises registered by this thread and not yet run, by (database alias, topic): the first one run
# after a commit covers the others of that commit. The transaction holds the only strong reference
# to a raise: rolled back, the raise goes with it.
_PENDING = threading.local()


def _waiting_list(alias: str, topic: str) -> list:
    by_slot = getattr(_PENDING, "raises", None)
    if by_slot is None:
        by_slot = _PENDING.raises = {}
    return by_slot.setdefault((alias, topic), [])


def _waiting(alias: str, topic: str) -> list[_Raise]:
    refs = _waiting_list(alias, topic)
    live = [r() for r in refs]
    live = [r for r in live if r is not None and not r.done]
    refs[:] = [weakref.ref(r) for r in live]
    return live


def changes_between(topic: str, old: int, new: int) -> Changes:
    """What changed in ``topic`` after counter value ``old`` up to ``new`` (one query); everything
    when the log does not hold every step (pruned, or written before the log existed)."""
    if new <= old:
        return Changes(frozenset(), frozenset(), False)
    read = _READ.get()  # several kept values of one page ask for the same steps: read them once
    if read is not None and (topic, old, new) in read:
        return read[(topic, old, new)]
    out = _read_changes(topic, old, new)
    if read is not None:
        read[(topic, old, new)] = out
    return out


def _read_changes(topic: str, old: int, new: int) -> Changes:
    rows = list(
        _change_log()
        .objects.filter(topic=topic, version__gt=old, version__lte=new)
        .values_list("units", "periods", "added")
    )
    if len(rows) != new - old:
        return Changes(None, frozenset(), True)
    units: set[int] | None = set()
    periods: set[str] = set()
    added = False
    for u, p, a in rows:
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
        table = connection.ops.quote_name(_versions()._meta.db_table)
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
    cache = _cache()
    ckey = _key(key)
    current = stamp(topics)
    hit: _Entry | None = cache.get(ckey)
    if hit is not None and hit.versions == current:
        return hit.value  # type: ignore[return-value]
    now = time.time()
    value = None
    born = now
    if hit is not None and patch is not None:
        i = _patchable(hit.versions, current, topics)
        if i is not None:
            value = patch(hit.value, changes_between("results", hit.versions[i], current[i]))  # type: ignore[arg-type]
            if value is not None:
                born = hit.born
    if value is None:
        value = compute()
    w = max(1, weight(value) if callable(weight) else int(weight))
    timeout = cache.default_timeout
    if timeout is not None and born != now:  # a patched value keeps the time of its first computation
        timeout = timeout - (now - born)
        if timeout <= 0:
            cache.delete(ckey)
            return value
    cache.set(ckey, _Entry(born, current, w, value), timeout)
    return value


class _Entry:
    """What the cache keeps under a key: the value, the counters it was computed at, when it was
    first computed and its weight."""

    __slots__ = ("born", "versions", "cache_weight", "value")

    def __init__(self, born: float, versions: tuple, weight: int, value) -> None:
        self.born, self.versions, self.cache_weight, self.value = born, versions, weight, value


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
    request.ntm_kept_deps = unit_ids


def kept_region(request, render: Callable[[HttpRequest], tuple[str, object]]) -> str:
    """The part of a :func:`kept_page` page that shows results, as HTML to put in the page.

    ``render(request)`` returns that part's HTML and the ids of the units whose results it shows
    (as :func:`depends_on`). When a save changes results of those units, a later request re-renders
    this part alone, with ``render`` and that request, and reuses the rest of the kept page around
    it (menus, selectors, the list of periods: what a changed result cannot change). ``render``
    is kept with the page: it must not hold the request it was first called with."""
    html, deps = render(request)
    request.ntm_kept_region = render
    request.ntm_kept_deps = deps
    return mark_safe(_REGION[0] + html + _REGION[1])


def _messages_pending(request) -> bool:
    try:
        return len(get_messages(request)) > 0
    except TypeError:
        return False


_VARY: list[Callable[[HttpRequest], Hashable]] = []


def vary_pages_on(part: Callable[[HttpRequest], Hashable]) -> None:
    """Make ``part(request)`` a part of every kept page's key: what else than the address, the
    language and the user decides what a page shows (the user's roles, the figures chosen: approved
    or all). The apps register theirs when they start (``AppConfig.ready``)."""
    if part not in _VARY:
        _VARY.append(part)


def _page_key(request) -> tuple | None:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        "page",
        request.get_full_path(),
        get_language(),
        *(part(request) for part in _VARY),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-Target", ""),
        user.pk,
        user.get_username(),
        user.get_full_name(),
        bool(user.is_superuser),
        bool(user.is_staff),
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
            shown = render_to_string("_messages.html", {"messages": get_messages(request)})
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
    render = getattr(request, "ntm_kept_region", None)
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
    return _Kept(parts, response["Content-Type"], getattr(request, "ntm_kept_deps", None), region, render)


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
    _cache().delete(_key(key))


def clear() -> None:
    """Forget every kept value, and the raises of this thread waiting for a commit (a test case's
    transaction, rolled back at its end, holds them: they must not count in a later change)."""
    _cache().clear()
    _PENDING.raises = {}
