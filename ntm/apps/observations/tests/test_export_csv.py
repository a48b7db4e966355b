"""The observation CSV export at database speed gives exactly the text of the generic writer.

On PostgreSQL the rows are formatted by the server (quoting, float text, timestamps); elsewhere the
cursor's tuples go through the csv module. Both are compared here with a reference written from the
model objects as the export always wrote them (run the suite with a PostgreSQL DATABASE_URL to
compare the server-formatted path, and its split into parts computed by several connections)."""

from __future__ import annotations

import csv
import io

import pytest

from ntm.apps.observations import exports as X
from ntm.apps.observations.models import Observation
from ntm.apps.observations.testing import save_version


def _reference(qs) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([h for _, h in X.OBSERVATION_COLUMNS])
    for o in qs.select_related("unit"):
        a = (
            "không đánh giá"
            if o.not_applicable
            else ""
            if o.assessment is None
            else ("đạt" if o.assessment else "chưa đạt")
        )
        w.writerow(
            [
                o.unit.uid,
                o.unit.name,
                o.set_code,
                o.period,
                o.indicator,
                o.value_text,
                o.value_num,
                a,
                o.note,
                o.evidence,
                o.version,
                "có" if o.is_current else "không",
                o.source,
                o.batch,
                o.created_by_name,
                o.created_at.astimezone(X.VN_TIME).isoformat(timespec="seconds"),
            ]
        )
    return "\ufeff" + out.getvalue()


@pytest.mark.django_db
def test_fast_csv_equals_the_generic_writer_on_awkward_values(nguyen_ly, cong_ly):
    rows = [
        # (unit, indicator, value_text, value_num, assessment, not applicable, note, evidence, by)
        (nguyen_ly, "3.1", "83,9", 83.9, True, False, "", "", "Lan"),
        (nguyen_ly, "3.2", "80", 80.0, False, False, 'ghi "chú", có dấu phẩy', "QĐ 12/QĐ-UBND", "Nguyễn Văn A, xã"),
        (nguyen_ly, "5.1", "0,3", 0.1 + 0.2, None, False, "dòng 1\ndòng 2", "", ""),
        (nguyen_ly, "6.1", "", 1e-05, None, False, "cuối dòng\r\n", "a;b", "x"),
        (nguyen_ly, "6.2", "", 123456789012345.6, True, False, "", "", ""),
        (nguyen_ly, "15.1", "", None, None, True, "", "", ""),
        (nguyen_ly, "1.1", "có", None, True, False, " khoảng trắng ", "", ""),
        (cong_ly, "1.1", "không", None, False, False, "", "", ""),
    ]
    for unit, ind, text, num, a, na, note, ev, by in rows:
        save_version(
            unit=unit,
            set_code="xa-ntm-2021",
            period="2023-07",
            year=2023,
            indicator=ind,
            value_text=text,
            value_num=num,
            assessment=a,
            not_applicable=na,
            note=note,
            evidence=ev,
            created_by_name=by,
            source="test",
            batch="lô,1" if na else "",
        )
    save_version(
        unit=nguyen_ly,
        set_code="xa-ntm-2021",
        period="2023-07",
        year=2023,
        indicator="3.1",
        value_text="91,5",
        value_num=91.5,
        assessment=True,
        version=2,
        source="import",
    )

    for history in (False, True):
        qs = X.select_observations(None, set_code="xa-ntm-2021", period="2023-07", history=history)
        fast = "".join(X.observations_csv(qs))
        header, generic = X.export("observations", "csv", qs)
        assert fast == "".join(X.csv_stream(header, generic)) == _reference(qs)
        parsed = list(csv.reader(io.StringIO(fast.lstrip("\ufeff"))))
        assert len(parsed) == 1 + qs.count()
        # one time convention with the API: Vietnam's time with its offset, not UTC
        assert {r[15][19:] for r in parsed[1:]} == {"+07:00"}
        by_ind = {(r[0], r[4], r[10]): r for r in parsed[1:]}
        assert by_ind[(nguyen_ly.uid, "3.2", "1")][8] == 'ghi "chú", có dấu phẩy'
        assert by_ind[(nguyen_ly.uid, "5.1", "1")][8] == "dòng 1\ndòng 2"
        assert by_ind[(nguyen_ly.uid, "3.2", "1")][6] == "80.0" and by_ind[(nguyen_ly.uid, "6.1", "1")][6] == "1e-05"
        assert by_ind[(nguyen_ly.uid, "15.1", "1")][7] == "không đánh giá"
    assert ("xa:13570@2024", "3.1", "1") in by_ind and by_ind[("xa:13570@2024", "3.1", "1")][11] == "không"


@pytest.mark.django_db
def test_fast_csv_respects_the_selection_and_an_empty_one(nguyen_ly, cong_ly, users):
    for unit in (nguyen_ly, cong_ly):
        save_version(unit=unit, set_code="xa-ntm-2021", period="2023-07", year=2023, indicator="1.1", assessment=True)
    qs = X.select_observations(users["xa"], period="2023-07")  # demo_xa: Nguyên Lý only
    text = "".join(X.observations_csv(qs))
    assert nguyen_ly.uid in text and cong_ly.uid not in text
    empty = "".join(X.observations_csv(X.select_observations(None, period="1999-01")))
    assert empty == "\ufeff" + ",".join(h for _, h in X.OBSERVATION_COLUMNS) + "\r\n"


@pytest.mark.postgres
def test_an_export_computed_in_parts_is_the_file_of_one_query(committed_db, settings, monkeypatch):
    """On PostgreSQL a large export is split into ranges of units, each computed by its own connection:
    the file is byte for byte the one query's (here the split is forced on a few communes)."""
    from ntm.apps.units.models import Unit

    units = list(Unit.objects.filter(uid__startswith="xa:", valid_to__isnull=True).order_by("id")[:40:4])
    made = [
        save_version(
            unit=u,
            set_code="xa-ntm-2021",
            period="2031-Q1",
            year=2031,
            indicator=ind,
            value_text=t,
            assessment=a,
            note=note,
            created_by_name="Trần, Thị B",
        )
        for k, u in enumerate(units)
        for ind, t, a, note in (
            ("1.1", "có", True, ""),
            ("10.2", "", False, f'lần {k}, "ghi"'),
            ("2.1", "83,5", k % 2 == 0, "a\nb"),
        )
    ]
    try:
        qs = X.select_observations(None, period="2031-Q1")
        settings.NTM_EXPORT_STREAMS = 1
        one = "".join(X.observations_csv(qs))
        settings.NTM_EXPORT_STREAMS = 3
        monkeypatch.setattr(X, "SPLIT_MIN_UNITS", 2)
        assert len(X._pg_csv_queries(qs)) == 3
        parts = "".join(X.observations_csv(qs))
        header, generic = X.export("observations", "csv", qs)
        assert parts == one == "".join(X.csv_stream(header, generic))
        rows = list(csv.reader(io.StringIO(parts.lstrip("\ufeff"))))[1:]
        assert len(rows) == len(made) == 30
        assert [(r[0], r[4]) for r in rows[:3]] == [
            (units[0].uid, "1.1"),
            (units[0].uid, "10.2"),
            (units[0].uid, "2.1"),
        ]
        assert [r[0] for r in rows[::3]] == [u.uid for u in units]  # units in id order, across the parts
        assert rows[1][8] == 'lần 0, "ghi"' and rows[2][8] == "a\nb" and rows[0][14] == "Trần, Thị B"
    finally:
        Observation.objects.filter(pk__in=[o.pk for o in made]).delete()
