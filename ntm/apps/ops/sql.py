"""Plain SQL for the few statements of the hot path (saving one value, opening a page).

Each of those statements touches one or a few rows through an index; the ORM takes longer to compile
it than the database takes to run it. Their text is built here once per database vendor (quoting,
``FOR UPDATE`` where the database has it) and reused:

- :func:`statement` — the text of a named statement for the current vendor;
- :func:`insert` — INSERT one new model instance and set its primary key, as ``save()`` would.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

_BUILT: dict[tuple, str] = {}


def statement(name: Hashable, build: Callable[[Callable[[str], str]], str]) -> str:
    """``build(quote_name)`` for the current connection's vendor, built the first time only. ``name``
    must tell apart every statement (include what changes its text, e.g. the number of ``%s``)."""
    key = (connection.vendor, name)
    sql = _BUILT.get(key)
    if sql is None:
        sql = _BUILT[key] = build(connection.ops.quote_name)
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
    if (pre_save.has_listeners(model) or post_save.has_listeners(model)
            or not connection.features.can_return_columns_from_insert):
        obj.save(force_insert=True)
        return obj
    fields = [f for f in meta.concrete_fields if f is not meta.pk]

    def build(qn):
        return (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {qn(meta.pk.column)}")

    sql = statement(("insert", meta.label), build)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cur:
        cur.execute(sql, values)
        pk = cur.fetchone()[0]
    setattr(obj, meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj
