"""API tokens: stored as digests, expiring, listed and revocable on the account page, revoked when
the password changes and by the API log-out."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from ntm.apps.accounts.models import ApiToken
from ntm.apps.accounts.testing import api_token, csrf_token, demo_users, one, text

pytestmark = pytest.mark.django_db

PASSWORD = "ntm-demo"


@pytest.fixture
def users(db):
    return demo_users()


def get_token(username: str = "demo_xa", password: str = PASSWORD):
    return Client().post("/api/v1/token/", {"username": username, "password": password})


def api(token: str, path: str = "/api/v1/units/", client: Client | None = None):
    return (client or Client()).get(path, HTTP_AUTHORIZATION=f"Token {token}")


def test_a_token_from_the_password_works_expires_in_30_days_and_is_not_stored(users):
    r = get_token()
    assert r.status_code == 200
    body = r.json()
    token = body["token"]
    assert re.fullmatch(r"[0-9a-f]{64}", token)
    expiry = dt.datetime.fromisoformat(body["expiry"])
    assert dt.timedelta(days=29, hours=23) < expiry - timezone.now() <= dt.timedelta(days=30)
    assert api(token).status_code == 200
    # nothing in the database holds the token (only its digest and its first 15 characters)
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cols = [c.name for c in connection.introspection.get_table_description(cur, table)]
            for col in cols:
                qn = connection.ops.quote_name
                cur.execute(
                    f"SELECT count(*) FROM {qn(table)} WHERE CAST({qn(col)} AS TEXT) LIKE %s", [f"%{token[15:]}%"]
                )
                assert cur.fetchone()[0] == 0, f"{table}.{col} holds the token"
    row = ApiToken.objects.get(user=users["xa"])
    assert row.digest != token and token.startswith(row.token_key)


def test_a_wrong_password_gets_no_token(users):
    r = get_token(password="sai-mat-khau")
    assert r.status_code == 400 and "không đúng" in text(r)
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused_and_removed(users):
    token = api_token(users["xa"])
    ApiToken.objects.update(expiry=timezone.now() - dt.timedelta(seconds=1))
    r = api(token)
    assert r.status_code == 401
    assert not ApiToken.objects.exists()


def test_changing_the_password_revokes_every_token_of_the_user_only(users):
    a, b = api_token(users["xa"]), api_token(users["xa"])
    other = api_token(users["huyen"])
    users["xa"].set_password("mot-mat-khau-moi-dai")
    users["xa"].save()
    assert api(a).status_code == 401 and api(b).status_code == 401
    assert api(other).status_code == 200


def test_the_password_change_page_revokes_the_tokens_and_keeps_the_session(users, client):
    token = api_token(users["xa"])
    client.force_login(users["xa"])
    page = client.get("/tai-khoan/doi-mat-khau/")
    form = one(page, "form:has(input[name=old_password])")
    assert "Mật khẩu hiện tại" in text(form) and form["method"].lower() == "post" and csrf_token(form)
    r = client.post("/tai-khoan/doi-mat-khau/", {"old_password": "sai", "new_password1": "x", "new_password2": "x"})
    assert r.status_code == 200 and "Mật khẩu hiện tại không đúng." in text(r)
    assert api(token).status_code == 200  # a refused change revokes nothing
    r = client.post(
        "/tai-khoan/doi-mat-khau/",
        {"old_password": PASSWORD, "new_password1": "mot-mat-khau-moi-dai", "new_password2": "mot-mat-khau-moi-dai"},
        follow=True,
    )
    assert r.status_code == 200 and "Các token API của tài khoản đã bị thu hồi" in text(r)
    assert api(token).status_code == 401
    assert client.get("/tai-khoan/").status_code == 200  # still logged in


def test_the_api_log_out_revokes_the_token_it_is_sent_with(users):
    token, kept = api_token(users["xa"]), api_token(users["xa"])
    c = Client()
    r = c.post("/api/v1/token/logout/", HTTP_AUTHORIZATION=f"Token {token}")
    assert r.status_code == 204
    assert api(token).status_code == 401 and api(kept).status_code == 200
    # a session cannot end a token (nor does it have one)
    c.force_login(users["xa"])
    assert c.post("/api/v1/token/logout/").status_code in (401, 403)
    assert api(kept).status_code == 200


def test_the_account_page_lists_the_tokens_and_revokes_one_with_a_csrf_protected_post(users):
    token = api_token(users["xa"], name="báo cáo tự động")
    api(token)  # used once: "last used" is shown
    other = api_token(users["huyen"])
    c = Client(enforce_csrf_checks=True)
    c.force_login(users["xa"])
    response = c.get("/tai-khoan/")
    page = text(response)
    assert "Token API" in page and "báo cáo tự động" in page and f"{token[:8]}…" in page
    assert "chưa dùng" not in page  # created, expiry and last use are dates
    assert other[:8] not in response.content.decode()  # not anywhere, not even in the markup
    key = ApiToken.objects.get(user=users["xa"]).token_key
    assert c.post("/tai-khoan/token/thu-hoi/", {"key": key}).status_code == 403  # no CSRF token
    assert api(token).status_code == 200
    csrf = csrf_token(response)
    # another user's token cannot be revoked from this account
    r = c.post(
        "/tai-khoan/token/thu-hoi/",
        {"key": ApiToken.objects.get(user=users["huyen"]).token_key, "csrfmiddlewaretoken": csrf},
        follow=True,
    )
    assert "Không tìm thấy token này" in text(r) and api(other).status_code == 200
    r = c.post("/tai-khoan/token/thu-hoi/", {"key": key, "csrfmiddlewaretoken": csrf}, follow=True)
    assert "Đã thu hồi token API" in text(r)
    assert api(token).status_code == 401
    assert "không có token API nào còn hạn" in text(c.get("/tai-khoan/"))


def test_a_token_header_that_is_not_text_is_refused_not_an_error(users):
    token = api_token(users["xa"])
    for bad in (
        "Token \udcff\udcfe",
        "Token " + token[:15] + "é" * 49,
        "Token " + "\x00" * 64,
        "Token a b",
        "Token",
        "Token " + token + "0",
    ):
        r = Client().get("/api/v1/units/", HTTP_AUTHORIZATION=bad.encode("utf-8", "surrogateescape").decode("latin-1"))
        assert r.status_code == 401, (bad, r.status_code)


def test_a_user_has_at_most_20_unexpired_tokens(users):
    for _ in range(20):
        assert get_token().status_code == 200
    r = get_token()
    assert r.status_code == 403 and "thu hồi token không dùng nữa" in r.json()["detail"]
    ApiToken.objects.filter(user=users["xa"]).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert get_token().status_code == 200


def test_the_token_list_and_the_roles_read_in_english(users, client):
    api_token(users["huyen"])
    client.force_login(users["huyen"])
    client.post("/tai-khoan/ngon-ngu/", {"language": "en", "next": "/tai-khoan/"})
    page = text(client.get("/tai-khoan/"))
    for words in (
        "API tokens",
        "Created",
        "Expires",
        "Last used",
        "Revoke",
        "Change password",
        "approve, return, reopen the data of communes",
        "register the communes' plans",
    ):
        assert words in page, words
    assert "Current password" in text(client.get("/tai-khoan/doi-mat-khau/"))
