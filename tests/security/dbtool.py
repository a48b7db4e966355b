"""A separate process working on a file-based SQLite database (``NTM_HOME``), for the tests of
concurrent clients, killed imports and backup/restore (``test_no_lost_data.py``).

    python tests/security/dbtool.py setup                    migrate, load the units, one user
    python tests/security/dbtool.py prune                    keep only Nguyên Lý and its ancestors
    python tests/security/dbtool.py seed                     Nguyên Lý, xa-ntm-2021, 2023-07: every indicator
    python tests/security/dbtool.py save GOFILE NOTE VERSION when GOFILE appears, save indicator 1.1 from VERSION
    python tests/security/dbtool.py import FILE              commit an import, slowly (a pause after each chunk)
    python tests/security/dbtool.py dump                     observations and stored results (both views) as JSON
"""

from __future__ import annotations

import json
import os
import sys
import time


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm.web.settings")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


UID, SET, PERIOD = "xa:13570@2024", "xa-ntm-2021", "2023-07"


def setup() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from ntm.apps.units.services import load_units

    call_command("migrate", interactive=False, verbosity=0)
    load_units()
    get_user_model().objects.create_superuser(
        "client", "client@example.org", "mat-khau-rat-dai-1", first_name="Máy khách"
    )


def prune() -> None:
    """Keep only Nguyên Lý and its ancestors (a small database for the backup round trip)."""
    from django.db import connection, transaction

    from ntm.apps.units.models import Unit, UnitLink

    keep = list(Unit.objects.filter(uid__in=[UID, "huyen:353@2024", "tinh:35@2024", "vn"]).values_list("id", flat=True))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {UnitLink._meta.db_table}")
        cur.execute(f"DELETE FROM {Unit._meta.db_table} WHERE id NOT IN ({','.join(map(str, keep))})")


def seed() -> None:
    from django.contrib.auth import get_user_model

    from ntm.apps.accounts.testing import seed_cell
    from ntm.apps.units.models import Unit

    seed_cell(Unit.objects.get(uid=UID), SET, PERIOD, user=get_user_model().objects.get(username="client"))


def save(go: str, note: str, version: int) -> None:
    from django.contrib.auth import get_user_model

    from ntm.apps.observations.services import EditConflict, Entry, record
    from ntm.apps.units.models import Unit

    unit = Unit.objects.get(uid=UID)
    user = get_user_model().objects.get(username="client")
    print("ready", flush=True)
    while not os.path.exists(go):  # every client starts at once
        time.sleep(0.005)
    try:
        o = record(
            Entry(unit, SET, PERIOD, "1.1", assessment=True, note=note, expected_version=version),
            user=user,
            source="api",
        )
    except EditConflict as exc:
        print(json.dumps({"outcome": "conflict", "message": str(exc), "current": exc.current.version}))
    else:
        print(json.dumps({"outcome": "saved" if o is not None else "unchanged", "version": o.version if o else None}))


def slow_import(path: str) -> None:
    from django.contrib.auth import get_user_model

    from ntm.apps.observations import imports

    imports.check.CHUNK = 50
    user = get_user_model().objects.get(username="client")

    def progress(stage, done, total):
        print(f"{stage} {done}/{total}", flush=True)
        time.sleep(0.3)

    imports.commit_import(path, user=user, progress=progress)
    print("done", flush=True)


def dump() -> None:
    from ntm.apps.evaluations.models import Result, ResultAll
    from ntm.apps.observations.models import Observation, ObservationVersion

    columns = ("unit__uid", "set_code", "period", "indicator", "version", "value_text", "assessment", "note")
    order = ("unit__uid", "set_code", "period", "indicator", "version")
    obs = [  # every version, with its approval; then the current values
        list(ObservationVersion.objects.order_by(*order).values_list(*columns, "created_by_name", "is_approved")),
        list(Observation.objects.order_by(*order).values_list(*columns, "created_by_name")),
    ]

    def results(model):
        return [
            {
                "unit": r.unit.uid,
                "set": r.set_code,
                "period": r.period,
                "criteria_met": r.criteria_met,
                "indicators_met": r.indicators_met,
                "standard_met": r.standard_met,
                "unmet": r.unmet_indicators,
                "detail": r.detail,
            }
            for r in model.objects.select_related("unit").order_by("unit__uid", "set_code", "period")
        ]

    # the figures saves keep current (including unapproved data), and the published (approved) ones
    print(
        json.dumps(
            {"observations": obs, "results": results(ResultAll), "published": results(Result)},
            ensure_ascii=False,
            default=str,
            sort_keys=True,
        )
    )


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    _django()
    cmd, *args = sys.argv[1:]
    if cmd == "setup":
        setup()
    elif cmd == "prune":
        prune()
    elif cmd == "seed":
        seed()
    elif cmd == "save":
        save(args[0], args[1], int(args[2]))
    elif cmd == "import":
        slow_import(args[0])
    elif cmd == "dump":
        dump()
    else:
        raise SystemExit(f"unknown command {cmd}")
