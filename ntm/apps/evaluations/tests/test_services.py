"""Saving observations keeps stored results current; roll-ups follow the hierarchy at a date."""

from __future__ import annotations

import pytest

from ntm.apps.evaluations.models import Result
from ntm.apps.evaluations.services import evaluate_unit, rollup_for
from ntm.apps.observations.models import Observation
from ntm.apps.observations.services import EditConflict, Entry, history, record, record_many
from ntm.apps.units.services import resolve_unit
from ntm.core.catalog import default_catalog

pytestmark = pytest.mark.django_db

UNMET = {"2.3", "2.4", "15.1", "17.6"}


@pytest.fixture
def nguyen_ly():
    return resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")


def entries(unit, set_code="xa-ntm-2021", period="2023-07", unmet=UNMET):
    cs = default_catalog().get(set_code)
    return [Entry(unit, set_code, period, i.code, assessment=i.code not in unmet) for i in cs.indicators]


def test_saving_values_stores_the_explained_result(nguyen_ly, django_user_model):
    user = django_user_model.objects.create_user("canbo_xa", first_name="Lan")
    record_many(entries(nguyen_ly), user=user)
    r = Result.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
    assert (r.criteria_met, r.criteria_total, r.indicators_met, r.indicators_total) == (16, 19, 53, 57)
    assert r.unmet_criteria == [2, 15, 17] and r.unmet_indicators == ["2.3", "2.4", "15.1", "17.6"]
    assert r.standard_met is False
    assert r.catalog_version == default_catalog().get("xa-ntm-2021").digest
    explained = {i["code"]: i for i in r.detail["indicator_results"]}
    assert explained["15.1"]["decided_by"] == "assessment"


def test_one_save_updates_the_result_and_keeps_history(nguyen_ly, django_user_model):
    a = django_user_model.objects.create_user("a", first_name="An")
    b = django_user_model.objects.create_user("b", first_name="Bình")
    record_many(entries(nguyen_ly), user=a)
    record(Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "15.1", value="91,5", assessment=True, expected_version=1), user=b)
    r = Result.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
    assert (r.criteria_met, r.indicators_met) == (17, 54)  # criterion 15 now met
    versions = list(history(nguyen_ly, "xa-ntm-2021", "2023-07", "15.1"))
    assert [(v.version, v.assessment, v.is_current, v.created_by_name) for v in versions] == [
        (2, True, True, "Bình (b)"),
        (1, False, False, "An (a)"),
    ]
    assert versions[0].value_num == pytest.approx(91.5)


def test_saving_the_same_value_adds_nothing(nguyen_ly):
    record_many(entries(nguyen_ly))
    before = Observation.objects.count()
    assert record(Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "2.3", assessment=False)) is None
    assert Observation.objects.count() == before


def test_concurrent_edit_is_a_conflict_not_an_overwrite(nguyen_ly):
    record_many(entries(nguyen_ly))
    record(Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "2.3", assessment=True, expected_version=1))
    with pytest.raises(EditConflict, match="đã được"):
        record(Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "2.3", assessment=False, expected_version=1))
    cur = Observation.objects.current().get(unit=nguyen_ly, indicator="2.3", set_code="xa-ntm-2021")
    assert cur.assessment is True and cur.version == 2


def test_batch_is_all_or_nothing(nguyen_ly):
    bad = entries(nguyen_ly) + [Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "99.1", assessment=True)]
    with pytest.raises(ValueError, match="99.1"):
        record_many(bad)
    assert Observation.objects.count() == 0 and Result.objects.count() == 0


def test_bad_value_is_rejected_with_the_indicator(nguyen_ly):
    with pytest.raises(ValueError, match="15.1"):
        record(Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "15.1", value="nhiều"))


def test_advanced_result_follows_the_ntm_result(nguyen_ly):
    record_many(entries(nguyen_ly, "xa-nang-cao-2021", unmet=set()))
    assert Result.objects.get(unit=nguyen_ly, set_code="xa-nang-cao-2021").standard_met is False  # NTM not met
    record_many(entries(nguyen_ly, unmet=set()))
    assert Result.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021").standard_met is True
    assert Result.objects.get(unit=nguyen_ly, set_code="xa-nang-cao-2021").standard_met is True


def test_rollup_over_a_district(nguyen_ly):
    cong_ly = resolve_unit("Hà Nam/Lý Nhân/Công Lý")
    record_many(entries(nguyen_ly, unmet=set()))  # 19/57
    record_many(entries(cong_ly))  # 16/53
    lynhan = resolve_unit("Hà Nam/Lý Nhân")
    r = rollup_for(lynhan, "xa-ntm-2021", "2023-07")
    assert r.units_total == 20  # the 20 xã of Lý Nhân (Thị trấn Vĩnh Trụ is not a commune for NTM)
    assert r.units_with_results == 2 and r.units_at_standard == 1
    assert r.average_criteria == pytest.approx(17.5)
    assert r.sentence().startswith("2 xã đạt bình quân 17,5/19 tiêu chí; 55/57 chỉ tiêu")
    # the same district's province, at the same date
    assert rollup_for(resolve_unit("Hà Nam"), "xa-ntm-2021", "2023-07").units_with_results == 2


def test_reevaluation_is_idempotent(nguyen_ly):
    record_many(entries(nguyen_ly))
    first = Result.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021")
    evaluate_unit(nguyen_ly, "xa-ntm-2021", "2023-07")
    again = Result.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021")
    assert (again.pk, again.detail) == (first.pk, first.detail)
