"""The two published samples give exactly the expected claims, and nothing to report."""

from __future__ import annotations

import json

import pytest

from ntm.core.claims import extract, report_to_json

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
        assert {"subject", "unit_code", "set", "kind", "achieved", "total", "percent", "unmet", "aggregate_of",
                "text", "span"} <= set(c)
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
        assert r.text[x.span[0]:x.span[1]] == x.text


def test_dam_ha_model_commune_indicators_give_no_finding(cat):
    # xa-kieu-mau-2021's indicator total in the catalogue (4) is not the one bulletins use (10)
    text = ("Ngày 19/8/2022. Thực hiện bộ tiêu chí xã nông thôn mới kiểu mẫu giai đoạn 2021 – 2025 "
            "có 4 xã đạt 2/4 tiêu chí, 5/10 chỉ tiêu.")
    r = extract(text, catalog=cat)
    assert [(c.set, c.kind, c.total) for c in r.claims] == [("xa-kieu-mau-2021", "criteria", 4),
                                                            ("xa-kieu-mau-2021", "indicators", 10)]
    assert r.findings == []
