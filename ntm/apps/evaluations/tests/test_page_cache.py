"""Pages kept between requests (``cache.memo``) show exactly the committed figures: a page is
reused while nothing changed, and the first request after a save, a plan or a unit change shows it.

Test cases run inside a transaction, where the memo is off by design (uncommitted rows are not
reflected in the counters); these tests turn it on (``NTM_MEMO = "always"``) and run the on-commit
callbacks of each write the way a real commit would.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ntm.apps.accounts.testing import one, soup, text, texts
from ntm.apps.evaluations.models import Result
from ntm.apps.evaluations.services import explanation
from ntm.apps.observations.models import Observation
from ntm.apps.observations.workflow import transition
from ntm.apps.units.services import communes_at, resolve_unit
from ntm.core import formatting as fmt
from ntm.core.periods import Period
from ntm.web import cache

from .fixtures import demo_db, login, member, memo_on, ntm_middleware  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db", "ntm_middleware")]

LY_NHAN = "huyen:353@2024"
OVERVIEW = f"/?unit={LY_NHAN}&period=2023-07&set=xa-ntm-2021"
NGUYEN_LY = "xa:13570@2024"
NAM_XANG = "xa:13591@2025"


def sentence(response) -> str:
    """The overview's roll-up sentence, as read."""
    return text(one(response, "#rollup-sentence"))


def at_standard() -> int:
    """Communes of Lý Nhân at the NTM standard in 2023-07, counted from the stored results."""
    ids = [u.id for u in communes_at(resolve_unit(LY_NHAN), Period.parse("2023-07").end) if u.type == "Xã"]
    return Result.objects.filter(unit_id__in=ids, set_code="xa-ntm-2021", period="2023-07", standard_met=True).count()


def result_reads(queries) -> int:
    return sum(1 for q in queries if 'FROM "evaluations_result"' in q["sql"])


def test_outside_a_transaction_only(settings):
    """A request that has written and not committed must not fill the memo with its own rows."""
    settings.NTM_MEMO = "auto"
    assert connection.in_atomic_block and not cache.enabled()
    settings.NTM_MEMO = "off"
    assert not cache.enabled()


def test_changed_raises_the_counter_once_per_commit(django_capture_on_commit_callbacks):
    before = cache.stamp()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            cache.changed("results")
            cache.changed("results")
            cache.changed("plans")
    after = cache.stamp()
    assert after[0] == before[0] + 1 and after[1] == before[1] and after[2] == before[2] + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement raise is PostgreSQL's")
def test_the_one_statement_raise_counts_and_logs_like_the_step_by_step_one():
    from ntm.apps.evaluations.models import DataVersion

    DataVersion.objects.get_or_create(topic="results", defaults={"value": 0})
    first = cache.stamp(("results",))[0]
    pending = cache._Raise("results")
    pending.cover([3, 1], ["2023-08"], True)
    assert pending._in_one_statement()
    assert cache.stamp(("results",))[0] == first + 1
    assert cache.changes_between("results", first, first + 1) == cache.Changes(
        frozenset({1, 3}), frozenset({"2023-08"}), True
    )
    anything = cache._Raise("results")
    anything.cover(None, (), False)
    assert anything._in_one_statement()
    assert cache.changes_between("results", first + 1, first + 2).everything
    assert not cache._Raise("no such topic")._in_one_statement()  # the row is made step by step


def test_a_change_rolled_back_with_its_savepoint_is_not_counted(django_capture_on_commit_callbacks):
    start = cache.stamp(("results",))[0]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            cache.changed("results", units=[11], periods=["2023-07"])
            try:
                with transaction.atomic():
                    cache.changed("results", units=[12], periods=["2023-08"], added=True)
                    raise RuntimeError("this part of the save failed")
            except RuntimeError:
                pass
    now = cache.stamp(("results",))[0]
    assert now == start + 1
    assert cache.changes_between("results", start, now) == cache.Changes(frozenset({11}), frozenset({"2023-07"}), False)


def test_the_pages_cache_keeps_live_objects_bounded_by_their_weight():
    store = cache.ObjectCache("test-bounded", {"TIMEOUT": 60, "OPTIONS": {"MAX_WEIGHT": 3}})
    store.clear()

    class Heavy:
        cache_weight = 2

    first, second = Heavy(), Heavy()
    store.set("first", first)
    assert store.get("first") is first  # the object itself, not a copy
    store.set("second", second)  # 4 > 3: the least recently used goes
    assert store.get("first") is None and store.get("second") is second
    store.set("gone", Heavy(), timeout=0)  # Django's meaning: expired at once
    assert store.get("gone") is None


def test_a_rolled_back_change_raises_nothing(django_capture_on_commit_callbacks):
    before = cache.stamp()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                cache.changed("results")
                raise RuntimeError("the save failed")
        except RuntimeError:
            pass
    assert cache.stamp() == before


