"""The units that stand for a unit dissolved on 1 July 2025, from the lineage (:func:`targets`):
the candidates to which an administrator carries its memberships
(:func:`ntm.apps.accounts.succession.carry`).
"""

from __future__ import annotations

from .models import Level, Unit
from .services import ancestors, successors


def targets(unit: Unit) -> list[Unit]:
    """Today's units that stand for ``unit`` (a unit of before 1 July 2025), default successors first:
    a province's or a commune's successors; for a district (abolished, without successors) the
    communes its xã became and its province's successor."""
    if unit.level == Level.DISTRICT:
        communes = Unit.objects.filter(parent=unit, level=Level.COMMUNE)
        succ = Unit.objects.filter(predecessor_links__predecessor__in=communes).distinct().order_by("name")
        provinces = [s for a in ancestors(unit) if a.level == Level.PROVINCE for s in successors(a)]
        return provinces + [u for u in succ if u.pk not in {p.pk for p in provinces}]
    return successors(unit)
