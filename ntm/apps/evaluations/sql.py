"""The plain SQL of the evaluations, in one place.

- :func:`rollup_delta` — one commune's change applied to the stored roll-ups of its ancestors in one
  statement. Every other statement of a save goes through the ORM.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

DELTA_COLUMNS = ("units_with_results", "units_at_standard", "sum_criteria", "sum_indicators")


def rollup_delta(view, set_code: str, period_key: str, ancestors: list[int], old, new) -> int:
    """Apply one commune's change (``old``/``new``: ``(criteria met, indicators met, standard met)``
    or None) to the current generation's roll-up rows of ``ancestors`` with the arithmetic in SQL —
    counts, sums and the distribution of criteria met (a JSON object) — after locking the state row
    naming the generation (as a switch to a new generation does). Returns how many rows changed:
    when that is not every ancestor (none yet, or the hierarchy changed) the caller builds the
    roll-ups again, which overwrites this change.

    Kept raw on the measure of bench key ``single_save`` (``bench/run --quick --only single_save --pg …``,
    runs alternated on one loaded 2-core machine, December 2026): ratio of save + province overview p95
    to its floor, SQLite / PostgreSQL — raw SQL before: 5,54× / 7,60×, 5,49× / 5,63×; this in the ORM
    (lock the state row and the ancestors' rows, one ``update()`` each with F() expressions): 8,15× /
    8,89×, 9,93× / 9,59×; this statement with the rest in the ORM: 5,33× / 6,27×, 6,62× / 8,41×. Per
    call the ORM version costs 2,1–2,5 ms against 0,17 ms (two calls when a save moves a dependent
    set) and three more round trips; on the figures of docs/performance.md (PostgreSQL p95 30–41 ms at
    4,3–6,6× its floor) that would take the save past its 50 ms target.
    """
    qn = connection.ops.quote_name
    table, state = qn(view.rollup._meta.db_table), qn(view.state._meta.db_table)
    current = f"{table}.{qn('distribution')}"
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    if connection.vendor == "postgresql":
        distribution = (
            "(SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb) FROM (SELECT k, SUM(n)::int AS n FROM ("
            f"SELECT key AS k, value::int AS n FROM jsonb_each_text(COALESCE({current}, '{{}}'::jsonb)) "
            "UNION ALL SELECT %s, %s UNION ALL SELECT %s, %s) AS x GROUP BY k HAVING SUM(n) <> 0) AS y)"
        )
    else:
        distribution = (
            "(SELECT COALESCE(json_group_object(k, n), '{}') FROM (SELECT k, SUM(n) AS n FROM ("
            f"SELECT key AS k, CAST(value AS INTEGER) AS n FROM json_each(COALESCE({current}, '{{}}')) "
            "UNION ALL SELECT %s, %s UNION ALL SELECT %s, %s) GROUP BY k HAVING SUM(n) <> 0 ORDER BY CAST(k AS INTEGER)))"
        )
    sql = (
        f"WITH s AS (SELECT {qn('generation')} FROM {state} WHERE {qn('set_code')} = %s AND {qn('period')} = %s"
        f"{lock}) UPDATE {table} SET "
        + ", ".join(f"{qn(c)} = {qn(c)} + %s" for c in DELTA_COLUMNS)
        + f", {qn('distribution')} = {distribution}, {qn('computed_at')} = %s "
        f"WHERE {qn('set_code')} = %s AND {qn('period')} = %s AND {qn('generation')} = (SELECT {qn('generation')} FROM s) "
        f"AND {qn('unit_id')} IN ({', '.join(['%s'] * len(ancestors))}) RETURNING {qn('id')}"
    )
    deltas = [
        int(new is not None) - int(old is not None),
        (int(new[2]) if new else 0) - (int(old[2]) if old else 0),
        (new[0] if new else 0) - (old[0] if old else 0),
        (new[1] if new else 0) - (old[1] if old else 0),
    ]
    bins = [str(old[0]) if old else "0", -1 if old else 0, str(new[0]) if new else "0", 1 if new else 0]
    when = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cur:
        cur.execute(sql, [set_code, period_key, *deltas, *bins, when, set_code, period_key, *ancestors])
        return len(cur.fetchall())  # counted from RETURNING: SQLite's rowcount misses an UPDATE after WITH
