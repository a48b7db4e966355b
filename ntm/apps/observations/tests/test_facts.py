"""Facts (what a set's conditions read besides the indicators) are entered on their own screen by
those who enter the unit's values: a new value keeps the old one as history, is change-logged,
and the stored results that read it are evaluated again."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model

import ntm.core.catalog as catalog_module
from ntm.apps.audit.models import ObjectChange
from ntm.apps.evaluations.models import ResultAll
from ntm.apps.evaluations.tests.fixtures import demo_db, ntm_middleware  # noqa: F401
from ntm.apps.observations import facts
from ntm.apps.observations.models import Fact
from ntm.apps.observations.services import Entry, record
from ntm.apps.units.models import Unit

pytestmark = pytest.mark.django_db

# a made-up set for the test: one indicator and one condition on a fact (not only for recognition)
CONDITION_SET = """\
code: thu-dieu-kien
name: Bộ thử có điều kiện thông tin bổ sung
phase: 2021-2025
level: commune
tier: ntm
scope_kind: region
legal_basis: {decision: thử, provenance: {source: test, tag: LOCAL}}
valid_from: 2021-01-01
criteria:
  - number: 1
    name: Thu nhập
    provenance: {source: test, tag: LOCAL}
    indicators:
      - code: "1.1"
        content: Thu nhập bình quân đầu người
        kind: min_amount
        provenance: {source: test, tag: LOCAL}
        thresholds:
          - {scope: national, value: 40, provenance: {source: test, tag: LOCAL}}
conditions:
  - code: khong_no_thu
    type: fact_true
    label: Không có nợ đọng (điều kiện thử)
    fact: thu_khong_no
    provenance: {source: test, tag: LOCAL}
