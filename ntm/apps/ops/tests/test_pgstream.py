"""A large read computed by several PostgreSQL connections at once (ntm.apps.ops.pgstream) gives the
rows one query would, from one snapshot, and leaves no connection behind — also when a part fails or
the reader stops early.

These tests need committed data that other connections can see, so most run outside the test
transaction (committed_db, in the test database) and remove what they create. PostgreSQL only."""

from __future__ import annotations

import logging
import time

import psycopg
import pytest
from django.db import connection

from ntm.apps.ops import pgstream

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="several connections: PostgreSQL"),
]


def _rows(queries, size=1000):
    return [r for chunk in pgstream.chunks(queries, size=size) for r in chunk]


def _series(a, b):
    return (f"SELECT g, 'dòng ' || g FROM generate_series({a}, {b}) AS g ORDER BY g", ())


def test_the_parts_come_back_one_after_the_other_as_one_query_would(committed_db):
    one = _rows([_series(1, 25_000)])
    three = _rows([_series(1, 9_999), _series(10_000, 10_000), _series(10_001, 25_000)], size=4096)
    assert three == one == [(g, f"dòng {g}") for g in range(1, 25_001)]
    assert _rows([_series(1, 0), _series(1, 3)]) == [(1, "dòng 1"), (2, "dòng 2"), (3, "dòng 3")]


def test_every_part_reads_the_first_parts_snapshot(committed_db, monkeypatch):
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE test_pgstream_rows (n int)")
        cur.execute("INSERT INTO test_pgstream_rows SELECT generate_series(1, 10)")
    try:
        run = pgstream._Part.run

        def a_save_lands_first(part):  # committed after the first part's snapshot, before this part starts
            with psycopg.connect(**connection.get_connection_params()) as other:
                other.execute("INSERT INTO test_pgstream_rows VALUES (11)")
            run(part)

        monkeypatch.setattr(pgstream._Part, "run", a_save_lands_first)
        count = ("SELECT count(*), pg_current_snapshot()::text FROM test_pgstream_rows", ())
        (n0, snap0), (n1, snap1) = _rows([count, count])
        assert (n0, n1) == (10, 10) and snap0 == snap1
        monkeypatch.undo()
        assert _rows([count])[0][0] == 11  # the save itself was kept
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE test_pgstream_rows")


def test_a_failing_part_is_raised_to_the_reader_and_closes_every_connection(committed_db):
    got = []
    with pytest.raises(psycopg.errors.DivisionByZero):
        for chunk in pgstream.chunks([_series(1, 3), ("SELECT 1 / 0", ())]):
            got.extend(chunk)
    assert got == [(1, "dòng 1"), (2, "dòng 2"), (3, "dòng 3")]  # the first part was read before the failure


def test_a_reader_that_stops_early_cancels_the_parts_still_computing(committed_db):
    parts = pgstream.chunks([_series(1, 10), ("SELECT pg_sleep(60)", ())], size=5)
    t = time.perf_counter()
    assert next(parts) == [(g, f"dòng {g}") for g in range(1, 6)]
    parts.close()  # e.g. the browser went away in the middle of the download
    assert time.perf_counter() - t < 20
    assert _held_cursors() == 0


def test_inside_a_transaction_the_rows_are_those_it_sees(db):
    with connection.cursor() as cur:  # uncommitted: another connection would not see them
        cur.execute("CREATE TABLE test_pgstream_tx (n int)")
        cur.execute("INSERT INTO test_pgstream_tx VALUES (1), (2)")
    assert _rows([("SELECT n FROM test_pgstream_tx ORDER BY n", ()), ("SELECT n + 10 FROM test_pgstream_tx", ())]) == [
        (1,),
        (2,),
        (11,),
        (12,),
    ]


def test_a_part_that_gets_no_connection_is_computed_by_the_requests_own(committed_db, monkeypatch, caplog):
    def none_left(params):
        raise psycopg.OperationalError("FATAL: sorry, too many clients already")

    monkeypatch.setattr(connection, "get_new_connection", none_left)  # the parts' threads connect through it
    # a logging configuration applied by an earlier test may have disabled the module's logger
    monkeypatch.setattr(logging.getLogger(pgstream.__name__), "disabled", False)
    caplog.set_level(logging.WARNING, logger=pgstream.__name__)
    rows = _rows([_series(1, 7_000), _series(7_001, 9_000), _series(9_001, 12_000)], size=2048)
    assert rows == [(g, f"dòng {g}") for g in range(1, 12_001)]
    assert "too many clients" in caplog.text
    stopped = pgstream.chunks([_series(1, 10), _series(11, 20)], size=5)
    assert next(stopped) == [(g, f"dòng {g}") for g in range(1, 6)]
    stopped.close()  # the parts held for later on the request's (kept) connection are closed too
    assert _held_cursors() == 0


def _held_cursors() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_cursors")
        return cur.fetchone()[0]
