"""Vietnamese by default, English when the user chooses it with the switch in the header."""

from __future__ import annotations

import pytest

from ntm.apps.accounts.testing import one, text
from ntm.apps.evaluations.tests.fixtures import login, member, ntm_middleware  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ntm_middleware")]


def test_vietnamese_is_the_default_even_for_an_english_browser(client):
    r = client.get("/tai-khoan/dang-nhap/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert r.status_code == 200
    assert "Tên đăng nhập" in text(r) and "Mật khẩu" in text(r)
    assert one(r, "html")["lang"] == "vi"


def test_the_log_in_page_switches_to_english_before_log_in(client):
    r = client.post("/tai-khoan/ngon-ngu/", {"language": "en", "next": "/tai-khoan/dang-nhap/"})
    assert r.status_code == 302 and r["Location"] == "/tai-khoan/dang-nhap/"
    page = text(client.get("/tai-khoan/dang-nhap/"))
    assert "Username" in page and "Password" in page and "Tên đăng nhập" not in page
    r = client.post("/tai-khoan/dang-nhap/", {"username": "nobody", "password": "wrong"})
    assert "Wrong username or password." in text(r)


def test_an_official_switches_the_overview_to_english_and_back(login):
    client = login("Hà Nam/Lý Nhân", "leader")
    vi = text(client.get("/", {"unit": "huyen:353@2024"}))
    assert "Tổng quan: Huyện Lý Nhân" in vi and "Danh sách xã" in vi
    client.post("/tai-khoan/ngon-ngu/", {"language": "en", "next": "/"})
    r = client.get("/", {"unit": "huyen:353@2024", "date": "31/07/2023"})
    en = text(r)
    assert one(r, "html")["lang"] == "en"
    assert "Overview: Huyện Lý Nhân" in en  # unit names stay as they are
    for words in (
        "Communes",
        "Gaps and responsible sectors",
        "Plans",
        "Reporting period",
        "Administrative hierarchy as of 31/07/2023",
        "Log out",
        "Tiếng Việt",
    ):
        assert words in en, words
    assert "Đăng xuất" not in en
    client.post("/tai-khoan/ngon-ngu/", {"language": "vi", "next": "/"})
    assert "Tổng quan: Huyện Lý Nhân" in text(client.get("/", {"unit": "huyen:353@2024"}))
