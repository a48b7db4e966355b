"""The recognition dossier never claims what the evaluation does not support."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from ntm.apps.evaluations.models import Result
from ntm.apps.evaluations.services import evaluate_unit
from ntm.apps.observations.services import record_fact
from ntm.apps.reports.formats import render
from ntm.apps.reports.services import ReportError, dossier
from ntm.apps.units.services import resolve_unit
from ntm.core.reports.model import to_text

pytestmark = pytest.mark.django_db


def test_unmet_criteria_are_flagged_not_printed_as_met(small_demo):
    (nl,) = small_demo("xa:13570@2024", periods=("2023-07",))
    r = Result.objects.get(unit=nl, set_code="xa-ntm-2021", period="2023-07")
    doc, data = dossier(nl, "xa-ntm-2021", "2023-07", issued=dt.date(2023, 8, 1))
    text = to_text(doc)
    assert "Xã Nguyên Lý đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới." in text
    assert doc.meta["claimed_unsupported"] == sorted(r.unmet_criteria)
    assert doc.meta["met_criteria"] == [n for n in range(1, 20) if n not in r.unmet_criteria]
    assert doc.meta["ready"] is False
    for n in r.unmet_criteria:
        assert f"đạt tiêu chí số {n} về" not in text  # never "Đánh giá: đạt tiêu chí số 15 …"
        assert f"tiêu chí số {n} CHƯA ĐẠT" in text
        assert any(f["code"] == "claimed-unsupported" and f["subject"] == f"tiêu chí {n}" for f in doc.meta["flags"])
    for n in doc.meta["met_criteria"]:
        assert f"Đánh giá: đạt tiêu chí số {n} về" in text
    # per-indicator tables: value, requirement, assessment, result, evidence
    t = next(t for t in doc.tables if t.key == f"tieu-chi-{r.unmet_criteria[0]}")
    assert t.columns == ["Chỉ tiêu", "Nội dung", "Yêu cầu", "Giá trị", "Tự đánh giá", "Kết quả", "Minh chứng"]
    unmet_rows = [row for row in t.rows if row[0] in r.unmet_indicators]
    assert unmet_rows and all(row[5] != "Đạt" for row in unmet_rows)
    # recognition conditions from the catalogue, with their state
    cond = next(t for t in doc.tables if t.key == "dieu-kien")
    labels = [row[0] for row in cond.rows]
    assert any("nợ đọng xây dựng cơ bản" in x for x in labels) and any("hài lòng" in x for x in labels)
    assert all(row[1] == "Chưa có thông tin" for row in cond.rows)


def test_a_full_reevaluation_leaves_the_dossier_as_it_was(small_demo):
    """The batch path keeps one status letter per indicator: the dossier's per-indicator tables still
    show each indicator's result and rule."""
    from ntm.apps.evaluations import batch

    (nl,) = small_demo("xa:13570@2024", periods=("2023-07",))
    before, _ = dossier(nl, "xa-ntm-2021", "2023-07", issued=dt.date(2023, 8, 1))
    from ntm.apps.evaluations import dataview

    for view in (dataview.APPROVED, dataview.ALL):  # both views of the figures, as a full re-evaluation does
        batch.evaluate_period("2023-07", ["xa-ntm-2021", "xa-nang-cao-2021"], view=view)
    assert Result.objects.get(unit=nl, set_code="xa-ntm-2021", period="2023-07").detail["mode"] == "batch"
    after, _ = dossier(nl, "xa-ntm-2021", "2023-07", issued=dt.date(2023, 8, 1))
    assert to_text(after) == to_text(before)
    results = [row[5] for t in after.tables if t.key.startswith("tieu-chi-") for row in t.rows]
    assert len(results) == 57 and results.count("Đạt") == 54


def test_a_commune_that_meets_everything_is_ready(small_demo):
    (hl,) = small_demo(resolve_unit("Hà Nam/Lý Nhân/Hợp Lý").uid, periods=("2023-07",))
    r = Result.objects.get(unit=hl, set_code="xa-ntm-2021", period="2023-07")
    assert r.criteria_met == 19
    for fact in ("satisfaction_ok", "no_construction_debt", "no_security_complexity"):
        record_fact(hl, fact, "2023-07", 1.0)
    evaluate_unit(hl, "xa-ntm-2021", "2023-07")
    doc, _ = dossier(hl, "xa-ntm-2021", "2023-07")
    assert doc.meta["ready"] is True and doc.meta["claimed_unsupported"] == []
    assert "đủ căn cứ để đề nghị xét công nhận đạt chuẩn nông thôn mới" in to_text(doc)
    # a condition stated as not met blocks it again
    record_fact(hl, "no_construction_debt", "2023-07", 0.0)
    evaluate_unit(hl, "xa-ntm-2021", "2023-07")
    doc, _ = dossier(hl, "xa-ntm-2021", "2023-07")
    assert doc.meta["ready"] is False
    assert [f["code"] for f in doc.meta["flags"]] == ["condition-unmet"]


def test_claiming_only_some_criteria(small_demo):
    (nl,) = small_demo("xa:13570@2024", periods=("2023-07",))
    r = Result.objects.get(unit=nl, set_code="xa-ntm-2021", period="2023-07")
    doc, _ = dossier(nl, "xa-ntm-2021", "2023-07", claimed={1, 2, 3})
    codes = {f["code"] for f in doc.meta["flags"]}
    expected = sorted(set(r.unmet_criteria) & {1, 2, 3})
    assert doc.meta["claimed_unsupported"] == expected
    assert "criterion-unmet" in codes


def test_dossier_formats_and_errors(small_demo):
    import docx

    (nl,) = small_demo("xa:13570@2024", periods=("2023-07",))
    doc, _ = dossier(nl, "xa-nang-cao-2021", "2023-07")
    d = docx.Document(io.BytesIO(render(doc, "docx")))
    assert any("CHƯA ĐẠT" in p.text for p in d.paragraphs)
    assert len(d.tables) > 19
    assert render(doc, "pdf").startswith(b"%PDF")
    with pytest.raises(ReportError, match="một xã"):
        dossier(resolve_unit("huyen:353@2024"), "xa-ntm-2021", "2023-07")
    with pytest.raises(ReportError, match="Chưa có kết quả"):
        dossier(nl, "xa-ntm-2021", "2020-01")
