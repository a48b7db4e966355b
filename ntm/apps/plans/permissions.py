"""Who may register a commune's plan: a user with the entry, reviewer (or admin) role on one of the
commune's ancestors — the district or province office, not the commune itself. Built on the one
permission module (``ntm.apps.accounts.permissions``)."""

from __future__ import annotations

from dataclasses import dataclass

from ntm.apps.accounts.permissions import can_enter, can_review


@dataclass(frozen=True)
class _Path:
    path: str


def can_plan(user, unit) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    ids = [x for x in unit.path.strip("/").split("/") if x]
    if len(ids) < 2:
        return False
    parent = _Path("/" + "/".join(ids[:-1]) + "/")
    # entry on the parent or above = entry on a strict ancestor; can_review is strict already
    return can_enter(user, parent) or can_review(user, unit)


def can_recognise(user, unit) -> bool:
    """Who may record, change or delete a recognition decision of a xã: the same offices as for plans
    (entry or reviewer role on a strict ancestor: the district or province office); the xã itself
    only reads its decisions."""
    return can_plan(user, unit)
