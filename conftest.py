"""Test-wide settings: fast password hashing when Django is in play (core tests run without it)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(request):
    if request.config.pluginmanager.hasplugin("django"):
        request.getfixturevalue("settings").PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real administrative units (both editions, ~14,000) are loaded once into the test database;
    each test then runs in a transaction that is rolled back."""
    from ntm.apps.units.services import load_units

    with django_db_blocker.unblock():
        load_units()
