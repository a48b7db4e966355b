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
