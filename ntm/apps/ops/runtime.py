"""Start-up of a server process: what every request would otherwise pay for once, and Python's
cyclic garbage collector.

A web worker holds a large, long-lived heap: Django's modules, URL patterns and compiled
templates, the criteria catalogue, and the dashboards kept in memory
(:mod:`ntm.apps.evaluations.freshness`). CPython's collector walks every tracked object of the
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
