"""`ntm demo --national`: a sample of the country looks like the national reports.

A small evenly spread sample (``limit`` with ``spread``) of both hierarchies gets the same latent
positions as the full run, so its figures are those of the full run up to sampling noise: about
70–80 % of xã at the NTM standard with about 17 of the 19 criteria on average, fewer at nâng cao,
the Red River delta ahead of the northern mountains, and progress over time.
"""

import io

import pytest
from rich.console import Console

from ntm.apps.evaluations.models import Result
from ntm.apps.evaluations.services import rollup_for
from ntm.apps.observations.models import Observation
from ntm.apps.units.models import Unit
from ntm.core import units as core_units
from ntm.core.periods import Period
from ntm.demo_national import SOURCE, build_national

pytestmark = pytest.mark.django_db

START, END, AFTER = Period(2023, quarter=1), Period(2024, quarter=4), Period(2025, quarter=4)


def _share(r) -> float:
    return 100.0 * r.units_at_standard / r.units_with_results


def test_a_sample_of_the_country_looks_like_the_national_reports():
    s = build_national(
        console=Console(file=io.StringIO()),
        limit=300,
        spread=True,
        periods={core_units.EDITION_2024: [START, END], core_units.EDITION_2025: [AFTER]},
    )
    assert s.communes == {core_units.EDITION_2024: 300, core_units.EDITION_2025: 300}
    assert s.observations == Observation.objects.filter(source=SOURCE).count() == (2 + 1) * 300 * (57 + 75)
    root = Unit.objects.get(uid=core_units.ROOT_UID)

    for period in (START, END, AFTER):
        ntm = rollup_for(root, "xa-ntm-2021", period)
        nc = rollup_for(root, "xa-nang-cao-2021", period)
        assert ntm.units_with_results == 300
        assert 68 <= _share(ntm) <= 85, (period.key, _share(ntm))
        assert 16.0 <= ntm.average_criteria <= 18.5, (period.key, ntm.average_criteria)
        assert 5 <= _share(nc) < _share(ntm), (period.key, _share(nc))
        assert ntm.distribution.get(19, 0) == ntm.units_at_standard  # at the standard = all 19 criteria

    # progress over the two years; the delta ahead of the northern mountains
    assert _share(rollup_for(root, "xa-ntm-2021", END)) > _share(rollup_for(root, "xa-ntm-2021", START))
    by_region = {}
    for region in ("DBSH", "TDMNPB"):
        rows = Result.objects.filter(set_code="xa-ntm-2021", period=END.key, unit__region=region)
        by_region[region] = 100.0 * rows.filter(standard_met=True).count() / rows.count()
    assert by_region["DBSH"] > 90 > 70 > by_region["TDMNPB"]


def test_running_it_again_replaces_the_national_demo_data():
    quiet = Console(file=io.StringIO())
    periods = {core_units.EDITION_2024: [END]}
    build_national(console=quiet, limit=20, periods=periods)
    n_obs, n_res = Observation.objects.count(), Result.objects.count()
    build_national(console=quiet, limit=20, periods=periods)
    assert (Observation.objects.count(), Result.objects.count()) == (n_obs, n_res) == (20 * 132, 40)


def test_all_types_covers_wards_and_towns_as_well(capsys):
    """`ntm demo --national --all-types`: every commune-level unit (xã, phường, thị trấn) gets data —
    the national volume of ~10,600 units before 1 July 2025 — while the default keeps to the xã that
    the national figures count."""
    from ntm.cli import main

    assert main(["demo", "--national", "--provinces", "Hà Nội", "--limit", "40", "--all-types"]) == 0
    out = capsys.readouterr().out
    assert "40 đơn vị cấp xã" in out
    types = set(Observation.objects.filter(source=SOURCE).values_list("unit__type", flat=True).distinct())
    assert "Phường" in types and "Xã" not in types or len(types) > 1
