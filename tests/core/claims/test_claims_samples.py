"""The seed reports: the two consistent ones give exactly the expected claims and nothing to report; the
three others (Bình Liêu, Khánh Bình, Nam Trực) give every expected figure, their one real inconsistency
each, and no other error."""

from __future__ import annotations

import json

import pytest

from ntm.core.claims import extract, report_to_json
from ntm.core.claims.scoring import score_case

SAMPLES = ["ly-nhan-ban-tin-2023-07", "dam-ha-hop-bcd-2022-08"]
KEYS = ("subject", "set", "kind", "achieved", "total", "percent", "aggregate_of")


def _claims(report):
    return [{k: c.to_dict()[k] for k in KEYS} for c in report.claims]


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("catalog", ["stub", "none"])
def test_sample_gives_the_expected_claims_and_no_finding(name, catalog, cat, load_sample):
    text, expected = load_sample(name)
    report = extract(text, source=f"{name}.txt", catalog=cat if catalog == "stub" else False)
    assert _claims(report) == expected["claims"]
    assert [f.to_dict() for f in report.findings] == expected["findings"] == []


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_json_has_the_documented_shape(name, cat, load_sample):
    text, expected = load_sample(name)
    data = json.loads(report_to_json(extract(text, source=f"{name}.txt", catalog=cat)))
    assert data["source"] == expected["source"]
    assert data["findings"] == []
    for c in data["claims"]:
        assert {
            "subject",
            "unit_code",
            "set",
            "kind",
            "achieved",
            "total",
            "percent",
            "unmet",
            "aggregate_of",
            "text",
            "span",
        } <= set(c)
        start, end = c["span"]
        assert text[start:end] == c["text"]  # the samples are already NFC, without invisible characters
        assert c["unit_code"] is None and "chưa xác định đơn vị" in c["notes"] or c["aggregate_of"]


def test_ly_nhan_set_wording_follows_the_figures(cat, load_sample):
    text, _ = load_sample("ly-nhan-ban-tin-2023-07")
    r = extract(text, catalog=cat)
    first = r.claims[:4]
    assert [(c.kind, c.set, c.set_source) for c in first] == [
        ("criteria", "xa-ntm-2021", "run"),
        ("indicators", "xa-ntm-2021", "stated"),
        ("criteria", "xa-nang-cao-2021", "run"),
        ("indicators", "xa-nang-cao-2021", "stated"),
    ]
    assert r.period.key == "2023-07" and r.period.label == "tháng 7/2023"


def test_dam_ha_period_district_and_recognitions(cat, load_sample):
    text, _ = load_sample("dam-ha-hop-bcd-2022-08")
    r = extract(text, catalog=cat)
    assert (r.period.label, r.period.key, r.period.date) == ("8 tháng đầu năm 2022", "2022", "2022-08-19")
    assert r.context_names == ["Huyện Đầm Hà"]
    huyen = [c for c in r.claims if c.subject == "Huyện Đầm Hà"]
    assert [c.subject_text for c in huyen] == ["huyện", "huyện"]  # resolved from the bare word
    got = [(x.status, x.subject, x.set) for x in r.recognitions]
    assert ("recognized", "Xã Đầm Hà", "xa-kieu-mau-2021") in got  # "kiếu mẫu" (sic) in the text
    assert ("recognized", "Xã Tân Lập", "xa-nang-cao-2021") in got
    assert ("proposed", "Xã Quảng Tân", "xa-kieu-mau-2021") in got
    assert ("proposed", "Huyện Đầm Hà", "huyen-nang-cao-2021") in got
    for x in r.recognitions:
        assert r.text[x.span[0] : x.span[1]] == x.text


def test_dam_ha_model_commune_indicators_give_no_finding(cat):
    # xa-kieu-mau-2021's indicator total in the catalogue (4) is not the one bulletins use (10)
    text = (
        "Ngày 19/8/2022. Thực hiện bộ tiêu chí xã nông thôn mới kiểu mẫu giai đoạn 2021 – 2025 "
        "có 4 xã đạt 2/4 tiêu chí, 5/10 chỉ tiêu."
    )
    r = extract(text, catalog=cat)
    assert [(c.set, c.kind, c.total) for c in r.claims] == [
        ("xa-kieu-mau-2021", "criteria", 4),
        ("xa-kieu-mau-2021", "indicators", 10),
    ]
    assert r.findings == []


SEEDS = ["binh-lieu-tien-do-2023-11", "khanh-binh-tong-ket-2023", "nam-truc-hoi-nghi-2023-11"]


@pytest.mark.parametrize("name", SEEDS)
def test_seed_report_gives_its_figures_and_only_its_real_inconsistency(name, cat, load_sample):
    text, expected = load_sample(name)
    report = extract(text, source=f"{name}.txt", catalog=cat)
    case = {
        "id": name,
        "claims": expected["claims"],
        "findings": [
            {
                "code": ["unmet-count-mismatch", "unmet-list-count"],
                "reported": str(f["reported"]),
                "expected": str(f["expected"]),
            }
            for f in expected["findings"]
        ],
    }
    s = score_case(case, report)
    assert s.missed == [] and s.wrong_set == [] and s.missing_set == [] and s.wrong_subject == []
    assert s.planted_missed == [] and s.false_alarms == [], [f.message for f in report.findings]
    for f in report.findings:  # each in Vietnamese, with its sentence and a correction
        assert f.title and f.sentence and f.suggestion and "[" not in f.message


def test_khanh_binh_reads_the_title_the_headings_and_the_code_lists(cat, load_sample):
    text, expected = load_sample("khanh-binh-tong-ket-2023")
    r = extract(text, catalog=cat)
    assert (r.period.key, r.subject) == ("2023", "Xã Khánh Bình")
    unmet = {c.set: {} for c in r.claims}
    for c in r.claims:
        unmet[c.set][c.kind] = (c.unmet_count, [i.code for i in c.unmet or []])
    for code, want in expected["unmet"].items():
        assert unmet[code]["criteria"] == (want["criteria_count"], want["criteria"])
        assert unmet[code]["indicators"] == (want["indicators_count"], want["indicators"])
    [f] = r.errors
    assert (f.subject, f.set, f.reported, f.expected) == ("Xã Khánh Bình", "xa-ntm-2021", "50", "51")
    assert "1.1; 1.2; 15.1; 17.2; 17.7; 17.11" in f.message and f.suggestion.startswith("Sửa 50/57 thành 51/57")


def test_binh_lieu_district_figures_and_the_outstanding_indicators(cat, load_sample):
    text, _ = load_sample("binh-lieu-tien-do-2023-11")
    r = extract(text, catalog=cat)
    assert r.period.label == "9 tháng đầu năm 2023" and r.period.date == "2023-11-15"
    [f] = r.errors
    assert (f.subject, f.set, f.reported, f.expected, f.text) == (
        "Huyện Bình Liêu",
        "huyen-nang-cao-2021",
        "13",
        "11",
        "13",
    )
    assert "27/38" in f.message


def test_nam_truc_has_plans_not_figures_and_its_lists_match_their_counts(cat, load_sample):
    text, _ = load_sample("nam-truc-hoi-nghi-2023-11")
    r = extract(text, catalog=cat)
    assert r.claims == [] and r.findings == []
    assert [(x.count, len(x.names), x.complete) for x in r.unit_lists] == [(8, 8, True), (8, 8, True)]
