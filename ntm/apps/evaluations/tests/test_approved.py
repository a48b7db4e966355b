"""Published figures come from approved sheets only; reviewers may look at the figures including
unapproved data, and every page, document and API answer made that way says so."""

import pytest

from ntm.apps.accounts.testing import demo_users, seed_cell, with_ntm_middleware
from ntm.apps.evaluations import dataview
from ntm.apps.evaluations.models import Result, ResultAll
from ntm.apps.evaluations.services import rollup_for
from ntm.apps.observations.services import Entry, record_many
from ntm.apps.observations.workflow import transition
from ntm.apps.units.services import resolve_unit

pytestmark = pytest.mark.django_db

SET, PERIOD = "xa-ntm-2021", "2023-07"
LY_NHAN = "huyen:353@2024"


@pytest.fixture(autouse=True)
def _ntm_middleware(settings):
    settings.MIDDLEWARE = with_ntm_middleware(settings.MIDDLEWARE)


@pytest.fixture
def users(db):
    return demo_users()


@pytest.fixture
def units(db):
    return {
        "district": resolve_unit(LY_NHAN),
        "nguyen_ly": resolve_unit("xa:13570@2024"),
        "cong_ly": resolve_unit("Hà Nam/Lý Nhân/Công Lý"),
        "tien_thang": resolve_unit("Hà Nam/Lý Nhân/Tiến Thắng"),
    }


def published(district):
    r = rollup_for(district, SET, PERIOD, view=dataview.APPROVED)
    return r.units_with_results, r.units_at_standard, r.average_criteria


def working(district):
    r = rollup_for(district, SET, PERIOD, view=dataview.ALL)
    return r.units_with_results, r.units_at_standard, r.average_criteria


def test_a_draft_changes_no_published_figure_until_it_is_approved(users, units):
    district, nl = units["district"], units["nguyen_ly"]
    seed_cell(units["cong_ly"], approved=True)  # one commune published: 18/19
    before = published(district)
    assert before == (1, 0, 18.0)

    seed_cell(nl, unmet=())  # a full sheet saved as a draft: 19/19, at the standard
    assert published(district) == before
    assert not Result.objects.filter(unit=nl).exists()
    assert working(district) == (2, 1, 18.5)  # the reviewer's view has it at once

    transition(nl, SET, PERIOD, "submit", users["xa"])
    assert published(district) == before  # submitted: still not published
    transition(nl, SET, PERIOD, "return", users["huyen"], "Kiểm tra lại tiêu chí 17")
    assert published(district) == before

    transition(nl, SET, PERIOD, "submit", users["xa"])
    transition(nl, SET, PERIOD, "approve", users["huyen"])
    assert published(district) == (2, 1, 18.5)
    assert Result.objects.get(unit=nl, set_code=SET, period=PERIOD).criteria_met == 19


def test_a_reopened_sheet_keeps_its_approved_figures_until_approved_again(users, units):
    district, nl = units["district"], units["nguyen_ly"]
    seed_cell(nl)  # 18/19
    transition(nl, SET, PERIOD, "submit", users["xa"])
    transition(nl, SET, PERIOD, "approve", users["huyen"])
    assert published(district) == (1, 0, 18.0)

    transition(nl, SET, PERIOD, "reopen", users["huyen"], "Sửa tiêu chí 17")
    record_many(
        [Entry(nl, SET, PERIOD, code, assessment=True, expected_version=1) for code in ("17.1", "17.2")],
        user=users["xa"],
    )
    assert published(district) == (1, 0, 18.0)  # the corrected values are not approved yet
    assert working(district) == (1, 1, 19.0)
    # the explanation of the published result is that of the approved values
    from ntm.apps.evaluations.services import explanation

    detail = explanation(Result.objects.get(unit=nl, set_code=SET, period=PERIOD))
    assert {i["code"]: i["status"] for i in detail["indicator_results"]}["17.1"] == "not_met"

    transition(nl, SET, PERIOD, "submit", users["xa"])
    transition(nl, SET, PERIOD, "approve", users["huyen"])
    assert published(district) == (1, 1, 19.0)


