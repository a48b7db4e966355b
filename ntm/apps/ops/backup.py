"""``ntm backup FILE`` / ``ntm restore FILE [--force]``: a portable copy of the whole database.

The backup is a ``.tar.gz`` holding two members:

- ``manifest.json`` — format and version, NTM and Django versions, date, database vendor, catalogue
  version, the applied migrations, the number of rows per model and the SHA-256 of the data;
- ``data.json`` — Django's ``dumpdata`` of every model (natural keys for content types and
  permissions, so it loads into any database: SQLite → PostgreSQL works as well as SQLite → SQLite).

Left out: content types and permissions (recreated by ``migrate``), sessions (everyone logs in
again after a restore) and the background-task queue. The file holds password hashes and every
value entered: it is written with mode 0600 and must be kept like the database itself.

The backup reads one consistent snapshot (a read transaction; PostgreSQL REPEATABLE READ) while the
site keeps running. The restore:

1. checks the file (format, checksum);
2. brings the schema up to date (``migrate``) and checks that it is exactly the schema the backup
   was made with (same migrations): a backup of another version is refused with the version to use
   (restore with that version, then upgrade);
3. in ONE transaction: refuses if the database already holds data (unless ``force``), empties the
   tables, loads the data, checks the row count of every model against the manifest — any error
   rolls everything back and the database is as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
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

logger = logging.getLogger("ntm.ops")

FORMAT = "ntm-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
EXCLUDED_APPS = {"contenttypes", "sessions", "django_tasks_db"}
# the data versions are counters of this database's own changes (see evaluations.freshness): a
# restore raises them instead of loading older values that a running worker may have cached under
EXCLUDED_MODELS = {"auth.permission", "evaluations.dataversion", "evaluations.datachange"}
# rows created by migrations themselves: not "data" when deciding whether a target is empty
SEEDED_MODELS = {"plans.programmetarget"}
# tables emptied on restore although not in the backup (stale sessions could name restored users)
CLEARED_APPS = {"sessions", "django_tasks_db"}


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


class _Snapshot:
    """A read transaction: every query inside sees the same state of the database, and writers are
    not blocked (SQLite WAL: a deferred read transaction; PostgreSQL: REPEATABLE READ, READ ONLY)."""

    def __init__(self, using: str):
        self.conn = connections[using]
        self.atomic = None

    def __enter__(self):
        if self.conn.vendor == "postgresql":
            self.atomic = transaction.atomic(using=self.conn.alias)
            self.atomic.__enter__()
            with self.conn.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        elif self.conn.vendor == "sqlite" and self.conn.get_autocommit():
            self.conn.ensure_connection()
            with self.conn.cursor() as cur:
                cur.execute("BEGIN DEFERRED")
        return self

    def __exit__(self, *exc):
        if self.atomic is not None:
            return self.atomic.__exit__(*exc)
        if self.conn.vendor == "sqlite" and self.conn.get_autocommit():
            with self.conn.cursor() as cur:
                cur.execute("COMMIT")
        return False


def create_backup(path: str | Path, *, using: str = DEFAULT_DB_ALIAS, console=None) -> dict:
    """Write the backup to ``path`` (replaced atomically); returns the manifest."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    models = backup_models()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ntm-backup-", dir=path.parent) as tmp:
        data = Path(tmp) / DATA
        with _Snapshot(using):
            counts = _counts(models, using)
            migrations = _applied_migrations(using)
            call_command("dumpdata", *[_label(m) for m in models], format="json", natural_foreign=True,
                         database=using, output=str(data), verbosity=0)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "ntm_version": _ntm_version(), "django_version": __import__("django").get_version(),
            "created_at": timezone.now().isoformat(), "database_vendor": connections[using].vendor,
            "catalogue_version": _catalogue_version(),
            "migrations": migrations, "counts": counts, "rows": sum(counts.values()),
            "data": {"file": DATA, "sha256": _sha256(data), "bytes": data.stat().st_size},
        }
        part = Path(tmp) / "backup.tar.gz"
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            blob = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(blob), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(blob))
            tar.add(data, arcname=DATA)
        os.replace(part, path)
    manifest["seconds"] = round(time.monotonic() - t0, 1)
    logger.info("backup written", extra={"event": "backup", "file": str(path), "rows": manifest["rows"],
                                         "bytes": path.stat().st_size})
    return manifest


