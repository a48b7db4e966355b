"""Whole pages kept per user (``cache.kept_page``): the second identical request is answered
without running the view, yet what each user sees stays right — their own name and menu, a CSRF
token their session accepts, a message waiting after a save, a lost right, a save to one of the
page's communes.
"""

from __future__ import annotations

import copy

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ntm.apps.accounts.models import Membership
from ntm.apps.accounts.testing import csrf_token, one, soup, text, texts
from ntm.apps.evaluations.models import Result, ResultAll
from ntm.apps.units.services import resolve_unit
from ntm.web import cache

from .fixtures import demo_db, login, member, memo_on, ntm_middleware  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db", "ntm_middleware")]

LY_NHAN = "huyen:353@2024"
OVERVIEW = f"/?unit={LY_NHAN}&period=2023-07&set=xa-ntm-2021"
NGUYEN_LY = "xa:13570@2024"
UNIT_PAGE = f"/don-vi/{NGUYEN_LY}/?period=2023-07"


def unit_reads(queries) -> int:
    """Queries a view makes and a kept page does not: looking up units."""
    return sum(1 for q in queries if 'FROM "units_unit"' in q["sql"])


def without_tokens(page):
    """A copy of the parsed page with its CSRF tokens (form fields and htmx headers) taken out."""
    page = copy.copy(soup(page))
    for field in page.select("input[name=csrfmiddlewaretoken]"):
        del field["value"]
    for node in page.select("[hx-headers]"):
        del node["hx-headers"]
    return page


def reopen(unit, member, django_capture_on_commit_callbacks) -> None:
    """The demo's approved sheet of ``unit`` (xa-ntm-2021, 2023-07) reopened by the district, so that
    the commune may save again (its commit run)."""
    from ntm.apps.observations.workflow import transition

    reviewer = member("Hà Nam/Lý Nhân", "reviewer", username=f"reviewer{unit.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        transition(unit, "xa-ntm-2021", "2023-07", "reopen", reviewer, "Sửa số liệu")


def working_view(client) -> None:
    """The reviewer's view "gồm cả số liệu chưa duyệt": the figures a save changes."""
    from ntm.apps.evaluations import dataview

    session = client.session
    session[dataview.SESSION_KEY] = dataview.ALL.code
    session.save()


def save_planning_unmet(client, unit, django_capture_on_commit_callbacks) -> None:
    """Through the entry form: the commune's planning indicator (the first of xa-ntm-2021) is no
    longer met in 2023-07 — a commune at the NTM standard loses it. The save's commit is run."""
    from ntm.apps.observations.models import Observation
    from ntm.core.catalog import default_catalog

    code = default_catalog().get("xa-ntm-2021").indicators[0].code
    o = Observation.objects.filter(
        unit=unit,
        set_code="xa-ntm-2021",
        period="2023-07",
        indicator=code,
    ).first()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/nhap-lieu/{unit.uid}/xa-ntm-2021/2023-07/",
            {f"a-{code}": "chua_dat", f"v-{code}": "", f"n-{code}": "kiểm tra", f"ver-{code}": o.version if o else 0},
        )
    assert r.status_code == 302


def test_a_kept_page_is_served_without_the_view_and_with_a_working_token(memo_on, member, client):
    from django.test import Client

    user = member("Hà Nam/Lý Nhân", "leader")
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    first = c.get(OVERVIEW)
    with CaptureQueriesContext(connection) as read:
        again = c.get(OVERVIEW)
    assert again.status_code == 200 and unit_reads(read.captured_queries) == 0
    a, b = soup(first), soup(again)
    assert csrf_token(a) != csrf_token(b)  # a fresh token each time…
    assert one(a, "body")["hx-headers"] != one(b, "body")["hx-headers"]
    assert without_tokens(a) == without_tokens(b)  # …in a page otherwise the same
    # …that the session accepts: switch the language with the kept page's form
    r = c.post(reverse("set-language"), {"csrfmiddlewaretoken": csrf_token(b), "language": "en", "next": OVERVIEW})
    assert r.status_code == 302
    # the English page, not the kept Vietnamese one: its switch offers Vietnamese
    assert one(c.get(OVERVIEW), "form#language-switch button[name=language]")["value"] == "vi"


