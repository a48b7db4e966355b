"""A NUL character anywhere in a request is refused with a clear 400 (PostgreSQL cannot store one, and
no legitimate input has one) — before any view or query runs."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/units/%00/", "/api/v1/results/?unit=%00", "/don-vi/?q=a%00b"])
def test_nul_in_path_or_query_is_refused(client, url):
    r = client.get(url)
    assert r.status_code == 400
    assert "ký tự không hợp lệ" in r.content.decode()


def test_nul_in_a_json_or_form_body_is_refused(client):
    r = client.post("/api/v1/claims/", data='{"text": "x\\u0000y"}', content_type="application/json")
    assert r.status_code == 400 and "ký tự không hợp lệ" in r.json()["detail"]
    r = client.post("/tai-khoan/dang-nhap/", data="username=a%00&password=b",
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400


def test_ordinary_requests_pass(client):
    assert client.get("/healthz").status_code == 200
