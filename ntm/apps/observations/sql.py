"""The plain SQL of the observations' bulk writes (an import's blocks), in one place.

Each function takes the Django connection to write on explicitly: an import writes its blocks from
a thread of its own (:class:`~.imports.write.Writer`) on the connection — and in the transaction —
of the request that runs it, not on that thread's own connection.

- :class:`Appender` (and :func:`append`, for one block) — new versions as plain tuples into the
  history: a binary ``COPY … FROM STDIN`` on PostgreSQL, held open while the caller has more blocks
  to give, multi-row ``INSERT`` statements on SQLite;
- :func:`make_current` — those versions become the current values: an ``UPDATE … FROM`` the history
  rewrites the row of each cell in place, an ``INSERT … SELECT`` creates the rows of new cells, both
  reading the versions just appended through the history's primary key.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Sequence

from .models import CELL_COLUMNS, VALUE_COLUMNS, Observation, ObservationVersion

CURRENT = Observation._meta.db_table
_VERSION = VALUE_COLUMNS.index("version")
HISTORY = ObservationVersion._meta.db_table


def last_version(conn) -> int:
    """The highest id in the history (0 when empty): the versions appended after it are above it."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT MAX(id) FROM {conn.ops.quote_name(HISTORY)}")
        return cur.fetchone()[0] or 0


_column_types: dict[str, int] = {}  # PostgreSQL: the history's column types (oids), read once


def _types(cur, columns: Sequence[str]) -> list[int]:
    """The type of each column of the history, for a binary ``COPY``."""
    if not _column_types:
        cur.execute(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0", [HISTORY]
        )
        _column_types.update(cur.fetchall())
    return [_column_types[c] for c in columns]


