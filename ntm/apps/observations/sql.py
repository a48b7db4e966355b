"""The plain SQL of the observations' bulk writes (an import's blocks), in one place.

Each function takes the Django connection to write on explicitly: an import writes its blocks from
a thread of its own (:class:`~.imports.write.Writer`) on the connection — and in the transaction —
of the request that runs it, not on that thread's own connection.

- :func:`append` — new versions as plain tuples into the history: a binary ``COPY … FROM STDIN`` on
  PostgreSQL, multi-row ``INSERT`` statements on SQLite;
- :func:`make_current` — those versions become the current values: an ``UPDATE … FROM`` the history
  rewrites the row of each cell in place, an ``INSERT … SELECT`` creates the rows of new cells, both
  reading the versions just appended through the history's primary key.
"""

from __future__ import annotations

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
    """Append versions (tuples in the order of ``columns``) to the history. PostgreSQL: a binary
    ``COPY`` (no text to format and parse: a fifth less time than a text one for an import's rows)."""
    if not rows:
        return
    q = conn.ops.quote_name
    cols = ", ".join(q(c) for c in columns)
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            types = _types(cur, columns)
            with cur.cursor.copy(f"COPY {q(HISTORY)} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for r in rows:
                    copy.write_row(r)
        else:
            _insert_many(conn, cur, f"INSERT INTO {q(HISTORY)} ({cols}) VALUES ", len(columns), rows)


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


def make_current(conn, batch: str, after: int, rows: Sequence[tuple] | None = None) -> int:
    """The versions of ``batch`` appended to the history after id ``after`` become the current values of
    their cells; returns how many rows were written. A cell appears once in what an import appends at a
    time (a file names a cell once).

    A version after the first rewrites its cell's row: one ``UPDATE … FROM`` the history (PostgreSQL:
    one record each in the log, the row rewritten on its page, see migration 0008); a first version
    creates the row (``INSERT … ON CONFLICT``, which also covers a row created since). With ``rows``
    (the tuples just appended, in the order of :data:`~.models.VALUE_COLUMNS`), a statement with
    nothing to do is skipped, and every row must have been written — a current row missing for a
    later version raises, and the caller's transaction rolls back."""
    q = conn.ops.quote_name
    cols = ", ".join(q(c) for c in VALUE_COLUMNS)
    keep = set(CELL_COLUMNS)
    changing = [c for c in VALUE_COLUMNS if c not in keep]
    mine = f"{q('id')} > %s AND {q('batch')} = %s"  # the versions just appended
    firsts = None if rows is None else sum(1 for r in rows if r[_VERSION] == 1)
    written = 0
    with conn.cursor() as cur:
        if firsts is None or firsts < len(rows):
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
    if rows is not None and written != len(rows):
        raise RuntimeError(f"{len(rows)} versions appended, {written} current rows written (batch {batch})")
    return written
