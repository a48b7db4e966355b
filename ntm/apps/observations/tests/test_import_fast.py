"""The fast import: the bounded workbook reader reads what openpyxl reads, a large import re-evaluates
through the batch path with the same figures as unit by unit, and errors still name row and column."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from ntm.apps.evaluations.models import ResultAll
from ntm.apps.evaluations.services import evaluate_unit
from ntm.apps.observations import imports as I
from ntm.apps.observations.models import Observation
from ntm.apps.observations.models import ObservationVersion as Version
from ntm.core.catalog import default_catalog
from ntm.core.tables import read_table


def _plain(v):
    """A cell as both readers agree on it: empty is "", a date at midnight is a date."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime) and v.time() == dt.time():
        return v.date()
    return v


def test_the_workbook_reader_reads_what_openpyxl_reads(tmp_path):
    path = tmp_path / "mixed.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Khác"
    ws.append(["không phải trang này"])
    ws = wb.create_sheet("Số liệu")
    ws.append(["Mã đơn vị", "Chỉ tiêu", "Giá trị", "Đánh giá", "Ghi chú"])
    ws.append(["xa:13570@2024", "3.1", 91.5, "đạt", 'có "ngoặc", dấu phẩy\nvà xuống dòng'])
    ws.append(["xa:13570@2024", 17.1, 45, True, None])
    ws.append([None, None, None, None, None])
    ws["A6"] = dt.datetime(2023, 7, 1)  # Excel turned "2023-07" into a date
    ws["C6"] = 1e-05
    ws["E6"] = "=1+1"  # a formula without a cached value: nothing, as with data_only
    ws["D6"] = "#N/A"  # a formula's error: its code
    ws["G9"] = "xa"  # a gap of rows and columns
    ws["B10"] = -3
    wb.save(path)
    expected = openpyxl.load_workbook(path, read_only=True, data_only=True)["Số liệu"]
    expected.reset_dimensions()
    want = [tuple(r) for r in expected.iter_rows(values_only=True)]
    table = read_table(path, name="mixed.xlsx", sheet="Số liệu")
    got = list(table.rows)
    assert table.sheet == "Số liệu" and len(got) == len(want)
    for g, w in zip(got, want):  # every row as wide as the widest one ("" beyond a shorter one's end)
        assert [_plain(x) for x in g] == [_plain(x) for x in w] + [""] * (len(g) - len(w)), (g, w)
    assert got[5][0] == dt.date(2023, 7, 1) and got[2][2] == 45 and got[2][3] is True


def test_a_damaged_workbook_is_reported_not_raised(tmp_path):
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    plan = None
    with pytest.raises(I.ImportFailed) as e:
        plan = I.plan_import(bad)
    assert plan is None and "không đọc được tệp Excel" in str(e.value) and "hong.xlsx" in str(e.value)


