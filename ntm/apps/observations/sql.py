"""The plain SQL of the observations' bulk writes (an import's blocks), in one place.

Each function takes the Django connection to write on explicitly: an import writes its blocks from
a thread of its own (:class:`~.imports.write.Writer`) on the connection — and in the transaction —
of the request that runs it, not on that thread's own connection.

- :func:`append` — new versions as plain tuples into the history: ``COPY … FROM STDIN`` on
  PostgreSQL, one ``executemany`` elsewhere;
- :func:`make_current` — those versions become the current values: one ``INSERT … SELECT … ON
  CONFLICT DO UPDATE`` that changes the row of each cell in place (or creates it), reading the
  versions just appended through the history's primary key.
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import CELL_COLUMNS, VALUE_COLUMNS, Observation, ObservationVersion

CURRENT = Observation._meta.db_table
HISTORY = ObservationVersion._meta.db_table


def last_version(conn) -> int:
    """The highest id in the history (0 when empty): the versions appended after it are above it."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT MAX(id) FROM {conn.ops.quote_name(HISTORY)}")
        return cur.fetchone()[0] or 0


def append(conn, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Append versions (tuples in the order of ``columns``) to the history."""
    if not rows:
        return
    q = conn.ops.quote_name
    cols = ", ".join(q(c) for c in columns)
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {q(HISTORY)} ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cur.executemany(f"INSERT INTO {q(HISTORY)} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


def make_current(conn, batch: str, after: int) -> int:
    """The versions of ``batch`` appended to the history after id ``after`` become the current values of
    their cells; returns how many rows were written. A cell appears once in what an import appends at a
    time (a file names a cell once)."""
    q = conn.ops.quote_name
    cols = ", ".join(q(c) for c in VALUE_COLUMNS)
    keep = set(CELL_COLUMNS)
    changes = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in VALUE_COLUMNS if c not in keep)
    with conn.cursor() as cur:
        cur.execute(
            f"INSERT INTO {q(CURRENT)} ({cols}) SELECT {cols} FROM {q(HISTORY)} "
            f"WHERE {q('id')} > %s AND {q('batch')} = %s "
            f"ON CONFLICT ({', '.join(q(c) for c in CELL_COLUMNS)}) DO UPDATE SET {changes}",
            [after, batch],
        )
        return cur.rowcount
