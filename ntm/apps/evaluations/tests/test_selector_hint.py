"""The dashboard's unit field shows a name; the same name can stand for a unit of each edition of the
map (Tỉnh Ninh Bình before and after 01/07/2025). The form sends the unit's code with it, so that
choosing another period keeps the unit the page was showing."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model

from ntm.apps.evaluations.tests.fixtures import demo_db, ntm_middleware  # noqa: F401

pytestmark = pytest.mark.django_db
NAME = "Tỉnh Ninh Bình"


@pytest.fixture
def reviewer(client, demo_db, ntm_middleware):  # noqa: F811
    client.force_login(get_user_model().objects.get(username="demo_ninhbinh"))
    return client


def heading(response) -> str:
    return BeautifulSoup(response.content, "html.parser").h1.get_text(" ", strip=True)


def test_the_form_keeps_todays_province_when_the_period_changes(reviewer):
    page = reviewer.get("/", {"unit": "tinh:37@2025"})
    form = BeautifulSoup(page.content, "html.parser").find("form", class_="inline")
    assert form.find("input", {"name": "unit"})["value"] == NAME  # a name, not a code
    assert form.find("input", {"name": "uid"})["value"] == "tinh:37@2025"
    r = reviewer.get("/", {"unit": NAME, "uid": "tinh:37@2025", "period": "2024-12", "set": ""})
    assert r.status_code == 200 and heading(r) == "Tổng quan: Tỉnh Ninh Bình — tháng 12/2024"
    assert "tinh:37@2025" in BeautifulSoup(r.content, "html.parser").find("input", {"name": "uid"})["value"]


def test_a_name_the_user_typed_wins_over_the_code_of_the_page(reviewer):
    r = reviewer.get("/", {"unit": "Ninh Bình/Nam Xang", "uid": "tinh:37@2025"})
    assert r.status_code == 302 and r["Location"].startswith("/don-vi/xa:13591@2025/")  # a commune: its page
