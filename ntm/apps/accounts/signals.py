"""What accounts announce: memberships carried to the units a dissolved unit became
(:func:`ntm.apps.accounts.succession.carry`). Accounts never writes the audit log; the audit app
subscribes (:mod:`ntm.apps.audit.on_accounts`).

:data:`memberships_carried` is sent by :func:`announce` with ``change=`` a :class:`Carrying`,
inside the writing transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.dispatch import Signal

memberships_carried = Signal()


@dataclass(frozen=True)
class MembershipChange:
    """One membership created on a successor, or turned into read-only access on the old unit."""

    unit: object  # the Unit it is on
    label: str  # "user · unit" — names it in the audit log
    message: str
    old: dict
    new: dict


@dataclass
class Carrying:
    by: object | None = None
    request: object | None = None
    changes: list[MembershipChange] = field(default_factory=list)


def announce(change: Carrying) -> Carrying:
    if change.changes:
        memberships_carried.send(sender=Carrying, change=change)
    return change
