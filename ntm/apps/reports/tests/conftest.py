"""Data for the report tests.

``demo``: the demo (Lý Nhân and Bình Liêu, eight periods; Ninh Bình 2026), built once for the package
inside a transaction that is rolled back when the package ends — never committed, so no other package
can see it, whatever order the tests run in. Each test runs in its own savepoint inside it: what a
test writes is gone before the next one starts.

``small_demo``: a builder for the tests that need a few communes only — the demo's figures for the
communes, sets and periods asked for, made inside the test's own transaction.
"""

from __future__ import annotations

import io

import pytest


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    from django.db import transaction
    from rich.console import Console

    from ntm.demo import build_demo

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_demo(Console(file=io.StringIO()))
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def small_demo(db):
    """``small_demo("xa:13570@2024", periods=("2023-07",))`` → the units: the demo's figures (observations,
    review states, results of both views) for these xã of before the reform, the sets and periods asked
    for (default: the demo's), written in the test's transaction — a second or so a commune and period."""
    from ntm.apps.units.services import resolve_unit
    from ntm.demo import PERIODS, SETS, build_figures

    def make(*uids: str, sets=SETS, periods=PERIODS):
        units = [resolve_unit(uid) for uid in uids]
        build_figures([(u, u.parent) for u in units], sets, periods)
        return units

    return make


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
