"""What units announce: a commune's classification (group 1/2/3, ĐBKK/ATK status) changed. Units
never call the evaluator nor write the audit log; the apps above subscribe:
:mod:`ntm.apps.evaluations.on_units` queues the re-evaluation of the results whose thresholds
depend on it, :mod:`ntm.apps.audit.on_units` writes one audit event per classification written.

:data:`classification_changed` is sent by :func:`announce` with ``change=`` a
:class:`ClassificationChanged`, inside the writing transaction (a failing receiver undoes the
write); the receivers write what they did back into it (``set_codes``, ``periods``, ``run``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.dispatch import Signal

classification_changed = Signal()

Interval = tuple[dt.date, dt.date | None]  # valid from, valid to (None: open-ended)


@dataclass(frozen=True)
class RowChange:
    """One classification row written: created (``old`` None), changed, or deleted (``new`` None)."""

    unit: object  # the Unit
    label: str  # "Xã A · nhóm 2" — names the row in the audit log
    old: dict | None
    new: dict | None
    message: str


@dataclass
class ClassificationChanged:
    """The communes whose classification one write changed, what changed and what was done."""

    units: frozenset[int]  # unit ids
    kinds: frozenset[str]  # the attributes changed: "group" (commune group) and/or "special" (ĐBKK/ATK)
    intervals: list[Interval]  # the dates whose classification changed
    rows: list[RowChange]
    user: object | None = None
    request: object | None = None
    reason: str = ""
    # False: the background run is recorded but not handed to the workers (tests, scripts)
    enqueue: bool = True
    # written by the receivers: the sets and periods whose stored results may change, the run queued
    set_codes: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    run: object | None = None


def announce(change: ClassificationChanged) -> ClassificationChanged:
    """Send :data:`classification_changed` (nothing when no unit changed); returns ``change`` as
    the receivers left it."""
    if change.units:
        classification_changed.send(sender=ClassificationChanged, change=change)
    return change