def test_the_overview_shows_approved_figures_and_a_reviewer_may_include_the_rest(users, units, client):
    seed_cell(units["cong_ly"], approved=True)
    seed_cell(units["nguyen_ly"], unmet=())  # a draft
    url = f"/?unit={LY_NHAN}&set={SET}&period={PERIOD}"

    client.force_login(users["quocgia"])  # a leader: approved figures only
    html = client.get(url).content.decode()
    assert "1 xã đạt bình quân 18/19 tiêu chí" in html
    assert "Gồm cả số liệu chưa duyệt" not in html

    client.force_login(users["huyen"])  # a reviewer switches
    r = client.post("/so-lieu/", {"view": "all", "next": url})
    assert r.status_code == 302 and r["Location"] == url
    html = client.get(url).content.decode()
    assert "2 xã đạt bình quân 18,5/19 tiêu chí" in html
    assert "Đang xem gồm cả số liệu chưa duyệt" in html  # the banner of every page
    assert 'class="dataview-mark"' in html  # and the mark beside the figures
    assert (
        "Gồm cả số liệu chưa duyệt" in client.get(f"/don-vi/{units['nguyen_ly'].uid}/?period={PERIOD}").content.decode()
    )
    client.post("/so-lieu/", {"view": "approved", "next": url})
    assert "1 xã đạt bình quân 18/19 tiêu chí" in client.get(url).content.decode()

    # someone who does not review cannot switch, not even by forging the session
    client.force_login(users["xa"])
    assert client.post("/so-lieu/", {"view": "all", "next": url}).status_code == 403
    session = client.session
    session[dataview.SESSION_KEY] = "all"
    session.save()
    assert "Đang xem gồm cả số liệu chưa duyệt" not in client.get(f"/don-vi/{units['nguyen_ly'].uid}/").content.decode()


def test_a_draft_in_a_new_period_does_not_become_the_default_period(users, units, client):
    """The demo's bug: one draft indicator for 3/2024 made the overviews open on "tháng 3/2024"."""
    seed_cell(units["cong_ly"], approved=True)
    record_many([Entry(units["nguyen_ly"], SET, "2024-03", "1.1", assessment=True)], user=users["xa"])
    client.force_login(users["huyen"])
    html = client.get(f"/?unit={LY_NHAN}&set={SET}").content.decode()
    assert "Tổng quan: Huyện Lý Nhân — tháng 7/2023" in html
    assert "tháng 3/2024" not in html  # not even in the list of periods
    # a reviewer who includes unapproved data may choose it, but the default stays on approved data
    client.post("/so-lieu/", {"view": "all"})
    html = client.get(f"/?unit={LY_NHAN}&set={SET}").content.decode()
    assert "Tổng quan: Huyện Lý Nhân — tháng 7/2023" in html and "tháng 3/2024" in html


def test_documents_made_from_unapproved_data_say_so(users, units):
    from ntm.apps.reports.services import bulletin, dossier
    from ntm.core.reports.model import to_text

    seed_cell(units["cong_ly"], approved=True)
    seed_cell(units["nguyen_ly"], unmet=())
    doc, data = bulletin(units["district"], PERIOD)
    assert not data.includes_unapproved and doc.meta["includes_unapproved"] is False
    text = to_text(doc)
    assert "Xã Công Lý: đạt 18/19 tiêu chí" in text and "Xã Nguyên Lý: đạt" not in text
    assert "GỒM CẢ SỐ LIỆU CHƯA DUYỆT" not in text and dataview.UNAPPROVED_NOTE not in text

    with dataview.reading(dataview.ALL):
        doc, data = bulletin(units["district"], PERIOD)
        assert data.includes_unapproved
        text = to_text(doc)
        assert "Xã Nguyên Lý: đạt 19/19 tiêu chí" in text
        assert "GỒM CẢ SỐ LIỆU CHƯA DUYỆT" in text and dataview.UNAPPROVED_NOTE in text
        assert doc.filename.endswith("-chua-duyet")
        ddoc, ddata = dossier(units["nguyen_ly"], SET, PERIOD)
        assert ddata.includes_unapproved and ddoc.blocks[0].text == dataview.UNAPPROVED_NOTE

    with pytest.raises(Exception, match="Chưa có kết quả đánh giá của Xã Nguyên Lý"):
        dossier(units["nguyen_ly"], SET, PERIOD)  # nothing approved for it yet


