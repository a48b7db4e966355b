"""``ntm backup FILE`` / ``ntm restore FILE [--force]``: a copy of the whole database, made and restored
by the database's own tools, and verified table by table.

The backup is a tar file (mode 0600: it holds password hashes and every value entered; gzip-compressed
for SQLite, plain around PostgreSQL's already compressed dump) with two members:

- ``manifest.json`` — ``format`` "ntm-backup", ``format_version`` 2, NTM and Django versions, date,
  database vendor, catalogue version, the applied migrations, the number of rows of every model
  (``counts``), ``data``: the data member's name, size and SHA-256, and ``tables``: for every table
  its row count and a SHA-256 of its rows (:func:`table_checksums`);
- the data: ``data.sqlite3`` — a copy of the SQLite database made with SQLite's online backup API
  (one consistent snapshot, writers not blocked for long) — or ``data.pgdump`` — ``pg_dump
  --format=custom`` of the PostgreSQL database, taken in the same snapshot as the checksums
  (``pg_export_snapshot``). Every value is copied as stored (timestamps to the microsecond).

Left empty in the copy: sessions (everyone logs in again), the task queue, the heartbeats and
log-in failures, and the data-version counters (a restore raises this database's own counters so that
no page kept by a running worker survives it).

The restore:

1. checks the file (format, data checksum), that it comes from the same kind of database, and that
   this version knows every migration the backup was made with (a newer version's backup is refused
   with the version to use; an older one is brought up to date by ``migrate`` after the restore);
2. refuses if the database already holds data, unless ``force``;
3. SQLite: verifies the table checksums on the extracted copy, then copies it over the database with
   the online backup API (all or nothing); PostgreSQL: ``pg_restore --clean --single-transaction``
   (all or nothing);
4. computes the checksum of every table again and compares it with the manifest (the figures are
   returned and printed); marks runs that were under way at backup time failed; raises the data
   versions; applies newer migrations.

Format 1 backups (Django ``dumpdata`` JSON, ``data.json``, written by earlier versions) are still
restored, through ``loaddata``; they can move data between SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from ntm.core import formatting as fmt
from ntm.web.cache import PAGE_TOPICS, changed

logger = logging.getLogger("ntm.ops")

FORMAT = "ntm-backup"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
DATA = "data.json"  # format 1
DATA_SQLITE = "data.sqlite3"
DATA_PG = "data.pgdump"
EXCLUDED_APPS = {"contenttypes", "sessions", "django_tasks_db"}
# the data versions are counters of this database's own changes (see ntm.web.cache): a
# restore raises them instead of loading older values that a running worker may have cached under
EXCLUDED_MODELS = {
    "auth.permission",
    "evaluations.dataversion",
    "evaluations.datachange",
    "ops.workerbeat",
    "ops.loginfailure",
}
# rows created by migrations themselves: not "data" when deciding whether a target is empty
SEEDED_MODELS = {"plans.programmetarget"}
# tables emptied on restore although not in the backup (stale sessions could name restored users)
CLEARED_APPS = {"sessions", "django_tasks_db"}
# tables whose rows the copy leaves out (format 2): they describe this running installation, not its data
VOLATILE_TABLES = (
    "django_session",
    "django_tasks_db_dbtaskresult",
    "ops_workerbeat",
    "ops_loginfailure",
    "evaluations_dataversion",
    "evaluations_datachange",
)
GZIP_LEVEL = 1  # the data compresses well even at the fastest level; higher levels cost seconds per 100 MB


class BackupError(Exception):
    """A backup or restore that could not be done; nothing was changed."""


def _label(model) -> str:
    return model._meta.label_lower


def backup_models() -> list:
    out = []
    for m in apps.get_models():
        meta = m._meta
        if meta.proxy or not meta.managed or meta.app_label in EXCLUDED_APPS or _label(m) in EXCLUDED_MODELS:
            continue
        out.append(m)
    return sorted(out, key=_label)


def _tables(models) -> list[str]:
    tables = []
    for m in models:
        tables.append(m._meta.db_table)
        for f in m._meta.local_many_to_many:
            through = f.remote_field.through
            if through._meta.auto_created:
                tables.append(through._meta.db_table)
    return list(dict.fromkeys(tables))


def _counts(models, using: str) -> dict[str, int]:
    return {_label(m): m._base_manager.using(using).count() for m in models}


def _applied_migrations(using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _catalogue_version() -> str | None:
    try:
        from ntm.core.catalog import default_catalog

        return default_catalog().version
    except Exception:  # noqa: BLE001 - a broken catalogue must not prevent a backup
        return None


def _ntm_version() -> str:
    try:
        from importlib.metadata import version

        return version("ntm")
    except Exception:  # noqa: BLE001
        return "unknown"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- checksums: one way, before and after --------------------------------------------------------------
def _sqlite_tables(cur) -> list[str]:
    cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [r[0] for r in cur.fetchall()]


def _pg_tables(cur) -> list[str]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [r[0] for r in cur.fetchall()]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _order_sqlite(cur, table: str) -> tuple[list[str], list[str]]:
    cur.execute(f"PRAGMA table_info({_quote(table)})")
    info = cur.fetchall()  # cid, name, type, notnull, default, pk
    columns = sorted(r[1] for r in info)
    pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    return columns, pk or columns


def _order_pg(cur, table: str) -> tuple[list[str], list[str]]:
    cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
        [table],
    )
    columns = sorted(r[0] for r in cur.fetchall())
    cur.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY a.attnum",
        [_quote(table)],
    )
    pk = [r[0] for r in cur.fetchall()]
    return columns, pk or columns


def table_checksums(cur, vendor: str) -> dict[str, dict]:
    """``{table: {"rows": n, "sha256": …}}`` for every table but the volatile ones: the rows in primary-key
    order, the columns in name order, each value as the database gives it (SQLite: its stored value;
    PostgreSQL: its text form) — so two databases with the same rows have the same checksums, to the
    microsecond of every timestamp. ``cur`` is a DB-API cursor (a plain ``sqlite3`` one for SQLite, so
    that no type conversion of Django's is involved)."""
    pg = vendor == "postgresql"
    out: dict[str, dict] = {}
    for table in _pg_tables(cur) if pg else _sqlite_tables(cur):
        if table in VOLATILE_TABLES:
            continue
        columns, order = (_order_pg if pg else _order_sqlite)(cur, table)
        if pg:
            cols = ", ".join(f"{_quote(c)}::text" for c in columns)
        else:
            cols = ", ".join(_quote(c) for c in columns)
        cur.execute(f"SELECT {cols} FROM {_quote(table)} ORDER BY {', '.join(_quote(c) for c in order)}")
        h = hashlib.sha256(("\x1f".join(columns) + "\n").encode())
        n = 0
        while rows := cur.fetchmany(20_000):
            n += len(rows)
            h.update(repr(rows).encode("utf-8", "surrogatepass"))
        out[table] = {"rows": n, "sha256": h.hexdigest()}
    return out


def compare_checksums(expected: dict, got: dict) -> list[str]:
    """Tables whose rows differ (or are missing on one side), described."""
    wrong = []
    for table in sorted(set(expected) | set(got)):
        a, b = expected.get(table), got.get(table)
        if a is None or b is None:
            wrong.append(f"{table}: {'thiếu trong tệp sao lưu' if a is None else 'thiếu sau khi khôi phục'}")
        elif a != b:
            wrong.append(f"{table}: {a['rows']} → {b['rows']} dòng, mã kiểm tra khác")
    return wrong


def summary(tables: dict) -> str:
    """One SHA-256 over every table's checksum: a short figure to compare by eye."""
    h = hashlib.sha256(json.dumps(tables, sort_keys=True).encode())
    return h.hexdigest()


# -- making the copy -------------------------------------------------------------------------------------
def _sqlite_path(using: str) -> Path:
    return Path(connections[using].settings_dict["NAME"])


def _pg_env(using: str) -> tuple[list[str], dict]:
    """Connection arguments and environment for pg_dump/pg_restore (the password in the environment)."""
    sd = connections[using].settings_dict
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if sd.get(key):
            args += [flag, str(sd[key])]
    env = dict(os.environ)
    if sd.get("PASSWORD"):
        env["PGPASSWORD"] = str(sd["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"không tìm thấy lệnh {name} (gói postgresql-client) — cần cho sao lưu/khôi phục PostgreSQL")
    return found


def _copy_sqlite(using: str, dest: Path) -> dict:
    # from the application's own connection (in autocommit): one step copies a consistent snapshot
    conn = connections[using]
    if conn.in_atomic_block:  # the copy would wait for ever on its own transaction's locks
        raise BackupError("không sao lưu được bên trong một giao dịch đang mở")
    conn.ensure_connection()
    dst = sqlite3.connect(dest)
    try:
        conn.connection.backup(dst)  # one step: a consistent snapshot of the whole database
        cur = dst.cursor()
        present = set(_sqlite_tables(cur))
        for t in VOLATILE_TABLES:
            if t in present:
                cur.execute(f"DELETE FROM {_quote(t)}")
        dst.commit()
        cur.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        return table_checksums(dst.cursor(), "sqlite")
    finally:
        dst.close()


def _copy_pg(using: str, dest: Path) -> dict:
    """Checksums and pg_dump in one snapshot: a REPEATABLE READ transaction exports it, pg_dump uses it."""
    conn = connections[using]
    args, env = _pg_env(using)
    with transaction.atomic(using=using):
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            tables = table_checksums(cur, "postgresql")
        cmd = [
            _tool("pg_dump"),
            *args,
            "--format=custom",
            "--compress=1",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            *[f"--exclude-table-data={t}" for t in VOLATILE_TABLES],
            "--file",
            str(dest),
            conn.settings_dict["NAME"],
        ]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise BackupError(f"pg_dump thất bại: {r.stderr.strip()[:500]}")
    return tables


def create_backup(path: str | Path, *, using: str = DEFAULT_DB_ALIAS, console=None) -> dict:
    """Write the backup to ``path`` (replaced atomically); returns the manifest."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    vendor = connections[using].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"không sao lưu được cơ sở dữ liệu loại {vendor}")
    models = backup_models()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ntm-backup-", dir=path.parent) as tmp:
        name = DATA_SQLITE if vendor == "sqlite" else DATA_PG
        data = Path(tmp) / name
        migrations = _applied_migrations(using)
        tables = _copy_sqlite(using, data) if vendor == "sqlite" else _copy_pg(using, data)
        counts = {_label(m): tables.get(m._meta.db_table, {}).get("rows", 0) for m in models}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "ntm_version": _ntm_version(),
            "django_version": __import__("django").get_version(),
            "created_at": timezone.now().isoformat(),
            "database_vendor": vendor,
            "catalogue_version": _catalogue_version(),
            "migrations": migrations,
            "counts": counts,
            "rows": sum(counts.values()),
            "data": {"file": name, "sha256": _sha256(data), "bytes": data.stat().st_size},
            "tables": tables,
            "checksum": summary(tables),
        }
        part = Path(tmp) / "backup.tar.gz"
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        # a pg_dump custom file is compressed already: a plain tar around it (read back with "r:*")
        options = {"mode": "w:gz", "compresslevel": GZIP_LEVEL} if vendor == "sqlite" else {"mode": "w"}
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, **options) as tar:
            blob = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(blob), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(blob))
            tar.add(data, arcname=name)
        os.replace(part, path)
    manifest["seconds"] = round(time.monotonic() - t0, 1)
    logger.info(
        "backup written",
        extra={
            "event": "backup",
            "file": str(path),
            "rows": manifest["rows"],
            "bytes": path.stat().st_size,
            "checksum": manifest["checksum"],
        },
    )
    return manifest


def read_manifest(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: không tìm thấy tệp sao lưu")
    try:
        with tarfile.open(path, mode="r:*") as tar:
            member = tar.getmember(MANIFEST)
            manifest = json.loads(tar.extractfile(member).read().decode("utf-8"))
    except (tarfile.TarError, KeyError, OSError, EOFError, ValueError, AttributeError) as exc:
        raise BackupError(f"{path}: không phải tệp sao lưu của NTM Monitor ({exc.__class__.__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: không phải tệp sao lưu của NTM Monitor (thiếu bản kê)")
    if manifest.get("format_version") not in READABLE_VERSIONS:
        raise BackupError(
            f"{path}: định dạng sao lưu phiên bản {manifest.get('format_version')} không được hỗ trợ "
            f"(phiên bản này đọc được {', '.join(map(str, READABLE_VERSIONS))})"
        )
    return manifest


def _extract_data(path: Path, manifest: dict, folder: Path) -> Path:
    name = (manifest.get("data") or {}).get("file") or DATA
    if name not in (DATA, DATA_SQLITE, DATA_PG):
        raise BackupError(f"{path}: phần dữ liệu không hợp lệ ({name[:40]})")
    out = folder / name
    with tarfile.open(path, mode="r:*") as tar:
        try:
            member = tar.getmember(name)
        except KeyError:
            raise BackupError(f"{path}: thiếu phần dữ liệu ({name})") from None
        if not member.isfile():
            raise BackupError(f"{path}: phần dữ liệu hỏng")
        src = tar.extractfile(member)
        with open(out, "wb") as f:  # never extractall(): member names are not trusted
            for chunk in iter(lambda: src.read(1 << 20), b""):
                f.write(chunk)
    if _sha256(out) != manifest.get("data", {}).get("sha256"):
        raise BackupError(f"{path}: dữ liệu không khớp mã kiểm tra trong bản kê (tệp bị hỏng hoặc bị sửa)")
    return out


def _check_migrations(manifest: dict, using: str) -> None:
    """The backup must have been made at exactly the schema of this version (after ``migrate``):
    loading older or newer data into other tables could silently drop or default values."""
    here = {(a, n) for a, names in _applied_migrations(using).items() for n in names}
    there = {(a, n) for a, names in (manifest.get("migrations") or {}).items() for n in names}
    if here == there:
        return
    newer = sorted(there - here)
    older = sorted(here - there)
    if newer:
        shown = ", ".join(f"{a}.{n}" for a, n in newer[:5])
        raise BackupError(
            f"tệp sao lưu được tạo bởi phiên bản NTM mới hơn (có bước chuyển đổi {shown} mà phiên bản "
            f"này không có): cài NTM {manifest.get('ntm_version')} rồi khôi phục"
        )
    shown = ", ".join(f"{a}.{n}" for a, n in older[:5])
    raise BackupError(
        f"tệp sao lưu được tạo bởi phiên bản NTM cũ hơn ({manifest.get('ntm_version')}; thiếu {shown}): "
        "khôi phục bằng đúng phiên bản đó, rồi nâng cấp (ntm manage migrate)"
    )


def _known_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _check_known(manifest: dict) -> None:
    """Every migration the backup was made with must be known here (a newer version's backup is refused)."""
    there = {(a, n) for a, names in (manifest.get("migrations") or {}).items() for n in names}
    unknown = sorted(there - _known_migrations())
    if unknown:
        shown = ", ".join(f"{a}.{n}" for a, n in unknown[:5])
        raise BackupError(
            f"tệp sao lưu được tạo bởi phiên bản NTM mới hơn (có bước chuyển đổi {shown} mà phiên bản "
            f"này không có): cài NTM {manifest.get('ntm_version')} rồi khôi phục"
        )


def _existing_tables(using: str) -> set[str]:
    return set(connections[using].introspection.table_names())


def _target_has_data(using: str) -> bool:
    present = _existing_tables(using)
    return any(
        m._meta.db_table in present and m._base_manager.using(using).exists()
        for m in backup_models()
        if _label(m) not in SEEDED_MODELS
    )


def _data_versions(using: str) -> dict[str, int]:
    from ntm.apps.evaluations.models import DataVersion

    if DataVersion._meta.db_table not in _existing_tables(using):
        return {}
    return dict(DataVersion.objects.using(using).values_list("topic", "value"))


def _restore_sqlite(data: Path, manifest: dict, using: str) -> dict:
    src = sqlite3.connect(data)
    try:
        got = table_checksums(src.cursor(), "sqlite")  # the copy in the file, before it replaces anything
        wrong = compare_checksums(manifest.get("tables") or {}, got)
        if wrong:
            raise BackupError("dữ liệu trong tệp sao lưu không khớp mã kiểm tra của bảng: " + "; ".join(wrong[:5]))
        connections[using].close()
        target = _sqlite_path(using)
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=60)
        try:
            src.backup(dst)  # the whole database replaced in one transaction of the destination
            dst.execute("PRAGMA journal_mode=WAL")
            return table_checksums(dst.cursor(), "sqlite")
        finally:
            dst.close()
    finally:
        src.close()


def _restore_pg(data: Path, using: str) -> dict:
    conn = connections[using]
    args, env = _pg_env(using)
    conn.close()
    cmd = [
        _tool("pg_restore"),
        *args,
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--dbname",
        conn.settings_dict["NAME"],
        str(data),
    ]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise BackupError(f"pg_restore thất bại, cơ sở dữ liệu giữ nguyên: {r.stderr.strip()[:500]}")
    with conn.cursor() as cur:
        return table_checksums(cur, "postgresql")


def _after_restore(using: str, versions_before: dict[str, int]) -> None:
    """Runs under way when the backup was made have no task any more: failed. The data versions move
    past every value this database had, so that no page kept by a running worker survives the restore."""
    from ntm.apps.evaluations.models import DataVersion, ReevaluationRun

    S = ReevaluationRun.Status
    with transaction.atomic(using=using):
        ReevaluationRun.objects.using(using).filter(status__in=(S.QUEUED, S.RUNNING, S.SWITCHING)).update(
            status=S.FAILED,
            finished_at=timezone.now(),
            message="Chưa xong lúc sao lưu; cơ sở dữ liệu đã được khôi phục từ bản sao lưu. Chạy lại bằng `ntm reevaluate`.",
        )
        for topic, value in versions_before.items():
            DataVersion.objects.using(using).update_or_create(topic=topic, defaults={"value": value})
        for topic in PAGE_TOPICS:
            changed(topic, using=using)


def restore_backup(path: str | Path, *, force: bool = False, using: str = DEFAULT_DB_ALIAS, console=None) -> dict:
    """Restore ``path`` into the database ``using`` (all or nothing); returns the manifest, with
    ``verified``: the checksums of the restored tables (they equal the manifest's)."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest.get("format_version") == 1:
        return _restore_json(path, manifest, force=force, using=using, console=console)
    say = console.print if console is not None else (lambda *a, **k: None)
    vendor = connections[using].vendor
    if manifest.get("database_vendor") != vendor:
        raise BackupError(
            f"tệp sao lưu của {manifest.get('database_vendor')} chỉ khôi phục được vào cùng loại cơ sở "
            f"dữ liệu (đang dùng {vendor}); để chuyển giữa SQLite và PostgreSQL, dùng ntm export/import "
            "hoặc một bản sao lưu định dạng 1"
        )
    _check_known(manifest)
    if not force and _target_has_data(using):
        raise BackupError(_not_empty_message(backup_models(), using))
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ntm-restore-") as tmp:
        data = _extract_data(path, manifest, Path(tmp))
        versions = _data_versions(using)
        say(f"Khôi phục {fmt.number(manifest.get('rows', 0))} dòng dữ liệu…")
        got = _restore_sqlite(data, manifest, using) if vendor == "sqlite" else _restore_pg(data, using)
    wrong = compare_checksums(manifest.get("tables") or {}, got)
    if wrong:  # not expected from the database's own tools: say so loudly
        logger.error("restore verification failed", extra={"event": "restore_mismatch", "tables": wrong[:20]})
        raise BackupError("dữ liệu sau khi khôi phục không khớp mã kiểm tra của bảng: " + "; ".join(wrong[:5]))
    _after_restore(using, versions)
    call_command("migrate", interactive=False, verbosity=0, database=using)  # a backup of an older version
    manifest["seconds"] = round(time.monotonic() - t0, 1)
    manifest["verified"] = {"tables": len(got), "checksum": summary(got)}
    logger.warning(
        "database restored",
        extra={
            "event": "restore",
            "file": str(path),
            "rows": manifest.get("rows"),
            "backup_created_at": manifest.get("created_at"),
            "force": force,
            "checksum": manifest["verified"]["checksum"],
        },
    )
    return manifest


def _restore_json(path: Path, manifest: dict, *, force: bool, using: str, console=None) -> dict:
    """Format 1 (``dumpdata`` JSON): migrate, check the schema, then flush and ``loaddata`` in one transaction."""
    say = console.print if console is not None else (lambda *a, **k: None)
    with tempfile.TemporaryDirectory(prefix="ntm-restore-") as tmp:
        data = _extract_data(path, manifest, Path(tmp))
        call_command("migrate", interactive=False, verbosity=0, database=using)
        _check_migrations(manifest, using)
        models = backup_models()
        missing = [m for m in manifest.get("counts", {}) if m not in {_label(x) for x in models}]
        if missing:
            raise BackupError(
                f"tệp sao lưu có dữ liệu của các bảng không còn trong phiên bản này: {', '.join(missing[:5])}"
            )
        t0 = time.monotonic()
        with transaction.atomic(using=using):
            if not force and _has_data(models, using):
                raise BackupError(_not_empty_message(models, using))
            conn = connections[using]
            cleared = [m for m in apps.get_models() if m._meta.app_label in CLEARED_APPS and m._meta.managed]
            tables = [t for t in _tables(models + cleared) if t in set(conn.introspection.table_names())]
            with conn.cursor() as cur:
                for sql in conn.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=False):
                    cur.execute(sql)
            say(f"Nạp {fmt.number(manifest.get('rows', 0))} dòng dữ liệu…")
            call_command("loaddata", str(data), database=using, verbosity=0)
            got = _counts([m for m in models if _label(m) in manifest["counts"]], using)
            wrong = {k: (manifest["counts"][k], n) for k, n in got.items() if manifest["counts"][k] != n}
            if wrong:
                shown = ", ".join(f"{k}: {a} → {b}" for k, (a, b) in list(wrong.items())[:5])
                raise BackupError(f"số dòng sau khi nạp không khớp bản kê ({shown}); không khôi phục gì")
            for topic in ("results", "units", "plans"):
                changed(topic, using=using)
    manifest["seconds"] = round(time.monotonic() - t0, 1)
    logger.warning(
        "database restored",
        extra={
            "event": "restore",
            "file": str(path),
            "rows": manifest.get("rows"),
            "backup_created_at": manifest.get("created_at"),
            "force": force,
        },
    )
    return manifest


def _has_data(models, using: str) -> bool:
    return any(m._base_manager.using(using).exists() for m in models if _label(m) not in SEEDED_MODELS)


def _not_empty_message(models, using: str) -> str:
    counts = {k: n for k, n in _counts(models, using).items() if n and k not in SEEDED_MODELS}
    shown = ", ".join(f"{k} ({n})" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])[:6])
    return (
        "cơ sở dữ liệu đích đã có dữ liệu (" + shown + "). Khôi phục sẽ XÓA toàn bộ dữ liệu này; "
        "nếu chắc chắn, chạy lại với --force (nên sao lưu cơ sở dữ liệu hiện tại trước)."
    )


# -- the command line (wired in ntm/cli.py) ----------------------------------------------------
def _err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def cmd_backup(path: str, console) -> int:
    try:
        m = create_backup(path, console=console)
    except BackupError as exc:
        _err_console().print(f"Lỗi: {exc}", markup=False)
        return 1
    size = Path(path).stat().st_size / 1024 / 1024
    console.print(
        f"Đã sao lưu {fmt.number(m['rows'])} dòng ({len(m['counts'])} bảng) vào {path} "
        f"({fmt.number(size, 1, trim=True)} MB, {fmt.number(m['seconds'], 1, trim=True)} giây)."
    )
    console.print(f"Mã kiểm tra của {len(m['tables'])} bảng: {m['checksum']}")
    console.print("Tệp chứa mật khẩu đã băm và toàn bộ số liệu: hãy giữ nó như chính cơ sở dữ liệu.")
    return 0


def cmd_restore(path: str, console, force: bool = False) -> int:
    try:
        m = read_manifest(path)
        created = m.get("created_at", "")
        try:
            created = timezone.localtime(dt.datetime.fromisoformat(created)).strftime("%H:%M %d/%m/%Y")
        except (TypeError, ValueError):
            pass
        console.print(
            f"Tệp sao lưu lúc {created}, NTM {m.get('ntm_version')}, {m.get('database_vendor')}, "
            f"{fmt.number(m.get('rows', 0))} dòng."
        )
        cat = _catalogue_version()
        if m.get("catalogue_version") and cat and m["catalogue_version"] != cat:
            console.print(
                f"[yellow]Lưu ý:[/yellow] danh mục bộ tiêu chí đã đổi ({m['catalogue_version']} → {cat}); "
                "kết quả đã lưu giữ nguyên phiên bản cũ, đánh giá lại nếu cần."
            )
        m = restore_backup(path, force=force, console=console)
    except BackupError as exc:
        _err_console().print(f"Lỗi: {exc}", markup=False)
        return 1
    console.print(
        f"Đã khôi phục {fmt.number(m.get('rows', 0))} dòng ({fmt.number(m['seconds'], 1, trim=True)} giây). Mọi người cần đăng nhập lại."
    )
    if m.get("verified"):
        console.print(
            f"Đã kiểm tra {m['verified']['tables']} bảng: giống hệt bản sao lưu (mã kiểm tra {m['verified']['checksum']})."
        )
    return 0
