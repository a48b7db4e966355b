"""The REST API: each endpoint's contract and its scoping (a token of commune A gets nothing of B)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ntm.apps.accounts.models import Membership, Role
from ntm.apps.accounts.testing import api_token, approve, reopen
from ntm.apps.evaluations.models import Result, ResultAll
from ntm.apps.observations.models import Observation
from ntm.apps.observations.services import Entry, record_many
from ntm.apps.units.services import resolve_unit
from ntm.core.catalog import default_catalog

pytestmark = pytest.mark.django_db
UNMET = {"2.3", "15.1", "17.6"}


@pytest.fixture
def data(django_user_model):
    a = resolve_unit("xa:13570@2024")  # Nguyên Lý
    b = resolve_unit("Hà Nam/Lý Nhân/Công Lý")
    cs = default_catalog().get("xa-ntm-2021")
    for unit, unmet in ((a, UNMET), (b, {"1.1"})):
        record_many([Entry(unit, cs.code, "2023-07", i.code, assessment=i.code not in unmet) for i in cs.indicators])
        approve(unit, cs.code, "2023-07")  # published, for the read paths…
        reopen(unit, cs.code, "2023-07")  # …and open again (as after «Mở lại»), for the writes
    users = {}
    for name, unit, role in (("xa_a", a, Role.ENTRY), ("huyen", resolve_unit("huyen:353@2024"), Role.LEADER)):
        u = django_user_model.objects.create_user(name)
        Membership.objects.create(user=u, unit=unit, role=role)
        users[name] = u
    return {"a": a, "b": b, **users}


def client_for(user) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return c


def test_anonymous_is_refused_and_schema_is_served(data):
    c = APIClient()
    assert c.get("/api/v1/units/").status_code == 401
    r = c.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    schema = r.json() if r["Content-Type"].startswith("application/vnd.oai.openapi+json") else None
    if schema is None:
        import yaml

        schema = yaml.safe_load(r.content)
    assert schema["openapi"].startswith("3.")
    for p in (
        "/api/v1/units/",
        "/api/v1/observations/",
        "/api/v1/results/",
        "/api/v1/rollups/",
        "/api/v1/reports/bulletin/",
        "/api/v1/claims/",
        "/api/v1/catalog/sets/",
    ):
        assert p in schema["paths"]


def test_token_from_password(data):
    data["xa_a"].set_password("pw-123456")
    data["xa_a"].save()
    r = APIClient().post("/api/v1/token/", {"username": "xa_a", "password": "pw-123456"})
    assert r.status_code == 200 and len(r.json()["token"]) == 64 and r.json()["expiry"]


def test_units_scoped_with_lineage(data):
    c = client_for(data["xa_a"])
    r = c.get("/api/v1/units/")
    assert [u["uid"] for u in r.json()["results"]] == ["xa:13570@2024"]
    assert c.get(f"/api/v1/units/{data['b'].uid}/").status_code == 404
    d = c.get("/api/v1/units/xa:13570@2024/").json()
    assert d["name"] == "Xã Nguyên Lý" and [a["level"] for a in d["ancestors"]] == ["country", "province", "district"]
    assert d["successors"] and d["successors"][0]["kind"] in ("merge", "split")
    h = client_for(data["huyen"]).get("/api/v1/units/", {"level": "commune", "q": "cong ly"}).json()
    assert [u["name"] for u in h["results"]] == ["Xã Công Lý"]


def test_catalogue(data):
    c = client_for(data["xa_a"])
    sets = c.get("/api/v1/catalog/sets/").json()
    assert any(s["code"] == "xa-ntm-2021" and s["indicators"] == 57 for s in sets)
    assert c.get("/api/v1/catalog/sets/xa-ntm-2021/").json()["totals"] == {"criteria": 19, "indicators": 57}
    inds = c.get("/api/v1/catalog/sets/xa-ntm-2021/indicators/").json()
    assert len(inds) == 57 and inds[0]["code"] == "1.1"
    assert c.get("/api/v1/catalog/sets/nope/").status_code == 404


def test_observations_read_filters_and_pagination(data):
    c = client_for(data["xa_a"])
    r = c.get("/api/v1/observations/", {"set": "xa-ntm-2021", "period": "2023-07"}).json()
    assert r["count"] == 57 and len(r["results"]) == 57 and {o["unit"] for o in r["results"]} == {"xa:13570@2024"}
    assert c.get("/api/v1/observations/", {"unit": data["b"].uid}).status_code == 403
    h = client_for(data["huyen"]).get("/api/v1/observations/", {"unit": "huyen:353@2024"}).json()
    assert h["count"] == 114 and h["next"] is not None  # 100 per page
    one = client_for(data["huyen"]).get("/api/v1/observations/", {"indicator": "17.6", "unit": data["a"].uid}).json()
    assert one["count"] == 1 and one["results"][0]["assessment"] is False


def test_observations_write_within_scope(data):
    c = client_for(data["xa_a"])
    cur = Observation.objects.current().get(unit=data["a"], indicator="15.1", set_code="xa-ntm-2021")
    body = {
        "unit": data["a"].uid,
        "set": "xa-ntm-2021",
        "period": "2023-07",
        "indicator": "15.1",
        "value": "92,5",
        "assessment": True,
        "expected_version": cur.version,
    }
    r = c.post("/api/v1/observations/", body, format="json")
    assert r.status_code == 201 and r.json()[0]["version"] == cur.version + 1 and r.json()[0]["source"] == "api"
    res = ResultAll.objects.get(unit=data["a"], set_code="xa-ntm-2021", period="2023-07")
    assert res.indicators_met == 55  # re-evaluated (the figures including unapproved data; published once approved)
    # a stale version is a conflict; nothing written
    n = Observation.objects.count()
    r = c.post("/api/v1/observations/", body, format="json")
    assert r.status_code == 409 and Observation.objects.count() == n
    # outside the caller's units: 403 and nothing written, even in a batch with an allowed value
    other = dict(body, unit=data["b"].uid, expected_version=None)
    r = c.post(
        "/api/v1/observations/",
        [dict(body, expected_version=None, indicator="2.3", assessment=True), other],
        format="json",
    )
    assert r.status_code == 403 and Observation.objects.count() == n
    # a leader (read only) may not write either
    assert client_for(data["huyen"]).post("/api/v1/observations/", other, format="json").status_code == 403
    # invalid values: 400, nothing written
    r = c.post("/api/v1/observations/", dict(body, expected_version=None, value="nhiều"), format="json")
    assert r.status_code == 400 and "15.1" in r.json()["detail"] and Observation.objects.count() == n


def test_results_and_rollups(data):
    c = client_for(data["xa_a"])
    rs = c.get("/api/v1/results/").json()["results"]
    assert [(r["unit"], r["criteria_met"], r["indicators_met"]) for r in rs] == [("xa:13570@2024", 16, 54)]
    detail = c.get(f"/api/v1/results/{rs[0]['id']}/").json()
    assert len(detail["detail"]["indicator_results"]) == 57
    other = Result.objects.get(unit=data["b"])
    assert c.get(f"/api/v1/results/{other.pk}/").status_code == 404
    h = client_for(data["huyen"])
    assert h.get("/api/v1/results/", {"standard": "false"}).json()["count"] == 2
    assert h.get("/api/v1/results/", {"set": "xa-nang-cao-2021"}).json()["count"] == 0
    roll = h.get("/api/v1/rollups/", {"unit": "huyen:353@2024", "set": "xa-ntm-2021", "period": "2023-07"}).json()
    assert roll["units_total"] == 20 and roll["units_with_results"] == 2 and roll["average_criteria"] == 17.0
    assert roll["sentence"].startswith("2 xã đạt bình quân 17/19 tiêu chí")
    assert (
        c.get("/api/v1/rollups/", {"unit": "huyen:353@2024", "set": "xa-ntm-2021", "period": "2023-07"}).status_code
        == 403
    )
    assert c.get("/api/v1/rollups/", {"unit": "xa:13570@2024"}).status_code == 400


def test_reports_and_claims(data):
    c = client_for(data["huyen"])
    r = c.get("/api/v1/reports/bulletin/", {"unit": "huyen:353@2024", "period": "2023-07"})
    body = r.json()
    assert "+ Xã Nguyên Lý: đạt 16/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới." in body["text"]
    assert body["figures"]["rows"]["xa:13570@2024"]["xa-ntm-2021"] == [16, 54, False]
    r = c.get("/api/v1/reports/bulletin/", {"unit": "huyen:353@2024", "period": "2023-07", "output": "docx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert (
        client_for(data["xa_a"])
        .get("/api/v1/reports/bulletin/", {"unit": "huyen:353@2024", "period": "2023-07"})
        .status_code
        == 403
    )
    d = c.get("/api/v1/reports/dossier/", {"unit": data["a"].uid, "set": "xa-ntm-2021", "period": "2023-07"}).json()
    assert d["figures"]["claimed_unsupported"] == [2, 15, 17]
    text = "Tháng 7/2023, huyện Lý Nhân: Xã Nguyên Lý đạt 17/19 tiêu chí (90%) nông thôn mới."
    out = c.post("/api/v1/claims/", {"text": text}, format="json").json()
    assert any(f["code"] == "percent-mismatch" for f in out["findings"])
    assert out["claims"][0]["subject"] == "Xã Nguyên Lý"


def test_a_json_body_nested_too_deep_is_refused_with_400(data):
    c = client_for(data["xa_a"])
    nested = "[" * 100_000 + "]" * 100_000
    for url in ("/api/v1/observations/", "/api/v1/recognitions/", "/api/v1/claims/"):
        r = c.generic("POST", url, nested, content_type="application/json")
        assert r.status_code == 400 and "lồng nhau quá sâu" in r.json()["detail"], url


def test_an_unknown_api_address_answers_json_404(data):
    c = client_for(data["xa_a"])
    for url in ("/api/v1/khong-co/", "/api/v1/recognitions/0.5/", "/api/v2/units/"):
        r = c.get(url)
        assert r.status_code == 404 and r["Content-Type"] == "application/json" and r.json()["detail"], url
    assert c.get("/api/v1/units").status_code == 301  # the final slash is still added first
