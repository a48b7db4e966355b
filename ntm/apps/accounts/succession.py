"""Memberships across the 2025 reform: carried from a dissolved unit to the units it became.

A membership on a unit of before 1 July 2025 keeps read access to that unit's historical subtree
(the permission rule is by subtree, and the old units stay in the database). An administrator
carries it to today's units (the candidates: :func:`ntm.apps.units.succession.targets`) with
:func:`carry`: for each chosen membership and target, the same role on the target; ``MOVE`` also
turns the old membership into read-only access (role ``leader``) on the old unit, so the history
stays readable; ``EXTEND`` keeps it as it is. Every membership created or changed is announced
(:mod:`.signals`) and the audit log records it; the memberships are in the change log by
construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from .models import Membership, Role
from .signals import Carrying, MembershipChange, announce

MOVE = "move"
EXTEND = "extend"


@dataclass
class Carried:
    created: list = field(default_factory=list)  # (user, unit, role)
    kept: list = field(default_factory=list)  # already there
    read_only: list = field(default_factory=list)  # old memberships turned into read-only access


def carry(memberships, to: list, mode: str, *, by=None, request=None) -> Carried:
    """Give each membership's user the same role on each unit of ``to``; with ``MOVE`` the old
    membership becomes read-only (``leader``) on its unit. One transaction, audited."""
    if mode not in (MOVE, EXTEND):
        raise ValueError(f"cách chuyển '{mode}' không hợp lệ")
    out = Carried()
    done = Carrying(by=by, request=request)
    with transaction.atomic():
        for m in memberships:
            name = m.user.get_username()
            for unit in to:
                made = Membership.objects.get_or_create(user=m.user, unit=unit, role=m.role)[1]
                (out.created if made else out.kept).append((m.user, unit, m.role))
                if made:
                    done.changes.append(
                        MembershipChange(
                            unit,
                            f"{name} · {unit.name}",
                            f"{'Chuyển' if mode == MOVE else 'Mở rộng'} phân quyền từ {m.unit.name} (đơn vị trước "
                            f"sắp xếp) sang {unit.name}",
                            {"user": name, "unit": m.unit.uid, "role": m.role},
                            {"user": name, "unit": unit.uid, "role": m.role},
                        )
                    )
            if mode == MOVE and m.role != Role.LEADER:
                Membership.objects.get_or_create(user=m.user, unit=m.unit, role=Role.LEADER)
                old_role = m.role
                m.delete()
                out.read_only.append((m.user, m.unit, old_role))
                done.changes.append(
                    MembershipChange(
                        m.unit,
                        f"{name} · {m.unit.name}",
                        f"Phân quyền trên {m.unit.name} (đã giải thể/sáp nhập) chuyển thành chỉ xem lịch sử",
                        {"user": name, "unit": m.unit.uid, "role": old_role},
                        {"user": name, "unit": m.unit.uid, "role": Role.LEADER},
                    )
                )
        announce(done)
    return out