def read_manifest(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: không tìm thấy tệp sao lưu")
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            member = tar.getmember(MANIFEST)
            manifest = json.loads(tar.extractfile(member).read().decode("utf-8"))
    except (tarfile.TarError, KeyError, OSError, EOFError, ValueError, AttributeError) as exc:
        raise BackupError(f"{path}: không phải tệp sao lưu của NTM Monitor ({exc.__class__.__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: không phải tệp sao lưu của NTM Monitor (thiếu bản kê)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{path}: định dạng sao lưu phiên bản {manifest.get('format_version')} không được hỗ trợ "
                          f"(phiên bản này đọc được {FORMAT_VERSION})")
    return manifest


def _extract_data(path: Path, manifest: dict, folder: Path) -> Path:
    out = folder / DATA
    with tarfile.open(path, mode="r:gz") as tar:
        try:
            member = tar.getmember(DATA)
        except KeyError:
            raise BackupError(f"{path}: thiếu phần dữ liệu ({DATA})") from None
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
        raise BackupError(f"tệp sao lưu được tạo bởi phiên bản NTM mới hơn (có bước chuyển đổi {shown} mà phiên bản "
                          f"này không có): cài NTM {manifest.get('ntm_version')} rồi khôi phục")
    shown = ", ".join(f"{a}.{n}" for a, n in older[:5])
    raise BackupError(f"tệp sao lưu được tạo bởi phiên bản NTM cũ hơn ({manifest.get('ntm_version')}; thiếu {shown}): "
                      "khôi phục bằng đúng phiên bản đó, rồi nâng cấp (ntm manage migrate)")


def restore_backup(path: str | Path, *, force: bool = False, using: str = DEFAULT_DB_ALIAS, console=None) -> dict:
    """Restore ``path`` into the database ``using`` (all or nothing); returns the manifest."""
    path = Path(path)
    manifest = read_manifest(path)
    say = console.print if console is not None else (lambda *a, **k: None)
    with tempfile.TemporaryDirectory(prefix="ntm-restore-") as tmp:
        data = _extract_data(path, manifest, Path(tmp))
        call_command("migrate", interactive=False, verbosity=0, database=using)
        _check_migrations(manifest, using)
        models = backup_models()
        missing = [m for m in manifest.get("counts", {}) if m not in {_label(x) for x in models}]
        if missing:
            raise BackupError(f"tệp sao lưu có dữ liệu của các bảng không còn trong phiên bản này: {', '.join(missing[:5])}")
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
            from ntm.apps.evaluations.freshness import changed

            for topic in ("results", "units", "plans"):
                changed(topic, using=using)
    manifest["seconds"] = round(time.monotonic() - t0, 1)
    logger.warning("database restored", extra={"event": "restore", "file": str(path), "rows": manifest.get("rows"),
                                               "backup_created_at": manifest.get("created_at"), "force": force})
    return manifest


def _has_data(models, using: str) -> bool:
    return any(m._base_manager.using(using).exists() for m in models if _label(m) not in SEEDED_MODELS)


def _not_empty_message(models, using: str) -> str:
    counts = {k: n for k, n in _counts(models, using).items() if n and k not in SEEDED_MODELS}
    shown = ", ".join(f"{k} ({n})" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])[:6])
    return ("cơ sở dữ liệu đích đã có dữ liệu (" + shown + "). Khôi phục sẽ XÓA toàn bộ dữ liệu này; "
            "nếu chắc chắn, chạy lại với --force (nên sao lưu cơ sở dữ liệu hiện tại trước).")


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
    console.print(f"Đã sao lưu {fmt.number(m['rows'])} dòng ({len(m['counts'])} bảng) vào {path} "
                  f"({fmt.number(size, 1, trim=True)} MB, {fmt.number(m['seconds'], 1, trim=True)} giây).")
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
        console.print(f"Tệp sao lưu lúc {created}, NTM {m.get('ntm_version')}, {m.get('database_vendor')}, "
                      f"{fmt.number(m.get('rows', 0))} dòng.")
        cat = _catalogue_version()
        if m.get("catalogue_version") and cat and m["catalogue_version"] != cat:
            console.print(f"[yellow]Lưu ý:[/yellow] danh mục bộ tiêu chí đã đổi ({m['catalogue_version']} → {cat}); "
                          "kết quả đã lưu giữ nguyên phiên bản cũ, đánh giá lại nếu cần.")
        m = restore_backup(path, force=force, console=console)
    except BackupError as exc:
        _err_console().print(f"Lỗi: {exc}", markup=False)
        return 1
    console.print(f"Đã khôi phục {fmt.number(m.get('rows', 0))} dòng ({fmt.number(m['seconds'], 1, trim=True)} giây). Mọi người cần đăng nhập lại.")
    return 0
