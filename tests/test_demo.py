"""`ntm demo` builds true-looking data on real units: the July 2023 Lý Nhân bulletin is reproduced."""

import pytest

from ntm.apps.evaluations.models import Result
from ntm.apps.evaluations.services import rollup_for
from ntm.apps.units.services import resolve_unit
from ntm.demo import BULLETIN_2023_07, PERIODS, build_demo

pytestmark = pytest.mark.django_db


def test_demo_reproduces_the_published_bulletin():
    info = build_demo()
    assert info["communes"] == 20 + 6  # the xã of Lý Nhân and of Bình Liêu
    for name, sets in BULLETIN_2023_07.items():
        unit = resolve_unit(f"Hà Nam/Lý Nhân/{name}")
        for set_code, (crit, ind) in sets.items():
            r = Result.objects.get(unit=unit, set_code=set_code, period="2023-07")
            assert (r.criteria_met, r.indicators_met) == (crit, ind), (name, set_code)
    lynhan = resolve_unit("Hà Nam/Lý Nhân")
    for p in PERIODS:
        roll = rollup_for(lynhan, "xa-ntm-2021", p)
        assert roll.units_with_results == roll.units_total == 20
        assert 13 <= roll.average_criteria <= 19


def test_demo_twice_replaces_instead_of_duplicating():
    build_demo()
    n = Result.objects.count()
    from ntm.apps.observations.models import Observation

    m = Observation.objects.count()
    build_demo()
    assert Result.objects.count() == n and Observation.objects.count() == m


def test_demo_of_today_ninh_binh_2026_groups_and_accounts():
    import datetime as dt

    from django.contrib.auth import authenticate

    from ntm.apps.accounts.permissions import can_enter, can_review
    from ntm.apps.units.classifications import in_force
    from ntm.demo import DEMO_GROUPS, TODAY_PERIODS

    info = build_demo()
    assert info["today_communes"] == 7 and info["groups"] == len(DEMO_GROUPS) == 6
    nam_xang = resolve_unit("xa:13591@2025")
    assert [
        r.period for r in Result.objects.filter(unit=nam_xang, set_code="xa-ntm-2026").order_by("period")
    ] == TODAY_PERIODS
    group = in_force(nam_xang, dt.date(2026, 9, 30))
    assert group.group == "2" and "MẪU" in group.group_row.decision_number and "mẫu" in group.group_row.issued_by
    assert in_force(resolve_unit("xa:13627@2025"), dt.date(2026, 9, 30)).group == ""  # left "chưa phân nhóm"
    reviewer = authenticate(username="demo_ninhbinh", password="ntm-demo")
    officer = authenticate(username="demo_namxang", password="ntm-demo")
    assert (
        can_review(reviewer, nam_xang)
        and can_enter(officer, nam_xang)
        and not can_enter(officer, resolve_unit("xa:13573@2025"))
    )
    assert authenticate(username="demo_tinh", password="ntm-demo") is not None  # the accounts of before still work
