"""Stage 5, the stage: what the preview checked, kept in a file for the confirm to write without
checking the file again.

The preview (:func:`.run.plan_import` with ``stage=``) writes, for a file without problems, the rows
to write (the tuples of :data:`.write._INSERT_COLUMNS` without what belongs to the commit: source,
batch, author, time), the row number of each, the unchanged rows with the version of their cell it
saw, the cells written, the units named and the counts. The confirm (:func:`.run.commit_import` with
``stage=``) trusts a stage only when it is signed with the project's secret, of this
:data:`FORMAT`, and made for the same file (SHA-256), user and defaults; otherwise it is ignored and
the file is checked again.

The file: :data:`MAGIC`, a random nonce, then records — a length, an HMAC-SHA256 of (nonce, record
number, payload) keyed with ``settings.SECRET_KEY`` (:func:`django.utils.crypto.salted_hmac`), and the
payload (JSON: data only, never read before its signature is checked). Record 0 is the head, 1 the
summary, then the blocks, then an end record that counts them: a stage cut short, reordered or
pieced together from two stages fails. The blocks are written as the check goes (memory stays
bounded) to a ``.part`` file and copied behind the head and summary once the check is done.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

from django.utils.crypto import salted_hmac

from ..models import VALUE_COLUMNS

log = logging.getLogger("ntm.imports")
FORMAT = 1
MAGIC = b"NTM-IMPORT-STAGE\n"
_SALT = "ntm.observations.imports.stage"
_NONCE = 16
_FRAME = struct.Struct(">I32s")  # payload length, signature
_MAX_RECORD = 1 << 30
# the columns of a staged row: those of the history before what the commit adds
ROW_COLUMNS = VALUE_COLUMNS[: VALUE_COLUMNS.index("source")]
COMMIT_COLUMNS = VALUE_COLUMNS[len(ROW_COLUMNS) :]  # source, batch, author id and name, time


class StageUnusable(Exception):
    """A stage that may not be trusted or does not match (the commit checks the file again)."""


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while piece := f.read(1 << 20):
            h.update(piece)
    return h.hexdigest()


def defaults_key(defaults: dict | None) -> list:
    """The defaults of an import as a stage records them (a unit by its id)."""
    out = []
    for k, v in sorted((defaults or {}).items()):
        out.append([k, f"pk:{v.pk}" if hasattr(v, "pk") else str(v)])  # lists: as JSON reads them back
    return out


def head_for(path: str | Path, user, defaults: dict | None) -> dict:
    """What a stage must match: the file's content, the user, the defaults, the format."""
    return {
        "format": FORMAT,
        "columns": list(ROW_COLUMNS),
        "sha256": file_sha256(path),
        "user": getattr(user, "pk", None),
        "defaults": defaults_key(defaults),
    }


def _sign(nonce: bytes, seq: int, payload: bytes) -> bytes:
    return salted_hmac(_SALT, nonce + seq.to_bytes(8, "big") + payload, algorithm="sha256").digest()


def _record(f, nonce: bytes, seq: int, obj) -> None:
    payload = json.dumps(obj, separators=(",", ":")).encode("ascii")  # ASCII: any text, escaped
    f.write(_FRAME.pack(len(payload), _sign(nonce, seq, payload)))
    f.write(payload)


