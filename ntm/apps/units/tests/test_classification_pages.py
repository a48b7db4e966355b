"""Province reviewers set commune groups in the web app: one commune's form, and a file import with a
preview that names every bad row and writes nothing until the whole file is right."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.evaluations.models import ReevaluationRun
from ntm.apps.evaluations.tests.fixtures import demo_db, ntm_middleware  # noqa: F401
from ntm.apps.units.models import Classification, Unit

pytestmark = pytest.mark.django_db

HEAD = "Mã xã,Tên xã,Nhóm,Hiệu lực từ,Số quyết định,Ngày quyết định,Cơ quan ban hành\n"


@pytest.fixture
def reviewer(client, demo_db, ntm_middleware):  # noqa: F811
    client.force_login(get_user_model().objects.get(username="demo_ninhbinh"))
    return client


def upload(client, text: str, name="phan-loai.csv"):
    return client.post(
        "/don-vi/phan-loai/nhap/?unit=tinh:37@2025",
        {"unit": "tinh:37@2025", "file": SimpleUploadedFile(name, text.encode("utf-8"))},
    )


def groups() -> dict[str, list]:
    return {
        c.unit.uid: (c.group, c.valid_from.isoformat(), c.valid_to and c.valid_to.isoformat())
        for c in Classification.objects.select_related("unit").order_by("unit__uid", "valid_from")
    }


def test_a_file_with_one_bad_row_changes_nothing_and_names_the_row(reviewer):
    before, events = groups(), AuditEvent.objects.count()
    page = upload(
        reviewer,
        HEAD
        + "xa:13591@2025,Nam Xang,1,01/07/2026,15/QĐ-UBND,20/06/2026,UBND tỉnh Ninh Bình\n"
        + "xa:13627@2025,Nam Lý,4,01/07/2026,15/QĐ-UBND,20/06/2026,UBND tỉnh Ninh Bình\n",
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "1 lỗi — không ghi gì." in text
    assert "nhóm &#x27;4&#x27; không hợp lệ (1, 2 hoặc 3)" in text or "nhóm '4' không hợp lệ" in text
    assert 'id="classification-confirm"' not in text  # nothing to confirm
    rows = page.context["preview"].problems
    assert [(p.line, p.field) for p in rows] == [(3, "Nhóm")]
    assert groups() == before and AuditEvent.objects.count() == events


def test_a_commune_outside_the_province_is_refused(reviewer):
    page = upload(reviewer, HEAD + "xa:00004@2025,,1,01/07/2026,15/QĐ-UBND,20/06/2026,UBND\n")
    problems = page.context["preview"].problems
    assert problems and problems[0].line == 2 and "không có quyền phân loại" in problems[0].message


def test_a_good_file_is_previewed_then_written_audited_and_reevaluated(reviewer, django_capture_on_commit_callbacks):
    from ntm.apps.evaluations.models import Result
    from ntm.apps.evaluations.tasks import run_reevaluation

    page = upload(
        reviewer,
        HEAD
        + "xa:13591@2025,Nam Xang,1,01/07/2026,15/QĐ-UBND,20/06/2026,UBND tỉnh Ninh Bình\n"
        + "13627,Nam Lý,3,01/04/2026,15/QĐ-UBND,20/06/2026,UBND tỉnh Ninh Bình\n",
    )
    preview = page.context["preview"]
    assert not preview.problems and len(preview.plan.created) == 2
    assert len(preview.plan.changed) == 1  # Nam Xang's group 2 now ends on 30/06/2026
    assert not Classification.objects.filter(unit__uid="xa:13627@2025").exists()  # a preview writes nothing
    token = page.context["token"]
    before_runs = ReevaluationRun.objects.count()
    done = reviewer.post(
        "/don-vi/phan-loai/nhap/", {"unit": "tinh:37@2025", "token": token, "action": "confirm"}, follow=True
    )
    assert "Đã ghi 3 thay đổi phân loại xã" in done.content.decode()
    assert groups()["xa:13627@2025"] == ("3", "2026-04-01", None)
    nam_xang = [
        (c.group, c.valid_to) for c in Classification.objects.filter(unit__uid="xa:13591@2025").order_by("valid_from")
    ]
    assert nam_xang[0][0] == "2" and nam_xang[0][1].isoformat() == "2026-06-30" and nam_xang[1] == ("1", None)
    assert AuditEvent.objects.filter(action=Action.CLASSIFICATION_SAVED, username="demo_ninhbinh").count() == 3
    assert Unit.objects.get(uid="xa:13627@2025").commune_group == "3"
    run = ReevaluationRun.objects.order_by("-pk").first()
    assert ReevaluationRun.objects.count() == before_runs + 1 and run.status == ReevaluationRun.Status.QUEUED
    assert "xa-ntm-2026" in run.set_codes and set(run.periods) == {"2026-Q2", "2026-Q3"}
    run_reevaluation(run.pk)
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.DONE and run.cells_done == run.cells_total > 0
    assert Result.objects.filter(unit__uid="xa:13591@2025", set_code="xa-ntm-2026", period="2026-Q3").exists()


def test_the_template_lists_the_communes_of_the_province(reviewer):
    import io

    from openpyxl import load_workbook

    resp = reviewer.get("/don-vi/phan-loai/mau.xlsx?unit=tinh:37@2025")
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("Mã xã", "Tên xã", "Loại", "Nhóm")
    assert ("xa:13591@2025", "Xã Nam Xang", "nhóm", "2") == rows[[r[0] for r in rows].index("xa:13591@2025")][:4]


def test_a_reviewer_sets_one_commune_group_with_the_form(reviewer):
    resp = reviewer.post(
        "/don-vi/xa:13627@2025/phan-loai/",
        {
            "kind": "group",
            "group": "2",
            "valid_from": "15/02/2026",
            "decision_number": "9/QĐ-UBND",
            "decision_date": "10/02/2026",
            "issued_by": "UBND tỉnh Ninh Bình",
        },
        follow=True,
    )
    assert "Đã ghi 1 thay đổi phân loại xã" in resp.content.decode()
    assert Unit.objects.get(uid="xa:13627@2025").commune_group == "2"


def test_a_commune_officer_cannot_set_groups(client, demo_db, ntm_middleware):  # noqa: F811
    client.force_login(get_user_model().objects.get(username="demo_namxang"))
    assert client.get("/don-vi/xa:13591@2025/phan-loai/").status_code == 403
    assert client.get("/don-vi/phan-loai/nhap/?unit=xa:13591@2025").status_code == 403
    page = client.get("/don-vi/xa:13591@2025/").content.decode()
    assert "phan-loai" not in page  # no link to a page it cannot open
