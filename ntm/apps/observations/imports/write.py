"""Stage 3, writing: the checked rows of an import appended to the observations."""

from __future__ import annotations

from ..models import Observation

_INSERT_COLUMNS = (
    "unit_id",
    "set_code",
    "indicator",
    "period",
    "year",
    "value_text",
    "value_num",
    "assessment",
    "not_applicable",
    "note",
    "evidence",
    "version",
    "is_current",
    "source",
    "batch",
    "created_by_id",
    "created_by_name",
    "created_at",
)


def _insert(rows: list[tuple]) -> None:
    """Append observations as plain tuples: ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` elsewhere."""
    from django.db import connection

    table = connection.ops.quote_name(Observation._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in _INSERT_COLUMNS)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(_INSERT_COLUMNS))})", rows)
