import pytest

from ntm.apps.accounts.testing import with_ntm_middleware


@pytest.fixture(autouse=True)
def _ntm_middleware(settings):
    """The pages are tested with the log-in-required and audit middleware in place."""
    settings.MIDDLEWARE = with_ntm_middleware(settings.MIDDLEWARE)


@pytest.fixture
def users(db):
    from ntm.apps.accounts.testing import demo_users

    return demo_users()


@pytest.fixture
def nguyen_ly(db):
    from ntm.apps.units.models import Unit

    return Unit.objects.get(uid="xa:13570@2024")


@pytest.fixture
def cong_ly(db):
    from ntm.apps.units.services import resolve_unit

    return resolve_unit("Hà Nam/Lý Nhân/Công Lý")


@pytest.fixture
def seeded(nguyen_ly):
    """Nguyên Lý, xa-ntm-2021, 2023-07: 55/57 indicators đạt (17.1 and 17.2 chưa đạt) → 18/19 criteria."""
    from ntm.apps.accounts.testing import seed_cell

    seed_cell(nguyen_ly)
    return nguyen_ly


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login
