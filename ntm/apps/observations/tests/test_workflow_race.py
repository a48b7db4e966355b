"""A submission cannot slip in while a draft cell is being saved: the save's check locks the cell's
submission row whatever its state, so a "Gửi duyệt" that starts at the same moment waits for the save's
commit and then submits what was saved (PostgreSQL: row locks between two real connections).

The rows are committed so that the second connection sees them (no test transaction), then removed."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction

from ntm.apps.observations.models import Submission, SubmissionState
from ntm.apps.observations.workflow import locked_submissions
from ntm.apps.units.models import Unit


@pytest.mark.postgres
def test_a_save_holds_the_draft_cells_submission_until_it_commits(committed_db):
    unit = Unit.objects.get(uid="xa:13570@2024")
    draft = Submission.objects.create(unit=unit, set_code="xa-ntm-2021", period="2031-07", year=2031)
    other = Submission.objects.create(unit=unit, set_code="xa-ntm-2021", period="2031-08", year=2031)
    lock = f"SELECT state FROM {Submission._meta.db_table} WHERE id = %s FOR UPDATE NOWAIT"
    try:
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as reviewer:
            with transaction.atomic():  # the save's transaction, at its check of the cell
                assert locked_submissions({(unit.id, "xa-ntm-2021", "2031-07")}) == []  # a draft: the save goes on
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    reviewer.execute(lock, [draft.pk])  # the submission would have to wait
                assert reviewer.execute(lock, [other.pk]).fetchone() == (SubmissionState.DRAFT,)  # other cells: free
            assert reviewer.execute(lock, [draft.pk]).fetchone() == (SubmissionState.DRAFT,)  # after the commit
    finally:
        Submission.objects.filter(pk__in=[draft.pk, other.pk]).delete()