"""

URL = "/nhap-lieu/thong-tin-bo-sung/xa:13570@2024/"


@pytest.fixture
def condition_set(tmp_path, monkeypatch):
    (tmp_path / "thu-dieu-kien.yaml").write_text(CONDITION_SET, encoding="utf-8")
    monkeypatch.setenv("NTM_CATALOG_PATH", str(tmp_path))
    catalog_module._DEFAULT = None
    yield
    monkeypatch.delenv("NTM_CATALOG_PATH")
    catalog_module._DEFAULT = None


@pytest.fixture
def entry_user(client, demo_db, ntm_middleware):  # noqa: F811
    client.force_login(get_user_model().objects.get(username="demo_xa"))  # enters for Nguyên Lý
    return client


def row(page: BeautifulSoup, name: str):
    return page.select_one(f"tr#fact-{name}")


def test_a_fact_entered_on_the_screen_reevaluates_and_keeps_its_history(entry_user, condition_set):
    nguyen_ly = Unit.objects.get(uid="xa:13570@2024")
    record(Entry(nguyen_ly, "thu-dieu-kien", "2023-07", "1.1", value="45"))
    result = ResultAll.objects.get(unit=nguyen_ly, set_code="thu-dieu-kien", period="2023-07")
    assert result.standard_met is False  # the indicator is met, the condition has no fact yet

    page = BeautifulSoup(entry_user.get(URL + "?period=2023-07").content, "html.parser")
    form = row(page, "thu_khong_no").select_one("form.fact-form")
    assert form.select_one("input[name=csrfmiddlewaretoken]") is not None
    assert row(page, "thu_khong_no").select_one(".fact-value").get_text(strip=True) == "—"

    resp = entry_user.post(URL, {"name": "thu_khong_no", "period": "2023-07", "value": "1", "version": "0"})
    assert resp.status_code == 302
    result.refresh_from_db()
    assert result.standard_met is True

    entry_user.post(
        URL, {"name": "thu_khong_no", "period": "2023-07", "value": "0", "version": "1", "note": "còn nợ (thử)"}
    )
    result.refresh_from_db()
    assert result.standard_met is False
    page = BeautifulSoup(entry_user.get(URL + "?period=2023-07").content, "html.parser")
    assert row(page, "thu_khong_no").select_one(".fact-value").get_text(" ", strip=True) == "không còn nợ (thử)"
    history = row(page, "thu_khong_no").select("details.fact-history li")
    assert len(history) == 1 and "phiên bản 1: có" in history[0].get_text()
    assert list(
        Fact.objects.filter(unit=nguyen_ly, name="thu_khong_no").order_by("version").values_list("value", "is_current")
    ) == [(1.0, False), (0.0, True)]
    made = ObjectChange.objects.filter(content_type__model="fact", username="demo_xa")
    assert sorted(made.values_list("action", flat=True)) == ["create", "create", "update"]


def test_a_stale_form_is_refused_and_overwrites_nothing(entry_user, condition_set):
    nguyen_ly = Unit.objects.get(uid="xa:13570@2024")
    facts.record(nguyen_ly, "thu_khong_no", "2023-07", 1.0)  # someone saved meanwhile
    resp = entry_user.post(URL, {"name": "thu_khong_no", "period": "2023-07", "value": "0", "version": "0"})
    assert resp.status_code == 400
    error = row(BeautifulSoup(resp.content, "html.parser"), "thu_khong_no").select_one(".fact-error")
    assert "vừa được" in error.get_text()
    assert Fact.objects.get(unit=nguyen_ly, name="thu_khong_no", is_current=True).value == 1.0


def test_bad_input_names_the_problem(entry_user, condition_set):
    resp = entry_user.post(URL, {"name": "thu_khong_no", "period": "2023-07", "value": "có lẽ", "version": "0"})
    assert resp.status_code == 400
    assert "Chọn «có» hoặc «không»" in row(BeautifulSoup(resp.content, "html.parser"), "thu_khong_no").get_text()
    with pytest.raises(facts.FactError, match="không phải thông tin bổ sung"):
        facts.record(Unit.objects.get(uid="xa:13570@2024"), "bia_dat_ra", "2023-07", 1.0)


def test_who_may_read_and_who_may_write(client, demo_db, ntm_middleware, condition_set):  # noqa: F811
    users = get_user_model().objects
    client.force_login(users.get(username="demo_tinh"))  # reviews Hà Nam: reads, does not enter
    page = BeautifulSoup(client.get(URL + "?period=2023-07").content, "html.parser")
    assert row(page, "thu_khong_no") is not None and not page.select("form.fact-form")
    assert client.post(URL, {"name": "thu_khong_no", "period": "2023-07", "value": "1"}).status_code == 403
    client.force_login(users.get(username="demo_namxang"))  # another province's commune
    assert client.get(URL).status_code == 404
    assert not Fact.objects.filter(name="thu_khong_no").exists()


def test_the_unit_page_links_to_its_facts(entry_user):
    page = BeautifulSoup(entry_user.get("/don-vi/xa:13570@2024/").content, "html.parser")
    assert page.select_one("a.facts-link")["href"].startswith("/nhap-lieu/thong-tin-bo-sung/xa:13570@2024/")


def test_a_fact_added_in_the_admin_is_a_new_version_through_the_service(
    client,
    admin_user,
    condition_set,
    ntm_middleware,  # noqa: F811
):
    nguyen_ly = Unit.objects.get(uid="xa:13570@2024")
    facts.record(nguyen_ly, "thu_khong_no", "2023-07", 1.0)
    client.force_login(admin_user)
    data = {"unit": nguyen_ly.pk, "name": "thu_khong_no", "period": "2023-07", "value": "0", "note": ""}
    assert client.post("/admin/observations/fact/add/", data).status_code == 302
    assert list(
        Fact.objects.filter(unit=nguyen_ly, name="thu_khong_no")
        .order_by("version")
        .values_list("version", "is_current")
    ) == [(1, False), (2, True)]
    resp = client.post("/admin/observations/fact/add/", dict(data, value="7"))
    assert resp.status_code == 200 and "Chọn" not in resp.content.decode()  # refused with the service's message
    assert "chỉ nhận «có» (1) hoặc «không» (0)" in resp.content.decode()
    assert Fact.objects.filter(unit=nguyen_ly, name="thu_khong_no").count() == 2


def test_the_screen_reads_in_english_too(entry_user, condition_set):
    entry_user.post("/tai-khoan/ngon-ngu/", {"language": "en", "next": "/"})
    page = BeautifulSoup(entry_user.get(URL + "?period=2023-07").content, "html.parser")
    assert page.select_one("h1").get_text(strip=True).startswith("Additional facts")
    assert [o.get_text() for o in row(page, "thu_khong_no").select("select[name=value] option")] == [
        "(unknown)",
        "yes",
        "no",
    ]


def test_a_commune_is_asked_only_for_the_facts_that_concern_its_type():
    names = {k.name for k in facts.kinds("commune", unit_type="Xã")}
    assert {"satisfaction_ok", "no_construction_debt", "satisfaction_80"} <= names
    assert "do_thi_van_minh" not in names  # counted among a district's thị trấn only
    assert "do_thi_van_minh" in {k.name for k in facts.kinds("commune", unit_type="Thị trấn")}


def test_a_post_without_the_csrf_token_is_refused(demo_db, ntm_middleware, condition_set):  # noqa: F811
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="demo_xa"))
    resp = client.post(URL, {"name": "thu_khong_no", "period": "2023-07", "value": "1", "version": "0"})
    assert resp.status_code == 403
    assert not Fact.objects.filter(name="thu_khong_no").exists()
