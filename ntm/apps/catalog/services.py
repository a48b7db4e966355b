"""The catalogue in the database, and the one path by which a change of the catalogue takes effect.

- :func:`sync_catalog` stores one :class:`SetVersion` per distinct file content (change-logged);
- :func:`publish` — after catalogue files were added or replaced (a set imported in the web
  application, new versions shipped with an upgrade): this process loads the files again, the
  versions are synced, the catalogue's generation is raised and :data:`catalog_changed` is sent
  (the evaluation listens and queues a re-evaluation run of the changed sets and their
  dependents), all in one transaction; then the generation is written to the marker file
  ``.generation`` beside the local sets (the first folder of ``NTM_CATALOG_PATH``);
- :func:`ensure_current` — every process (web workers through ``catalog.middleware``, the task
  worker before each task) loads the files again when the stored generation is newer than the one
  it has, without a restart. Per request the check reads the few bytes of the marker file: the
  database is read only when the marker changed (every process reads the catalogue files from
  that folder, so every process sees the marker). The task worker reads the database before each
  task.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from ntm.core.catalog import Catalog, default_catalog, extra_catalog_dirs, forget_default_catalog

from .models import CatalogGeneration, SetVersion

# sent in the transaction of :func:`publish`: sender=CatalogGeneration, codes=[changed set codes],
# user, reason; a receiver may return the re-evaluation run it queued
catalog_changed = Signal()


@transaction.atomic
def sync_catalog(catalog: Catalog | None = None) -> dict:
    """Store each set's current version (its digest); ``changed``: the codes whose version is new."""
    catalog = catalog or default_catalog()
    changed: list[str] = []
    for s in catalog:
        _, was_created = SetVersion.objects.get_or_create(
            code=s.code,
            version=s.digest,
            defaults=dict(
                name=s.name,
                level=s.level,
                tier=s.tier,
                phase=s.phase,
                criteria_count=s.criteria_count,
                indicator_count=s.indicator_count,
                source_path=s.source,
                source_text=Path(s.source).read_text(encoding="utf-8"),
            ),
        )
        if was_created:
            changed.append(s.code)
    return {"sets": len(catalog.sets), "new_versions": len(changed), "changed": changed}


# -- the generation ------------------------------------------------------------------------------
def generation() -> int:
    """The stored generation (0 before the first change)."""
    return CatalogGeneration.objects.filter(pk=1).values_list("number", flat=True).first() or 0


def bump(reason: str = "") -> int:
    """Raise the stored generation by one (in the caller's transaction); returns the new number."""
    now = timezone.now()
    if not CatalogGeneration.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now, reason=reason[:200]):
        CatalogGeneration.objects.get_or_create(pk=1, defaults={"number": 0})
        CatalogGeneration.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now, reason=reason[:200])
    return generation()


MARKER = ".generation"


def marker_path() -> Path | None:
    """The marker file: in the first folder of NTM_CATALOG_PATH (None when there is none)."""
    dirs = extra_catalog_dirs()
    return dirs[0] / MARKER if dirs else None


def _marker_stamp() -> str | None:
    """The marker's text (the generation written last), None without one: a few bytes read, where a
    file time could miss two changes within its resolution."""
    path = marker_path()
    try:
        return path.read_text(encoding="utf-8").strip() if path is not None else None
    except OSError:
        return None


@dataclass
class _Seen:
    """What this process knows: the generation its catalogue belongs to (None: unknown) and the
    marker's text when it last looked (``False``: never looked)."""

    generation: int | None = None
    marker: str | None | bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_seen = _Seen()


def note_start() -> None:
    """Note the marker as it is before this process loads its catalogue (the middleware's set-up,
    once per process): a later change of the marker means a newer catalogue."""
    with _seen.lock:
        if _seen.marker is False:
            _seen.marker = _marker_stamp()


def ensure_current(*, force: bool = False) -> bool:
    """Load the catalogue files again if another process raised the generation since this one
    loaded them; returns True when it did. Without ``force``, the database is read only when the
    marker changed since the last look (a process that never noted it only notes it: its catalogue
    is loaded from the files as they are). ``force`` (the task worker) reads the database each time
    and, the first time, loads the files again."""
    stamp = _marker_stamp()
    if not force and stamp == _seen.marker:
        return False
    with _seen.lock:
        if _seen.marker is False and not force:
            _seen.marker = stamp
            return False
        _seen.marker = stamp
        number = generation()
        if number == _seen.generation:
            return False
        forget_default_catalog()
        _seen.generation = number
        return True


# -- the one write path ----------------------------------------------------------------------------
@dataclass
class Published:
    changed: list[str]  # set codes with a new version
    generation: int
    runs: list = field(default_factory=list)  # what the listeners queued (re-evaluation runs)


def publish(*, reason: str, user=None) -> Published:
    """Make a change of the catalogue files take effect everywhere (see the module's doc)."""
    from ntm.apps.audit.changelog import acting

    forget_default_catalog()
    default_catalog()  # loaded here: a broken file fails now, before anything is written
    with transaction.atomic(), acting(user if getattr(user, "is_authenticated", False) else None):
        synced = sync_catalog()
        if not synced["changed"]:  # the same files again: nothing takes effect anywhere
            return Published([], generation())
        number = bump(reason)
        replies = catalog_changed.send(
            sender=CatalogGeneration, codes=synced["changed"], user=user, reason=reason[:200]
        )
    path = marker_path()
    if path is not None:  # the other processes look at it on every request
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{number}\n", encoding="utf-8")
    with _seen.lock:
        _seen.generation, _seen.marker = number, _marker_stamp()
    return Published(synced["changed"], number, [r for _, r in replies if r is not None])
