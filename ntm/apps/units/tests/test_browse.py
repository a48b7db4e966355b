"""The units page (/don-vi/): search by name without diacritics, by code or path; browse one level
at a time; only the user's subtree is listed; a constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ntm.apps.accounts.testing import cell, one, soup
from ntm.apps.evaluations.tests.fixtures import login, member, ntm_middleware  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ntm_middleware")]


def uids(response) -> list[str]:
    """The units listed, in order."""
    return [tr["data-uid"] for tr in soup(response).select("#unit-list tr[data-uid]")]


def test_search_without_diacritics_finds_the_commune_and_links_to_its_page(login):
    r = login("Hà Nam", "leader").get("/don-vi/", {"q": "nguyen ly"})
    assert r.status_code == 200
    assert uids(r) == ["xa:13570@2024"]
    table = one(r, "#unit-list")
    row = one(table, 'tr[data-uid="xa:13570@2024"]')
    assert one(row, "td a")["href"] == "/don-vi/xa:13570@2024/" and cell(table, row, "Đơn vị") == "Xã Nguyên Lý"
    assert cell(table, row, "Thuộc") == "Tỉnh Hà Nam › Huyện Lý Nhân"


def test_a_commune_user_finds_nothing_outside_their_commune(login):
    client = login("Hà Nam/Lý Nhân/Nguyên Lý", "entry")
    assert uids(client.get("/don-vi/", {"q": "cong ly"})) == []
    assert uids(client.get("/don-vi/", {"q": "xa:13573@2024"})) == []  # Công Lý by code
    assert client.get("/don-vi/", {"in": "huyen:353@2024"}).status_code == 403
    assert uids(client.get("/don-vi/")) == ["xa:13570@2024"]  # their own unit


def test_browse_children_at_a_date_before_and_after_the_reform(login):
    client = login("vn", "leader")
    before = uids(client.get("/don-vi/", {"in": "vn", "date": "01/07/2023"}))
    after = uids(client.get("/don-vi/", {"in": "vn", "date": "2025-08-01"}))
    assert len(before) == 63 and "tinh:35@2024" in before  # Hà Nam, before the merger
    assert len(after) == 34 and "tinh:35@2024" not in after
    r = client.get("/don-vi/", {"q": "Hà Nam/Lý Nhân", "date": "2023-01-01"})
    assert uids(r) == ["huyen:353@2024"]


def test_unit_list_queries_do_not_grow_with_the_list(login):
    client = login("vn", "leader")
    client.get("/don-vi/", {"in": "huyen:353@2024"})

    def count(params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/don-vi/", params).status_code == 200
        return len(ctx.captured_queries)

    few = count({"in": "huyen:353@2024"})  # 21 units
    many = count({"in": "vn"})  # 97 provinces of both editions
    assert len(uids(client.get("/don-vi/", {"in": "vn"}))) > 90
    assert many <= few <= 10  # (the district page also reads its ancestors for the breadcrumb)
