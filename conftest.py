"""Test-wide settings: fast password hashing when Django is in play (core tests run without it)."""

from __future__ import annotations

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
    from ntm.apps.units.services import load_units

    with django_db_blocker.unblock():
        load_units()