def test_each_user_sees_their_own_name(memo_on, member):
    from django.test import Client

    pages = []
    for name in ("Nguyễn Văn An", "Trần Thị Bình"):
        first, last = name.rsplit(" ", 1)
        user = member("Hà Nam/Lý Nhân", "leader", username=last.lower())
        user.first_name, user.last_name = last, first
        user.save()
        c = Client()
        c.force_login(user)
        c.get(OVERVIEW)
        pages.append(c.get(OVERVIEW))
    assert text(one(pages[0], "div.user a.who")) == "An Nguyễn Văn"
    assert text(one(pages[1], "div.user a.who")) == "Bình Trần Thị"
    assert "Bình Trần Thị" not in text(pages[0]) and "An Nguyễn Văn" not in text(pages[1])


def test_a_waiting_message_is_shown_not_a_kept_page(memo_on, member, client, django_capture_on_commit_callbacks):
    clerk = member(NGUYEN_LY, "entry", "leader", username="clerk")
    client.force_login(clerk)
    reopen(resolve_unit(NGUYEN_LY), member, django_capture_on_commit_callbacks)
    client.get(UNIT_PAGE)
    client.get(UNIT_PAGE)  # kept
    from ntm.apps.observations.models import Observation

    o = Observation.objects.filter(
        unit=resolve_unit(NGUYEN_LY),
        set_code="xa-ntm-2021",
        period="2023-07",
    ).first()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/nhap-lieu/{NGUYEN_LY}/xa-ntm-2021/2023-07/",
            {
                f"a-{o.indicator}": "dat" if o.assessment != "đạt" else "chua_dat",
                f"v-{o.indicator}": "",
                f"n-{o.indicator}": "ghi chú",
                f"ver-{o.indicator}": o.version,
            },
        )
    assert r.status_code == 302
    messages = texts(client.get(UNIT_PAGE), ".messages")
    assert len(messages) == 1 and "Đã lưu 1 chỉ tiêu" in messages[0]  # the save's message, once
    assert not soup(client.get(UNIT_PAGE)).select(".messages")


def test_a_user_who_loses_the_right_gets_no_kept_page(memo_on, member, client):
    user = member("Hà Nam/Lý Nhân", "leader")
    client.force_login(user)
    assert client.get(OVERVIEW).status_code == 200
    assert client.get(OVERVIEW).status_code == 200
    Membership.objects.filter(user=user).delete()
    assert client.get(OVERVIEW).status_code == 403


def test_a_save_elsewhere_keeps_the_page_a_save_here_rebuilds_it(
    memo_on, member, client, django_capture_on_commit_callbacks
):
    client.force_login(member("Hà Nam/Lý Nhân", "leader"))
    client.get(OVERVIEW)
    ly_nhan = resolve_unit(LY_NHAN).path
    other = (
        Result.objects.filter(period="2023-07", set_code="xa-ntm-2021")
        .exclude(unit__path__startswith=ly_nhan)
        .values_list("unit_id", flat=True)
        .first()
    )
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            cache.changed("results", units=[other], periods=["2023-07"])
    with CaptureQueriesContext(connection) as read:
        client.get(OVERVIEW)
    assert unit_reads(read.captured_queries) == 0  # still kept
    here = Result.objects.filter(
        unit__path__startswith=ly_nhan, unit__type="Xã", period="2023-07", set_code="xa-ntm-2021", standard_met=True
    ).first()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            Result.objects.filter(pk=here.pk).update(standard_met=False)
            cache.changed("results", units=[here.unit_id], periods=["2023-07"])
    with CaptureQueriesContext(connection) as read:
        page = client.get(OVERVIEW)
    # only the part that shows results is rendered again, into the kept page: no unit looked up
    assert unit_reads(read.captured_queries) == 0
    met = Result.objects.filter(
        unit__path__startswith=ly_nhan, unit__type="Xã", period="2023-07", set_code="xa-ntm-2021", standard_met=True
    ).count()
    assert f"{met}/20 xã đạt chuẩn" in text(one(page, "#rollup-sentence"))


