"""Stage 3, writing: the checked rows of an import written from a thread of its own (:class:`Writer`),
block by block: appended to the history (:class:`..sql.Appender`), then made the current values
(:func:`..sql.make_current`)."""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Callable

from ..models import VALUE_COLUMNS

_INSERT_COLUMNS = VALUE_COLUMNS  # the order of the tuples an import's check hands to the writer


_DONE = object()

SWITCH = 0.0002  # seconds: the interpreter's switch interval while an import's writer runs
_switching = {"writers": 0, "before": None}
_switching_lock = threading.Lock()


def _switch_sooner() -> None:
    with _switching_lock:
        if _switching["writers"] == 0:
            _switching["before"] = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH, _switching["before"]))
        _switching["writers"] += 1


def _switch_back() -> None:
    with _switching_lock:
        _switching["writers"] -= 1
        if _switching["writers"] == 0:
            sys.setswitchinterval(_switching["before"])


class Writer:
    """Writes an import's blocks from a thread of its own while the next block is checked: the check
    is Python (it holds the interpreter), the write mostly waits on the database (which does not),
    so on two cores a whole import takes about the longer of the two instead of their sum.

    The thread writes on the caller's connection, in the caller's transaction (shared with
    :meth:`~django.db.backends.base.base.BaseDatabaseWrapper.inc_thread_sharing`): all or nothing
    still holds — an error in the thread is raised in the caller at its next :meth:`put` or at
    :meth:`close`, and the caller's transaction rolls everything back. At most ``depth`` blocks wait
    (memory stays bounded whatever the file's size). Statements of the two threads on the connection
    take turns: ``write(block, writer)`` runs each of its statements inside :meth:`turn`, the check's
    reads of the current values go through :meth:`reading` and go first — a read waiting for the
    connection is served before the writer's next statement, so the check waits for one statement
    at most, not a whole block (the cells of a block are not those of the next: a file names a cell
    once).

    While a writer runs, the interpreter's switch interval is :data:`SWITCH` (instead of 5 ms): each
    statement of the writer returns while the check holds the interpreter, and the writer would
    otherwise wait up to the whole interval, statement after statement, before it may go on."""

    def __init__(self, write: Callable[[list, Writer], None], depth: int = 2):
        from django.db import DEFAULT_DB_ALIAS, connections

        self.conn = connections[DEFAULT_DB_ALIAS]  # this thread's wrapper itself, not the thread-local proxy
        self.write = write
        self.lock = threading.Lock()
        self.waiting = threading.Condition()  # readers waiting for the connection go before the next statement
        self.readers = 0
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.conn.inc_thread_sharing()
        _switch_sooner()
        self.thread = threading.Thread(target=self._run, name="ntm-import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not _DONE:
            if self.error is not None:
                continue  # failed: drain what is still queued, write nothing more
            try:
                self.write(item, self)
            except BaseException as exc:  # noqa: BLE001 — handed to the caller's thread
                self.error = exc

    @contextlib.contextmanager
    def turn(self):
        """Hold the connection for one statement of the writer (after the readers waiting for it)."""
        with self.waiting:
            self.waiting.wait_for(lambda: self.readers == 0)
        with self.lock:
            yield self.conn

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def put(self, item) -> None:
        self._raise()
        self.queue.put(item)

    @contextlib.contextmanager
    def reading(self):
        """Hold the connection for a read of the checking thread (before the writer's next statement)."""
        with self.waiting:
            self.readers += 1
        try:
            self.lock.acquire()
        finally:
            with self.waiting:
                self.readers -= 1
                self.waiting.notify_all()
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
            _switch_back()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:  # the caller failed: stop writing, its error goes on
            self.error = self.error or exc
            self._stop()
        else:
            self.close()
