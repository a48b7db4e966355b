"""``ntm backup`` → ``ntm restore`` through the database's own tools (issue 18 item 12): every table
identical by its checksum, timestamps to the microsecond, a tampered copy refused, runs that were under
way at backup time marked failed. SQLite always; PostgreSQL with a postgres DATABASE_URL."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
NTM = Path(sys.executable).with_name("ntm")
PG_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""

SEED = """
import datetime as dt
from django.contrib.auth import get_user_model
from ntm.apps.evaluations.models import ReevaluationRun
u = get_user_model().objects.create_user("sao_luu", password="mat-khau-dai-1")
for i in range(50):
    r = ReevaluationRun.objects.create(set_codes=["xa-ntm-2021"], periods=["2024-Q1"], reason=f"lượt {i}", status="done")
    ReevaluationRun.objects.filter(pk=r.pk).update(created_at=dt.datetime(2026, 1, 1, 8, 0, 0, 123457 + i, tzinfo=dt.timezone.utc))
ReevaluationRun.objects.create(set_codes=[], periods=[], reason="đang chờ lúc sao lưu")
"""


def _env(home: Path, db_url: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(NTM_HOME=str(home), NTM_LOG_LEVEL="ERROR", NTM_APP_LOG_LEVEL="ERROR", NTM_SECRET_KEY="k" * 50)
    if db_url:
        env["DATABASE_URL"] = db_url
    return env


def ntm(home: Path, *args: str, db_url: str = "", check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run([str(NTM), *args], env=_env(home, db_url), cwd=ROOT, capture_output=True, text=True, timeout=600)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def _pg_database(name: str):
    """A new, empty PostgreSQL database beside the test one (the role may create databases)."""
    import psycopg

    base = PG_URL.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def _drop_pg(url: str) -> None:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _created_at(home: Path, db_url: str) -> list[str]:
    out = ntm(
        home,
        "manage",
        "shell",
        "-c",
        "from ntm.apps.evaluations.models import ReevaluationRun as R; "
        "print([r.isoformat() for r in R.objects.order_by('pk').values_list('created_at', flat=True)])",
        db_url=db_url,
    ).stdout
    return out.strip().splitlines()[-1]


VENDORS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="needs a postgres DATABASE_URL")],
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("vendor", VENDORS)
def test_backup_and_restore_are_identical_table_by_table_to_the_microsecond(tmp_path, vendor):
    urls = []
    if vendor == "postgresql":
        urls = [_pg_database(f"ntm_bk_{uuid.uuid4().hex[:8]}"), _pg_database(f"ntm_rs_{uuid.uuid4().hex[:8]}")]
    src_url, dst_url = (urls + ["", ""])[:2] if urls else ("", "")
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    try:
        ntm(src, "manage", "migrate", db_url=src_url)
        ntm(src, "manage", "shell", "-c", SEED, db_url=src_url)
        before = _created_at(src, src_url)
        assert ".123457+00:00" in before and ".123506+00:00" in before
        backup = tmp_path / "sao-luu.ntm"
        r = ntm(src, "backup", str(backup), db_url=src_url)
        assert oct(backup.stat().st_mode & 0o777) == "0o600"
        with tarfile.open(backup, "r:*") as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())
            assert {m.name for m in tar.getmembers()} == {"manifest.json", manifest["data"]["file"]}
        assert manifest["format_version"] == 2 and manifest["database_vendor"] == vendor
        tables = manifest["tables"]
        assert tables["evaluations_reevaluationrun"]["rows"] == 51 and tables["auth_user"]["rows"] == 1
        assert "django_session" not in tables and len(tables) >= 30
        assert f"Mã kiểm tra của {len(tables)} bảng: {manifest['checksum']}" in r.stdout

        r = ntm(dst, "restore", str(backup), db_url=dst_url)
        assert f"giống hệt bản sao lưu (mã kiểm tra {manifest['checksum']})" in r.stdout
        after = _created_at(dst, dst_url)
        assert after == before  # every created_at to the microsecond
        state = ntm(
            dst,
            "manage",
            "shell",
            "-c",
            "from ntm.apps.evaluations.models import ReevaluationRun as R; "
            "print(R.objects.order_by('-pk').values_list('status', flat=True)[0])",
            db_url=dst_url,
        ).stdout
        assert state.strip().splitlines()[-1] == "failed"  # queued at backup time: its task is not in the copy
        # over data: refused without --force, and the data stays
        r = ntm(dst, "restore", str(backup), db_url=dst_url, check=False)
        assert r.returncode == 1 and "--force" in r.stderr
        r = ntm(dst, "restore", str(backup), "--force", db_url=dst_url)
        assert "giống hệt" in r.stdout and _created_at(dst, dst_url) == before
    finally:
        for url in urls:
            _drop_pg(url)


@pytest.mark.slow
def test_a_copy_whose_rows_were_changed_is_refused_before_anything_is_touched(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    ntm(src, "manage", "migrate")
    ntm(src, "manage", "shell", "-c", SEED)
    backup = tmp_path / "sao-luu.ntm"
    ntm(src, "backup", str(backup))
    # someone edits a value inside the copy and fixes the file's own checksum: the table checksum tells
    work = tmp_path / "work"
    work.mkdir()
    with tarfile.open(backup, "r:*") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        (work / "data.sqlite3").write_bytes(tar.extractfile("data.sqlite3").read())
    with sqlite3.connect(work / "data.sqlite3") as c:
        c.execute("UPDATE evaluations_reevaluationrun SET reason = 'sửa lén' WHERE id = 3")
    import hashlib

    manifest["data"]["sha256"] = hashlib.sha256((work / "data.sqlite3").read_bytes()).hexdigest()
    forged = tmp_path / "gia.ntm"
    with tarfile.open(forged, "w:gz") as tar:
        blob = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))
        tar.add(work / "data.sqlite3", arcname="data.sqlite3")
    ntm(dst, "manage", "migrate")
    r = ntm(dst, "restore", str(forged), check=False)
    assert r.returncode == 1 and "evaluations_reevaluationrun" in r.stderr and "mã kiểm tra" in r.stderr
    with sqlite3.connect(dst / "ntm.sqlite3") as c:
        assert c.execute("SELECT count(*) FROM evaluations_reevaluationrun").fetchone()[0] == 0  # untouched
