"""Saving observations keeps stored results current; roll-ups follow the hierarchy at a date."""

from __future__ import annotations

import pytest

from ntm.apps.evaluations.models import ResultAll
from ntm.apps.evaluations.services import evaluate_unit, explanation, rollup_for
from ntm.apps.observations.models import Observation
from ntm.apps.observations.services import EditConflict, Entry, history, record, record_many
from ntm.apps.units.services import resolve_unit
from ntm.core.catalog import default_catalog


@pytest.fixture(autouse=True)
def _reading_what_saves_write():
    """A save and the batch path write the figures including unapproved data (``ResultAll``); the
    approved ones are written the same way on approval (see test_approved.py). Readers here read those."""
    from ntm.apps.evaluations import dataview

    with dataview.reading(dataview.ALL):
        yield


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
    r = ResultAll.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
    assert (r.criteria_met, r.criteria_total, r.indicators_met, r.indicators_total) == (16, 19, 53, 57)
    assert r.unmet_criteria == [2, 15, 17] and r.unmet_indicators == ["2.3", "2.4", "15.1", "17.6"]
    assert r.standard_met is False
    assert r.catalog_version == default_catalog().get("xa-ntm-2021").digest
    explained = {i["code"]: i for i in explanation(r)["indicator_results"]}
    assert explained["15.1"]["decided_by"] == "assessment"


def test_one_save_updates_the_result_and_keeps_history(nguyen_ly, django_user_model):
    a = django_user_model.objects.create_user("a", first_name="An")
    b = django_user_model.objects.create_user("b", first_name="Bình")
    record_many(entries(nguyen_ly), user=a)
    record(
        Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "15.1", value="91,5", assessment=True, expected_version=1), user=b
    )
    r = ResultAll.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021", period="2023-07")
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
    assert Observation.objects.count() == 0 and ResultAll.objects.count() == 0


def test_bad_value_is_rejected_with_the_indicator(nguyen_ly):
    with pytest.raises(ValueError, match="15.1"):
        record(Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "15.1", value="nhiều"))


def test_advanced_result_follows_the_ntm_result(nguyen_ly):
    record_many(entries(nguyen_ly, "xa-nang-cao-2021", unmet=set()))
    assert ResultAll.objects.get(unit=nguyen_ly, set_code="xa-nang-cao-2021").standard_met is False  # NTM not met
    record_many(entries(nguyen_ly, unmet=set()))
    assert ResultAll.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021").standard_met is True
    assert ResultAll.objects.get(unit=nguyen_ly, set_code="xa-nang-cao-2021").standard_met is True


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
    first = ResultAll.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021")
    evaluate_unit(nguyen_ly, "xa-ntm-2021", "2023-07")
    again = ResultAll.objects.get(unit=nguyen_ly, set_code="xa-ntm-2021")
    assert (again.pk, again.detail) == (first.pk, first.detail)


# -- the sets that depend on the one saved (nâng cao on NTM, kiểu mẫu on nâng cao) ---------------
def stored(unit, set_code):
    return ResultAll.objects.get(unit=unit, set_code=set_code, period="2023-07")


def same_as_a_fresh_evaluation(unit, set_code):
    from ntm.apps.evaluations.services import compute

    r, fresh = stored(unit, set_code), compute(unit, set_code, "2023-07")
    return (r.criteria_met, r.indicators_met, r.standard_met, r.unmet_indicators) == (
        fresh.criteria_met,
        fresh.indicators_met,
        fresh.standard_met,
        fresh.unmet_indicators,
    )


def test_dependents_follow_when_the_prerequisite_standard_changes_and_stay_when_it_does_not(nguyen_ly):
    ntm, nc, km = "xa-ntm-2021", "xa-nang-cao-2021", "xa-kieu-mau-2021"
    record_many(entries(nguyen_ly, unmet=set()))
    record_many(entries(nguyen_ly, nc, unmet=set()))
    record_many(entries(nguyen_ly, km, unmet=set()))
    assert [stored(nguyen_ly, s).standard_met for s in (ntm, nc, km)] == [True, True, True]
    written = {s: stored(nguyen_ly, s).computed_at for s in (nc, km)}

    # a note on an NTM indicator: NTM stays at its standard, the dependent results are not written again
    record(Entry(nguyen_ly, ntm, "2023-07", "2.3", assessment=True, note="theo biên bản", expected_version=1))
    assert stored(nguyen_ly, ntm).standard_met is True
    assert {s: stored(nguyen_ly, s).computed_at for s in (nc, km)} == written
    assert same_as_a_fresh_evaluation(nguyen_ly, nc) and same_as_a_fresh_evaluation(nguyen_ly, km)

    # NTM falls below its standard: nâng cao, then kiểu mẫu (through nâng cao), follow in the same save
    record(Entry(nguyen_ly, ntm, "2023-07", "2.3", assessment=False, expected_version=2))
    assert [stored(nguyen_ly, s).standard_met for s in (ntm, nc, km)] == [False, False, False]
    assert same_as_a_fresh_evaluation(nguyen_ly, nc) and same_as_a_fresh_evaluation(nguyen_ly, km)
    cond = {c["code"]: c for c in explanation(stored(nguyen_ly, nc))["conditions"]}
    assert any("chưa đạt chuẩn" in c["detail"] for c in cond.values())

    # and back
    record(Entry(nguyen_ly, ntm, "2023-07", "2.3", assessment=True, expected_version=3))
    assert [stored(nguyen_ly, s).standard_met for s in (ntm, nc, km)] == [True, True, True]
    assert same_as_a_fresh_evaluation(nguyen_ly, nc) and same_as_a_fresh_evaluation(nguyen_ly, km)


