"""Commune groups and ĐBKK/ATK status as dated data: one write path, audited, re-evaluation queued,
and the evaluation reading the group in force at the end of the period."""

from __future__ import annotations

import datetime as dt

import pytest

from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.evaluations.models import ReevaluationRun, Result
from ntm.apps.units import classifications as C
from ntm.apps.units.models import Classification, Unit

pytestmark = pytest.mark.django_db

D = dt.date


def row(unit, group="2", start=D(2026, 2, 15), end=None, *, kind="group", number="12/QĐ-UBND (thử)", line=None):  # noqa: B008
    return C.Row(
        unit=unit,
        kind=kind,
        group=group if kind == "group" else "",
        valid_from=start,
        valid_to=end,
        decision_number=number,
        decision_date=start,
        issued_by="UBND tỉnh Ninh Bình (thử)",
        line=line,
    )


@pytest.fixture(autouse=True)
def no_classifications():
    """Each test starts from communes without any group (rolled back after the test)."""
    Classification.objects.all().delete()


@pytest.fixture
def nam_xang():
    return Unit.objects.get(uid="xa:13591@2025")


@pytest.fixture
def ly_nhan():
    return Unit.objects.get(uid="xa:13573@2025")


def test_a_group_is_dated_audited_and_mirrored_for_today(nam_xang, admin_user):
    saved = C.save([row(nam_xang, "2")], user=admin_user)
    assert saved.plan.writes == 1
    nam_xang.refresh_from_db()
    assert nam_xang.commune_group == "2"  # in force today (December 2026)
    assert C.in_force(nam_xang, D(2026, 3, 31)).group == "2"
    assert C.in_force(nam_xang, D(2026, 1, 31)).group == ""  # before the decision: chưa phân nhóm
    ev = AuditEvent.objects.filter(action=Action.CLASSIFICATION_SAVED, unit=nam_xang, username="admin").get()
    assert ev.new["group"] == "2" and ev.new["decision_number"] == "12/QĐ-UBND (thử)" and ev.old is None


def test_a_new_group_takes_over_from_its_start(nam_xang, admin_user):
    C.save([row(nam_xang, "2")], user=admin_user)
    C.save([row(nam_xang, "1", start=D(2026, 7, 1), number="30/QĐ-UBND (thử)")], user=admin_user)
    rows = list(Classification.objects.filter(unit=nam_xang).order_by("valid_from"))
    assert [(c.group, c.valid_from, c.valid_to) for c in rows] == [
        ("2", D(2026, 2, 15), D(2026, 6, 30)),
        ("1", D(2026, 7, 1), None),
    ]
    assert C.in_force(nam_xang, D(2026, 6, 30)).group == "2" and C.in_force(nam_xang, D(2026, 9, 30)).group == "1"
    # the shortened row is audited too (old → new end)
    assert AuditEvent.objects.filter(action=Action.CLASSIFICATION_SAVED, unit=nam_xang, username="admin").count() == 3


def test_an_overlap_is_refused_with_its_row_and_nothing_changes(nam_xang, ly_nhan, admin_user):
    C.save([row(nam_xang, "2", start=D(2026, 7, 1))], user=admin_user)
    before = AuditEvent.objects.count()
    with pytest.raises(C.ClassificationError) as err:
        C.save(
            [row(ly_nhan, "3", line=2), row(nam_xang, "1", start=D(2026, 2, 15), end=D(2026, 12, 31), line=3)],
            user=admin_user,
        )
    assert [p.line for p in err.value.problems] == [3]
    assert "trùng với phân loại nhóm 2 từ 01/07/2026" in str(err.value)
    assert not Classification.objects.filter(unit=ly_nhan).exists()
    assert AuditEvent.objects.count() == before


def test_only_xa_can_be_grouped():
    phuong = Unit.objects.filter(edition="2025", level="commune", type="Phường").first()
    with pytest.raises(C.ClassificationError, match="không phải là xã"):
        C.save([row(phuong, "1")])


def test_a_change_queues_a_reevaluation_of_the_periods_it_touches(nam_xang, admin_user):
    Result.objects.create(
        unit=nam_xang,
        set_code="xa-ntm-2026",
        period="2026-Q1",
        year=2026,
        criteria_met=1,
        criteria_total=10,
        indicators_met=5,
        indicators_total=47,
        standard_met=False,
        catalog_version="x",
    )
    Result.objects.create(
        unit=nam_xang,
        set_code="xa-ntm-2026",
        period="2026-Q3",
        year=2026,
        criteria_met=1,
        criteria_total=10,
        indicators_met=5,
        indicators_total=47,
        standard_met=False,
        catalog_version="x",
    )
    saved = C.save([row(nam_xang, "3", start=D(2026, 7, 1))], user=admin_user, enqueue=False)
    assert saved.run is not None and saved.run.status == ReevaluationRun.Status.QUEUED
    assert saved.run.periods == ["2026-Q3"]  # Q1 ended before the group took effect
    assert "xa-ntm-2026" in saved.run.set_codes


def test_the_evaluation_reads_the_group_in_force_at_the_end_of_the_period(nam_xang, admin_user):
    from ntm.apps.evaluations.batch import UnitTable
    from ntm.apps.evaluations.services import context_for

    C.save([row(nam_xang, "3", start=D(2026, 4, 1))], user=admin_user)
    assert context_for(nam_xang, 2026, on=D(2026, 3, 31)).group is None
    assert context_for(nam_xang, 2026, on=D(2026, 6, 30)).group == "3"
    table = UnitTable()
    assert table.context(nam_xang.pk, 2026, D(2026, 3, 31)).group is None
    assert table.context(nam_xang.pk, 2026, D(2026, 6, 30)).group == "3"


def test_deleting_a_mistaken_row_is_audited(nam_xang, admin_user):
    C.save([row(nam_xang, "2")], user=admin_user)
    c = Classification.objects.get(unit=nam_xang)
    C.delete(c, user=admin_user)
    nam_xang.refresh_from_db()
    assert nam_xang.commune_group == "" and not Classification.objects.filter(unit=nam_xang).exists()
    assert AuditEvent.objects.filter(action=Action.CLASSIFICATION_DELETED, unit=nam_xang).exists()
