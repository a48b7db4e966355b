"""Plans: communes registered to reach a standard by a year, plan vs actual, communes at risk, and
the programme's 2025 targets against the actual share (demo data)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ntm.apps.evaluations.models import Result
from ntm.apps.evaluations.tests.fixtures import demo_db, login, member, ntm_middleware  # noqa: F401
from ntm.apps.plans.models import PlanTarget, ProgrammeTarget
from ntm.apps.plans.targets import TARGETS_FILE, read_targets
from ntm.apps.units.models import Unit
from ntm.apps.units.services import communes_at, resolve_unit
from ntm.core import formatting as fmt
from ntm.core.periods import Period

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db", "ntm_middleware", "no_sample_plans")]


@pytest.fixture
def no_sample_plans(demo_db):
    """These tests register plans themselves: start without the demo's sample plans and decisions
    (removed inside the test's transaction, so they are back afterwards)."""
    from ntm.apps.plans.models import Recognition
    from ntm.demo import DEMO_NOTE

    PlanTarget.objects.filter(note=DEMO_NOTE).delete()
    Recognition.objects.filter(note=DEMO_NOTE).delete()


LY_NHAN = "huyen:353@2024"
BINH_LIEU = "huyen:198@2024"


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def text(response) -> str:
    """The page's visible words, one space apart (no style, script or drawing)."""
    soup = page(response)
    for tag in soup(["style", "script", "svg"]):
        tag.decompose()
    return " ".join(soup.get_text(" ").split())


def cells(row) -> list[str]:
    return [" ".join(td.get_text(" ").split()) for td in row.find_all("td")]


def xa(district: str) -> list[Unit]:
    return [u for u in communes_at(resolve_unit(district), Period.parse("2023-12").end) if u.type == "Xã"]


def result(unit: Unit, set_code: str = "xa-ntm-2021", period: str = "2023-12") -> Result:
    return Result.objects.get(unit=unit, set_code=set_code, period=period)


# -- the programme's targets ---------------------------------------------------------------------
def test_programme_targets_ship_with_their_source():
    rows = read_targets()
    assert len(rows) == 16 + 3  # 2025: 8 commune shares + 8 district shares; 2030: 2 shares + 1 count
    assert ProgrammeTarget.objects.count() == 19  # loaded by the migrations
    dbsh = ProgrammeTarget.objects.get(level="commune", region="DBSH", year=2025)
    assert dbsh.min_share == Decimal("100") and dbsh.decision == "QĐ 263/QĐ-TTg"
    assert dbsh.source.startswith("https://asemconnectvietnam.gov.vn") and dbsh.tag == "NEWS"
    national = ProgrammeTarget.objects.get(level="commune", region="", year=2025)
    assert national.min_share == Decimal("80")
    assert {t.region: int(t.min_share) for t in ProgrammeTarget.objects.filter(level="district", year=2025)} == {
        "": 50,
        "TDMNPB": 30,
        "DBSH": 90,
        "BTB": 45,
        "DHNTB": 35,
        "TN": 30,
        "DNB": 80,
        "DBSCL": 35,
    }
    assert "QĐ 263/QĐ-TTg" in TARGETS_FILE.read_text(encoding="utf-8")
    # 2030 (QĐ 417/QĐ-BNNMT): "khoảng 65%" of communes at NTM, "khoảng 10%" hiện đại, 5 provinces complete
    goals = {(t.level, t.tier): t.goal for t in ProgrammeTarget.objects.filter(year=2030)}
    assert goals == {
        ("commune", "ntm"): "khoảng 65%",
        ("commune", "hien_dai"): "khoảng 10%",
        ("province", "ntm"): "≥ 5 tỉnh",
    }
    assert {t.decision for t in ProgrammeTarget.objects.filter(year=2030)} == {"QĐ 417/QĐ-BNNMT"}


def test_targets_against_the_actual_share_among_communes_with_data(login):
    communes = xa(LY_NHAN)
    met = sum(result(u).standard_met for u in communes)
    r = login("Hà Nam/Lý Nhân").get("/ke-hoach/", {"unit": LY_NHAN, "period": "2023-12"})
    assert r.status_code == 200
    row = cells(page(r).find("tr", attrs={"data-region": "DBSH"}))
    assert row[0] == "Vùng Đồng bằng sông Hồng — các xã của Huyện Lý Nhân"
    assert row[1] == "≥ 100%"
    assert row[3:6] == ["20", str(met), fmt.percent(met, 20)]
    assert f"còn thiếu {fmt.number(100 - 100 * met / 20, 2)} điểm %" in row[6]
    assert "tỷ lệ thực tế chỉ tính trên các xã đã có kết quả đánh giá trong hệ thống" in text(r)
    assert "QĐ 263/QĐ-TTg ngày 22/02/2022" in text(r)


def test_national_targets_cover_each_region_with_communes(login):
    r = login("vn", "leader").get("/ke-hoach/", {"unit": "vn", "period": "2023-12"})
    regions = [tr["data-region"] for tr in page(r).find_all("tr", attrs={"data-region": True})]
    assert regions[0] == "national" and set(regions) == {"national"} | set(
        Unit.objects.filter(level="commune", edition="2024", type="Xã").values_list("region", flat=True).distinct()
    )
    national = cells(page(r).find("tr", attrs={"data-region": "national"}))
    ids = [u.id for u in xa(LY_NHAN) + xa(BINH_LIEU)]
    met = Result.objects.filter(unit_id__in=ids, set_code="xa-ntm-2021", period="2023-12", standard_met=True).count()
    assert national[1] == "≥ 80%" and national[5] == fmt.percent(met, 26)  # over the 26 xã with data only
    assert "Mục tiêu cấp huyện" in text(r)


# -- registering plans -------------------------------------------------------------------------
def test_district_office_registers_a_commune(login):
    client = login("Hà Nam/Lý Nhân", "entry")
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    form = client.get("/ke-hoach/them/", {"unit": LY_NHAN, "period": "2023-12"})
    assert form.status_code == 200
    options = [o["value"] for o in page(form).select("select[name=unit] option") if o["value"]]
    assert str(nguyen_ly.id) in options and len([o for o in options]) >= 20
    r = client.post(
        "/ke-hoach/them/?unit=huyen:353@2024&period=2023-12",
        {"unit": nguyen_ly.id, "set_code": "xa-nang-cao-2021", "year": 2024, "note": "Đăng ký theo NQ HĐND"},
    )
    assert r.status_code == 302
    plan = PlanTarget.objects.get(unit=nguyen_ly)
    assert (plan.set_code, plan.year, plan.created_by.username) == ("xa-nang-cao-2021", 2024, "u1")
    listing = text(client.get("/ke-hoach/", {"unit": LY_NHAN, "period": "2023-12"}))
    assert "Xã Nguyên Lý nông thôn mới nâng cao 2024" in listing
    # the same commune and standard twice: a clear message, no duplicate
    r = client.post(
        "/ke-hoach/them/?unit=huyen:353@2024", {"unit": nguyen_ly.id, "set_code": "xa-nang-cao-2021", "year": 2025}
    )
    assert r.status_code == 200 and "đã đăng ký chuẩn này (năm 2024)" in text(r)
    assert PlanTarget.objects.filter(unit=nguyen_ly).count() == 1


def test_a_commune_cannot_register_itself(login):
    client = login("Hà Nam/Lý Nhân/Nguyên Lý", "entry")
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    assert client.get("/ke-hoach/them/", {"unit": nguyen_ly.uid}).status_code == 403
    r = client.post(
        f"/ke-hoach/them/?unit={nguyen_ly.uid}", {"unit": nguyen_ly.id, "set_code": "xa-ntm-2021", "year": 2024}
    )
    assert r.status_code == 403 and not PlanTarget.objects.exists()


def test_a_leader_can_read_plans_but_not_register(login, member):
    PlanTarget.objects.create(unit=resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý"), set_code="xa-ntm-2021", year=2023)
    client = login("Hà Nam/Lý Nhân", "leader")
    r = client.get("/ke-hoach/", {"unit": LY_NHAN, "period": "2023-12"})
    assert r.status_code == 200 and "Xã Nguyên Lý" in text(r)
    assert "Đăng ký xã đạt chuẩn" not in text(r) and "/sua/" not in r.content.decode()
    assert client.get("/ke-hoach/them/", {"unit": LY_NHAN}).status_code == 403


def test_the_national_level_reads_a_communes_plan_and_changes_nothing(login):
    """The national account («lãnh đạo (xem)», here with every role on the country) changed the plans of
    a province's communes; registering a commune's plan belongs to its district and province."""
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    plan = PlanTarget.objects.create(unit=nguyen_ly, set_code="xa-ntm-2021", year=2023)
    client = login("vn", "reviewer", "leader", "admin", "entry")
    r = client.get("/ke-hoach/", {"unit": LY_NHAN, "period": "2023-12"})
    assert r.status_code == 200 and "Xã Nguyên Lý" in text(r)
    assert "Đăng ký xã đạt chuẩn" not in text(r) and "/sua/" not in r.content.decode()
    assert client.get("/ke-hoach/them/", {"unit": LY_NHAN}).status_code == 403
    assert (
        client.post(
            "/ke-hoach/them/?unit=huyen:353@2024", {"unit": nguyen_ly.id, "set_code": "xa-nang-cao-2021", "year": 2025}
        ).status_code
        == 403
    )
    assert client.post(f"/ke-hoach/{plan.pk}/sua/", {"set_code": "xa-ntm-2021", "year": 2030}).status_code == 403
    assert client.post(f"/ke-hoach/{plan.pk}/xoa/").status_code == 403
    assert list(PlanTarget.objects.values_list("unit", "set_code", "year")) == [(nguyen_ly.id, "xa-ntm-2021", 2023)]


def test_any_query_parameter_is_kept_by_the_risk_form_even_one_named_items(login):
    """The "N" form re-sends the page's parameters; a parameter named "items" (or "keys") crashed the
    page (the template read request.GET.items as that parameter)."""
    r = login("Hà Nam/Lý Nhân").get("/ke-hoach/", {"unit": LY_NHAN, "period": "2023-12", "items": "1", "keys": "x"})
    assert r.status_code == 200
    hidden = {i["name"]: i["value"] for i in page(r).find_all("input", attrs={"type": "hidden"})}
    assert hidden["items"] == "1" and hidden["keys"] == "x" and "n" not in hidden


def test_plans_of_another_district_are_invisible_and_untouchable(login):
    luc_hon = next(u for u in xa(BINH_LIEU))
    plan = PlanTarget.objects.create(unit=luc_hon, set_code="xa-ntm-2021", year=2024)
    client = login("Hà Nam/Lý Nhân", "entry", "reviewer")
    # not in the list of their own district, not reachable by id, not postable through their district
    assert luc_hon.name not in text(client.get("/ke-hoach/", {"unit": LY_NHAN}))
    assert client.get(f"/ke-hoach/{plan.pk}/sua/").status_code == 404
    assert client.post(f"/ke-hoach/{plan.pk}/xoa/").status_code == 404
    r = client.post(
        "/ke-hoach/them/?unit=huyen:353@2024", {"unit": luc_hon.id, "set_code": "xa-nang-cao-2021", "year": 2025}
    )
    assert r.status_code == 200 and "Xã này không thuộc các xã bạn được đăng ký kế hoạch." in text(r)
    assert PlanTarget.objects.filter(unit=luc_hon).count() == 1
    assert client.get("/ke-hoach/", {"unit": BINH_LIEU}).status_code == 403


def test_edit_and_delete(login):
    nguyen_ly = resolve_unit("Hà Nam/Lý Nhân/Nguyên Lý")
    plan = PlanTarget.objects.create(unit=nguyen_ly, set_code="xa-ntm-2021", year=2023)
    commune_user = login("Hà Nam/Lý Nhân/Nguyên Lý", "entry")
    assert commune_user.get(f"/ke-hoach/{plan.pk}/sua/").status_code == 403  # may see it, may not change it
    client = login("Hà Nam", "reviewer")  # the province office
    r = client.post(
        f"/ke-hoach/{plan.pk}/sua/",
        {"unit": nguyen_ly.id, "set_code": "xa-ntm-2021", "year": 2024, "note": "lùi 1 năm"},
    )
    assert r.status_code == 302
    plan.refresh_from_db()
    assert (plan.year, plan.note, plan.updated_by.username) == (2024, "lùi 1 năm", "u2")
    assert "Xóa kế hoạch: Xã Nguyên Lý" in text(client.get(f"/ke-hoach/{plan.pk}/xoa/"))
    assert client.post(f"/ke-hoach/{plan.pk}/xoa/").status_code == 302
    assert not PlanTarget.objects.exists()


# -- plan vs actual --------------------------------------------------------------------------------
def test_plan_vs_actual_and_communes_at_risk(login):
    communes = xa(LY_NHAN)
    met = next(u for u in communes if result(u).standard_met)
    close = next(u for u in communes if not result(u).standard_met and len(result(u).unmet_indicators) <= 3)
    far = next(u for u in communes if not result(u).standard_met and len(result(u).unmet_indicators) > 3)
    late = next(u for u in communes if not result(u).standard_met and u not in (close, far))
    for u in (met, close, far):
        PlanTarget.objects.create(unit=u, set_code="xa-ntm-2021", year=2023)
    PlanTarget.objects.create(unit=late, set_code="xa-ntm-2021", year=2022)
    PlanTarget.objects.create(unit=met, set_code="xa-nang-cao-2021", year=2025)
    r = login("Hà Nam/Lý Nhân").get("/ke-hoach/", {"unit": LY_NHAN, "period": "2023-12"})
    soup = page(r)
    plans = [(tr["data-uid"], tr["data-status"]) for tr in soup.find_all("tr", attrs={"data-status": True})]
    status = dict(plans)
    assert status[close.uid] == "close" and status[far.uid] == "risk" and status[late.uid] == "overdue"
    assert (met.uid, "met") in plans and (met.uid, "ongoing") in plans  # nâng cao by 2025
    summary = [cells(tr) for tr in soup.find(id="plan-summary").tbody.find_all("tr")]
    assert ["2023", "nông thôn mới", "3", "1", "33,33%"] in summary
    at_risk = " ".join(soup.find(id="at-risk").get_text(" ").split())
    assert far.name in at_risk and close.name not in at_risk and met.name not in at_risk
    assert f"còn thiếu {len(result(far).unmet_indicators)} chỉ tiêu (> 3)" in at_risk
    # a stricter threshold puts the close one at risk too
    stricter = login("Hà Nam/Lý Nhân").get("/ke-hoach/", {"unit": LY_NHAN, "period": "2023-12", "n": 0})
    assert close.name in page(stricter).find(id="at-risk").get_text(" ")
    assert "Quá hạn (đăng ký năm trước, chưa đạt): " + late.name in text(r)


def test_plans_page_queries_do_not_grow_with_plans(login):
    client = login("Hà Nam/Lý Nhân", "entry")
    communes = xa(LY_NHAN)
    PlanTarget.objects.create(unit=communes[0], set_code="xa-ntm-2021", year=2023)
    client.get("/ke-hoach/", {"unit": LY_NHAN, "period": "2023-12"})
    with CaptureQueriesContext(connection) as one:
        client.get("/ke-hoach/", {"unit": LY_NHAN, "period": "2023-12"})
    for u in communes[1:]:
        PlanTarget.objects.create(unit=u, set_code="xa-ntm-2021", year=2024)
    with CaptureQueriesContext(connection) as many:
        assert "Xã " + communes[-1].short_name in text(client.get("/ke-hoach/", {"unit": LY_NHAN, "period": "2023-12"}))
    assert len(many.captured_queries) == len(one.captured_queries) <= 18
