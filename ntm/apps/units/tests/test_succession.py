"""Accounts across the reform: a membership on a dissolved unit keeps reading its history, and an
administrator carries it to the successors with a guided, audited action."""

from __future__ import annotations

import pytest

from ntm.apps.accounts.models import Membership
from ntm.apps.accounts.permissions import can_review, can_view
from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.evaluations.tests.fixtures import member, ntm_middleware  # noqa: F401
from ntm.apps.units.models import Unit

pytestmark = pytest.mark.django_db


def test_the_successors_come_from_the_lineage():
    from ntm.apps.units.succession import targets

    assert [u.uid for u in targets(Unit.objects.get(uid="tinh:35@2024"))] == ["tinh:37@2025"]
    lynhan = [u.uid for u in targets(Unit.objects.get(uid="huyen:353@2024"))]
    assert lynhan[0] == "tinh:37@2025" and "xa:13591@2025" in lynhan  # the province, then Nam Xang …
    assert [u.uid for u in targets(Unit.objects.get(uid="xa:13570@2024"))] == ["xa:13591@2025"]


def test_an_admin_moves_a_membership_and_history_stays_readable(client, member, ntm_middleware, admin_user):  # noqa: F811
    officer = member("tinh:35@2024", "reviewer", username="ha_nam")
    hanam, ninhbinh = Unit.objects.get(uid="tinh:35@2024"), Unit.objects.get(uid="tinh:37@2025")
    assert can_view(officer, Unit.objects.get(uid="xa:13570@2024"))  # the old subtree, before and after
    m = Membership.objects.get(user=officer)
    client.force_login(admin_user)
    page = client.get("/don-vi/tinh:35@2024/ke-thua-phan-quyen/").content.decode()
    assert "ha_nam" in page and "Tỉnh Ninh Bình" in page
    preview = client.post(
        "/don-vi/tinh:35@2024/ke-thua-phan-quyen/",
        {"membership": [m.pk], "target": ["tinh:37@2025"], "mode": "move", "action": "preview"},
    )
    assert "succession-preview" in preview.content.decode()
    assert not Membership.objects.filter(user=officer, unit=ninhbinh).exists()  # a preview writes nothing
    client.post(
        "/don-vi/tinh:35@2024/ke-thua-phan-quyen/",
        {"membership": [m.pk], "target": ["tinh:37@2025"], "mode": "move", "action": "confirm"},
    )
    roles = sorted((x.unit.uid, x.role) for x in Membership.objects.filter(user=officer).select_related("unit"))
    assert roles == [("tinh:35@2024", "leader"), ("tinh:37@2025", "reviewer")]
    officer = type(officer).objects.get(pk=officer.pk)  # memberships are cached per request/user object
    assert can_view(officer, Unit.objects.get(uid="xa:13570@2024"))  # history: read only
    assert not can_review(officer, Unit.objects.get(uid="xa:13570@2024"))
    assert can_review(officer, Unit.objects.get(uid="xa:13591@2025"))
    events = AuditEvent.objects.filter(action=Action.MEMBERSHIP_SUCCESSION)
    assert {e.unit.uid for e in events} == {"tinh:35@2024", "tinh:37@2025"}
    assert hanam.valid_to is not None


def test_only_an_administrator_may_carry_memberships(client, member, ntm_middleware):  # noqa: F811
    reviewer = member("tinh:35@2024", "reviewer")
    client.force_login(reviewer)
    assert client.get("/don-vi/tinh:35@2024/ke-thua-phan-quyen/").status_code == 403
