"""Plans against the 2030 targets: the programme's national targets (QĐ 417/QĐ-BNNMT) and a
province's own targets, entered by the province, beside the actual figures of 2026 (demo data)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.evaluations.models import Result
from ntm.apps.evaluations.tests.fixtures import demo_db, login, member, ntm_middleware  # noqa: F401
from ntm.apps.plans.models import ProvinceTarget
from ntm.apps.units.models import Unit

pytestmark = pytest.mark.django_db

NINH_BINH = "tinh:37@2025"


@pytest.fixture
def reviewer(client, demo_db, ntm_middleware):  # noqa: F811
    client.force_login(get_user_model().objects.get(username="demo_ninhbinh"))
    return client


def at_standard() -> int:
    return Result.objects.filter(
        unit__parent__uid=NINH_BINH, unit__type="Xã", set_code="xa-ntm-2026", period="2026-Q3", standard_met=True
    ).count()


def test_the_province_enters_its_targets_and_the_overview_compares_them(reviewer):
    page = reviewer.get(f"/ke-hoach/muc-tieu-tinh/?unit={NINH_BINH}")
    assert page.status_code == 200 and 'name="communes-2026-ntm"' in page.content.decode()
    r = reviewer.post(
        "/ke-hoach/muc-tieu-tinh/",
        {
            "unit": NINH_BINH,
            "communes-2026-ntm": "5",
            "decision-2026-ntm": "KH 12/KH-UBND (thử)",
            "share-2030-ntm": "70",
        },
        follow=True,
    )
    assert "Đã ghi 2 thay đổi mục tiêu của Tỉnh Ninh Bình." in r.content.decode()
    assert ProvinceTarget.objects.get(unit__uid=NINH_BINH, year=2026).communes == 5
    assert AuditEvent.objects.filter(action=Action.PROVINCE_TARGET_SAVED, username="demo_ninhbinh").count() == 2

    overview = reviewer.get("/", {"unit": NINH_BINH, "period": "2026-Q3"}).content.decode()
    progress = overview.split('id="progress"')[1].split("</section>")[0]
    assert "khoảng 65% số xã đạt chuẩn nông thôn mới" in progress  # the programme's 2030 target
    assert "QĐ 417/QĐ-BNNMT ngày 31/01/2026" in progress
    assert "Tỉnh Ninh Bình — mục tiêu năm 2026" in progress and "5 xã đạt chuẩn nông thôn mới" in progress
    met = at_standard()
    assert (f"còn thiếu {5 - met} xã" if met < 5 else "đạt") in progress
    assert "Tỉnh Ninh Bình — mục tiêu năm 2030" in progress and "(còn đến năm 2030)" in progress
    # the plans page shows the same comparison and the 2030 targets of the programme
    plans = reviewer.get("/ke-hoach/", {"unit": NINH_BINH, "period": "2026-Q3"}).content.decode()
    assert "Mục tiêu của Chương trình đến năm 2030 so với thực tế" in plans and 'id="progress"' in plans


def test_emptying_a_target_removes_it_and_bad_numbers_change_nothing(reviewer):
    reviewer.post("/ke-hoach/muc-tieu-tinh/", {"unit": NINH_BINH, "communes-2027-ntm": "8"})
    r = reviewer.post(
        "/ke-hoach/muc-tieu-tinh/", {"unit": NINH_BINH, "communes-2027-ntm": "tám", "communes-2028-ntm": "9"}
    )
    assert "Năm 2027, đạt chuẩn nông thôn mới: &#x27;tám&#x27; không phải là số." in r.content.decode()
    assert list(ProvinceTarget.objects.filter(unit__uid=NINH_BINH).values_list("year", "communes")) == [(2027, 8)]
    reviewer.post("/ke-hoach/muc-tieu-tinh/", {"unit": NINH_BINH})
    assert not ProvinceTarget.objects.filter(unit__uid=NINH_BINH).exists()


def test_a_commune_officer_cannot_set_the_province_targets(client, demo_db, ntm_middleware):  # noqa: F811
    client.force_login(get_user_model().objects.get(username="demo_namxang"))
    assert client.get(f"/ke-hoach/muc-tieu-tinh/?unit={NINH_BINH}").status_code == 403


def test_a_province_is_evaluated_from_its_communes_stored_results(demo_db, tmp_path, monkeypatch):  # noqa: F811
    """Phụ lục III ships without conditions (none is in our sources); a condition that is a share of
    communes at a standard, once loaded, is computed from the communes' stored results. The condition
    below is MADE UP for the test."""
    import ntm.core.catalog as catalog_module
    from ntm.apps.evaluations.services import evaluate_unit

    text = (
        (catalog_module.BUILTIN_DIR / "tinh-ntm-2026.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "criteria:\n",
            "conditions:\n"
            '  - {code: thu, type: children_share, set: xa-ntm-2026, min_percent: 1, child_types: ["Xã"],\n'
            "     label: Điều kiện hư cấu để kiểm thử, provenance: {source: kiểm thử, tag: LOCAL}}\n"
            "criteria:\n",
            1,
        )
    )
    (tmp_path / "tinh-ntm-2026.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("NTM_CATALOG_PATH", str(tmp_path))
    catalog_module._DEFAULT = None
    try:
        province = Unit.objects.get(uid=NINH_BINH)
        r = evaluate_unit(province, "tinh-ntm-2026", "2026-Q3")
        communes = Unit.objects.filter(parent=province, type="Xã", valid_to__isnull=True).count()
        from ntm.apps.evaluations.services import explanation

        cond = explanation(r)["conditions"][0]
        assert f"{at_standard()}/{communes}" in cond["detail"]
        assert cond["met"] is (100 * at_standard() / communes >= 1)
    finally:
        monkeypatch.delenv("NTM_CATALOG_PATH")
        catalog_module._DEFAULT = None