def test_a_dependent_whose_own_standard_does_not_move_stops_the_chain(nguyen_ly):
    ntm, nc, km = "xa-ntm-2021", "xa-nang-cao-2021", "xa-kieu-mau-2021"
    record_many(entries(nguyen_ly, unmet=set()))
    record_many(entries(nguyen_ly, nc, unmet={"1.1"}))  # nâng cao not met on its own criteria
    record_many(entries(nguyen_ly, km, unmet=set()))
    assert [stored(nguyen_ly, s).standard_met for s in (ntm, nc, km)] == [True, False, False]
    nc_before, km_before = stored(nguyen_ly, nc), stored(nguyen_ly, km)
    conditions_before = explanation(nc_before)["conditions"]

    record(Entry(nguyen_ly, ntm, "2023-07", "2.3", assessment=False, expected_version=1))
    # nâng cao is evaluated again (its NTM condition changed) but stays below its standard ...
    nc_after = stored(nguyen_ly, nc)
    assert nc_after.computed_at > nc_before.computed_at and nc_after.standard_met is False
    assert explanation(nc_after)["conditions"] != conditions_before
    # ... so kiểu mẫu, which reads only nâng cao's standard, is left as it was, and still right
    assert stored(nguyen_ly, km).computed_at == km_before.computed_at
    assert same_as_a_fresh_evaluation(nguyen_ly, nc) and same_as_a_fresh_evaluation(nguyen_ly, km)


def test_a_dependent_without_a_stored_result_is_not_created(nguyen_ly):
    record_many(entries(nguyen_ly, unmet=set()))
    record(Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "2.3", assessment=False, expected_version=1))
    assert not ResultAll.objects.filter(unit=nguyen_ly, set_code__in=("xa-nang-cao-2021", "xa-kieu-mau-2021")).exists()


def test_a_first_ntm_result_evaluates_the_dependents_again(nguyen_ly):
    record_many(entries(nguyen_ly, "xa-nang-cao-2021", unmet=set()))
    assert "chưa có kết quả" in str(explanation(stored(nguyen_ly, "xa-nang-cao-2021"))["conditions"])
    record_many(entries(nguyen_ly, unmet=set()))
    assert stored(nguyen_ly, "xa-nang-cao-2021").standard_met is True
    assert same_as_a_fresh_evaluation(nguyen_ly, "xa-nang-cao-2021")


def test_one_saved_value_costs_a_bounded_number_of_queries(nguyen_ly, django_assert_max_num_queries):
    record_many(entries(nguyen_ly, unmet=set()))
    record_many(entries(nguyen_ly, "xa-nang-cao-2021", unmet=set()))
    # NTM standard unchanged: the dependents are not read again (20 statements before)
    with django_assert_max_num_queries(12):
        record(Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "2.3", assessment=True, note="ghi chú", expected_version=1))
    # NTM standard flips: nâng cao follows in the same save
    with django_assert_max_num_queries(20):
        record(Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "2.3", assessment=False, expected_version=2))
    assert stored(nguyen_ly, "xa-nang-cao-2021").standard_met is False


def test_many_values_of_one_cell_are_written_with_a_few_statements(nguyen_ly, django_assert_max_num_queries):
    record_many(entries(nguyen_ly))
    changed = [
        Entry(nguyen_ly, "xa-ntm-2021", "2023-07", i.code, assessment=True, note="đợt 2", expected_version=1)
        for i in default_catalog().get("xa-ntm-2021").indicators
    ]
    with django_assert_max_num_queries(15):  # one statement per value before (186)
        written = record_many(changed)
    assert len(written) == 57 and all(o.pk and o.version == 2 for o in written)
    assert Observation.objects.filter(unit=nguyen_ly).count() == 57
    assert stored(nguyen_ly, "xa-ntm-2021").indicators_met == 57


def test_the_same_indicator_twice_in_one_call_builds_on_itself(nguyen_ly):
    record_many(entries(nguyen_ly))
    a = Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "2.3", assessment=True, note="một", expected_version=1)
    b = Entry(nguyen_ly, "xa-ntm-2021", "2023-07", "2.3", assessment=True, note="hai")
    first, second = record_many([a, b])
    assert (first.version, second.version) == (2, 3)
    assert Observation.objects.current().get(unit=nguyen_ly, indicator="2.3").note == "hai"
