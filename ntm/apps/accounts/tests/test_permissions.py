"""Scoping by unit subtree and role: the rule every page, export and API call uses."""

import pytest
from django.contrib.auth import get_user_model

from ntm.apps.accounts.models import Membership, Role
from ntm.apps.accounts.permissions import can_enter, can_review, can_view, scope
from ntm.apps.accounts.services import DEMO_PASSWORD, create_demo_accounts
from ntm.apps.units.models import Unit
from ntm.apps.units.services import resolve_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return {
        "nguyen_ly": resolve_unit("xa:13570@2024"),
        "cong_ly": resolve_unit("Hà Nam/Lý Nhân/Công Lý"),
        "lynhan": resolve_unit("huyen:353@2024"),
        "hanam": resolve_unit("tinh:35@2024"),
        "binh_lieu_xa": resolve_unit("xa:06841@2024"),  # Xã Hoành Mô, Bình Liêu, Quảng Ninh
    }


def test_demo_accounts_and_their_reach(units):
    create_demo_accounts()
    User = get_user_model()
    xa, huyen, tinh, qg = (User.objects.get(username=n) for n in ("demo_xa", "demo_huyen", "demo_tinh", "demo_quocgia"))
    assert xa.check_password(DEMO_PASSWORD)
    # a commune official sees and enters only their commune
    assert can_view(xa, units["nguyen_ly"]) and can_enter(xa, units["nguyen_ly"])
    assert not can_view(xa, units["cong_ly"]) and not can_enter(xa, units["cong_ly"])
    assert not can_review(xa, units["nguyen_ly"])
    # the district reviews its communes but not itself
    assert can_review(huyen, units["nguyen_ly"]) and not can_review(huyen, units["lynhan"])
    assert not can_view(huyen, units["binh_lieu_xa"])
    # the province reviews the district; the nation sees everything
    assert can_review(tinh, units["lynhan"]) and not can_enter(tinh, units["nguyen_ly"])
    assert can_view(qg, units["binh_lieu_xa"]) and not can_enter(qg, units["binh_lieu_xa"])


def test_scope_filters_querysets(units):
    u = get_user_model().objects.create_user("x")
    assert scope(Unit.objects.all(), u, field="").count() == 0  # no membership, nothing visible
    Membership.objects.create(user=u, unit=units["lynhan"], role=Role.LEADER)
    u = get_user_model().objects.get(pk=u.pk)  # memberships are cached per request (per user object)
    visible = scope(Unit.objects.all(), u, field="")
    assert visible.count() == 22  # the district and its 21 communes (20 xã, 1 thị trấn)
    assert units["nguyen_ly"] in visible and units["binh_lieu_xa"] not in visible
