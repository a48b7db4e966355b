"""The text of a plain SQL statement, built once per database vendor (quoting) and reused.

Used by the one raw read left on the page path (``evaluations.queries``, a kept page patched after a
save); every single-row write of a save goes through the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.db import connection

_BUILT: dict[tuple, str] = {}


def statement(name: Hashable, build: Callable[[Callable[[str], str]], str], *, using=None) -> str:
    """``build(quote_name)`` for the vendor of the connection ``using`` (default: the default one),
    built the first time only. ``name`` must tell apart every statement (include what changes its
    text, e.g. the number of ``%s``)."""
    conn = using or connection
    key = (conn.vendor, name)
    sql = _BUILT.get(key)
    if sql is None:
        sql = _BUILT[key] = build(conn.ops.quote_name)
    return sql