def test_after_a_save_the_overview_shows_the_new_figures_and_the_message_once(
    memo_on, member, client, django_capture_on_commit_callbacks
):
    client.force_login(member("Hà Nam/Lý Nhân", "entry", "reviewer", username="clerk"))
    working_view(client)
    # a commune at the NTM standard loses it: its planning indicator is no longer met
    here = ResultAll.objects.filter(
        unit__path__startswith=resolve_unit(LY_NHAN).path,
        unit__type="Xã",
        period="2023-07",
        set_code="xa-ntm-2021",
        standard_met=True,
    ).first()
    reopen(here.unit, member, django_capture_on_commit_callbacks)
    before = client.get(OVERVIEW)
    save_planning_unmet(client, here.unit, django_capture_on_commit_callbacks)
    here.refresh_from_db()
    assert here.standard_met is False
    with CaptureQueriesContext(connection) as read:
        page = client.get(OVERVIEW)
    assert unit_reads(read.captured_queries) == 0  # the kept page, its results part rendered again
    assert "Đã lưu 1 chỉ tiêu" in " ".join(texts(page, ".messages"))  # the save's message…
    met = ResultAll.objects.filter(
        unit__path__startswith=resolve_unit(LY_NHAN).path,
        unit__type="Xã",
        period="2023-07",
        set_code="xa-ntm-2021",
        standard_met=True,
    ).count()
    sentence = f"{met}/20 xã đạt chuẩn"
    assert sentence in text(one(page, "#rollup-sentence")) and sentence not in text(one(before, "#rollup-sentence"))
    again = client.get(OVERVIEW)
    assert "Đã lưu" not in text(again)  # …once
    assert sentence in text(one(again, "#rollup-sentence"))


def test_a_province_page_patched_after_a_save_is_the_page_computed_anew(
    memo_on, member, client, django_capture_on_commit_callbacks
):
    """After a save, the kept province overview is patched: one commune's point on the map changes
    colour, one district's row is counted again, the figures move. The result must be the page a
    first visit computes from scratch, byte for byte."""
    province = resolve_unit("Hà Nam")
    url = f"/?unit={province.uid}&period=2023-07&set=xa-ntm-2021"
    client.force_login(member("Hà Nam", "entry", "reviewer", username="clerk"))
    working_view(client)
    here = (
        ResultAll.objects.filter(
            unit__path__startswith=province.path,
            unit__type="Xã",
            period="2023-07",
            set_code="xa-ntm-2021",
            standard_met=True,
        )
        .select_related("unit")
        .first()
    )
    reopen(here.unit, member, django_capture_on_commit_callbacks)
    before = client.get(url).content.decode()

    def point(html: str) -> list[str]:
        """The classes of the commune's point on the map."""
        return one(html, f'svg.map circle.commune[data-uid="{here.unit.uid}"]')["class"]

    assert "s-below" not in point(before) and "s-ntm" in point(before)
    save_planning_unmet(client, here.unit, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as read:
        patched = client.get(url).content.decode()
    assert unit_reads(read.captured_queries) == 0  # patched, not computed again
    assert point(patched) == ["commune", "s-below"]
    cache.clear()
    computed = client.get(url).content.decode()

    def region(html: str) -> str:
        return html[html.index(cache._REGION[0]) : html.index(cache._REGION[1])]

    assert region(patched) != region(before)
    assert region(patched) == region(computed)


def test_a_kept_page_announces_a_background_run_from_its_start_to_its_end(
    memo_on, member, client, django_capture_on_commit_callbacks
):
    """A run queued or ended is not a change of results: the "runs" counter builds kept pages again,
    the notice included (the region alone would have kept the old notice around it)."""
    from ntm.apps.evaluations import tasks

    client.force_login(member("Hà Nam/Lý Nhân", "leader"))
    assert "Đang đánh giá lại" not in text(client.get(OVERVIEW))
    # each in its own transaction (a savepoint here), whose commit is run, as the command and the worker do
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        run = tasks.start_reevaluation(["xa-ntm-2021"], ["2023-07"], reason="nhập cả huyện", enqueue=False)
    assert f"Đang đánh giá lại trong nền (lượt #{run.pk}" in text(one(client.get(OVERVIEW), "#reevaluation"))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        tasks.run_reevaluation(run.pk)
    page = soup(client.get(OVERVIEW))
    assert "Đang đánh giá lại" not in text(page) and len(page.select("#reevaluation")) == 1
