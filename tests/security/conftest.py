"""Shared by the security tests: a small world of real units, one user per role, seeded data.

Roles (the columns of the authorisation matrix):

- ``anonymous``          not logged in;
- ``commune_entry``      entry on Nguyên Lý (xa:13570@2024, Lý Nhân, Hà Nam);
- ``commune_reviewer``   reviewer on Nguyên Lý itself (reviews never their own level);
- ``commune_leader``     leader (read only) on Nguyên Lý;
- ``commune_admin``      admin on Nguyên Lý;
- ``district_reviewer``  reviewer on Lý Nhân (huyen:353@2024);
- ``province_leader``    leader on Hà Nam (tinh:35@2024);
- ``province_reviewer``  reviewer on Hà Nam: the office that records the province's recognition decisions;
- ``national_reviewer``  reviewer and leader on the country (as the demo account ``demo_quocgia``): reviews
                         districts and provinces, reads communes;
- ``national_admin``     admin on the country (vn) — not a Django superuser;
- ``other_unit``         entry + reviewer + admin on Bình Liêu (huyen:198@2024, Quảng Ninh): every
                         role, but on another unit;
- ``superuser``          Django superuser (the operator).
"""

from __future__ import annotations

import pytest

ROLES = (
    "anonymous",
    "commune_entry",
    "commune_reviewer",
    "commune_leader",
    "commune_admin",
    "district_reviewer",
    "province_leader",
    "province_reviewer",
    "national_reviewer",
    "national_admin",
    "other_unit",
    "superuser",
)

NGUYEN_LY = "xa:13570@2024"
LY_NHAN = "huyen:353@2024"
HA_NAM = "tinh:35@2024"
OTHER = "huyen:198@2024"
SET = "xa-ntm-2021"
PERIOD = "2023-07"  # draft cell, 55/57 indicators đạt
PERIOD_SUBMITTED = "2023-06"  # submitted by commune_entry, waiting for the district


@pytest.fixture(autouse=True)
def _clean_throttle(request):
    """Log-in failures are rows (rolled back with each test); the API's request rates live in the cache."""
    if "db" not in request.fixturenames:
        yield
        return
    from ntm.apps.ops import throttle

    throttle.reset()
    yield
    throttle.reset()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(scope="module")
def world_module(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once per test module inside a transaction that is rolled back at the end;
    each test runs in a savepoint inside it (pytest-django's ``db``)."""
    from django.db import transaction
    from django.test import override_settings

    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(
                MEDIA_ROOT=str(media), PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
            ):
                w = build_world(media)
            w["media"] = media
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(world_module, db, settings):
    settings.MEDIA_ROOT = str(world_module["media"])
    return world_module


def build_world(media):
    """Users per role, Nguyên Lý seeded for two periods, one evidence file, one plan, one import batch."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from ntm.apps.accounts.models import Membership, Role
    from ntm.apps.accounts.testing import api_token, seed_cell
    from ntm.apps.observations.models import Observation
    from ntm.apps.observations.services import Entry, record
    from ntm.apps.observations.workflow import transition
    from ntm.apps.plans.models import PlanTarget
    from ntm.apps.reports.models import ImportBatch
    from ntm.apps.units.models import Unit

    User = get_user_model()
    units = {u.uid: u for u in Unit.objects.filter(uid__in=[NGUYEN_LY, LY_NHAN, HA_NAM, OTHER, "vn"])}
    grants = {
        "commune_entry": [(NGUYEN_LY, Role.ENTRY)],
        "commune_reviewer": [(NGUYEN_LY, Role.REVIEWER)],
        "commune_leader": [(NGUYEN_LY, Role.LEADER)],
        "commune_admin": [(NGUYEN_LY, Role.ADMIN)],
        "district_reviewer": [(LY_NHAN, Role.REVIEWER)],
        "province_leader": [(HA_NAM, Role.LEADER)],
        "province_reviewer": [(HA_NAM, Role.REVIEWER)],
        "national_reviewer": [("vn", Role.REVIEWER), ("vn", Role.LEADER)],
        "national_admin": [("vn", Role.ADMIN)],
        "other_unit": [(OTHER, Role.ENTRY), (OTHER, Role.REVIEWER), (OTHER, Role.ADMIN)],
    }
    users = {}
    for role in ROLES[1:]:
        if role == "superuser":
            u = User.objects.create_superuser(role, f"{role}@example.org", "mat-khau-rat-dai-1")
        else:
            u = User.objects.create_user(role, password="mat-khau-rat-dai-1", first_name=role)
        for uid, r in grants.get(role, []):
            Membership.objects.create(user=u, unit=units[uid], role=r)
        users[role] = u
    tokens = {role: api_token(u) for role, u in users.items()}

    nl = units[NGUYEN_LY]
    seed_cell(nl, SET, PERIOD, user=users["commune_entry"])
    seed_cell(nl, SET, PERIOD_SUBMITTED, user=users["commune_entry"])
    transition(nl, SET, PERIOD_SUBMITTED, "submit", users["commune_entry"])
    path = default_storage.save(
        "minh-chung/xa-13570-2024/xa-ntm-2021/2023-07/1.1-test.pdf", ContentFile(b"%PDF-1.4 test")
    )
    record(
        Entry(
            nl,
            SET,
            PERIOD,
            "1.1",
            assessment=True,
            note="có minh chứng",
            evidence=path,
            expected_version=Observation.objects.get(
                unit=nl,
                set_code=SET,
                period=PERIOD,
                indicator="1.1",
            ).version,
        ),
        user=users["commune_entry"],
    )
    evidence = Observation.objects.get(unit=nl, set_code=SET, period=PERIOD, indicator="1.1")
    plan = PlanTarget.objects.create(
        unit=nl, set_code="xa-nang-cao-2021", year=2026, created_by=users["district_reviewer"]
    )
    upload = media / "imports" / "batch.csv"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_text("unit,set,period,indicator,assessment\n", encoding="utf-8")
    batch = ImportBatch.objects.create(
        batch="import-matrix0001",
        file_name="batch.csv",
        stored_path=str(upload),
        unit=nl,
        set_code=SET,
        period=PERIOD,
        created_by=users["commune_entry"],
    )
    from ntm.apps.accounts.testing import approve
    from ntm.apps.evaluations.models import Result
    from ntm.apps.observations.models import Submission

    # published figures for the read paths, and the sheet open again (as after a reopening) for the writes
    approve(nl, SET, PERIOD)
    Submission.objects.filter(unit=nl, set_code=SET, period=PERIOD).update(state="draft")
    result = Result.objects.get(unit=nl, set_code=SET, period=PERIOD)
    token_keys = {role: t[:15] for role, t in tokens.items()}
    return {
        "users": users,
        "tokens": tokens,
        "token_keys": token_keys,
        "units": units,
        "evidence": evidence,
        "plan": plan,
        "batch": batch,
        "result": result,
    }
