"""Input that made the server answer 500, and a log-in throttle that counted per process (issue 18
items 3 and 5): every such request is now a 400 with a message, and failures count once for all."""

from __future__ import annotations

import pytest
from django.test import Client

from ntm.apps.ops import throttle

DEEP = ("[" * 100_000 + "]" * 100_000).encode()


def _deep_object(key: str) -> bytes:
    return ('{"' + key + '": ' + "[" * 50_000 + "]" * 50_000 + "}").encode()


@pytest.mark.parametrize(
    "path", ["/api/v1/token/", "/admin/login/", "/api/v1/observations/", "/api/v1/claims/", "/tai-khoan/dang-nhap/"]
)
def test_deeply_nested_json_is_a_400_with_a_message_not_a_500(world, path):
    c = Client(raise_request_exception=False)
    c.force_login(world["users"]["commune_entry"])
    for body in (DEEP, _deep_object("username")):
        r = c.post(path, body, content_type="application/json")
        assert r.status_code == 400, (path, r.status_code)
        assert "lồng nhau quá sâu" in r.json()["detail"]


def test_json_of_ordinary_depth_and_brackets_inside_strings_still_pass(world):
    from ntm.apps.ops.middleware import json_depth

    assert json_depth(b'{"note": "' + b"[" * 500 + b'", "a": [[1]]}', 64) == 3
    assert json_depth(b'{"a": "\\"[[[["}', 64) == 0
    c = Client()
    r = c.post("/api/v1/token/", {"username": "commune_entry", "password": "sai"}, content_type="application/json")
    assert r.status_code == 400 and "lồng" not in r.content.decode()  # the usual refusal of a wrong password


@pytest.mark.parametrize(
    "query", ["runs=99999999999999999999999", "runs=1,99999999999999999999", "runs=²", "runs=" + ",".join(["1"] * 500)]
)
def test_huge_or_odd_integers_in_the_url_are_a_400_naming_the_parameter(world, query):
    c = Client(raise_request_exception=False)
    c.force_login(world["users"]["commune_entry"])
    r = c.get(f"/danh-gia-lai/?{query}")
    assert r.status_code == 400 and "«runs»" in r.content.decode()
    assert c.get("/danh-gia-lai/?runs=1,2").status_code == 200


@pytest.mark.parametrize("url", ["/ke-hoach/?n=99999999999999999999999", "/ke-hoach/?n=-1", "/ke-hoach/?n=x"])
def test_the_plans_page_refuses_a_bad_risk_count_with_a_400(world, url):
    c = Client(raise_request_exception=False)
    c.force_login(world["users"]["district_reviewer"])
    r = c.get(url)
    assert r.status_code == 400 and "«n»" in r.content.decode()


def test_unicode_digits_in_a_year_are_refused_not_a_500(world):
    c = Client(raise_request_exception=False)
    c.force_login(world["users"]["district_reviewer"])
    r = c.get("/ke-hoach/cong-nhan/?year=²⁰²³")
    assert r.status_code == 200 and "không hợp lệ" in r.content.decode()
    r = c.get("/api/v1/recognitions/?year=²⁰²³")
    assert r.status_code == 400 and "year" in r.json()


# -- the log-in throttle counts once for every worker and host --------------------------------------------
def _fail(ip="10.0.0.9", who="commune_entry"):
    return Client().post("/tai-khoan/dang-nhap/", {"username": who, "password": "sai-mat-khau"}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_whichever_process_counted_them(world):
    """Each failure as if answered by another worker: nothing a process keeps for itself (its caches)
    survives between them."""
    from django.core.cache import caches

    for _ in range(5):
        assert _fail().status_code == 200
        for cache in caches.all():
            cache.clear()
    r = Client().post(
        "/tai-khoan/dang-nhap/", {"username": "commune_entry", "password": "mat-khau-rat-dai-1"}, REMOTE_ADDR="10.0.0.9"
    )
    assert r.status_code == 429


def test_attempts_under_way_count_so_parallel_guesses_get_no_more_than_the_limit(world):
    granted = [throttle.reserve("commune_entry", "10.0.0.7") for _ in range(12)]  # none has finished yet
    assert sum(1 for res, lock in granted if res is not None) == 5
    assert all(lock is not None and lock.reason == "per_user_ip" for res, lock in granted[5:])
    for res, _ in granted[:5]:  # they end without a password check (e.g. an empty form): not failures
        throttle.release(res)
    assert throttle.check("commune_entry", "10.0.0.7") is None


def test_a_successful_log_in_leaves_no_failure_behind(world):
    for _ in range(4):
        _fail()
    r = Client().post(
        "/tai-khoan/dang-nhap/", {"username": "commune_entry", "password": "mat-khau-rat-dai-1"}, REMOTE_ADDR="10.0.0.9"
    )
    assert r.status_code == 302
    for _ in range(4):  # counted from zero again, the address's own attempt included
        assert _fail().status_code == 200


def test_the_api_has_request_rates(world, settings):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_THROTTLE_RATES["anon"] and api_settings.DEFAULT_THROTTLE_RATES["user"]
    assert len(api_settings.DEFAULT_THROTTLE_CLASSES) == 2
