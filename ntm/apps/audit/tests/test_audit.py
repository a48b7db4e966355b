"""The audit log: what is recorded, the JSON log line, and who may read which events."""

import datetime as dt
import json
import logging

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ntm.apps.accounts.models import Membership, Role
from ntm.apps.accounts.testing import demo_users
from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.audit.services import log, visible_events
from ntm.apps.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(db):
    return demo_users()


@pytest.fixture
def units(db):
    get = Unit.objects.get
    return {
        "nguyen_ly": get(uid="xa:13570@2024"),
        "lynhan": get(uid="huyen:353@2024"),
        "hoanh_mo": get(uid="xa:06841@2024"),
    }


def test_log_stores_the_event_and_writes_one_json_line(users, units, caplog):
    with caplog.at_level(logging.INFO, logger="ntm.audit"):
        ev = log(
            Action.APPROVED,
            user=users["huyen"],
            unit=units["nguyen_ly"],
            obj="xa-ntm-2021 · tháng 7/2023",
            message="Phê duyệt",
            old={"state": "submitted"},
            new={"state": "approved"},
        )
    assert (ev.username, ev.unit_uid, ev.action) == ("demo_huyen", "xa:13570@2024", "approved")
    record = [r for r in caplog.records if r.name == "ntm.audit"][-1]
    assert record.levelno == logging.INFO
    line = json.loads(record.getMessage())
    assert line["event"] == "approved" and line["user"] == "demo_huyen" and line["unit"] == "xa:13570@2024"
    assert line["old"] == {"state": "submitted"} and line["new"] == {"state": "approved"} and line["id"] == ev.pk
    assert "Phê duyệt" in record.getMessage()  # Vietnamese kept readable (ensure_ascii=False)


def test_denials_are_logged_as_warnings(users, units, client, caplog):
    client.force_login(users["xa"])
    with caplog.at_level(logging.INFO, logger="ntm.audit"):
        r = client.get("/nhap-lieu/xa:06841@2024/xa-ntm-2021/2023-07/", REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 403
    record = [r for r in caplog.records if r.name == "ntm.audit"][-1]
    line = json.loads(record.getMessage())
    assert record.levelno == logging.WARNING
    assert (line["event"], line["user"], line["unit"], line["ip"]) == (
        "access_denied",
        "demo_xa",
        "xa:06841@2024",
        "10.1.2.3",
    )
    ev = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert ev.path == "/nhap-lieu/xa:06841@2024/xa-ntm-2021/2023-07/" and ev.ip == "10.1.2.3"


def test_log_in_success_failure_and_log_out_are_recorded(users, client):
    r = client.post(
        "/tai-khoan/dang-nhap/", {"username": "demo_xa", "password": "sai-mat-khau"}, REMOTE_ADDR="10.9.8.7"
    )
    assert r.status_code == 200
    failed = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert (failed.username, failed.user, failed.ip) == ("demo_xa", None, "10.9.8.7")
    assert "sai-mat-khau" not in json.dumps([failed.old, failed.new, failed.message, failed.object_repr])
    client.post("/tai-khoan/dang-nhap/", {"username": "demo_xa", "password": "ntm-demo"})
    client.post("/tai-khoan/dang-xuat/")
    assert list(AuditEvent.objects.order_by("id").values_list("action", "username")) == [
        ("login_failed", "demo_xa"),
        ("login", "demo_xa"),
        ("logout", "demo_xa"),
    ]


def test_the_username_survives_the_deletion_of_the_account(units):
    u = get_user_model().objects.create_user("tam_thoi")
    log(Action.OBSERVATIONS_SAVED, user=u, unit=units["nguyen_ly"], obj="x")
    u.delete()
    ev = AuditEvent.objects.get()
    assert ev.user is None and ev.username == "tam_thoi"


def test_each_reader_sees_only_their_subtree(users, units):
    for key in ("nguyen_ly", "lynhan", "hoanh_mo"):
        log(Action.OBSERVATIONS_SAVED, username="x", unit=units[key], obj=key)
    log(Action.LOGIN_FAILED, username="ai_do", obj="ai_do")
    seen = lambda u: sorted(e.object_repr for e in visible_events(u))  # noqa: E731
    assert seen(users["huyen"]) == ["lynhan", "nguyen_ly"]  # the district's own events and its communes'
    assert seen(users["tinh"]) == ["lynhan", "nguyen_ly"]
    assert seen(users["quocgia"]) == ["hoanh_mo", "lynhan", "nguyen_ly"]  # no unit-less events for reviewers
    assert seen(users["xa"]) == []  # entry only
    root = get_user_model().objects.create_superuser("root")
    assert seen(root) == ["ai_do", "hoanh_mo", "lynhan", "nguyen_ly"]
    admin = get_user_model().objects.create_user("qt")
    Membership.objects.create(user=admin, unit=Unit.objects.get(uid="vn"), role=Role.ADMIN)
    assert "ai_do" in seen(get_user_model().objects.get(pk=admin.pk))


def test_the_page_is_for_reviewers_and_administrators(users, units, client):
    client.force_login(users["xa"])
    r = client.get("/nhat-ky/")
    assert r.status_code == 403 and "Nhật ký chỉ dành cho cán bộ thẩm định và quản trị." in r.content.decode()
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, username="demo_xa", unit=None).count() == 1
    client.force_login(users["huyen"])
    assert client.get("/nhat-ky/").status_code == 200
    # a unit outside the reader's subtree is refused, not silently emptied
    assert client.get("/nhat-ky/", {"unit": "xa:06841@2024"}).status_code == 403


