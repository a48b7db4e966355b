"""Reporting completeness: how many communes submitted, were approved, returned, are late — counted
right after each workflow step, shown on every overview and listed commune by commune."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from ntm.apps.accounts.testing import seed_cell
from ntm.apps.observations.completeness import commune_statuses, completeness
from ntm.apps.observations.workflow import transition
from ntm.apps.units.services import resolve_unit
from ntm.core.periods import Period

pytestmark = pytest.mark.django_db

SET, PERIOD = "xa-ntm-2021", "2023-07"


@pytest.fixture
def lynhan(db):
    return resolve_unit("huyen:353@2024")


def counts(district, user):
    c = completeness(district, SET, Period.parse(PERIOD), None, user)
    return c.total, c.sent, c.submitted, c.approved, c.returned, c.late


def test_counts_follow_submit_return_and_approve(users, lynhan, seeded, cong_ly, settings):
    settings.NTM_REPORT_DUE_DAYS = 10  # 10/08/2023: long past
    reviewer = users["huyen"]
    total = counts(lynhan, reviewer)[0]
    assert total > 10  # the xã of Lý Nhân in July 2023
    assert counts(lynhan, reviewer) == (total, 0, 0, 0, 0, total)  # values entered but nothing submitted
    seed_cell(cong_ly)

    transition(seeded, SET, PERIOD, "submit", users["xa"])
    transition(cong_ly, SET, PERIOD, "submit", users["huyen"])  # the district enters for Công Lý
    assert counts(lynhan, reviewer) == (total, 2, 2, 0, 0, total - 2)

    transition(seeded, SET, PERIOD, "return", reviewer, "Thiếu minh chứng")
    assert counts(lynhan, reviewer) == (total, 1, 1, 0, 1, total - 1)

    transition(cong_ly, SET, PERIOD, "approve", users["tinh"])
    assert counts(lynhan, reviewer) == (total, 1, 0, 1, 1, total - 1)

    transition(seeded, SET, PERIOD, "submit", users["xa"])
    transition(seeded, SET, PERIOD, "approve", users["tinh"])
    c = completeness(lynhan, SET, Period.parse(PERIOD), None, reviewer)
    assert (c.sent, c.approved, c.returned, c.late) == (2, 2, 0, total - 2)
    assert c.sentence == f"2/{total} xã đã nộp, 2 đã duyệt, {total - 2} quá hạn"
    assert c.due == dt.date(2023, 8, 10)


def test_nobody_is_late_before_the_deadline(users, lynhan, seeded, settings):
    settings.NTM_REPORT_DUE_DAYS = 10
    c = completeness(lynhan, SET, Period.parse("2026-12"), None, users["huyen"])  # today: December 2026
    assert c.late == 0 and "quá hạn" not in c.sentence


def test_the_overview_shows_completeness_and_the_list_shows_each_step(users, lynhan, seeded, cong_ly, client):
    seed_cell(cong_ly)
    transition(seeded, SET, PERIOD, "submit", users["xa"])
    transition(seeded, SET, PERIOD, "return", users["huyen"], "Thiếu minh chứng tiêu chí 17")
    transition(cong_ly, SET, PERIOD, "submit", users["huyen"])  # the district enters for Công Lý
    transition(cong_ly, SET, PERIOD, "approve", users["tinh"])
    total = counts(lynhan, users["huyen"])[0]

    client.force_login(users["tinh"])
    html = client.get(f"/?unit=huyen:353@2024&set={SET}&period={PERIOD}").content.decode()
    assert f"1/{total} xã đã nộp, 1 đã duyệt, 1 bị trả lại, {total - 1} quá hạn" in html
    assert "/nhap-lieu/tinh-hinh-nop/?unit=huyen%3A353%402024&amp;set=xa-ntm-2021&amp;period=2023-07" in html
    # by default the overview opens on the period with approved data
    assert "Tổng quan: Huyện Lý Nhân — tháng 7/2023" in client.get("/?unit=huyen:353@2024").content.decode()

    html = client.get(f"/nhap-lieu/tinh-hinh-nop/?unit=huyen:353@2024&set={SET}&period={PERIOD}").content.decode()
    row = html[html.index('data-uid="xa:13570@2024"') :]
    row = row[: row.index("</tr>")]
    assert "Bị trả lại" in row and "quá hạn" in row and "Thiếu minh chứng tiêu chí 17" in row
    assert row.count("/2026") >= 2  # sent and returned, with their dates (the tests run "today")
    row = html[html.index(f'data-uid="{cong_ly.uid}"') :]
    row = row[: row.index("</tr>")]
    assert "Đã duyệt" in row and "quá hạn" not in row and row.count("/2026") >= 2

    only = client.get(f"/nhap-lieu/tinh-hinh-nop/?unit=huyen:353@2024&set={SET}&period={PERIOD}&state=returned")
    assert only.content.decode().count("data-uid=") == 1


def test_the_list_keeps_to_what_the_user_may_see(users, lynhan, seeded, client):
    client.force_login(users["xa"])  # a commune sees itself only
    rows = commune_statuses(lynhan, SET, Period.parse(PERIOD), None, users["xa"])
    assert [r.unit.uid for r in rows] == ["xa:13570@2024"]
    assert client.get(f"/nhap-lieu/tinh-hinh-nop/?unit=huyen:353@2024&set={SET}&period={PERIOD}").status_code == 403


def test_the_menu_counts_the_sheets_waiting_for_review(users, seeded, cong_ly, client):
    seed_cell(cong_ly)
    transition(seeded, SET, PERIOD, "submit", users["xa"])
    transition(cong_ly, SET, PERIOD, "submit", users["huyen"])  # the district enters for Công Lý
    client.force_login(users["tinh"])
    assert badge(client) == ("2", "2 hồ sơ chờ duyệt")
    transition(cong_ly, SET, PERIOD, "approve", users["tinh"])
    assert badge(client) == ("1", "1 hồ sơ chờ duyệt")
    client.force_login(users["xa"])  # not a reviewer: no count
    assert badge(client) is None


def badge(client) -> tuple[str, str] | None:
    """(number, title) of the menu's count of sheets waiting for review, None without one."""
    found = BeautifulSoup(client.get("/nhap-lieu/").content, "html.parser").find(id="waiting-count")
    return (found.get_text(strip=True), found["title"]) if found else None