def test_the_api_answers_with_approved_results_unless_a_reviewer_asks(users, units, client):
    seed_cell(units["cong_ly"], approved=True)
    seed_cell(units["nguyen_ly"], unmet=())
    client.force_login(users["huyen"])
    rows = client.get(f"/api/v1/results/?unit={LY_NHAN}&set={SET}&period={PERIOD}").json()["results"]
    assert [(r["unit_name"], r["includes_unapproved"]) for r in rows] == [("Xã Công Lý", False)]
    rows = client.get(f"/api/v1/results/?unit={LY_NHAN}&set={SET}&period={PERIOD}&include_unapproved=true").json()[
        "results"
    ]
    assert sorted((r["unit_name"], r["criteria_met"], r["includes_unapproved"]) for r in rows) == [
        ("Xã Công Lý", 18, True),
        ("Xã Nguyên Lý", 19, True),
    ]
    roll = client.get(f"/api/v1/rollups/?unit={LY_NHAN}&set={SET}&period={PERIOD}").json()
    assert (roll["units_with_results"], roll["includes_unapproved"]) == (1, False)
    roll = client.get(f"/api/v1/rollups/?unit={LY_NHAN}&set={SET}&period={PERIOD}&include_unapproved=1").json()
    assert (roll["units_with_results"], roll["includes_unapproved"]) == (2, True)

    body = client.get(f"/api/v1/reports/bulletin/?unit={LY_NHAN}&period={PERIOD}").json()
    assert "Xã Nguyên Lý: đạt" not in body["text"] and body["figures"]["includes_unapproved"] is False
    body = client.get(f"/api/v1/reports/bulletin/?unit={LY_NHAN}&period={PERIOD}&include_unapproved=true").json()
    assert "Xã Nguyên Lý: đạt 19/19" in body["text"] and "GỒM CẢ SỐ LIỆU CHƯA DUYỆT" in body["title"]

    client.force_login(users["xa"])  # entry role only
    r = client.get("/api/v1/results/?unit=xa:13570@2024&include_unapproved=true")
    assert r.status_code == 403 and "thẩm định" in r.json()["detail"]


def test_a_result_export_follows_the_view_and_names_it(users, units):
    from ntm.apps.observations.exchange import build_export

    seed_cell(units["cong_ly"], approved=True)
    seed_cell(units["nguyen_ly"], unmet=())
    e = build_export("results", "csv", unit=units["district"], user=users["huyen"], set_code=SET, period=PERIOD)
    text = "".join(e.text)
    assert "Xã Công Lý" in text and "Xã Nguyên Lý" not in text and "chua-duyet" not in e.filename
    with dataview.reading(dataview.ALL):
        e = build_export("results", "csv", unit=units["district"], user=users["huyen"], set_code=SET, period=PERIOD)
        text = "".join(e.text)
    assert "Xã Nguyên Lý" in text and e.filename.endswith("-gom-chua-duyet.csv")


def test_a_full_reevaluation_keeps_both_views(users, units):
    from ntm.apps.evaluations.tasks import run_reevaluation, start_reevaluation

    seed_cell(units["cong_ly"], approved=True)
    seed_cell(units["nguyen_ly"], unmet=())
    before = (published(units["district"]), working(units["district"]))
    run = start_reevaluation([SET], [PERIOD], enqueue=False)
    run_reevaluation(run.pk)
    assert (published(units["district"]), working(units["district"])) == before
    assert not Result.objects.filter(unit=units["nguyen_ly"]).exists()
    assert ResultAll.objects.get(unit=units["nguyen_ly"], set_code=SET, period=PERIOD).criteria_met == 19


