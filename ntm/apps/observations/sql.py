"""The plain SQL of the observations' bulk writes (an import's blocks), in one place.

Each function takes the Django connection to write on explicitly: an import writes its blocks from
a thread of its own (:class:`~.imports.write.Writer`) on the connection — and in the transaction —
of the request that runs it, not on that thread's own connection.

- :func:`retire` — the current rows being replaced stop being current: one statement per block;
- :func:`append` — new rows as plain tuples: ``COPY … FROM STDIN`` on PostgreSQL, one
  ``executemany`` elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import Observation

TABLE = Observation._meta.db_table
SQLITE_PARAMETERS = 900  # SQLite: at most 999 parameters in a statement


def retire(conn, pks: Sequence[int]) -> int:
    """``is_current`` false on the rows ``pks``; returns how many rows changed."""
    if not pks:
        return 0
    q = conn.ops.quote_name
    head = f"UPDATE {q(TABLE)} SET {q('is_current')} = %s WHERE {q('id')}"
    changed = 0
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":  # one statement whatever the number: the ids as one array
            cur.execute(f"{head} = ANY(%s)", [False, list(pks)])
            return cur.rowcount
        for i in range(0, len(pks), SQLITE_PARAMETERS):
            part = pks[i : i + SQLITE_PARAMETERS]
            cur.execute(f"{head} IN ({', '.join(['%s'] * len(part))})", [False, *part])
            changed += cur.rowcount
    return changed


def append(conn, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``)."""
    if not rows:
        return
    q = conn.ops.quote_name
    cols = ", ".join(q(c) for c in columns)
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {q(TABLE)} ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cur.executemany(f"INSERT INTO {q(TABLE)} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})", rows)
