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
    r = client.post(
        "/tai-khoan/dang-nhap/", data="username=a%00&password=b", content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 400


def test_ordinary_requests_pass(client):
    assert client.get("/healthz").status_code == 200


def test_a_malformed_multipart_body_gets_a_json_400_under_the_api(admin_client):
    """A body that says multipart but is not (no closing boundary, garbage): Django's own refusal, as the
    JSON the API documents, never an HTML page."""
    for body in (
        b"--XYZ\r\nContent-Disposition: form-data; name\r\n\r\n\x90\x11",
        "[{'set': '±\x90\x11', 'unit': 'Ù4'}]".encode(),
        b"--XYZ\r\n\r\n--XYZ--",
        # more fields than Django accepts (its SuspiciousOperation, raised while the body is read)
        b"".join(b'--XYZ\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % k for k in range(1100))
        + b"--XYZ--\r\n",
    ):
        check(admin_client, body)


def check(admin_client, body: bytes) -> None:
    for url in ("/api/v1/observations/", "/api/v1/claims/"):
        r = admin_client.post(url, data=body, content_type="multipart/form-data; boundary=XYZ")
        assert r.status_code == 400, (url, r.status_code, body)
        if url.startswith("/api/"):
            assert r["Content-Type"].startswith("application/json"), (r.content, body)
