import pytest

from ntm.apps.accounts.testing import with_ntm_middleware


@pytest.fixture(autouse=True)
def _ntm_middleware(settings):
    """The pages are tested with the log-in-required and audit middleware in place."""
    settings.MIDDLEWARE = with_ntm_middleware(settings.MIDDLEWARE)
