"""Every endpoint refuses anonymous callers, and a token of commune A gets nothing of commune B and cannot
write to it (403/404, nothing changed); filters and pagination behave the same on every list."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ntm.apps.claims.models import ReportedFigure
from ntm.apps.evaluations.models import Result, ResultAll
from ntm.apps.observations.models import Observation

from .test_api import client_for, data  # noqa: F401  (the shared fixture)

pytestmark = pytest.mark.django_db
P = "2023-07"
ENDPOINTS = [
    ("get", "/api/v1/units/"),
    ("get", "/api/v1/units/xa:13570@2024/"),
    ("get", "/api/v1/catalog/sets/"),
    ("get", "/api/v1/catalog/sets/xa-ntm-2021/"),
    ("get", "/api/v1/catalog/sets/xa-ntm-2021/indicators/"),
    ("get", "/api/v1/observations/"),
    ("post", "/api/v1/observations/"),
    ("get", "/api/v1/results/"),
    ("get", "/api/v1/rollups/"),
    ("get", "/api/v1/reports/bulletin/"),
    ("get", "/api/v1/reports/dossier/"),
    ("post", "/api/v1/claims/"),
]


@pytest.mark.parametrize("method,url", ENDPOINTS)
def test_anonymous_gets_401(data, method, url):
    assert getattr(APIClient(), method)(url).status_code == 401


def test_token_of_commune_a_reads_nothing_of_commune_b(data):
    c = client_for(data["xa_a"])
    b = data["b"]
    # lists never contain B, whatever the filters
    for url, params in (
        ("/api/v1/observations/", {}),
        ("/api/v1/observations/", {"history": "true"}),
        ("/api/v1/observations/", {"set": "xa-ntm-2021", "period": P, "indicator": "1.1"}),
        ("/api/v1/results/", {}),
        ("/api/v1/results/", {"standard": "false"}),
        ("/api/v1/units/", {"level": "commune"}),
        ("/api/v1/units/", {"q": "cong ly"}),
    ):
        body = c.get(url, params).json()
        assert all(row.get("unit", row.get("uid")) != b.uid for row in body["results"]), (url, params)
    assert c.get("/api/v1/units/", {"q": "cong ly"}).json()["count"] == 0
    # asking for B by name: 403 on filters, 404 on objects
    assert c.get("/api/v1/observations/", {"unit": b.uid}).status_code == 403
    assert c.get("/api/v1/results/", {"unit": b.uid}).status_code == 403
    assert c.get(f"/api/v1/units/{b.uid}/").status_code == 404
    assert c.get(f"/api/v1/results/{Result.objects.get(unit=b).pk}/").status_code == 404
    assert c.get("/api/v1/rollups/", {"unit": b.uid, "set": "xa-ntm-2021", "period": P}).status_code == 403
    assert c.get("/api/v1/reports/bulletin/", {"unit": b.uid, "period": P}).status_code == 403
    assert c.get("/api/v1/reports/dossier/", {"unit": b.uid, "set": "xa-ntm-2021", "period": P}).status_code == 403
    # unknown unit / set / bad period: 404 / 404 / 400
    assert c.get("/api/v1/observations/", {"unit": "xa:99999@2024"}).status_code == 404
    assert c.get("/api/v1/results/", {"set": "khong-co"}).status_code == 404
    assert c.get("/api/v1/results/", {"period": "tháng bảy"}).status_code == 400


def test_token_of_commune_a_cannot_write_to_b(data):
    c = client_for(data["xa_a"])
    before = (
        Observation.objects.count(),
        list(ResultAll.objects.values_list("unit_id", "indicators_met", "computed_at")),
    )
    body = {"unit": data["b"].uid, "set": "xa-ntm-2021", "period": P, "indicator": "1.1", "assessment": True}
    r = c.post("/api/v1/observations/", body, format="json")
    assert r.status_code == 403 and "Công Lý" in r.json()["detail"]
    assert c.post("/api/v1/observations/", [body], format="json").status_code == 403
    assert c.post("/api/v1/observations/", dict(body, unit="xa:99999@2024"), format="json").status_code == 400
    assert c.post("/api/v1/observations/", [], format="json").status_code == 400
    after = (
        Observation.objects.count(),
        list(ResultAll.objects.values_list("unit_id", "indicators_met", "computed_at")),
    )
    assert after == before


def test_observations_contract_and_pages(data):
    h = client_for(data["huyen"])
    page1 = h.get("/api/v1/observations/", {"unit": "huyen:353@2024"}).json()
    page2 = h.get("/api/v1/observations/", {"unit": "huyen:353@2024", "page": 2}).json()
    assert (page1["count"], len(page1["results"]), len(page2["results"]), page2["next"]) == (114, 100, 14, None)
    assert not {o["id"] for o in page1["results"]} & {o["id"] for o in page2["results"]}
    o = page1["results"][0]
    assert set(o) >= {
        "id",
        "unit",
        "set",
        "period",
        "indicator",
        "value_text",
        "assessment",
        "version",
        "is_current",
        "source",
        "created_at",
    }
    assert h.get("/api/v1/observations/", {"page": 99}).status_code == 404


def test_results_filters(data):
    h = client_for(data["huyen"])
    assert h.get("/api/v1/results/", {"unit": data["a"].uid}).json()["count"] == 1
    assert h.get("/api/v1/results/", {"period": P, "set": "xa-ntm-2021"}).json()["count"] == 2
    assert h.get("/api/v1/results/", {"period": "2023-08"}).json()["count"] == 0
    assert h.get("/api/v1/results/", {"standard": "true"}).json()["count"] == 0
    r = h.get("/api/v1/results/", {"unit": data["b"].uid}).json()["results"][0]
    assert (
        r["criteria_met"],
        r["criteria_total"],
        r["indicators_met"],
        r["indicators_total"],
        r["unmet_criteria"],
    ) == (18, 19, 56, 57, [1])


TEXT = (
    "Bản tin tháng 7/2023, huyện Lý Nhân, tỉnh Hà Nam.\n"
    "+ Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới.\n"
    "+ Xã Công Lý: đạt 17/19 tiêu chí nông thôn mới.\n"
)


def test_claims_resolves_units_and_compares_only_visible_results(data):
    out = client_for(data["huyen"]).post("/api/v1/claims/", {"text": TEXT}, format="json").json()
    assert [(c["subject"], c["unit_code"], c["achieved"], c["total"]) for c in out["claims"]] == [
        ("Xã Nguyên Lý", "xa:13570@2024", 17, 19),
        ("Xã Nguyên Lý", "xa:13570@2024", 54, 57),
        ("Xã Công Lý", data["b"].uid, 17, 19),
    ]
    assert out["period"]["key"] == P
    assert sorted((f["subject"], f["reported"], f["expected"]) for f in out["stored_findings"]) == [
        ("Xã Công Lý", "17", "18"),
        ("Xã Nguyên Lý", "17", "16"),
    ]
    # commune A's token: B's stored result is not disclosed
    out = client_for(data["xa_a"]).post("/api/v1/claims/", {"text": TEXT}, format="json").json()
    assert [f["subject"] for f in out["stored_findings"]] == ["Xã Nguyên Lý"]
    assert ReportedFigure.objects.count() == 0  # the API checks; it does not save


def test_claims_bad_input(data):
    c = client_for(data["xa_a"])
    assert c.post("/api/v1/claims/", {}, format="json").status_code == 400
    r = c.post("/api/v1/claims/", {"text": "x" * 500_001}, format="json")
    assert r.status_code == 400 and "text" in r.json()
    r = c.post("/api/v1/claims/", {"text": "\u202e\u0000 <<<" * 100}, format="json")
    assert r.status_code in (200, 400)


def test_a_set_of_another_level_is_refused_for_a_commune(data):
    """The entry form refuses a district set for a commune; the API does the same (400, nothing written)."""
    c = client_for(data["xa_a"])
    before = Observation.objects.count()
    body = {"unit": data["a"].uid, "set": "huyen-ntm-2021", "period": P, "indicator": "1", "assessment": True}
    r = c.post("/api/v1/observations/", body, format="json")
    assert r.status_code == 400 and "huyen-ntm-2021" in r.json()["detail"] and "Nguyên Lý" in r.json()["detail"]
    assert Observation.objects.count() == before
