"""The import checks a clean block of rows column by column (``_Checker.block``) and a block with
anything to say row by row (``_Checker.check``, which words the messages). Both must reach the same
plan — the same counts, changes, rows and messages — and write the same observations: here the same
files are imported once as they are and once with the column-by-column path switched off."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from django.db import transaction

from ntm.apps.observations import imports as I
from ntm.apps.observations.models import Observation
from ntm.core.catalog import default_catalog

HEADER = ["Mã đơn vị", "Bộ tiêu chí", "Kỳ", "Chỉ tiêu", "Giá trị", "Đánh giá", "Ghi chú", "Minh chứng", "Lần sửa"]


def _rows(units: list[str], *, faults: bool) -> list[list]:
    """Several blocks of rows over two communes, two sets and four periods, with the spellings officials
    use (spaces, capitals, "KĐG", decimal commas, a version written "1,0"); with ``faults``, also rows
    that must be reported: an unknown unit, set and indicator, a bad period, value and version, an
    indicator twice, a short row — one of them far into the file."""
    cat = default_catalog()
    out: list[list] = []
    for k, uid in enumerate(units):
        for set_code in ("xa-ntm-2021", "xa-nang-cao-2021"):
            for period in ("2023-07", "2023-Q3", "2024-01", "2024"):
                for j, ind in enumerate(cat.get(set_code).indicators):
                    verdict = ("đạt", "chưa đạt", " Đạt ", "KĐG", "", "không đánh giá")[(j + k) % 6]
                    value = ""
                    if ind.kind.name in ("MIN_PERCENT", "MAX_PERCENT"):
                        value = ("91,5", " 45 ", "100", "")[j % 4]
                    elif ind.kind.name == "MIN_AMOUNT":
                        value = ("1.234,5", "48", "")[j % 3]
                    # a value that replaces one (the seeded cells) names the version it replaces
                    seeded = (set_code, period) == ("xa-ntm-2021", "2023-07")
                    version = ("1" if seeded else "", "1", "1,0")[j % 3] if j % 4 or seeded else ""
                    out.append(
                        [
                            f" {uid} " if j % 7 == 0 else uid,
                            set_code,
                            period,
                            f" {ind.code}" if j % 5 == 0 else ind.code,
                            value,
                            verdict,
                            ("nhập thử", " ghi chú ", "")[j % 3],
                            "",
                            version,
                        ]
                    )
                out.append([""] * 9)  # a blank line between cells
    if faults:
        out[3][0] = "xa:99999@2024"
        out[10][1] = "bo-khong-co"
        out[20][2] = "2023-13"
        out[30][3] = "99.9"
        out[40][4] = "nhiều"
        out[50][8] = "lần hai"
        out[60] = out[60][:3]
        out.insert(70, list(out[69]))  # the same indicator twice
        out[-5][5] = "tốt"  # far into the file, past the first block
        # the same indicator twice in blocks without any other fault: once blocks apart, once in one block
        assessed = [i for i, r in enumerate(out) if i > 100 and r[5:6] == ["đạt"]]
        again = list(out[assessed[0]])
        again[6] = "lặp lại"
        out.insert(700, again)
        twice = next(i for i in assessed if i > 900)
        again = list(out[twice])
        again[6] = "lặp lại"
        out.insert(twice + 3, again)
    return out


def _csv(path, rows: list[list]) -> None:
    path.write_text("\n".join(";".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")


def _csv_without_versions(path, rows: list[list]) -> None:
    """As a file made by hand, not from the template: no "Lần sửa" column; commas, so "91,5" is quoted.
    Its rows for the seeded cells change values without naming the version they replace: refused."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(r[:8] for r in [HEADER, *rows])


