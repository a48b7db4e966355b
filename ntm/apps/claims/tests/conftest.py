from __future__ import annotations

import pytest

from ntm.apps.accounts.models import Membership, Role
from ntm.apps.accounts.testing import approve
from ntm.apps.observations.services import Entry, record_many
from ntm.apps.units.services import resolve_unit
from ntm.core.catalog import default_catalog

UNMET = {"2.3", "15.1", "17.6"}  # Nguyên Lý: 16/19 criteria, 54/57 indicators in 2023-07


@pytest.fixture
def data(django_user_model):
    a = resolve_unit("xa:13570@2024")  # Xã Nguyên Lý, Lý Nhân, Hà Nam
    b = resolve_unit("Hà Nam/Lý Nhân/Công Lý")
    cs = default_catalog().get("xa-ntm-2021")
    for unit, unmet in ((a, UNMET), (b, {"1.1"})):
        record_many([Entry(unit, cs.code, "2023-07", i.code, assessment=i.code not in unmet) for i in cs.indicators])
        approve(unit, cs.code, "2023-07")  # reports are checked against the published figures
    users = {}
    for name, unit, role in (
        ("xa_a", a, Role.ENTRY),
        ("xa_b", b, Role.ENTRY),
        ("huyen", resolve_unit("huyen:353@2024"), Role.LEADER),
    ):
        u = django_user_model.objects.create_user(name, password="pw-123456")
        Membership.objects.create(user=u, unit=unit, role=role)
        users[name] = u
    return {"a": a, "b": b, **users}


# A text an official might write: Nguyên Lý's figures are consistent with each other but not with the
# stored result (16/19, 54/57); Công Lý's percentage is wrong (18/19 is 94,74%).
TEXT = """Bản tin nông thôn mới tháng 7/2023 — huyện Lý Nhân, tỉnh Hà Nam

+ Xã Nguyên Lý: đạt 17/19 tiêu chí với 55/57 chỉ tiêu nông thôn mới.
+ Xã Công Lý: đạt 18/19 tiêu chí (90%) nông thôn mới.
"""