def test_the_upgrade_keeps_published_only_what_was_approved(users, units):
    """The data steps of the two migrations, run on rows as the previous version stored them: every
    result becomes a figure including unapproved data, only the results of approved sheets stay
    published. (The step of observations 0004 — an approved sheet's current values become its approved
    ones — ran on the table of every version, which migration 0007 split: see test_migration_history.)"""
    import importlib

    from django.apps import apps
    from django.db import connection

    from ntm.apps.evaluations.models import RollupState, RollupStateAll

    seed_cell(units["cong_ly"])
    seed_cell(units["nguyen_ly"])
    for u in (units["cong_ly"], units["nguyen_ly"]):  # as stored before: results written on save
        for r in ResultAll.objects.filter(unit=u):
            Result.objects.create(
                **{f.name: getattr(r, f.name) for f in ResultAll._meta.concrete_fields if f.name != "id"}
            )
    ResultAll.objects.all().delete()
    RollupStateAll.objects.all().delete()
    RollupState.objects.create(set_code=SET, period=PERIOD, generation=0, edition="2024", built_at="2023-08-01T00:00Z")
    transition(units["cong_ly"], SET, PERIOD, "submit", users["huyen"])
    from ntm.apps.observations.models import Submission

    Submission.objects.filter(unit=units["cong_ly"]).update(state="approved")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    importlib.import_module("ntm.apps.evaluations.migrations.0006_approved_results_all").two_views(apps, editor)

    assert set(Result.objects.values_list("unit__short_name", flat=True)) == {"Công Lý"}
    assert set(ResultAll.objects.values_list("unit__short_name", flat=True)) == {"Công Lý", "Nguyên Lý"}
    assert not RollupState.objects.filter(set_code=SET, period=PERIOD).exists()  # computed again when read
    assert RollupStateAll.objects.filter(set_code=SET, period=PERIOD).exists()
    assert published(units["district"]) == (1, 0, 18.0)


def test_published_rollups_follow_each_approval_and_equal_the_computed_ones(users, units):
    from ntm.apps.evaluations.services import computed_rollup, stored_rollup
    from ntm.core.catalog import default_catalog
    from ntm.core.periods import Period

    cs, p = default_catalog().get(SET), Period.parse(PERIOD)
    parents = [units["district"], resolve_unit("Hà Nam"), resolve_unit("vn")]

    def check():
        for parent in parents:
            stored = stored_rollup(parent, cs, p, p.end, dataview.APPROVED)
            assert stored is not None and stored == computed_rollup(parent, cs, p, p.end, view=dataview.APPROVED)

    seed_cell(units["cong_ly"], approved=True)
    seed_cell(units["tien_thang"], unmet=("1.1",), approved=True)
    seed_cell(units["nguyen_ly"], unmet=())
    transition(units["nguyen_ly"], SET, PERIOD, "submit", users["xa"])
    transition(units["nguyen_ly"], SET, PERIOD, "approve", users["huyen"])
    check()
    assert stored_rollup(units["district"], cs, p, p.end, dataview.APPROVED).units_with_results == 3
    transition(units["nguyen_ly"], SET, PERIOD, "reopen", users["huyen"], "Sửa")
    record_many([Entry(units["nguyen_ly"], SET, PERIOD, "5", assessment=False, expected_version=1)], user=users["xa"])
    check()  # unchanged by the draft
    transition(units["nguyen_ly"], SET, PERIOD, "submit", users["xa"])
    transition(units["nguyen_ly"], SET, PERIOD, "approve", users["huyen"])
    check()
    assert published(units["district"]) == (3, 0, 18.0)