class StageWriter:
    """Writes a stage as the check goes; :meth:`finish` makes it, :meth:`abort` leaves none. A stage that
    cannot be written (no room) is given up, never the check: the commit then checks the file again."""

    def __init__(self, path: str | Path, head: dict):
        self.path = Path(path)
        self.part = self.path.with_name(self.path.name + ".part")
        self.head = head
        self.nonce = os.urandom(_NONCE)
        self.seq = 2  # 0: the head, 1: the summary
        self.cells: set[tuple[int, str, str]] = set()
        self.units: set[int] = set()
        self.path.unlink(missing_ok=True)  # an older stage at the path is not this check's
        self.f = open(self.part, "wb")

    def _block(self, obj) -> None:
        if self.f.closed:  # given up
            return
        try:
            _record(self.f, self.nonce, self.seq, obj)
        except OSError:
            log.warning("import stage %s given up", self.path, exc_info=True)
            self.abort()
        self.seq += 1

    def rows(self, rows: list[tuple], numbers: list[int]) -> None:
        """A block of rows to write (tuples of :data:`ROW_COLUMNS`) and their row numbers in the file."""
        if rows:
            self.cells.update((r[0], r[1], r[3]) for r in rows)
            self.units.update(r[0] for r in rows)
            self._block(("rows", rows, numbers))

    def same(self, entries: list[tuple]) -> None:
        """A block of unchanged rows: (unit id, set, indicator, period, version seen, row number)."""
        if entries:
            self.units.update(e[0] for e in entries)
            self._block(("same", entries, None))

    def finish(self, counts: dict) -> None:
        if self.f.closed:  # given up
            return
        self.f.close()
        new = self.path.with_name(self.path.name + ".new")
        try:
            with open(new, "wb") as out:
                out.write(MAGIC + self.nonce)
                _record(out, self.nonce, 0, self.head)
                summary = {"counts": counts, "cells": sorted(self.cells), "units": sorted(self.units)}
                _record(out, self.nonce, 1, summary)
                with open(self.part, "rb") as blocks:
                    shutil.copyfileobj(blocks, out, 1 << 20)
                _record(out, self.nonce, self.seq, ("end", self.seq - 2, None))
            os.replace(new, self.path)
        except OSError:
            log.warning("import stage %s given up", self.path, exc_info=True)
        finally:
            new.unlink(missing_ok=True)
            self.part.unlink(missing_ok=True)

    def abort(self) -> None:
        """No stage (the plan has problems, or failed)."""
        self.f.close()
        self.part.unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)


class Stage:
    """A stage opened for a commit: its head and summary checked; its blocks read by :meth:`blocks`."""

    def __init__(self, path: str | Path):
        self.f = open(path, "rb")
        try:
            if self.f.read(len(MAGIC)) != MAGIC:
                raise StageUnusable("not a stage")
            self.nonce = self.f.read(_NONCE)
            if len(self.nonce) != _NONCE:
                raise StageUnusable("cut short")
            self.head = self._read(0)
            summary = self._read(1)
            self.counts: dict = summary["counts"]
            self.cells: list[tuple[int, str, str]] = [tuple(c) for c in summary["cells"]]
            self.units: list[int] = list(summary["units"])
            self.start = self.f.tell()
        except BaseException:
            self.f.close()
            raise

    def _read(self, seq: int):
        frame = self.f.read(_FRAME.size)
        if len(frame) != _FRAME.size:
            raise StageUnusable("cut short")
        size, signature = _FRAME.unpack(frame)
        if size > _MAX_RECORD:
            raise StageUnusable("record too large")
        payload = self.f.read(size)
        if len(payload) != size or not hmac.compare_digest(signature, _sign(self.nonce, seq, payload)):
            raise StageUnusable("bad signature")
        try:
            return json.loads(payload)  # signed by this project: made by plan_import
        except (EOFError, ValueError, TypeError) as exc:
            raise StageUnusable("unreadable") from exc

    def matches(self, head: dict) -> bool:
        return self.head == head

    def blocks(self) -> Iterator[tuple[str, list, list | None]]:
        """("rows", rows, row numbers) and ("same", entries, None) in the order the check wrote them;
        raises :class:`StageUnusable` at a block that is not the one signed there, or at the end when
        blocks are missing."""
        self.f.seek(self.start)
        seq = 2
        while True:
            kind, data, extra = self._read(seq)
            if kind == "end":
                if data != seq - 2 or self.f.read(1):
                    raise StageUnusable("blocks missing")
                return
            seq += 1
            yield kind, data, extra

    def close(self) -> None:
        self.f.close()

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_stage(path: str | Path | None, head: dict) -> Stage | None:
    """The stage at ``path`` when it is there, signed, of this format and made for ``head``; else None."""
    if path is None or not Path(path).is_file():
        return None
    try:
        st = Stage(path)
    except (OSError, StageUnusable):
        return None
    if not st.matches(head):
        st.close()
        return None
    return st
