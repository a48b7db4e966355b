"""Nothing entered is lost: concurrent saves of one value, an import failing or killed half-way, and
the ``ntm backup`` → ``ntm restore`` round trip.

The multi-process tests work on a file-based SQLite database in a temporary ``NTM_HOME`` (as a real
installation does), driven by ``dbtool.py`` in separate processes; they are marked slow (the
database with the real units is made once per session, ~15 s)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = Path(__file__).with_name("dbtool.py")
NTM = ROOT / ".venv" / "bin" / "ntm"


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(NTM_HOME=str(home), NTM_LOG_LEVEL="ERROR", NTM_APP_LOG_LEVEL="ERROR", PYTHONPATH=str(ROOT))
    return env


def tool(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), *args],
        env=_env(home),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


def dump(home: Path) -> dict:
    return json.loads(tool(home, "dump").stdout)


@pytest.fixture(scope="session")
def template_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("ntm-template")
    tool(home, "setup")
    return home


@pytest.fixture
def home(template_home, tmp_path):
    h = tmp_path / "home"
    h.mkdir()
    for f in template_home.glob("ntm.sqlite3*"):
        shutil.copy2(f, h / f.name)
    return h


# -- concurrent clients -------------------------------------------------------------------------------
@pytest.mark.slow
def test_concurrent_saves_of_one_value_give_one_success_and_clear_conflicts_never_an_overwrite(home):
    tool(home, "seed")
    go = home / "go"
    n = 6
    procs = [
        subprocess.Popen(
            [sys.executable, str(TOOL), "save", str(go), f"ghi chú của máy {i}", "1"],
            env=_env(home),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(n)
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    go.touch()
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
        outs.append(json.loads(out.strip().splitlines()[-1]))
    saved = [i for i, o in enumerate(outs) if o["outcome"] == "saved"]
    conflicts = [o for o in outs if o["outcome"] == "conflict"]
    assert len(saved) == 1 and len(conflicts) == n - 1, outs
    for c in conflicts:  # a clear conflict: which indicator, who, which version
        assert c["current"] == 2 and "Chỉ tiêu 1.1 đã được" in c["message"] and "lần sửa 2" in c["message"]
    history, current = dump(home)["observations"]
    rows = [r for r in history if r[3] == "1.1"]
    assert [r[4] for r in rows] == [1, 2]  # version 1 kept, one new version
    assert rows[1][7] == f"ghi chú của máy {saved[0]}"
    (now,) = [r for r in current if r[3] == "1.1"]  # the current value is that new version
    assert (now[4], now[7]) == (2, rows[1][7])


# -- imports that fail half-way ----------------------------------------------------------------------
def _csv(path: Path, periods=("2023-01", "2023-02", "2023-03")) -> Path:
    from ntm.core.catalog import default_catalog

    cs = default_catalog().get("xa-ntm-2021")
    lines = ["unit,set,period,indicator,assessment"]
    for p in periods:
        lines += [f"xa:13570@2024,xa-ntm-2021,{p},{i.code},đạt" for i in cs.indicators]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _counts():
    from ntm.apps.audit.models import AuditEvent
    from ntm.apps.evaluations.models import ResultAll
    from ntm.apps.observations.models import Observation

    return Observation.objects.count(), ResultAll.objects.count(), AuditEvent.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["disk error while writing the second chunk", "error while re-evaluating"])
def test_an_import_failing_half_way_leaves_the_database_as_before(where, tmp_path, monkeypatch):
    from django.contrib.auth import get_user_model

    from ntm.apps.evaluations import subscribers as ev  # evaluates the cells an import announces
    from ntm.apps.observations import imports

    user = get_user_model().objects.create_superuser("op", "op@example.org", "mat-khau-rat-dai-1")
    path = _csv(tmp_path / "nhap.csv")
    monkeypatch.setattr(imports.check, "CHUNK", 40)
    before = _counts()
    calls = {"n": 0}
    if where.startswith("disk"):
        from ntm.apps.observations import sql

        real = sql.Appender.write  # appends a piece to the history (COPY / multi-row INSERT)

        def write(self, rows):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(28, "No space left on device")
            return real(self, rows)

        monkeypatch.setattr(sql.Appender, "write", write)
        with pytest.raises(OSError):
            imports.commit_import(path, user=user)
        assert calls["n"] == 2  # the first chunk had been written
    else:
        real_eval = ev.evaluate_unit

        def evaluate_unit(*a, **kw):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("máy đánh giá hỏng")
            return real_eval(*a, **kw)

        monkeypatch.setattr(ev, "evaluate_unit", evaluate_unit)
        with pytest.raises(RuntimeError):
            imports.commit_import(path, user=user)
    assert _counts() == before
    # and the same file then goes in whole
    monkeypatch.undo()
    res = imports.commit_import(path, user=user)
    assert res.written == 3 * 57 and _counts()[0] == before[0] + 171


@pytest.mark.slow
def test_an_import_killed_half_way_leaves_the_database_as_before(home, tmp_path):
    before = dump(home)
    path = _csv(tmp_path / "nhap.csv")
    p = subprocess.Popen(
        [sys.executable, str(TOOL), "import", str(path)],
        env=_env(home),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    for line in p.stdout:
        seen.append(line.strip())
        if line.startswith("Ghi số liệu 100/"):  # two of four chunks written inside the transaction
            p.send_signal(signal.SIGKILL)
            break
    p.wait(timeout=60)
    assert p.returncode == -signal.SIGKILL, (seen, p.stderr.read()[-2000:])
    assert "done" not in seen
    db = sqlite3.connect(home / "ntm.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    assert dump(home) == before


# -- backup and restore --------------------------------------------------------------------------------
@pytest.mark.slow
def test_backup_then_restore_into_a_fresh_database_gives_identical_evaluations(home, tmp_path):
    tool(home, "prune")  # four units instead of 14,000: the round trip is the point, not the volume
    tool(home, "seed")
    (tmp_path / "go").touch()
    tool(home, "save", str(tmp_path / "go"), "sửa lần hai", "1")  # a second version of one value
    original = dump(home)
    assert original["results"] and any(r[4] == 2 for r in original["observations"][0])
    backup = tmp_path / "sao-luu.tar.gz"
    r = subprocess.run(
        [str(NTM), "backup", str(backup)], env=_env(home), cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    assert "Đã sao lưu" in r.stdout and oct(backup.stat().st_mode & 0o777) == "0o600"
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    r = subprocess.run(
        [str(NTM), "restore", str(backup)], env=_env(fresh), cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Đã khôi phục" in r.stdout
    assert dump(fresh) == original
    # restoring again over data is refused without --force, and changes nothing
    r = subprocess.run(
        [str(NTM), "restore", str(backup)], env=_env(fresh), cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 1 and "--force" in r.stderr
    assert dump(fresh) == original
