"""/api/v1/recognitions/: the contract (fields, current result, filters, newest first), the scoping
(a token of another province gets nothing; a commune token reads and may not write), the same
validation as the form, and the audit trail of every write."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from ntm.apps.accounts.models import Membership, Role
from ntm.apps.accounts.testing import api_token, approve
from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.observations.services import Entry, record_many
from ntm.apps.plans.models import Recognition
from ntm.apps.units.services import resolve_unit
from ntm.core.catalog import default_catalog

pytestmark = pytest.mark.django_db

URL = "/api/v1/recognitions/"
NGUYEN_LY = "xa:13570@2024"
OTHER_XA = "xa:06841@2024"  # Bình Liêu, Quảng Ninh


@pytest.fixture
def data(django_user_model):
    a = resolve_unit(NGUYEN_LY)
    b = resolve_unit("Hà Nam/Lý Nhân/Công Lý")
    cs = default_catalog().get("xa-ntm-2021")
    # Nguyên Lý met the standard in June 2023 and no longer in July (its newest result)
    record_many([Entry(a, cs.code, "2023-06", i.code, assessment=True) for i in cs.indicators])
    record_many([Entry(a, cs.code, "2023-07", i.code, assessment=i.code != "17.6") for i in cs.indicators])
    record_many([Entry(b, cs.code, "2023-Q2", i.code, assessment=True) for i in cs.indicators])
    for unit, period in ((a, "2023-06"), (a, "2023-07"), (b, "2023-Q2")):
        approve(unit, cs.code, period)  # the decisions are compared with the published results
    users = {}
    for name, ref, roles in (
        ("huyen", "huyen:353@2024", [Role.ENTRY, Role.REVIEWER]),
        ("tinh", "tinh:35@2024", [Role.REVIEWER]),
        ("xa_a", NGUYEN_LY, [Role.ENTRY, Role.ADMIN]),
        ("tinh_leader", "tinh:35@2024", [Role.LEADER]),
        ("other", "huyen:198@2024", [Role.ENTRY, Role.REVIEWER, Role.ADMIN]),
    ):
        u = django_user_model.objects.create_user(name)
        for role in roles:
            Membership.objects.create(user=u, unit=resolve_unit(ref), role=role)
        users[name] = u
    recs = {
        "a": Recognition.objects.create(
            unit=a,
            set_code="xa-ntm-2021",
            decision="10/QĐ-UBND",
            decision_date=dt.date(2023, 6, 30),
            issued_by="UBND tỉnh Hà Nam",
        ),
        "b": Recognition.objects.create(
            unit=b, set_code="xa-ntm-2021", decision="11/QĐ-UBND", decision_date=dt.date(2022, 12, 1)
        ),
        "other": Recognition.objects.create(
            unit=resolve_unit(OTHER_XA),
            set_code="xa-ntm-2021",
            decision="99/QĐ-UBND",
            decision_date=dt.date(2023, 9, 1),
        ),
    }
    return {"a": a, "b": b, "recs": recs, **users}


def client_for(user) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return c


def test_list_contract_current_result_and_filters(data):
    c = client_for(data["tinh_leader"])
    r = c.get(URL)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2 and [x["decision"] for x in body["results"]] == [
        "10/QĐ-UBND",
        "11/QĐ-UBND",
    ]  # newest first
    a = body["results"][0]
    assert set(a) == {
        "id",
        "unit",
        "unit_name",
        "set",
        "decision",
        "decision_date",
        "issued_by",
        "note",
        "created_by_name",
        "created_at",
        "still_meets_standard",
        "current_result",
    }
    assert (a["unit"], a["unit_name"], a["set"], a["decision_date"]) == (
        NGUYEN_LY,
        "Xã Nguyên Lý",
        "xa-ntm-2021",
        "2023-06-30",
    )
    # the newest stored result (2023-07, 17.6 unmet), not the one of the decision's month
    assert a["still_meets_standard"] is False
    assert a["current_result"]["period"] == "2023-07" and a["current_result"]["standard_met"] is False
    assert a["current_result"]["indicators_met"] == a["current_result"]["indicators_total"] - 1
    b = body["results"][1]
    assert b["still_meets_standard"] is True and b["current_result"]["period"] == "2023-Q2"
    assert [x["decision"] for x in c.get(URL, {"year": 2022}).json()["results"]] == ["11/QĐ-UBND"]
    assert [x["decision"] for x in c.get(URL, {"unit": NGUYEN_LY}).json()["results"]] == ["10/QĐ-UBND"]
    assert c.get(URL, {"set": "xa-nang-cao-2021"}).json()["count"] == 0
    assert c.get(URL, {"year": "x"}).status_code == 400 and "year" in c.get(URL, {"year": "x"}).json()
    one = c.get(f"{URL}{data['recs']['a'].pk}/")
    assert one.status_code == 200 and one.json()["decision"] == "10/QĐ-UBND"


def test_scoping_another_province_and_anonymous(data):
    other = client_for(data["other"])
    assert [x["decision"] for x in other.get(URL).json()["results"]] == ["99/QĐ-UBND"]
    assert other.get(f"{URL}{data['recs']['a'].pk}/").status_code == 404
    assert other.get(URL, {"unit": NGUYEN_LY}).status_code == 403
    before = list(Recognition.objects.order_by("pk").values())
    assert other.patch(f"{URL}{data['recs']['a'].pk}/", {"note": "x"}, format="json").status_code == 404
    assert other.delete(f"{URL}{data['recs']['a'].pk}/").status_code == 404
    r = other.post(
        URL,
        {"unit": NGUYEN_LY, "set": "xa-nang-cao-2021", "decision": "1", "decision_date": "2023-01-01"},
        format="json",
    )
    assert r.status_code == 403 and "không có quyền" in r.json()["detail"]
    r = other.post(
        URL,
        {"unit": "xa:99999@2024", "set": "xa-ntm-2021", "decision": "1", "decision_date": "2023-01-01"},
        format="json",
    )
    assert r.status_code == 400 and "không có đơn vị 'xa:99999@2024'" in r.json()["unit"][0]
    xa = client_for(data["xa_a"])
    assert [x["decision"] for x in xa.get(URL).json()["results"]] == ["10/QĐ-UBND"]  # its own only
    assert APIClient().get(URL).status_code == 401
    assert list(Recognition.objects.order_by("pk").values()) == before
    assert not AuditEvent.objects.filter(action__startswith="recognition").exists()


def test_a_commune_token_reads_but_cannot_write(data):
    xa = client_for(data["xa_a"])
    before = list(Recognition.objects.order_by("pk").values())
    pk = data["recs"]["a"].pk
    r = xa.post(
        URL,
        {"unit": NGUYEN_LY, "set": "xa-nang-cao-2021", "decision": "1/QĐ", "decision_date": "2023-01-01"},
        format="json",
    )
    assert r.status_code == 403 and "không có quyền" in r.json()["detail"]
    assert xa.patch(f"{URL}{pk}/", {"note": "tự sửa"}, format="json").status_code == 403
    assert xa.delete(f"{URL}{pk}/").status_code == 403
    assert list(Recognition.objects.order_by("pk").values()) == before
    assert not AuditEvent.objects.filter(action__startswith="recognition").exists()


def test_the_district_office_verifies_but_cannot_record_a_decision(data):
    """The province chairman recognises a xã (QĐ 18/2022): the district office, even with the entry and
    reviewer roles, neither records, changes nor deletes a decision; nothing changes."""
    c = client_for(data["huyen"])
    before = list(Recognition.objects.order_by("pk").values())
    pk = data["recs"]["a"].pk
    r = c.post(
        URL,
        {"unit": NGUYEN_LY, "set": "xa-nang-cao-2021", "decision": "1/QĐ", "decision_date": "2023-01-01"},
        format="json",
    )
    assert r.status_code == 403 and "không có quyền" in r.json()["detail"]
    assert c.patch(f"{URL}{pk}/", {"note": "huyện sửa"}, format="json").status_code == 403
    assert c.delete(f"{URL}{pk}/").status_code == 403
    assert c.get(f"{URL}{pk}/").status_code == 200  # it reads them
    assert list(Recognition.objects.order_by("pk").values()) == before
    assert not AuditEvent.objects.filter(action__startswith="recognition").exists()


def test_province_office_creates_updates_deletes_with_audit(data):
    c = client_for(data["tinh"])
    r = c.post(
        URL,
        {
            "unit": NGUYEN_LY,
            "set": "xa-nang-cao-2021",
            "decision": "2001/QĐ-UBND",
            "decision_date": "2023-07-15",
            "issued_by": "UBND tỉnh Hà Nam",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    new = r.json()
    assert (new["unit"], new["set"], new["created_by_name"], new["still_meets_standard"]) == (
        NGUYEN_LY,
        "xa-nang-cao-2021",
        "tinh",
        None,
    )  # no nâng cao result stored
    ev = AuditEvent.objects.get(action=Action.RECOGNITION_CREATED)
    assert ev.username == "tinh" and ev.new["decision"] == "2001/QĐ-UBND" and ev.old is None
    r = c.patch(f"{URL}{new['id']}/", {"decision_date": "2023-07-20", "note": "đính chính"}, format="json")
    assert r.status_code == 200 and r.json()["decision_date"] == "2023-07-20"
    ev = AuditEvent.objects.get(action=Action.RECOGNITION_UPDATED)
    assert (ev.old["decision_date"], ev.new["decision_date"], ev.new["note"]) == (
        "15/07/2023",
        "20/07/2023",
        "đính chính",
    )
    r = c.put(
        f"{URL}{new['id']}/",
        {"unit": "Hà Nam/Lý Nhân/Công Lý", "set": "xa-nang-cao-2021", "decision": "x", "decision_date": "2023-07-20"},
        format="json",
    )
    assert r.status_code == 400 and "unit" in r.json()
    assert c.delete(f"{URL}{new['id']}/").status_code == 204
    assert not Recognition.objects.filter(pk=new["id"]).exists()
    ev = AuditEvent.objects.get(action=Action.RECOGNITION_DELETED)
    assert ev.old["decision"] == "2001/QĐ-UBND" and ev.new is None


def test_validation_as_in_the_form(data):
    c = client_for(data["tinh"])
    good = {"unit": NGUYEN_LY, "set": "xa-nang-cao-2021", "decision": "5/QĐ-UBND", "decision_date": "2023-05-05"}
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    for change, field, words in [
        ({"decision_date": future}, "decision_date", "ở tương lai"),
        ({"set": "huyen-ntm-2021"}, "set", "không phải bộ tiêu chí cấp xã"),
        ({"set": "khong-co"}, "set", "Không có bộ tiêu chí cấp xã «khong-co»"),
        ({"unit": "huyen:353@2024"}, "unit", "không phải đơn vị cấp xã"),
        ({"set": "xa-ntm-2021"}, "non_field_errors", "Xã Nguyên Lý đã có quyết định công nhận đạt chuẩn nông thôn mới"),
    ]:
        r = c.post(URL, {**good, **change}, format="json")
        assert r.status_code == 400, (change, r.content)
        assert words in " ".join(r.json()[field]), (change, r.json())
    assert Recognition.objects.count() == 3
    assert not AuditEvent.objects.filter(action__startswith="recognition").exists()
