"""Test-wide settings: fast password hashing when Django is in play (core tests run without it)."""

from __future__ import annotations

import time

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(request):
    if request.config.pluginmanager.hasplugin("django"):
        request.getfixturevalue("settings").PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _static_root(request):
    """WhiteNoise warns at every client start-up when the static folder has not been collected yet
    (a fresh clone): create it empty so that real warnings stay visible."""
    if request.config.pluginmanager.hasplugin("django"):
        from pathlib import Path

        from django.conf import settings

        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real administrative units (both editions, ~14,000) are loaded once into the test database;
    each test then runs in a transaction that is rolled back."""
    from django.db import connection

    if _is_test_database(connection):  # else no test of this session asked for the database
        with django_db_blocker.unblock():
            _load_units()
    yield


def _is_test_database(connection) -> bool:
    """The connection points at a test database (``test_…``; SQLite: in memory), set up by now."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        return connection.is_in_memory_db()
    return name.startswith("test_") or name == (connection.settings_dict.get("TEST") or {}).get("NAME")


def _load_units():
    from ntm.apps.units.services import load_units

    load_units()


@pytest.fixture(scope="session")
def _committed_db_setup(django_db_setup, django_db_blocker):
    """pytest-django creates the test database only for sessions with a ``django_db`` test; a session
    of ``committed_db`` tests alone (``-k``) creates it here, and drops it at the end."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql" or _is_test_database(connection):
        yield  # committed_db skips on SQLite
        return
    with django_db_blocker.unblock():
        made = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        _load_units()
    yield
    with django_db_blocker.unblock():
        teardown_databases(made, verbosity=0)


@pytest.fixture
def committed_db(_committed_db_setup, django_db_blocker):
    """The test database outside any test transaction (autocommit), for what other connections must
    see; the test removes what it writes. At the end, no connection it opened may be left."""
    from django.db import connection

    def backends() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return cur.fetchone()[0]

    if connection.vendor != "postgresql":
        pytest.skip("several connections: PostgreSQL")
    if not _is_test_database(connection):  # never the real database
        pytest.fail(f"not a test database: {connection.settings_dict['NAME']}")
    with django_db_blocker.unblock():
        if connection.in_atomic_block:
            pytest.fail(
                "committed_db in a test transaction (a django_db mark): other connections would not see its rows"
            )
        connection.ensure_connection()
        before = backends()
        yield connection
        for _ in range(50):  # a cancelled query's server process ends a moment after its client
            if backends() <= before:
                break
            time.sleep(0.1)
        assert backends() == before
        connection.close()
