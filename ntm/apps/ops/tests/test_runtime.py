"""A web worker loads the application once warm: the catalogue read, its start-up objects frozen out
of the garbage collector's way (ntm.apps.ops.runtime), and it still serves pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]

PROBE = """
import gc, json, sys
import ntm.web.wsgi
from ntm.core import catalog
print(json.dumps({"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold(),
                  "catalogue_loaded": catalog._DEFAULT is not None}))
"""


def _probe(tmp_path, **env) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NTM_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "ntm.web.settings", **env},
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_worker_starts_warm_with_its_start_up_objects_frozen(tmp_path):
    from ntm.apps.ops.runtime import GEN0_THRESHOLD

    got = _probe(tmp_path)
    assert got["catalogue_loaded"]
    assert got["frozen"] > 10_000  # Django, the URL patterns, the catalogue
    assert got["threshold"][0] == GEN0_THRESHOLD


def test_it_can_be_turned_off(tmp_path):
    got = _probe(tmp_path, NTM_GC_FREEZE="0")
    assert got["frozen"] == 0 and got["threshold"][0] == 700
