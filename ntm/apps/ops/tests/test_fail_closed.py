"""Fail closed (issue 18 item 3, issue 23 item 3): no debug pages and no public secret key unless asked
for; friendly 403, 404 and 500 pages in Vietnamese and English; the 500 page needs no database."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[4]
PROBE = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps({"debug": settings.DEBUG, "key": settings.SECRET_KEY,
                  "secure": settings.SESSION_COOKIE_SECURE, "csrf_secure": settings.CSRF_COOKIE_SECURE}))
"""


def _settings(home: Path, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NTM_") and k != "DATABASE_URL"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, "NTM_HOME": str(home), "DJANGO_SETTINGS_MODULE": "ntm.web.settings", **env},
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_process_started_without_settings_has_no_debug_and_a_private_key_kept_in_the_data_folder(tmp_path):
    first = _settings(tmp_path)
    assert first["debug"] is False
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first["key"] and len(first["key"]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "not-secret" not in first["key"] and "development" not in first["key"]
    assert _settings(tmp_path)["key"] == first["key"]  # kept: sessions survive a restart
    assert _settings(tmp_path / "other")["key"] != first["key"]  # random per installation


def test_debug_and_the_key_only_by_explicit_choice(tmp_path):
    got = _settings(tmp_path, NTM_DEBUG="1", NTM_SECRET_KEY="k" * 60)
    assert got["debug"] is True and got["key"] == "k" * 60
    assert not (tmp_path / "secret_key").exists()
    assert _settings(tmp_path, NTM_DEBUG="true")["debug"] is False  # only "1" turns it on


def test_cookies_are_secure_when_https_is_configured(tmp_path):
    assert _settings(tmp_path, NTM_HTTPS="1") | {"key": ""} == {
        "debug": False,
        "key": "",
        "secure": True,
        "csrf_secure": True,
    }
    plain = _settings(tmp_path)
    assert not plain["secure"]  # ./run on http://127.0.0.1: a browser would drop Secure cookies there


def test_the_key_file_is_created_once_when_processes_start_together(tmp_path):
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"from ntm.apps.ops.conf import secret_key; import sys;print(secret_key({{}}, {str(tmp_path)!r}))",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and keys == {(tmp_path / "secret_key").read_text().strip()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no temporary file left


# -- error pages ---------------------------------------------------------------------------------------
@pytest.fixture
def user(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("xem_loi", password="mat-khau-dai-1")


def test_a_404_is_a_friendly_page_in_the_site_layout_in_both_languages(user):
    c = Client()
    c.force_login(user)
    r = c.get("/khong-co-trang-nay/")
    html = r.content.decode()
    assert r.status_code == 404 and "Không tìm thấy trang (404)" in html
    assert 'class="brand"' in html and "Đăng xuất" in html  # the base layout, with the user's menu
    assert "URLconf" not in html and "ntm.web.urls" not in html  # no list of URL patterns
    c.post("/tai-khoan/ngon-ngu/", {"language": "en", "next": "/"})
    r = c.get("/khong-co-trang-nay/")
    assert r.status_code == 404 and "Page not found (404)" in r.content.decode()
    r = c.get("/api/v1/khong-co/")
    assert r.status_code == 404 and r["Content-Type"] == "application/json"


def test_a_403_is_a_friendly_page(user):
    """(the page is the accounts app's 403.html; the handler keeps it and answers JSON under /api/)"""
    c = Client()
    c.force_login(user)
    r = c.get("/nhat-ky/")  # the audit log: reviewers only
    html = r.content.decode()
    assert r.status_code == 403 and "Không có quyền truy cập (403)" in html and 'class="brand"' in html


@pytest.mark.urls("ntm.apps.ops.tests.errors_urls")
def test_a_500_is_a_friendly_page_that_shows_nothing_internal_and_needs_no_database(user, django_assert_num_queries):
    c = Client(raise_request_exception=False)
    c.force_login(user)
    r = c.get("/thu-loi/")
    html = r.content.decode()
    assert r.status_code == 500
    assert "Đã có lỗi ở máy chủ (500)" in html and "Server error (500)" in html
    assert "hunter2" not in html and "settings.py" not in html and "Traceback" not in html
    from django.test import RequestFactory

    from ntm.apps.ops.errors import server_error

    with django_assert_num_queries(0):
        assert server_error(RequestFactory().get("/x/")).status_code == 500
