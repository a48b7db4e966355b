"""Shared fixtures for the dashboard, unit-page and plan tests.

``demo_db`` builds the demo (Lý Nhân and Bình Liêu communes, periods 2022-12…2023-12) ONCE per test
module, inside a transaction that is rolled back when the module ends, so that other modules see
an empty database; each test still runs in its own savepoint. Import the fixtures into a test
module to use them::

    from ntm.apps.evaluations.tests.fixtures import demo_db, member, ntm_middleware  # noqa: F401
"""

from __future__ import annotations

import io

import pytest


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
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
def ntm_middleware(settings):
    """Pages are tested with the log-in-required and audit middleware in place, as deployed."""
    from ntm.apps.accounts.testing import with_ntm_middleware

    settings.MIDDLEWARE = with_ntm_middleware(settings.MIDDLEWARE)


@pytest.fixture
def member(django_user_model):
    """``member("Hà Nam/Lý Nhân", "leader")`` → a new user bound to that unit with that role."""
    from ntm.apps.accounts.models import Membership
    from ntm.apps.units.services import resolve_unit

    made = []

    def make(unit_ref: str, *roles: str, username: str | None = None):
        user = django_user_model.objects.create_user(username or f"u{len(made) + 1}", password="x")
        unit = resolve_unit(unit_ref)
        for role in roles or ("leader",):
            Membership.objects.create(user=user, unit=unit, role=role)
        made.append(user)
        return user

    return make


@pytest.fixture
def login(client, member):
    """``login("Hà Nam/Lý Nhân", "leader")`` → the test client, logged in as a new member of that unit."""

    def go(unit_ref: str, *roles: str):
        client.force_login(member(unit_ref, *roles))
        return client

    return go


@pytest.fixture
def memo_on(settings):
    """Kept pages on inside a test case (where the memo is off by design: see ntm.web.cache);
    each write's on-commit callbacks must then be run as a real commit would."""
    from ntm.web import cache

    settings.NTM_MEMO = "always"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def task_worker(monkeypatch):
    """Run the tasks waiting in the database with the real worker (``db_worker``, which ``ntm serve``
    starts), inside the test's transaction: call the returned function."""
    import django_tasks_db.utils
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    # on SQLite the worker opens its own BEGIN EXCLUSIVE, impossible inside the test's transaction
    monkeypatch.setattr(django_tasks_db.utils, "connection_requires_manual_exclusive_transaction", lambda c: False)
    # the worker closes "obsolete" connections between tasks; inside the test's transaction (autocommit
    # off) PostgreSQL's would count as obsolete and the rest of the test would lose its connection
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return lambda: call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
