"""How figures get their subject, set, period and the rest — read as a bulletin reader would."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ntm.core.claims import RecordResolver, extract
from ntm.core.claims.resolver import UnitDataResolver, split_type


def one(text, cat, **kw):
    r = extract(text, catalog=cat, **kw)
    return r, [(c.subject, c.set, c.kind, c.achieved, c.total) for c in r.claims]


@pytest.mark.parametrize(
    "text,period",
    [
        ("Bản tin nông thôn mới tháng 7/2023", ("2023-07", "tháng 7/2023", 2023, None)),
        ("Sáng ngày 19/8/2022, BCĐ họp đánh giá 8 tháng đầu năm", ("2022", "8 tháng đầu năm 2022", 2022, "2022-08-19")),
        ("Báo cáo 6 tháng đầu năm 2024", ("2024", "6 tháng đầu năm 2024", 2024, None)),
        ("Kết quả quý II/2023", ("2023-Q2", "quý 2/2023", 2023, None)),
        ("Hà Nam, ngày 31 tháng 7 năm 2023", ("2023-07", "ngày 31/7/2023", 2023, "2023-07-31")),  # a date of issue
        ("Hà Nam, ngày 31/7/2023", ("2023-07", "ngày 31/7/2023", 2023, "2023-07-31")),
        ("Kết quả năm 2021 và năm 2022", ("2022", "năm 2022", 2022, None)),
    ],
)
def test_period(text, period):
    p = extract(text, catalog=False).period
    assert (p.key, p.label, p.year, p.date) == period


def test_set_by_phase_of_the_report(cat):
    _, got = one("Năm 2019, xã Yên Lạc đạt 15/19 tiêu chí nông thôn mới.", cat)
    assert got == [("Xã Yên Lạc", "xa-ntm-2016", "criteria", 15, 19)]
    _, got = one(
        "Ngày 10/3/2026, thực hiện Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026-2030, "
        "xã Hòa An đạt 8/10 tiêu chí, 40/47 chỉ tiêu.",
        cat,
    )
    assert got == [("Xã Hòa An", "xa-ntm-2026", "criteria", 8, 10), ("Xã Hòa An", "xa-ntm-2026", "indicators", 40, 47)]
    r, got = one("Ngày 10/3/2026, xã Hòa An đạt 8/10 tiêu chí nông thôn mới nâng cao.", cat)
    assert got == [("Xã Hòa An", None, "criteria", 8, 10)]  # no national advanced set for 2026–2030
    assert r.findings == []


def test_explicit_phase_wins_over_the_date(cat):
    _, got = one("Ngày 10/3/2026: theo Bộ tiêu chí xã nông thôn mới giai đoạn 2021-2025, xã A đạt 19/19 tiêu chí.", cat)
    assert got == [("Xã A", "xa-ntm-2021", "criteria", 19, 19)]


def test_sibling_figure_gives_its_set(cat):
    r, got = one("Tháng 7/2023. Xã Hải Lộc: số tiêu chí đạt: 17/19; số chỉ tiêu đạt: 54/57 (NTM).", cat)
    assert got == [
        ("Xã Hải Lộc", "xa-ntm-2021", "criteria", 17, 19),
        ("Xã Hải Lộc", "xa-ntm-2021", "indicators", 54, 57),
    ]
    assert [c.set_source for c in r.claims] == ["sibling", "stated"]


def test_set_inferred_from_totals_when_no_wording(cat):
    r, got = one("Tháng 7/2023. Xã An Bình đạt 16/19 tiêu chí, 70/75 chỉ tiêu.", cat)
    assert got == [
        ("Xã An Bình", "xa-nang-cao-2021", "criteria", 16, 19),
        ("Xã An Bình", "xa-nang-cao-2021", "indicators", 70, 75),
    ]
    assert r.claims[0].set_source == "inferred" and "bộ tiêu chí suy ra từ tổng số" in r.claims[0].notes


def test_units_claim_with_percent_after_the_set_wording(cat):
    r, _ = one(
        "Tháng 7/2023. Huyện Lý Nhân có 10/12 xã đạt chuẩn nông thôn mới (chiếm 83,33%), "
        "toàn huyện có 3/12 xã đạt chuẩn NTM nâng cao.",
        cat,
    )
    a, b = r.claims
    assert (a.subject, a.kind, a.unit_type, a.achieved, a.total, a.percent, a.set) == (
        "Huyện Lý Nhân",
        "units",
        "xã",
        10,
        12,
        83.33,
        "xa-ntm-2021",
    )
    assert (b.subject, b.set, b.achieved) == ("Huyện Lý Nhân", "xa-nang-cao-2021", 3)
    assert r.context_names == ["Huyện Lý Nhân"]


def test_national_figure(cat):
    r, got = one("Tính đến tháng 6/2023, cả nước có 6.084/7.669 xã (79,3%) đạt chuẩn nông thôn mới.", cat)
    assert got == [("cả nước", "xa-ntm-2021", "units", 6084, 7669)]
    assert r.claims[0].percent == 79.3 and r.findings == []


def test_average_per_commune(cat):
    r, _ = one("Tháng 6/2025. Bình quân cả nước đạt 17,5 tiêu chí/xã.", cat)
    [c] = r.claims
    assert (c.subject, c.achieved, c.total, c.average, c.level) == ("cả nước", 17.5, None, True, "national")


def test_aggregate_subject_and_named_list(cat):
    r, got = one(
        "Tháng 7/2023. Đôn đốc 03 xã Nguyên Lý, Công Lý tiếp tục thực hiện. Có 12 xã đạt 18,5/19 tiêu chí NTM.", cat
    )
    assert got == [("12 xã", "xa-ntm-2021", "criteria", 18.5, 19)]
    assert r.claims[0].aggregate_of == 12


def test_bare_commune_word_after_its_name(cat):
    _, got = one("Tháng 7/2023. Xã Nguyên Lý: năm nay xã đạt 17/19 tiêu chí nông thôn mới.", cat)
    assert got == [("Xã Nguyên Lý", "xa-ntm-2021", "criteria", 17, 19)]


def test_unresolved_bare_district_keeps_the_word(cat):
    r, _ = one("Tháng 7/2023. Đến nay huyện đã đạt 7/9 tiêu chí huyện nông thôn mới nâng cao.", cat)
    [c] = r.claims
    assert c.subject == "huyện" and "không rõ 'huyện' là đơn vị nào" in c.notes
    r, _ = one(
        "Tháng 7/2023. Đến nay huyện đã đạt 7/9 tiêu chí huyện nông thôn mới nâng cao.",
        cat,
        context_names=["Huyện Lý Nhân", "Tỉnh Hà Nam"],
    )
    assert r.claims[0].subject == "Huyện Lý Nhân"


def test_kind_before_the_fraction_and_no_kind_at_all(cat):
    _, got = one("Tháng 7/2023. Xã A: tiêu chí đạt: 17/19 (NTM). Xã B: 17/19.", cat)
    assert got == [("Xã A", "xa-ntm-2021", "criteria", 17, 19)]


def test_unmet_list_parsing(cat):
    r, _ = one(
        "Tháng 7/2023. Xã Đạo Lý đạt 17/19 tiêu chí NTM nâng cao, còn 2 tiêu chí chưa đạt (tiêu chí 13 về tổ chức "
        "sản xuất và 17 về môi trường). Xã Nhân Hòa đạt 71/75 chỉ tiêu nông thôn mới nâng cao, chưa đạt các chỉ "
        "tiêu 1.1; 13.5, 14.2 và 17.12.",
        cat,
    )
    a, b = r.claims
    assert (a.unmet_count, [i.code for i in a.unmet]) == (2, ["13", "17"])
    assert (b.unmet_count, [i.code for i in b.unmet]) == (None, ["1.1", "13.5", "14.2", "17.12"])
    assert r.findings == []
    for c in (a, b):
        for it in c.unmet:
            assert r.text[it.span[0] : it.span[1]] == it.code


def test_unmet_list_without_figure_is_its_own_claim(cat):
    r, _ = one("Tháng 7/2023. Xã Đông Sơn còn 3 tiêu chí chưa đạt: 1, 13 và 17 (NTM nâng cao).", cat)
    [c] = r.claims
    assert (c.subject, c.kind, c.achieved, c.total, c.unmet_count, c.set) == (
        "Xã Đông Sơn",
        "criteria",
        None,
        None,
        3,
        "xa-nang-cao-2021",
    )
    assert r.findings == []


def test_resolver_is_given_the_context(cat):
    seen = []

    class R:
        def resolve(self, name, context_names):
            seen.append((name, tuple(context_names)))
            return "xa:1" if name == "Xã Nguyên Lý" else None

    r, _ = one(
        "Tháng 7/2023. Huyện Lý Nhân, tỉnh Hà Nam. Xã Nguyên Lý đạt 17/19 tiêu chí NTM; có 8 xã đạt 17,5/19 "
        "tiêu chí NTM. Xã Tiến Thắng đạt 13/19 tiêu chí NTM.",
        cat,
        resolver=R(),
    )
    assert [c.unit_code for c in r.claims] == ["xa:1", None, None]
    assert ("Xã Nguyên Lý", ("Huyện Lý Nhân", "Tỉnh Hà Nam")) in seen
    assert all(name != "8 xã" for name, _ in seen)  # aggregates are not units
    assert "chưa xác định đơn vị" in r.claims[2].notes and "chưa xác định đơn vị" not in r.claims[0].notes


def test_a_failing_resolver_does_not_break_the_check(cat):
    class Boom:
        def resolve(self, name, context_names):
            raise RuntimeError("db down")

    r, _ = one("Tháng 7/2023. Xã A đạt 17/19 tiêu chí NTM.", cat, resolver=Boom())
    assert r.claims[0].unit_code is None and any("RuntimeError" in n for n in r.notes)


def test_record_resolver_uses_parents_to_pick_homonyms():
    recs = [
        {"uid": "t1", "name": "Tỉnh Hà Nam", "type": "Tỉnh", "parent": None},
        {"uid": "h1", "name": "Huyện Lý Nhân", "type": "Huyện", "parent": "t1"},
        {"uid": "h2", "name": "Huyện Đầm Hà", "type": "Huyện", "parent": None},
        {"uid": "x1", "name": "Xã Đạo Lý", "type": "Xã", "parent": "h1"},
        {"uid": "x2", "name": "Xã Tân Lập", "type": "Xã", "parent": "h1"},
        {"uid": "x3", "name": "Xã Tân Lập", "type": "Xã", "parent": "h2"},
        {"uid": "x4", "name": "Xã Đầm Hà", "type": "Xã", "parent": "h2"},
    ]
    r = RecordResolver(recs)
    assert r.resolve("Xã Đạo Lý", []) == "x1"
    assert r.resolve("Xã Tân Lập", []) is None
    assert r.resolve("Xã Tân Lập", ["Huyện Đầm Hà"]) == "x3"
    assert r.resolve("Xa Tan Lap", ["huyen ly nhan"]) == "x2"
    assert r.resolve("Huyện Đầm Hà", []) == "h2" and r.resolve("Xã Đầm Hà", []) == "x4"
    assert split_type("TP. Hạ Long") == ("tp", "ha long")


def test_unit_data_resolver_tries_context_paths():
    tried = []

    class Data:
        def resolve(self, ref, date=None):
            tried.append(ref)
            if ref == "Huyện Lý Nhân/Xã Nguyên Lý":
                return SimpleNamespace(uid="xa:13570@2024")
            raise LookupError(ref)

    r = UnitDataResolver(Data())
    assert r.resolve("Xã Nguyên Lý", ["Huyện Lý Nhân", "Tỉnh Hà Nam"]) == "xa:13570@2024"
    assert tried[0] == "Tỉnh Hà Nam/Huyện Lý Nhân/Xã Nguyên Lý"
    assert r.resolve("Xã Không Có", []) is None


def test_district_and_province_after_a_commune_only_locate_it():
    """ "Xã A, huyện B, tỉnh C đạt …": the commune is the subject, not the district."""
    from ntm.core.claims import extract

    r = extract("Xã Nguyên Lý, huyện Lý Nhân, tỉnh Hà Nam: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới.")
    assert {(c.subject, c.set) for c in r.claims} == {("Xã Nguyên Lý", "xa-ntm-2021")}
    assert not [f for f in r.findings if f.severity == "error"]
