"""Published figures against stored results (``ntm claims check --db`` and the page): every unit the text
names, counts of communes at the standard and averages over them, for the text's own period."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest

from ntm.apps.claims.services import StoredLookup, check
from ntm.core.claims.cli import run
from ntm.core.claims.resolver import units_resolver

pytestmark = pytest.mark.django_db

# Stored for 2023-07 (conftest): Nguyên Lý 16/19 tiêu chí, 54/57 chỉ tiêu; Công Lý 18/19, 56/57; no other
# commune of Lý Nhân (20 communes) has a result, none is at the standard.
CONSISTENT = """BẢN TIN NÔNG THÔN MỚI
Huyện Lý Nhân, tỉnh Hà Nam — tháng 7/2023

+ Xã Nguyên Lý: đạt 16/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới.
+ Xã Công Lý: đạt 18/19 tiêu chí với 56/57 chỉ tiêu nông thôn mới.

Theo bộ tiêu chí nông thôn mới, 02 xã đạt bình quân 17/19 tiêu chí, 55/57 chỉ tiêu; chưa có xã nào đạt chuẩn.
"""
WRONG = """BẢN TIN NÔNG THÔN MỚI
Huyện Lý Nhân, tỉnh Hà Nam — tháng 7/2023

+ Xã Nguyên Lý: đạt 16/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới.
+ Xã Công Lý: đạt 18/19 tiêu chí với 55/57 chỉ tiêu nông thôn mới.

Theo bộ tiêu chí nông thôn mới, 02 xã đạt bình quân 17,5/19 tiêu chí, 55/57 chỉ tiêu; huyện Lý Nhân có 3/20 xã đạt chuẩn nông thôn mới.
"""


def _db(tmp_path, text: str) -> tuple[int, dict]:
    f = tmp_path / "ban-tin.txt"
    f.write_text(text, encoding="utf-8")
    out = io.StringIO()
    code = run([str(f)], "json", out, resolver=units_resolver(None), lookup=StoredLookup())
    return code, json.loads(out.getvalue())


def test_every_unit_count_and_average_of_a_consistent_bulletin_matches(data, tmp_path):
    code, d = _db(tmp_path, CONSISTENT)
    assert code == 0 and d["findings"] == []
    assert {c["unit_code"] for c in d["claims"] if c["kind"] != "units" and not c["average"]} == {
        data["a"].uid,
        data["b"].uid,
    }  # both communes resolved as they stood in July 2023
    averages = [c for c in d["claims"] if c["average"]]
    assert averages and all(
        c["container"] == "Huyện Lý Nhân" and c["container_code"] == "huyen:353@2024" for c in averages
    )


def test_each_differing_figure_is_flagged_with_the_stored_value(data, tmp_path):
    code, d = _db(tmp_path, WRONG)
    stored = [f for f in d["findings"] if f["code"] == "stored-mismatch"]
    assert code == 0  # differences with the stored results are doubts, not errors
    got = sorted((f["subject"], f["reported"], f["expected"]) for f in stored)
    assert got == [("02 xã", "17,5", "17"), ("Huyện Lý Nhân", "3", "0"), ("Xã Công Lý", "55", "56")]
    assert all(f["title"] == "Khác kết quả đánh giá lưu trong hệ thống" and f["suggestion"] for f in stored)


def test_the_stored_period_compared_is_the_texts_own_or_the_last_inside_it(data):
    look = StoredLookup()
    p = SimpleNamespace
    assert look.period_key("xa-ntm-2021", p(key="2023-07", as_of="2023-07-31")) == "2023-07"
    assert look.period_key("xa-ntm-2021", p(key="2023", as_of="2023-09-30")) == "2023-07"  # "9 tháng đầu năm"
    assert look.period_key("xa-ntm-2021", p(key="2023", as_of="2023-06-30")) is None  # nothing stored by then
    assert look.period_key("xa-ntm-2021", p(key="2022", as_of=None)) is None
    assert look(data["a"].uid, "xa-ntm-2021", p(key="2023", as_of="2023-12-31")) == (16, 54)
    total, with_results, at_standard, avg_c, _ = look.rollup(
        "huyen:353@2024", "xa-ntm-2021", p(key="2023-07", as_of=None)
    )
    assert (total, with_results, at_standard, avg_c) == (20, 2, 0, 17)


def test_the_page_compares_counts_only_for_units_the_user_may_see(data):
    checked = check(WRONG, user=data["huyen"])
    assert {(f.subject, f.reported) for f in checked.stored_findings} >= {("Huyện Lý Nhân", "3"), ("Xã Công Lý", "55")}
    checked = check(WRONG, user=data["xa_b"])  # Công Lý's official: its own commune only
    assert {(f.subject, f.reported) for f in checked.stored_findings} == {("Xã Công Lý", "55")}