def append(conn, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Append versions (tuples in the order of ``columns``) to the history (see :class:`Appender`)."""
    if rows:
        with Appender(conn, columns) as out:
            out.write(rows)


class Appender:
    """Versions appended to the history block by block, as a caller produces them. PostgreSQL: one
    binary ``COPY … FROM STDIN`` held open across the blocks (no text to format and parse), so that
    the server stores a block while the caller prepares the next; SQLite: each block inserted at once
    (:func:`_insert_many`). :meth:`pause` ends the ``COPY`` — the connection is free for another
    statement — and the next :meth:`write` starts another. ``written``: the rows appended, ``firsts``:
    those that are the first version of their cell."""

    def __init__(self, conn, columns: Sequence[str]):
        self.conn, self.columns = conn, list(columns)
        self.pg = conn.vendor == "postgresql"
        self.version = self.columns.index("version")
        self.written = self.firsts = 0
        self._open: contextlib.ExitStack | None = None  # the cursor and COPY in progress
        self._copy = None

    def write(self, rows: Sequence[tuple]) -> None:
        if not rows:
            return
        q = self.conn.ops.quote_name
        cols = ", ".join(q(c) for c in self.columns)
        if self.pg:
            if self._copy is None:
                with contextlib.ExitStack() as stack:
                    cur = stack.enter_context(self.conn.cursor())
                    types = _types(cur, self.columns)  # before the COPY: it may query the catalogue
                    copy = stack.enter_context(
                        cur.cursor.copy(f"COPY {q(HISTORY)} ({cols}) FROM STDIN (FORMAT BINARY)")
                    )
                    copy.set_types(types)
                    self._open, self._copy = stack.pop_all(), copy
            write_row = self._copy.write_row
            for r in rows:
                write_row(r)
        else:
            with self.conn.cursor() as cur:
                _insert_many(self.conn, cur, f"INSERT INTO {q(HISTORY)} ({cols}) VALUES ", len(self.columns), rows)
        v = self.version
        self.written += len(rows)
        self.firsts += sum(1 for r in rows if r[v] == 1)

    def pause(self, error: BaseException | None = None) -> None:
        """End the ``COPY`` in progress (PostgreSQL; with ``error``, abandon it)."""
        stack, self._open, self._copy = self._open, None, None
        if stack is not None:
            if error is None:
                stack.close()
            else:
                stack.__exit__(type(error), error, error.__traceback__)

    def __enter__(self) -> Appender:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self.pause(exc)


def _insert_many(conn, cur, head: str, width: int, rows: Sequence[tuple]) -> None:
    """SQLite: rows inserted by statements of as many rows as its parameters allow, sent to the driver
    as they are (no placeholder rewriting per statement): a third less time than ``executemany``,
    which binds and resets its statement row by row."""
    import sqlite3

    per = max(1, conn.features.max_query_params // width)
    one = "(" + ",".join("?" * width) + ")"
    raw = cur.cursor  # the driver's cursor: the statements below are written with its placeholders
    flat = itertools.chain.from_iterable
    full = head + ",".join([one] * per)
    whole = len(rows) - len(rows) % per
    with conn.wrap_database_errors:  # the driver's errors as Django's (a unique key met: IntegrityError)
        for i in range(0, whole, per):
            sqlite3.Cursor.execute(raw, full, list(flat(rows[i : i + per])))
        if whole < len(rows):
            rest = rows[whole:]
            sqlite3.Cursor.execute(raw, head + ",".join([one] * len(rest)), list(flat(rest)))


def make_current(
    conn, batch: str, after: int, rows: Sequence[tuple] | None = None, *, counts: tuple[int, int] | None = None
) -> int:
    """The versions of ``batch`` appended to the history after id ``after`` become the current values of
    their cells; returns how many rows were written. A cell appears once in what an import appends at a
    time (a file names a cell once).

    A version after the first rewrites its cell's row: one ``UPDATE … FROM`` the history (PostgreSQL:
    one record each in the log, the row rewritten on its page, see migration 0008); a first version
    creates the row (``INSERT … ON CONFLICT``, which also covers a row created since). With ``rows``
    (the tuples just appended, in the order of :data:`~.models.VALUE_COLUMNS`), a statement with
    nothing to do is skipped, and every row must have been written — a current row missing for a
    later version raises, and the caller's transaction rolls back. ``counts`` (the rows appended, the
    first versions among them, as :class:`Appender` counts them) does the same without the rows."""
    q = conn.ops.quote_name
    cols = ", ".join(q(c) for c in VALUE_COLUMNS)
    keep = set(CELL_COLUMNS)
    changing = [c for c in VALUE_COLUMNS if c not in keep]
    mine = f"{q('id')} > %s AND {q('batch')} = %s"  # the versions just appended
    if counts is not None:
        total, firsts = counts
    elif rows is not None:
        total, firsts = len(rows), sum(1 for r in rows if r[_VERSION] == 1)
    else:
        total = firsts = None
    written = 0
    with conn.cursor() as cur:
        if firsts is None or firsts < total:
            cells = " AND ".join(f"c.{q(k)} = h.{q(k)}" for k in CELL_COLUMNS)
            cur.execute(
                f"UPDATE {q(CURRENT)} AS c SET {', '.join(f'{q(k)} = h.{q(k)}' for k in changing)} "
                f"FROM {q(HISTORY)} AS h WHERE h.{q('id')} > %s AND h.{q('batch')} = %s AND h.{q('version')} > 1 "
                f"AND {cells}",
                [after, batch],
            )
            written += cur.rowcount
        if firsts is None or firsts:
            cur.execute(
                f"INSERT INTO {q(CURRENT)} ({cols}) SELECT {cols} FROM {q(HISTORY)} "
                f"WHERE {mine} AND {q('version')} = 1 "
                f"ON CONFLICT ({', '.join(q(c) for c in CELL_COLUMNS)}) DO UPDATE SET "
                + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in changing),
                [after, batch],
            )
            written += cur.rowcount
    if total is not None and written != total:
        raise RuntimeError(f"{total} versions appended, {written} current rows written (batch {batch})")
    return written
