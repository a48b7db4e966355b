"""Current values apart from history: every save — form, API or file — changes the one current row of
its cell in place and appends the version to the history, so the history holds every version (the
current one included) and the current table one row per cell."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ntm.apps.observations import imports as I
from ntm.apps.observations.models import Observation, ObservationVersion
from ntm.apps.observations.services import Entry, history, record, record_many

SET, PERIOD = "xa-ntm-2021", "2023-07"


def _cell(unit, code):
    return dict(unit=unit, set_code=SET, period=PERIOD, indicator=code)


def _block(unit, batch: str, values: list[tuple[str, str]], version: int) -> list[tuple]:
    """An import's block as its writer takes it: (indicator, value text) each a new version ``version``
    of a cell of ``unit``, in the order of ``VALUE_COLUMNS``."""
    from django.db import connection

    from ntm.apps.observations.models import VALUE_COLUMNS

    now = timezone.now()
    if connection.vendor != "postgresql":
        now = connection.ops.adapt_datetimefield_value(now)
    base = dict(
        unit_id=unit.pk,
        set_code=SET,
        period=PERIOD,
        year=2023,
        value_num=None,
        assessment=True,
        not_applicable=False,
        note="",
        evidence="",
        version=version,
        source="import",
        batch=batch,
        created_by_id=None,
        created_by_name="",
        created_at=now,
    )
    return [tuple({**base, "indicator": code, "value_text": v}[c] for c in VALUE_COLUMNS) for code, v in values]


@pytest.mark.django_db
def test_a_form_save_changes_the_current_row_in_place_and_keeps_every_version(nguyen_ly, django_user_model):
    a = django_user_model.objects.create_user("a", first_name="An")
    b = django_user_model.objects.create_user("b", first_name="Bình")
    first = record(Entry(nguyen_ly, SET, PERIOD, "3.1", value="80", assessment=False), user=a)
    second = record(Entry(nguyen_ly, SET, PERIOD, "3.1", value="91,5", assessment=True, expected_version=1), user=b)
    assert second.pk == first.pk  # the same current row, changed in place
    (row,) = Observation.objects.filter(**_cell(nguyen_ly, "3.1"))
    assert (row.version, row.value_text, row.assessment, row.created_by_name) == (2, "91,5", True, "Bình (b)")
    versions = list(history(nguyen_ly, SET, PERIOD, "3.1"))
    assert [(v.version, v.value_text, v.is_current, v.created_by_name) for v in versions] == [
        (2, "91,5", True, "Bình (b)"),
        (1, "80", False, "An (a)"),
    ]
    # the same value again writes nothing, in either table
    assert record(Entry(nguyen_ly, SET, PERIOD, "3.1", value="91,5", assessment=True, expected_version=2)) is None
    assert ObservationVersion.objects.filter(**_cell(nguyen_ly, "3.1")).count() == 2


@pytest.mark.django_db
def test_a_save_of_many_rows_writes_one_version_each_and_one_current_row_each(nguyen_ly):
    codes = ["1.1", "1.2", "2.1"]
    record_many([Entry(nguyen_ly, SET, PERIOD, c, assessment=False) for c in codes])
    record_many([Entry(nguyen_ly, SET, PERIOD, c, assessment=True, expected_version=1) for c in codes[:2]])
    current = Observation.objects.filter(unit=nguyen_ly, set_code=SET, period=PERIOD, indicator__in=codes)
    assert sorted(current.values_list("indicator", "version", "assessment")) == [
        ("1.1", 2, True),
        ("1.2", 2, True),
        ("2.1", 1, False),
    ]
    kept = ObservationVersion.objects.filter(unit=nguyen_ly, set_code=SET, period=PERIOD, indicator__in=codes)
    assert sorted(kept.values_list("indicator", "version", "assessment")) == [
        ("1.1", 1, False),
        ("1.1", 2, True),
        ("1.2", 1, False),
        ("1.2", 2, True),
        ("2.1", 1, False),
    ]


@pytest.mark.django_db
def test_a_file_import_changes_current_rows_in_place_creates_new_ones_and_appends_its_versions(
    tmp_path, seeded, cong_ly
):
    before = {o.indicator: o for o in Observation.objects.filter(unit=seeded, set_code=SET, period=PERIOD)}
    path = tmp_path / "nhap.csv"
    path.write_text(
        "Mã đơn vị,Bộ tiêu chí,Kỳ,Chỉ tiêu,Đánh giá,Lần sửa\n"
        f"{seeded.uid},{SET},{PERIOD},17.1,đạt,1\n"  # a change: version 2 of an existing cell
        f"{seeded.uid},{SET},{PERIOD},1.1,đạt,1\n"  # unchanged: nothing written
        f"{cong_ly.uid},{SET},{PERIOD},1.1,đạt,\n",  # a new cell
        encoding="utf-8",
    )
    res = I.commit_import(path, reevaluate=False)
    assert res.written == 2 and res.unchanged == 1
    changed = Observation.objects.get(**_cell(seeded, "17.1"))
    assert changed.pk == before["17.1"].pk and (changed.version, changed.assessment) == (2, True)
    assert changed.batch == res.batch and changed.source == "import"
    assert Observation.objects.get(**_cell(seeded, "1.1")).version == 1
    new = Observation.objects.get(**_cell(cong_ly, "1.1"))
    assert (new.version, new.assessment, new.batch) == (1, True, res.batch)
    appended = ObservationVersion.objects.filter(batch=res.batch)
    assert sorted(appended.values_list("unit_id", "indicator", "version")) == sorted(
        [(seeded.pk, "17.1", 2), (cong_ly.pk, "1.1", 1)]
    )
    assert ObservationVersion.objects.get(**_cell(seeded, "17.1"), version=1).assessment is False  # kept
    # every cell still has one current row, the newest of its versions
    for o in Observation.objects.filter(unit__in=[seeded, cong_ly], set_code=SET, period=PERIOD):
        newest = ObservationVersion.objects.filter(**_cell(o.unit, o.indicator)).order_by("-version").first()
        assert (o.version, o.assessment, o.value_text) == (newest.version, newest.assessment, newest.value_text)


@pytest.mark.django_db
def test_a_block_whose_current_row_went_missing_is_refused_not_half_written(nguyen_ly):
    """The bulk writer makes each appended version current: a later version whose cell has no current
    row any more (removed between the check and the write) raises, so the caller's transaction rolls
    back instead of leaving the history and the current values apart."""
    from django.db import connection, transaction

    from ntm.apps.observations import sql
    from ntm.apps.observations.models import VALUE_COLUMNS

    record(Entry(nguyen_ly, SET, PERIOD, "3.1", value="80", assessment=False))
    record(Entry(nguyen_ly, SET, PERIOD, "1.1", assessment=False))
    Observation.objects.filter(**_cell(nguyen_ly, "1.1")).delete()
    rows = _block(nguyen_ly, "b-missing", [("3.1", "85"), ("1.1", "")], version=2)
    with pytest.raises(RuntimeError, match="2 versions appended, 1 current rows written"):
        with transaction.atomic():
            after = sql.last_version(connection)
            sql.append(connection, VALUE_COLUMNS, rows)
            sql.make_current(connection, "b-missing", after, rows)
    assert Observation.objects.get(**_cell(nguyen_ly, "3.1")).value_text == "80"  # rolled back
    assert not ObservationVersion.objects.filter(batch="b-missing").exists()


@pytest.mark.django_db
def test_approval_marks_the_current_versions_and_a_later_save_leaves_them_approved(seeded, users):
    from ntm.apps.observations.workflow import transition

    transition(seeded, SET, PERIOD, "submit", users["xa"])
    transition(seeded, SET, PERIOD, "approve", users["huyen"])
    approved = ObservationVersion.objects.filter(unit=seeded, set_code=SET, period=PERIOD, is_approved=True)
    assert approved.count() == 57 and set(approved.values_list("version", flat=True)) == {1}
    transition(seeded, SET, PERIOD, "reopen", users["huyen"], comment="Cần sửa chỉ tiêu 17.1")
    record(Entry(seeded, SET, PERIOD, "17.1", assessment=True, expected_version=1))
    # the published value is still the approved version 1; the current one is version 2
    assert approved.get(indicator="17.1").version == 1
    assert Observation.objects.get(**_cell(seeded, "17.1")).version == 2
    transition(seeded, SET, PERIOD, "submit", users["xa"])
    transition(seeded, SET, PERIOD, "approve", users["huyen"])
    assert approved.get(indicator="17.1").version == 2 and approved.count() == 57


@pytest.mark.django_db
def test_removing_an_account_keeps_its_values_and_versions_under_its_name(nguyen_ly, django_user_model):
    """The author's column has no index (migration 0008): removing an account still leaves every value
    it entered, current or earlier, with the author's name."""
    a = django_user_model.objects.create_user("a", first_name="An")
    record(Entry(nguyen_ly, SET, PERIOD, "3.1", value="80", assessment=False), user=a)
    record(Entry(nguyen_ly, SET, PERIOD, "3.1", value="85", assessment=False, expected_version=1), user=a)
    a.delete()
    row = Observation.objects.get(**_cell(nguyen_ly, "3.1"))
    assert (row.value_text, row.created_by_id, row.created_by_name) == ("85", None, "An (a)")
    kept = ObservationVersion.objects.filter(**_cell(nguyen_ly, "3.1")).order_by("version")
    assert [(v.value_text, v.created_by_id, v.created_by_name) for v in kept] == [
        ("80", None, "An (a)"),
        ("85", None, "An (a)"),
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_current_rows_have_room_for_a_new_version_on_their_page():
    """PostgreSQL rewrites a current row on its own page, without writing its indexes again (a "HOT"
    update), only when no indexed column changes and the page has room: no index of the current table
    holds a column a new version changes, and its pages are filled to half."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from ntm.apps.observations.models import CELL_COLUMNS, VALUE_COLUMNS

    table = Observation._meta.db_table
    with connection.cursor() as cur:
        cur.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        assert "fillfactor=50" in (cur.fetchone()[0] or [])
        indexed = {
            c
            for ix in connection.introspection.get_constraints(cur, table).values()
            if ix["index"]
            for c in ix["columns"]
        }
    changing = set(VALUE_COLUMNS) - set(CELL_COLUMNS)
    assert indexed & changing == set(), indexed & changing


@pytest.mark.django_db
def test_a_block_of_many_rows_lands_whole_in_both_tables(nguyen_ly):
    """A block larger than one statement holds (SQLite: statements of as many rows as its parameters
    allow, then the rest): every row appended once and made current once."""
    from django.db import connection

    from ntm.apps.observations import sql
    from ntm.apps.observations.models import VALUE_COLUMNS

    rows = _block(nguyen_ly, "b-many", [(f"t{i}", str(i)) for i in range(130)], version=1)
    after = sql.last_version(connection)
    sql.append(connection, VALUE_COLUMNS, rows)
    assert sql.make_current(connection, "b-many", after, rows) == 130
    kept = ObservationVersion.objects.filter(batch="b-many")
    assert kept.count() == 130 and sorted(int(v) for v in kept.values_list("value_text", flat=True)) == list(range(130))
    assert Observation.objects.filter(batch="b-many").count() == 130
