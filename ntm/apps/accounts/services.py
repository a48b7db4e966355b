"""Demo accounts: created only by the demo command, never in a real installation."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .models import Membership, Role

DEMO_PASSWORD = "ntm-demo"
# username, display name, unit (name path or uid), roles
DEMO_ACCOUNTS = [
    ("demo_xa", "Cán bộ xã Nguyên Lý", "xa:13570@2024", [Role.ENTRY]),
    ("demo_huyen", "Văn phòng điều phối huyện Lý Nhân", "huyen:353@2024", [Role.ENTRY, Role.REVIEWER]),
    ("demo_tinh", "Văn phòng điều phối tỉnh Hà Nam", "tinh:35@2024", [Role.REVIEWER]),
    ("demo_quocgia", "Văn phòng Điều phối nông thôn mới Trung ương", "vn", [Role.REVIEWER, Role.LEADER]),
]


def create_demo_accounts() -> list[str]:
    from ntm.apps.units.services import resolve_unit

    User = get_user_model()
    made = []
    for username, display, unit_ref, roles in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": display})
        user.first_name = display
        user.set_password(DEMO_PASSWORD)
        user.save()
        unit = resolve_unit(unit_ref)
        Membership.objects.filter(user=user).exclude(unit=unit).delete()
        for role in roles:
            Membership.objects.get_or_create(user=user, unit=unit, role=role)
        made.append(username)
    return made
