"""Large ordered reads from PostgreSQL, computed by several server processes at once.

A CSV export of a province-year (200,000 rows) or of the country (1,3 million rows) is one query whose
rows the server formats (:func:`ntm.apps.observations.exports.observations_csv`). One server process
formats ≈150,000 rows a second; :func:`chunks` splits the query into consecutive parts (the caller's
queries, in order), has each part computed by its own connection at the same time, then returns the
parts' rows one after the other — the same rows in the same order as one query would, faster on a
server with several cores (the way ``pg_dump --jobs`` reads tables):

- every part reads the **same snapshot**: the first connection opens a ``REPEATABLE READ``
  transaction and exports its snapshot (``pg_export_snapshot``), each other connection imports it
  before the first one commits — a save made in the meantime is in no part or in all of them;
- every part is a ``WITH HOLD`` cursor: it is computed when its transaction commits and kept by the
  server (in memory, then a temporary file) until it is read, so the client holds one chunk at a time
  and no transaction stays open while a slow client downloads;
- the first part uses the request's own connection; the others open a connection each, in a thread,
  closed at the end (also when the reader stops early or a part fails: the error is raised to the
  reader when it reaches that part). A part that gets no connection (none left on the server) is
  computed by the request's connection instead, in the same snapshot: slower, never missing.

Inside a transaction (``atomic``: tests, a caller's own transaction) the rows must be those that
transaction sees: the query then runs as one part on the request's connection, streamed.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Iterator, Sequence

from django.db import connections, transaction

Query = tuple[str, Sequence]

# The planner's defaults assume a cold disk (random_page_cost = 4): for a province it then reads the whole
# table instead of the province's rows through an index. Parallel workers would compete with the parts
# for the same cores; JIT compiles for ≈0,1 s what runs in a few.
SETTINGS = ("SET LOCAL jit = off", "SET LOCAL random_page_cost = 1.1", "SET LOCAL max_parallel_workers_per_gather = 0")

log = logging.getLogger(__name__)
_names = itertools.count()
_SNAPSHOT = re.compile(r"^[0-9A-F]+-[0-9A-F]+-[0-9]+$")


def at_once(using: str = "default") -> bool:
    """Whether :func:`chunks` runs its parts at once here (not inside a transaction): worth splitting."""
    return not connections[using].in_atomic_block


def chunks(queries: Sequence[Query], *, using: str = "default", size: int = 5000) -> Iterator[list[tuple]]:
    """The rows of ``queries`` (run at once, one connection each), part after part, in lists of ``size``."""
    conn = connections[using]
    if not at_once(using):
        for sql, params in queries:
            with conn.chunked_cursor() as cur:
                cur.execute(sql, params)
                while rows := cur.fetchmany(size):
                    yield rows
        return
    parts: list[_Part] = []
    here = []  # the cursors held on the request's connection (kept for its next requests): closed at the end
    try:
        with transaction.atomic(using=using), conn.cursor() as cur:
            if len(queries) > 1:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cur.execute("SELECT pg_export_snapshot()")
                snapshot = cur.fetchone()[0]
                parts = [_Part(conn, sql, params, snapshot) for sql, params in queries[1:]]
                for p in parts:
                    p.start()
                for p in parts:  # the snapshot lives as long as this transaction: each part imports it first
                    p.imported.wait()
            for s in SETTINGS:
                cur.execute(s)
            first = _declare(conn.connection, *queries[0])
            here.append(first)
            for p in parts:  # no connection of its own (e.g. none left on the server): this one computes it
                if not p.connected:
                    p.join()
                    log.warning("export part on the request's connection: %s", p.error)
                    p.error, p.cursor = None, _declare(conn.connection, p.sql, p.params)
                    here.append(p.cursor)
        with first:
            while rows := first.fetchmany(size):
                yield rows
        for p in parts:
            p.join()
            if p.error is not None:
                raise p.error
            with p.cursor:
                while rows := p.cursor.fetchmany(size):
                    yield rows
    finally:  # also when the reader stops early: parts still computing are cancelled
        for p in parts:
            if p.is_alive():
                p.cancel()
            if p.ident is not None:
                p.join()
            p.close()
        for c in here:
            if not c.closed and conn.connection is not None and not conn.connection.closed:
                try:
                    c.close()
                except Exception:  # noqa: BLE001 — e.g. the connection broke: it is dropped with its cursors
                    log.warning("could not close an export cursor", exc_info=True)


def _declare(raw, sql: str, params: Sequence):
    """A server-side ``WITH HOLD`` cursor for ``sql`` on the psycopg connection ``raw``."""
    cur = raw.cursor(name=f"ntm_part_{next(_names)}", withhold=True, scrollable=False)
    cur.execute(sql, params)
    return cur


class _Part(threading.Thread):
    """One part on its own connection: imports the snapshot, declares its cursor, commits (computes)."""

    def __init__(self, conn, sql: str, params: Sequence, snapshot: str):
        super().__init__(daemon=True, name="ntm-pgstream")
        self.conn, self.sql, self.params, self.snapshot = conn, sql, params, snapshot
        self.imported = threading.Event()
        self.raw = self.cursor = self.error = None
        self.connected = False

    def run(self) -> None:
        try:
            if not _SNAPSHOT.match(self.snapshot):
                raise ValueError(f"unexpected snapshot id {self.snapshot!r}")
            self.raw = self.conn.get_new_connection(self.conn.get_connection_params())
            self.raw.autocommit = False
            self.raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            self.raw.execute(f"SET TRANSACTION SNAPSHOT '{self.snapshot}'")
            self.connected = True
            self.imported.set()
            for s in SETTINGS:
                self.raw.execute(s)
            self.cursor = _declare(self.raw, self.sql, self.params)
            self.raw.commit()
        except BaseException as e:  # raised to the reader when it reaches this part
            self.error = e
        finally:
            self.imported.set()

    def cancel(self) -> None:
        raw = self.raw
        if raw is not None and not raw.closed:
            try:
                raw.cancel_safe()
            except Exception:  # noqa: BLE001 — best effort: the part then runs to its end
                pass

    def close(self) -> None:
        if self.raw is not None and not self.raw.closed:
            self.raw.close()
