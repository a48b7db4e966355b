"""``ntm manage ntm_worker``: django-tasks' database worker (``db_worker``, same options) with a heartbeat.

Started (and restarted when it dies) by ``ntm serve``. Before taking work it marks failed the runs of
workers that died without a word (:func:`ntm.apps.ops.heartbeat.recover_orphans`), then keeps its
heartbeat fresh from a thread while it waits for and runs tasks.
"""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from ntm.apps.ops import heartbeat


class Command(DBWorkerCommand):
    help = "Run the background task worker with a heartbeat (see ntm.apps.ops.heartbeat)"

    def handle(self, *args, **options):
        beater = heartbeat.start_process_beater("worker", options.get("worker_id"), recover=True)
        try:
            heartbeat.recover_orphans()
            return super().handle(*args, **options)
        finally:
            heartbeat.stop_process_beater()
            del beater
