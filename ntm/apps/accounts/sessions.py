"""Sessions in the database, as Django keeps them, read with one plain statement.

Every request of a signed-in user reads its session row first; the ORM took longer to compile that
lookup than the database took to answer it. Rows, cookies and expiry are Django's own
(``django.contrib.sessions.backends.db``): switching this engine on or off keeps every session.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from ntm.apps.ops.sql import statement


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        connection = connections[router.db_for_read(model)]
        sql = statement(
            "session-load",
            lambda qn: (
                f"SELECT {qn('session_data')} FROM {qn(model._meta.db_table)} "
                f"WHERE {qn('session_key')} = %s AND {qn('expire_date')} > %s"
            ),
            using=connection,
        )
        with connection.cursor() as cur:
            cur.execute(sql, [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cur.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
