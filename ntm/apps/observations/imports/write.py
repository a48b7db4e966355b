"""Stage 3, writing: the checked rows of an import appended to the history and made the current values."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable

from .. import sql
from ..models import VALUE_COLUMNS

_INSERT_COLUMNS = VALUE_COLUMNS  # the order of the tuples an import's check hands to the writer


def _insert(rows: list[tuple], batch: str, conn=None) -> None:
    """Append an import's block of new versions (plain tuples) to the history and make them the current
    values (:func:`..sql.append`, then :func:`..sql.make_current`)."""
    from django.db import connection

    conn = conn or connection
    after = sql.last_version(conn)
    sql.append(conn, _INSERT_COLUMNS, rows)
    sql.make_current(conn, batch, after, rows)


_DONE = object()


class Writer:
    """Writes an import's blocks from a thread of its own while the next block is checked: the check
    is Python (it holds the interpreter), the write mostly waits on the database (which does not),
    so on two cores a whole import takes about the longer of the two instead of their sum.

    The thread writes on the caller's connection, in the caller's transaction (shared with
    :meth:`~django.db.backends.base.base.BaseDatabaseWrapper.inc_thread_sharing`): all or nothing
    still holds — an error in the thread is raised in the caller at its next :meth:`put` or at
    :meth:`close`, and the caller's transaction rolls everything back. At most ``depth`` blocks wait
    (memory stays bounded whatever the file's size). Statements of the two threads on the connection
    take turns (:attr:`lock`): the check's reads of the current values go through :meth:`reading`, and
    go first — a block is written :attr:`piece` rows at a time, and a read waiting for the connection
    is served before the next piece, so the check waits for one piece at most, not a whole block (the
    cells of a block are not those of the next: a file names a cell once)."""

    piece = 1000  # rows written at a time (a block is a list of rows)

    def __init__(self, write: Callable[[object, object], None], depth: int = 2):
        from django.db import DEFAULT_DB_ALIAS, connections

        self.conn = connections[DEFAULT_DB_ALIAS]  # this thread's wrapper itself, not the thread-local proxy
        self.write = write
        self.lock = threading.Lock()
        self.turn = threading.Condition()  # readers waiting for the connection go before the next piece
        self.readers = 0
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.conn.inc_thread_sharing()
        self.thread = threading.Thread(target=self._run, name="ntm-import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not _DONE:
            if self.error is not None:
                continue  # failed: drain what is still queued, write nothing more
            try:
                for i in range(0, len(item), self.piece):
                    with self.turn:
                        self.turn.wait_for(lambda: self.readers == 0)
                    with self.lock:
                        self.write(item[i : i + self.piece], self.conn)
            except BaseException as exc:  # noqa: BLE001 — handed to the caller's thread
                self.error = exc

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def put(self, item) -> None:
        self._raise()
        self.queue.put(item)

    @contextlib.contextmanager
    def reading(self):
        """Hold the connection for a read of the checking thread (before the writer's next piece)."""
        with self.turn:
            self.readers += 1
        try:
            self.lock.acquire()
        finally:
            with self.turn:
                self.readers -= 1
                self.turn.notify_all()
        try:
            yield
        finally:
            self.lock.release()

    def close(self) -> None:
        """Wait for every queued block to be written; raise the thread's error if any."""
        self._stop()
        self._raise()

    def _stop(self) -> None:
        if self.thread.is_alive():
            self.queue.put(_DONE)
            self.thread.join()
            self.conn.dec_thread_sharing()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:  # the caller failed: stop writing, its error goes on
            self.error = self.error or exc
            self._stop()
        else:
            self.close()