@pytest.mark.django_db
def test_large_import_reevaluates_with_the_batch_path(tmp_path, seeded, cong_ly, monkeypatch):
    from ntm.apps.accounts.testing import seed_cell

    seed_cell(cong_ly, unmet=("1.1",))
    cs = default_catalog().get("xa-ntm-2021")
    path = tmp_path / "hai-xa.csv"
    lines = ["Mã đơn vị,Bộ tiêu chí,Kỳ,Chỉ tiêu,Đánh giá,Lần sửa"]
    for unit in (seeded, cong_ly):
        for ind in cs.indicators:  # everything đạt, except 2.1 now chưa đạt (5 changes), over version 1
            lines.append(f"{unit.uid},xa-ntm-2021,2023-07,{ind.code},{'chưa đạt' if ind.code == '2.1' else 'đạt'},1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = I.plan_import(path)
    assert plan.ok and plan.changed == 5 and plan.unchanged == 2 * 57 - 5 and plan.units == 2
    monkeypatch.setattr(I.run, "BATCH_REEVALUATION_CELLS", 1)  # two cells are "many" here
    res = I.commit_import(path)
    assert res.batch_reevaluation and res.written == 5 and res.cells == 2
    assert Observation.objects.filter(batch=res.batch).count() == 5
    stored = {
        r.unit_id: (r.criteria_met, r.indicators_met, r.standard_met)
        for r in ResultAll.objects.filter(set_code="xa-ntm-2021", period="2023-07", unit__in=[seeded, cong_ly])
    }
    assert stored[seeded.id][1] == 56  # 17.1, 17.2 now đạt; 2.1 not
    for unit in (seeded, cong_ly):  # the single-unit path agrees with what the batch stored
        r = evaluate_unit(unit, "xa-ntm-2021", "2023-07")
        assert (r.criteria_met, r.indicators_met, r.standard_met) == stored[unit.id]


@pytest.mark.django_db
def test_errors_far_into_a_file_name_their_row_and_nothing_is_written(tmp_path, seeded, monkeypatch):
    monkeypatch.setattr(I.check, "CHUNK", 1000)
    cs = default_catalog().get("xa-ntm-2021")
    path = tmp_path / "dai.csv"
    lines = ["Mã đơn vị;Bộ tiêu chí;Kỳ;Chỉ tiêu;Giá trị;Đánh giá"]
    # the periods in which both the commune (until 30/06/2025) and the set (from 08/03/2022) were in force,
    # but the seeded one: 55 periods, 3,135 rows — more than one chunk of writes
    months = [f"{y}-{m:02d}" for y in range(2022, 2026) for m in range(1, 13)]
    periods = [p for p in months if "2022-03" <= p <= "2025-06" and p != "2023-07"]
    periods += [f"{y}-Q{q}" for y in range(2022, 2025) for q in range(1, 5)] + ["2022", "2023", "2024", "2025"]
    for k, period in enumerate(periods):
        for ind in cs.indicators:
            lines.append(f"{seeded.uid};xa-ntm-2021;{period};{ind.code};;{'đạt' if k % 2 else 'chưa đạt'}")
    lines[-3] = f"{seeded.uid};xa-ntm-2021;2024-03;3.1;nhiều;đạt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = Observation.objects.count()
    with pytest.raises(I.ImportFailed) as e:
        I.commit_import(path, reevaluate=False)
    assert [(i.row, i.column) for i in e.value.issues] == [(len(lines) - 2, "Giá trị")]
    assert "không phải là số" in e.value.issues[0].message
    assert Observation.objects.count() == before


@pytest.mark.django_db
def test_a_conflict_found_after_blocks_were_written_undoes_them_all(tmp_path, seeded, cong_ly, monkeypatch):
    """Blocks are written while the next ones are checked: a stale version found in a later block
    (the earlier ones already written) names file, row and column, and leaves every value as it was."""
    monkeypatch.setattr(I.check, "CHUNK", 20)
    cs = default_catalog().get("xa-ntm-2021")
    path = tmp_path / "hai-xa.csv"
    lines = ["Mã đơn vị;Bộ tiêu chí;Kỳ;Chỉ tiêu;Đánh giá;Lần sửa"]
    for ind in cs.indicators:  # new values for Công Lý: blocks written before the conflict is reached
        lines.append(f"{cong_ly.uid};xa-ntm-2021;2023-07;{ind.code};đạt;")
    for ind in cs.indicators:  # Nguyên Lý's values are at version 1: the file says version 3
        lines.append(f"{seeded.uid};xa-ntm-2021;2023-07;{ind.code};chưa đạt;3")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def state():
        return [sorted(m.objects.values_list("id", "unit_id", "indicator", "version")) for m in (Observation, Version)]

    before = state()
    with pytest.raises(I.ImportFailed) as failed:
        I.commit_import(path)
    first = failed.value.issues[0]
    assert first.file == "hai-xa.csv" and first.row == 2 + len(cs.indicators) and first.column == "Lần sửa"
    assert state() == before
    # the same file without the stale rows goes in whole, every block
    path.write_text("\n".join(lines[: 1 + len(cs.indicators)]) + "\n", encoding="utf-8")
    res = I.commit_import(path)
    assert res.written == len(cs.indicators)
    assert Observation.objects.current().filter(unit=cong_ly, set_code="xa-ntm-2021", period="2023-07").count() == 57


@pytest.mark.django_db
def test_a_committed_import_leaves_one_audit_event_for_the_district_it_covers(tmp_path, seeded, cong_ly):
    from django.contrib.auth import get_user_model

    from ntm.apps.audit.models import Action, AuditEvent

    user = get_user_model().objects.create_superuser("nhap", "nhap@example.org", "mat-khau-rat-dai-1")
    path = tmp_path / "hai-xa.csv"
    lines = ["Mã đơn vị,Bộ tiêu chí,Kỳ,Chỉ tiêu,Đánh giá,Lần sửa"]
    lines += [f"{u.uid},xa-ntm-2021,2023-08,1.1,đạt," for u in (seeded, cong_ly)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = AuditEvent.objects.filter(action=Action.OBSERVATIONS_SAVED).count()
    res = I.commit_import(path, user=user, reevaluate=False)
    events = list(AuditEvent.objects.filter(action=Action.OBSERVATIONS_SAVED).order_by("-id"))
    assert len(events) == before + 1
    event = events[0]
    assert event.username == "nhap" and event.unit.name.endswith("Lý Nhân")  # both communes' district
    assert "hai-xa.csv" in event.object_repr and res.batch in event.message and "2 mới" in event.message
    assert event.new == {"batch": res.batch, "file": "hai-xa.csv", "new": 2, "changed": 0, "cells": 2}
    # and a file that changes nothing leaves no event
    I.commit_import(path, user=user, reevaluate=False)
    assert AuditEvent.objects.filter(action=Action.OBSERVATIONS_SAVED).count() == before + 1


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["approved", "submitted"])
def test_a_file_cannot_change_a_sheet_sent_for_review_or_approved(tmp_path, seeded, cong_ly, state):
    from ntm.apps.observations.models import Submission

    Submission.objects.create(unit=seeded, set_code="xa-ntm-2021", period="2023-07", year=2023, state=state)
    path = tmp_path / "khoa.csv"
    lines = ["Mã đơn vị,Bộ tiêu chí,Kỳ,Chỉ tiêu,Đánh giá,Lần sửa"]
    lines.append(f"{seeded.uid},xa-ntm-2021,2023-07,1.1,đạt,1")  # unchanged: no objection
    lines.append(f"{seeded.uid},xa-ntm-2021,2023-07,17.1,đạt,1")  # a change to the locked sheet (row 3)
    lines.append(f"{cong_ly.uid},xa-ntm-2021,2023-07,1.1,đạt,")  # another commune, not locked
    lines.append(f"{seeded.uid},xa-ntm-2021,2023-07,17.2,đạt,7")  # a stale version too: the lock is what to say
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = I.plan_import(path)  # the preview already says so
    assert not plan.ok and [(i.row, i.column) for i in plan.issues] == [(3, "Kỳ"), (5, "Kỳ")]
    before = Observation.objects.count()
    with pytest.raises(I.ImportFailed) as e:
        I.commit_import(path, reevaluate=False)
    assert [(i.row, i.column) for i in e.value.issues] == [(3, "Kỳ"), (5, "Kỳ")]
    message = e.value.issues[0].message
    assert "Nguyên Lý" in message and ("phê duyệt" in message if state == "approved" else "chờ duyệt" in message)
    assert Observation.objects.count() == before  # nothing written, not even the other commune's row


def test_a_read_of_the_check_goes_before_the_next_statement_of_a_block_being_written():
    """The check waits for one statement of the block being written, not for the whole block."""
    import sys
    import threading
    import time

    from ntm.apps.observations.imports.write import SWITCH, Writer

    order = []
    first = threading.Event()
    before = sys.getswitchinterval()

    def write(rows, w):
        for row in rows:
            with w.turn():
                order.append(row)
                if row == 0:  # the first statement: stay on the connection until the check asks for it
                    first.set()
                    deadline = time.monotonic() + 5
                    while w.readers == 0 and time.monotonic() < deadline:
                        time.sleep(0.001)

    with Writer(write) as writer:
        assert sys.getswitchinterval() == pytest.approx(min(SWITCH, before))  # the writer runs again sooner
        writer.put([0, 1, 2, 3])
        assert first.wait(5)
        with writer.reading():
            order.append("read")
    assert sys.getswitchinterval() == before
    assert order == [0, "read", 1, 2, 3]
