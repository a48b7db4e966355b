"""Plain SQL for the few statements of the hot path (saving one value, opening a page).

Each of those statements touches one or a few rows through an index; the ORM takes longer to compile
it than the database takes to run it. Their text is built here once per database vendor (quoting,
``FOR UPDATE`` where the database has it) and reused:

- :func:`statement` — the text of a named statement for the current vendor;
- :func:`insert` — INSERT one new model instance and set its primary key, as ``save()`` would;
- :func:`together` — run a few independent statements, on PostgreSQL in one round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

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


def for_update() -> str:
    """`` FOR UPDATE`` where the database locks rows that way (PostgreSQL), else nothing (SQLite
    locks the whole database for the write transaction)."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def insert(obj: Model) -> Model:
    """INSERT ``obj`` (new, its primary key an auto field) with one plain statement and set its key:
    the values are prepared by each field as ``save()`` prepares them (``auto_now_add`` set, JSON
    encoded, dates adapted). A model with ``pre_save``/``post_save`` listeners is saved by
    ``save()`` so that they run."""
    model = type(obj)
    meta = model._meta
    if (
        pre_save.has_listeners(model)
        or post_save.has_listeners(model)
        or not connection.features.can_return_columns_from_insert
    ):
        obj.save(force_insert=True)
        return obj
    fields = [f for f in meta.concrete_fields if f is not meta.pk]

    def build(qn):
        return (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {qn(meta.pk.column)}"
        )

    sql = statement(("insert", meta.label), build)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cur:
        cur.execute(sql, values)
        pk = cur.fetchone()[0]
    setattr(obj, meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


def together(statements: list[tuple[str, list]]) -> list:
    """Run independent statements in order and return, for each, its rows when it returns rows,
    else the number of rows it changed. On PostgreSQL they travel in ONE round trip: Django's psycopg
    cursor binds parameters on the client, so one ``execute`` may carry several statements separated
    by semicolons, whose results are then read one after the other (``nextset``). Elsewhere (SQLite:
    no round trips to save) they run one by one."""
    with connection.cursor() as cur:
        if (
            len(statements) > 1
            and connection.vendor == "postgresql"
            and not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
        ):
            cur.execute(";\n".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
            raw = cur.cursor
            out = []
            while True:
                out.append(raw.fetchall() if raw.description else raw.rowcount)
                if not raw.nextset():
                    break
            if len(out) != len(statements):
                raise RuntimeError(f"{len(statements)} statements sent, {len(out)} results read")
            return out
        out = []
        for sql, params in statements:
            cur.execute(sql, params)
            out.append(cur.fetchall() if cur.description else cur.rowcount)
        return out