def test_the_page_filters_by_unit_user_action_and_date(users, units, client):
    old = log(Action.SUBMITTED, username="demo_xa", unit=units["nguyen_ly"], obj="cũ")
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=40))
    log(Action.SUBMITTED, username="demo_xa", unit=units["nguyen_ly"], obj="mới")
    log(Action.APPROVED, username="demo_huyen", unit=units["lynhan"], obj="huyện")
    log(Action.APPROVED, username="qn", unit=units["hoanh_mo"], obj="quảng ninh")
    client.force_login(users["huyen"])

    def rows(**params):
        html = client.get("/nhat-ky/", params).content.decode()
        return sorted(o for o in ("cũ", "mới", "huyện", "quảng ninh") if f"<td>{o}</td>" in html)

    assert rows() == ["cũ", "huyện", "mới"]
    assert rows(unit="Hà Nam/Lý Nhân/Nguyên Lý") == ["cũ", "mới"]
    assert rows(user="huyen") == ["huyện"]
    assert rows(action="submitted") == ["cũ", "mới"]
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert rows(**{"from": today}) == ["huyện", "mới"]
    assert rows(to=(timezone.localdate() - dt.timedelta(days=30)).isoformat()) == ["cũ"]
    assert "Ngày không hợp lệ" in client.get("/nhat-ky/", {"from": "31/02/2024"}).content.decode()


def test_the_page_shows_old_and_new_values_and_pages_without_n_plus_1(
    users, units, client, django_assert_max_num_queries
):
    for i in range(60):
        log(
            Action.OBSERVATIONS_SAVED,
            username="demo_xa",
            unit=units["nguyen_ly"],
            obj=f"lần {i}",
            old={"17.1": {"value": "80", "assessment": "chưa đạt"}},
            new={"17.1": {"value": "96,5", "assessment": "đạt"}},
        )
    client.force_login(users["tinh"])
    with django_assert_max_num_queries(9):  # 8, and the menu's count of sheets waiting for review
        html = client.get("/nhat-ky/").content.decode()
    assert "60 sự kiện" in html and "Trang 1/2" in html
    assert "giá trị 80 → <strong>96,5</strong>; đánh giá chưa đạt → <strong>đạt</strong>" in html
    assert "<td>lần 0</td>" in client.get("/nhat-ky/", {"page": 2}).content.decode()