def test_the_overview_is_reused_until_an_approved_value_changes_it(
    memo_on, client, member, django_capture_on_commit_callbacks
):
    client.force_login(member("Hà Nam/Lý Nhân", "leader"))
    first = client.get(OVERVIEW)
    met = at_standard()
    assert f"{met}/20 xã đạt chuẩn" in sentence(first)
    with CaptureQueriesContext(connection) as read:
        again = client.get(OVERVIEW)
    assert sentence(again) == sentence(first)
    assert result_reads(read.captured_queries) == 0  # kept: no result read again

    # a commune at the standard loses it: an indicator decided by the official's assessment, set
    # to "chưa đạt" through the entry form by the commune's clerk
    commune = next(
        r
        for r in Result.objects.filter(
            unit__path__startswith=resolve_unit(LY_NHAN).path,
            unit__type="Xã",
            set_code="xa-ntm-2021",
            period="2023-07",
            standard_met=True,
        ).select_related("unit")
    )
    code = next(
        i["code"]
        for i in explanation(commune)["indicator_results"]
        if i["decided_by"] == "assessment" and i["counts_as_met"]
    )
    version = Observation.objects.get(
        unit=commune.unit,
        set_code="xa-ntm-2021",
        period="2023-07",
        indicator=code,
    ).version
    reviewer = member("Hà Nam/Lý Nhân", "reviewer", username="reviewer")
    clerk_user = member(commune.unit.uid, "entry", username="clerk")
    clerk = Client()
    clerk.force_login(clerk_user)
    with django_capture_on_commit_callbacks(execute=True):  # the approved sheet is reopened, then corrected
        transition(commune.unit, "xa-ntm-2021", "2023-07", "reopen", reviewer, "Sửa một chỉ tiêu")
    with django_capture_on_commit_callbacks(execute=True):
        r = clerk.post(
            f"/nhap-lieu/{commune.unit.uid}/xa-ntm-2021/2023-07/",
            {f"a-{code}": "chua_dat", f"v-{code}": "", f"n-{code}": "", f"ver-{code}": version},
        )
    assert r.status_code == 302
    assert at_standard() == met  # a draft changes no published figure
    assert f"{met}/20 xã đạt chuẩn" in sentence(client.get(OVERVIEW))
    with django_capture_on_commit_callbacks(execute=True):
        transition(commune.unit, "xa-ntm-2021", "2023-07", "submit", clerk_user)
    with django_capture_on_commit_callbacks(execute=True):
        transition(commune.unit, "xa-ntm-2021", "2023-07", "approve", reviewer)
    assert at_standard() == met - 1
    after = client.get(OVERVIEW)
    assert f"{met - 1}/20 xã đạt chuẩn ({fmt.percent(met - 1, 20)})" in sentence(after)


def test_without_the_commit_the_kept_page_would_be_stale(memo_on, client, member, django_capture_on_commit_callbacks):
    """The counter, not time, decides: a change whose transaction has not committed (callbacks not
    run) leaves the kept page as it was — which is why readers inside a transaction bypass it."""
    client.force_login(member("Hà Nam/Lý Nhân", "leader"))
    first = sentence(client.get(OVERVIEW))
    Result.objects.filter(
        unit__path__startswith=resolve_unit(LY_NHAN).path, set_code="xa-ntm-2021", period="2023-07"
    ).update(standard_met=False)
    assert sentence(client.get(OVERVIEW)) == first
    with django_capture_on_commit_callbacks(execute=True):
        cache.changed("results")  # what the commit of that write would have done (anything may have changed)
    assert "0/20 xã đạt chuẩn" in sentence(client.get(OVERVIEW))


def test_the_unit_page_shows_a_new_plan_at_once(memo_on, login, django_capture_on_commit_callbacks):
    from ntm.apps.plans.models import PlanTarget

    client = login("Hà Nam/Lý Nhân", "leader")
    url = f"/don-vi/{NGUYEN_LY}/?period=2023-07"

    def plans(page) -> list[str]:
        return texts(page, "section#plans li")

    assert not [p for p in plans(client.get(url)) if "2031" in p]
    with django_capture_on_commit_callbacks(execute=True):
        PlanTarget.objects.create(unit=resolve_unit(NGUYEN_LY), set_code="xa-nang-cao-2021", year=2031)
    assert "Đăng ký đạt chuẩn nông thôn mới nâng cao năm 2031" in plans(client.get(url))


def test_users_who_see_different_units_do_not_share_a_page(memo_on, login):
    url = f"/don-vi/{NAM_XANG}/?period=2023-07"
    local = soup(login(NAM_XANG, "leader").get(url))
    national = soup(login("vn", "leader").get(url))
    # the country in the breadcrumbs is a link only for the user who may open its overview
    assert not [a for a in local.select("[href]") if a["href"].startswith("/?unit=vn")]
    assert [a["href"] for a in national.select("nav.crumbs a") if a["href"].startswith("/?unit=vn")]
