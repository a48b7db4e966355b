"""The demo data (Lý Nhân and Bình Liêu, six periods) built once for the report tests (the whole package),
committed to the test database and removed afterwards."""

from __future__ import annotations

import pytest


def _clear() -> None:
    from django.contrib.auth import get_user_model

    from ntm.apps.accounts.models import Membership
    from ntm.apps.evaluations.models import (
        Result,
        ResultAll,
        RollupResult,
        RollupResultAll,
        RollupState,
        RollupStateAll,
    )
    from ntm.apps.observations.models import Fact, Observation, Submission
    from ntm.apps.plans.models import PlanTarget, Recognition
    from ntm.apps.reports.models import ImportBatch
    from ntm.apps.units.models import Classification, Unit

    ImportBatch.objects.all().delete()
    Classification.objects.all().delete()  # the demo's commune groups (and their copy on the units)
    Unit.objects.exclude(commune_group="", special=False).update(commune_group="", special=False)
    Recognition.objects.all().delete()  # the demo's plans and decisions too: later packages start empty
    PlanTarget.objects.all().delete()
    for model in (Result, ResultAll, RollupResult, RollupResultAll, RollupState, RollupStateAll):
        model.objects.all().delete()  # results and roll-ups of both views: later packages start empty
    Submission.objects.all().delete()  # the demo's review states (and their steps and remarks)
    Observation.objects.all().delete()
    Fact.objects.all().delete()
    Membership.objects.all().delete()
    get_user_model().objects.all().delete()


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    from rich.console import Console

    from ntm.demo import build_demo

    with django_db_blocker.unblock():
        build_demo(Console(quiet=True))
    yield
    with django_db_blocker.unblock():
        _clear()


@pytest.fixture(autouse=True)
def _bulletin_cache(tmp_path_factory, settings):
    """Rendered bulletins are cached under NTM_HOME: keep the tests' files out of the real one."""
    settings.NTM_HOME = tmp_path_factory.mktemp("ntm-home")


@pytest.fixture
def entry_officer(django_user_model):
    """``make(username, uid)``: a user with the entry role on the unit ``uid`` (and its subtree)."""
    from ntm.apps.accounts.models import Membership, Role
    from ntm.apps.units.services import resolve_unit

    def make(username: str, uid: str):
        u = django_user_model.objects.create_user(username, first_name="Cán bộ")
        Membership.objects.create(user=u, unit=resolve_unit(uid), role=Role.ENTRY)
        return django_user_model.objects.get(pk=u.pk)

    return make
