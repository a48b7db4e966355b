"""An import through the web application touching a whole district or more: the values are written at
once, the re-evaluation is queued for the task worker (the request does not wait for it), and the
dashboards show the previous results, announcing the run, until it is done."""

from __future__ import annotations

import csv

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from ntm.apps.evaluations.models import ReevaluationRun, ResultAll
from ntm.apps.evaluations.tests.fixtures import task_worker  # noqa: F401 (fixture)
from ntm.apps.observations.imports import BATCH_REEVALUATION_CELLS, COLUMNS
from ntm.apps.observations.models import Observation, Submission, SubmissionState
from ntm.apps.reports.models import ImportBatch
from ntm.apps.units.services import resolve_unit

pytestmark = pytest.mark.django_db
NTM, NC = "xa-ntm-2021", "xa-nang-cao-2021"


@pytest.fixture
def ly_nhan(demo):
    return resolve_unit("huyen:353@2024")


@pytest.fixture
def district_officer(entry_officer, ly_nhan):
    return entry_officer("can_bo_ln", ly_nhan.uid)


@pytest.fixture
def reopened(ly_nhan):
    """Every approved sheet of Lý Nhân open for writing again, as after a reviewer's «Mở lại» on each (a
    district-wide review of one indicator): the demo approved them, and an import may not change an
    approved sheet. The one sheet waiting for review stays locked, and out of the file."""
    from ntm.apps.accounts.testing import reopen

    approved = Submission.objects.filter(unit__path__startswith=ly_nhan.path, state=SubmissionState.APPROVED)
    for s in approved.select_related("unit"):
        reopen(s.unit, s.set_code, s.period)


def _file(tmp_path, ly_nhan, indicator: str, assessment: str):
    """Every commune of Lý Nhân, both sets, every period whose sheet is open: ``indicator`` set to
    ``assessment`` (over the version of each value, as the template writes it)."""
    locked = set(
        Submission.objects.filter(
            unit__path__startswith=ly_nhan.path, state__in=(SubmissionState.SUBMITTED, SubmissionState.APPROVED)
        ).values_list("unit_id", "set_code", "period")
    )
    rows = [
        (uid, s, p, v, n)
        for unit_id, uid, s, p, v, n in Observation.objects.current()
        .filter(unit__path__startswith=ly_nhan.path, set_code__in=(NTM, NC), indicator=indicator)
        .values_list("unit_id", "unit__uid", "set_code", "period", "value_text", "version")
        .order_by("unit_id", "set_code", "period")
        if (unit_id, s, p) not in locked
    ]
    path = tmp_path / "ca-huyen.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [COLUMNS[k][0] for k in ("unit", "set", "period", "indicator", "value", "assessment", "note", "version")]
        )
        w.writerows([uid, s, p, indicator, v, assessment, "rà soát cả huyện", n] for uid, s, p, v, n in rows)
    return path, len(rows)


def test_a_whole_district_import_is_re_evaluated_in_the_background(
    client, tmp_path, settings, ly_nhan, reopened, district_officer, task_worker
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(district_officer)
    path, cells = _file(tmp_path, ly_nhan, "1.1", "chưa đạt")
    assert cells > BATCH_REEVALUATION_CELLS
    # an import changes the figures including unapproved data (the published ones wait for approval)
    at_standard = ResultAll.objects.filter(unit__path__startswith=ly_nhan.path, set_code=NTM, standard_met=True)
    before = at_standard.count()
    assert before > 0
    with open(path, "rb") as f:
        r = client.post(reverse("reports-upload"), {"file": f})
    batch = r["Location"].rstrip("/").split("/")[-1]
    r = client.post(reverse("reports-import-confirm", args=[batch]), {"action": "confirm"})
    assert r.status_code == 302
    run = ReevaluationRun.objects.get()
    message = [str(m) for m in get_messages(r.wsgi_request)][-1]
    assert f"Đã ghi {cells} giá trị" in message and f"đánh giá lại trong nền (lượt #{run.pk})" in message
    assert ImportBatch.objects.get(batch=batch).summary["reevaluation_run"] == run.pk
    # written at once, queued with them (sets and their dependents, the file's periods), not yet computed
    assert Observation.objects.filter(batch=batch).count() == cells
    assert run.status == ReevaluationRun.Status.QUEUED and {NTM, NC} <= set(run.set_codes)
    assert run.periods == sorted(Observation.objects.filter(batch=batch).values_list("period", flat=True).distinct())
    assert at_standard.count() == before  # the previous results, still shown
    page = client.get(reverse("overview") + f"?unit={ly_nhan.uid}&period=2023-12").content.decode()
    assert f"Đang đánh giá lại trong nền (lượt #{run.pk}, nhập số liệu, lô {batch})" in page
    task_worker()
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.DONE, run.message
    assert at_standard.count() == 0  # 1.1 is unmet everywhere now: no commune meets NTM
    assert (
        "Đang đánh giá lại"
        not in client.get(reverse("overview") + f"?unit={ly_nhan.uid}&period=2023-12").content.decode()
    )


def test_a_small_import_is_re_evaluated_within_the_request(
    client, tmp_path, settings, ly_nhan, reopened, district_officer
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(district_officer)
    path, _ = _file(tmp_path, ly_nhan, "1.1", "chưa đạt")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8-sig")  # three cells
    with open(path, "rb") as f:
        r = client.post(reverse("reports-upload"), {"file": f})
    batch = r["Location"].rstrip("/").split("/")[-1]
    r = client.post(reverse("reports-import-confirm", args=[batch]), {"action": "confirm"})
    assert "3 kết quả được đánh giá lại." in [str(m) for m in get_messages(r.wsgi_request)][-1]
    assert not ReevaluationRun.objects.exists()
    written = Observation.objects.filter(batch=batch)
    assert all(
        not ResultAll.objects.get(unit_id=o.unit_id, set_code=o.set_code, period=o.period).standard_met for o in written
    )