def _xlsx(path, rows: list[list]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    ws.append(HEADER)
    for r in rows:  # numbers as numbers, as Excel keeps them
        cells = [c for c in r]
        if cells[4:5] and cells[4].strip().isdigit():
            cells[4] = int(cells[4])
        if cells[8:9] and cells[8] == "1":
            cells[8] = 1
        ws.append([c if c != "" else None for c in cells])
    wb.save(path)


def _row_by_row(monkeypatch) -> None:
    monkeypatch.setattr(I._Checker, "block", lambda self, *args: None)


@pytest.fixture
def files(tmp_path, seeded, cong_ly):
    from ntm.apps.accounts.testing import seed_cell

    seed_cell(cong_ly, unmet=("1.1",))
    units = [seeded.uid, cong_ly.uid]
    out = {}
    for faults in (False, True):
        rows = _rows(units, faults=faults)
        for suffix, write in (("csv", _csv), ("xlsx", _xlsx), ("txt", _csv_without_versions)):
            path = tmp_path / f"{'loi' if faults else 'sach'}.{suffix}"
            write(path, rows)
            out[(faults, suffix)] = path
    lines = list(enumerate(out[(True, "csv")].read_text().splitlines(), 1))
    out["far"] = next(n for n, line in lines if ";tốt;" in line)
    out["again"] = [n for n, line in lines if ";lặp lại;" in line]
    I.check.CHUNK, chunk = 300, I.check.CHUNK  # several blocks in a small file
    yield out
    I.check.CHUNK = chunk


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx", "txt"])
@pytest.mark.parametrize("faults", [False, True], ids=["clean", "faults"])
def test_the_plan_is_the_same_checked_by_columns_or_row_by_row(files, monkeypatch, suffix, faults):
    path = files[(faults, suffix)]
    by_columns = I.plan_import(path).as_dict()
    _row_by_row(monkeypatch)
    by_rows = I.plan_import(path).as_dict()
    assert by_columns == by_rows
    if faults and suffix == "txt":  # no version column: no version fault
        assert by_rows["issue_count"] == 10
    elif suffix == "txt":  # values of the seeded cells changed without their version: refused, row by row
        assert by_rows["issue_count"] > 0 and {i["column"] for i in by_rows["issues"]} == {"Lần sửa"}
        assert all("đã có số liệu (lần sửa 1" in i["message"] for i in by_rows["issues"])
        assert by_rows["rows"] > 3 * I.check.CHUNK and by_rows["new"] > 0
    elif faults:
        where = {(i["row"], i["column"]) for i in by_rows["issues"]}
        assert where == {
            (5, "Mã đơn vị"),
            (12, "Bộ tiêu chí"),
            (22, "Kỳ"),
            (32, "Chỉ tiêu"),
            (42, "Giá trị"),
            (52, "Lần sửa"),
            (62, "Chỉ tiêu"),
            (72, "Chỉ tiêu"),
            (files["far"], "Đánh giá"),
            *((n, "Chỉ tiêu") for n in files["again"]),
        }
        assert files["far"] > 3 * I.check.CHUNK and len(files["again"]) == 2
        assert by_rows["issue_count"] == 11
    else:
        assert by_rows["issue_count"] == 0 and by_rows["rows"] > 3 * I.check.CHUNK
        assert by_rows["unchanged"] > 0 and by_rows["changed"] > 0 and by_rows["new"] > 0 and by_rows["skipped"] > 0


def _written() -> list[tuple]:
    return sorted(
        Observation.objects.current().values_list(
            "unit__uid",
            "set_code",
            "period",
            "indicator",
            "value_text",
            "value_num",
            "assessment",
            "not_applicable",
            "note",
            "evidence",
            "version",
            "source",
        )
    )


class _Undo(Exception):
    pass


def _commit(path) -> tuple[list[tuple], dict]:
    try:
        with transaction.atomic():
            res = I.commit_import(path, reevaluate=False)
            written = _written()
            raise _Undo
    except _Undo:
        pass
    return written, {"written": res.written, "unchanged": res.unchanged, "cells": res.cells}


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_same_observations_are_written_checked_by_columns_or_row_by_row(files, monkeypatch, suffix):
    path = files[(False, suffix)]
    before = _written()
    by_columns = _commit(path)
    assert _written() == before
    _row_by_row(monkeypatch)
    by_rows = _commit(path)
    assert by_columns == by_rows
    assert by_rows[1]["written"] > 0 and by_rows[0] != before


@pytest.mark.django_db
@pytest.mark.parametrize("key", [(True, "csv"), (False, "txt")], ids=["faults", "no-versions"])
def test_a_faulty_file_writes_nothing_by_either_path(files, monkeypatch, key):
    before = _written()
    with pytest.raises(I.ImportFailed) as by_columns:
        I.commit_import(files[key], reevaluate=False)
    _row_by_row(monkeypatch)
    with pytest.raises(I.ImportFailed) as by_rows:
        I.commit_import(files[key], reevaluate=False)
    assert [str(i) for i in by_columns.value.issues] == [str(i) for i in by_rows.value.issues]
    assert _written() == before


def test_two_scans_at_once_leave_the_collector_as_it_was():
    import gc

    before = gc.get_threshold()
    outer = I._fewer_collections()
    inner = I._fewer_collections()
    outer.__enter__()
    inner.__enter__()
    assert gc.get_threshold()[0] >= 100_000
    outer.__exit__(None, None, None)  # the first one ends while the second one still runs
    assert gc.get_threshold()[0] >= 100_000
    inner.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_blank_rows_are_those_with_nothing_but_spaces_whatever_the_cells():
    import datetime as dt

    assert I._blank(["", "  ", "\t"]) and I._blank((None, " ", None)) and I._blank(())
    assert not I._blank(["", "x"]) and not I._blank((None, 0)) and not I._blank((None, False))
    assert not I._blank((dt.datetime(2023, 7, 1),)) and not I._blank([None, " 1.1 "])  # a list that is not all texts
    assert I._blank([None, ""])


def test_a_block_of_workbook_rows_is_taken_as_free_of_blank_rows_only_when_it_is():
    from ntm.apps.observations.imports.read import _none_blank

    rows = [["xa:1", "xa-ntm-2021", 1.0], ["xa:2", "", 2.5]]
    assert _none_blank(rows)
    assert _none_blank([["", "xa-ntm-2021", 1.0], [" ", "xa-ntm-2021", ""]])  # the unit column empty
    assert not _none_blank([*rows, ["", " ", ""]])  # a blank row: the block is looked at row by row
    assert not _none_blank([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # numbers only: row by row (none is blank)
