"""Accounts across the 2025 reform: memberships on a dissolved unit carried to the units it became.

A membership on a unit of before 1 July 2025 keeps read access to that unit's historical subtree
(the permission rule is by subtree, and the old units stay in the database). An administrator carries
it to today's units with a guided, audited action:

- :func:`targets` — the candidates from the lineage: a province's or a commune's successors; for a
  district (abolished, without successors) the communes its xã became and its province's successor;
- :func:`carry` — for each chosen membership and target, the same role on the target; ``move`` also
  turns the old membership into read-only access (role ``leader``) on the old unit, so the history
  stays readable; ``extend`` keeps it as it is. Every membership created or changed is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from .models import Level, Unit
from .services import ancestors, successors

MOVE = "move"
EXTEND = "extend"


def targets(unit: Unit) -> list[Unit]:
    """Today's units that stand for ``unit`` (a unit of before 1 July 2025), default successors first."""
    if unit.level == Level.DISTRICT:
        communes = Unit.objects.filter(parent=unit, level=Level.COMMUNE)
        succ = Unit.objects.filter(predecessor_links__predecessor__in=communes).distinct().order_by("name")
        provinces = [s for a in ancestors(unit) if a.level == Level.PROVINCE for s in successors(a)]
        return provinces + [u for u in succ if u.pk not in {p.pk for p in provinces}]
    return successors(unit)


@dataclass
class Carried:
    created: list = field(default_factory=list)  # (user, unit, role)
    kept: list = field(default_factory=list)  # already there
    read_only: list = field(default_factory=list)  # old memberships turned into read-only access


def carry(memberships, to: list[Unit], mode: str, *, by=None, request=None) -> Carried:
    """Give each membership's user the same role on each unit of ``to``; with ``MOVE`` the old
    membership becomes read-only (``leader``) on its unit. One transaction, audited."""
    from ntm.apps.accounts.models import Membership, Role
    from ntm.apps.audit.models import Action
    from ntm.apps.audit.services import log

    if mode not in (MOVE, EXTEND):
        raise ValueError(f"cách chuyển '{mode}' không hợp lệ")
    out = Carried()
    with transaction.atomic():
        for m in memberships:
            for unit in to:
                made = Membership.objects.get_or_create(user=m.user, unit=unit, role=m.role)[1]
                (out.created if made else out.kept).append((m.user, unit, m.role))
                if made:
                    log(
                        Action.MEMBERSHIP_SUCCESSION,
                        user=by,
                        request=request,
                        unit=unit,
                        obj=f"{m.user.get_username()} · {unit.name}",
                        message=f"{'Chuyển' if mode == MOVE else 'Mở rộng'} phân quyền từ {m.unit.name} (đơn vị trước "
                        f"sắp xếp) sang {unit.name}",
                        old={"user": m.user.get_username(), "unit": m.unit.uid, "role": m.role},
                        new={"user": m.user.get_username(), "unit": unit.uid, "role": m.role},
                    )
            if mode == MOVE and m.role != Role.LEADER:
                Membership.objects.get_or_create(user=m.user, unit=m.unit, role=Role.LEADER)
                old_role = m.role
                m.delete()
                out.read_only.append((m.user, m.unit, old_role))
                log(
                    Action.MEMBERSHIP_SUCCESSION,
                    user=by,
                    request=request,
                    unit=m.unit,
                    obj=f"{m.user.get_username()} · {m.unit.name}",
                    message=f"Phân quyền trên {m.unit.name} (đã giải thể/sáp nhập) chuyển thành chỉ xem lịch sử",
                    old={"user": m.user.get_username(), "unit": m.unit.uid, "role": old_role},
                    new={"user": m.user.get_username(), "unit": m.unit.uid, "role": Role.LEADER},
                )
    return out
