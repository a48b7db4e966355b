"""Workflow per unit, set and period: draft → submitted → approved (locked) or returned; reopen."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from ntm.apps.accounts.models import Membership, Role
from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.observations.models import Submission, SubmissionState
from ntm.apps.observations.services import Entry, PeriodLocked, record, record_many
from ntm.apps.observations.workflow import WorkflowError, transition

pytestmark = pytest.mark.django_db

FORM = "/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-07/"
STEP = FORM + "trang-thai/"


def state(unit, set_code="xa-ntm-2021", period="2023-07"):
    s = Submission.objects.filter(unit=unit, set_code=set_code, period=period).first()
    return s.state if s else SubmissionState.DRAFT


def an_entry(unit, code="17.1", assessment=True, version=None):
    return Entry(unit, "xa-ntm-2021", "2023-07", code, assessment=assessment, expected_version=version)


def test_submit_approve_lock_reopen_through_the_pages(users, seeded, client):
    client.force_login(users["xa"])
    r = client.post(STEP, {"action": "submit"}, follow=True)
    assert "Đã gửi duyệt: Xã Nguyên Lý, xa-ntm-2021, tháng 7/2023." in r.content.decode()
    assert state(seeded) == SubmissionState.SUBMITTED
    # while submitted: no writes, from the form or from any other path
    r = client.post(FORM, {"a-17.1": "dat", "ver-17.1": "1"})
    assert r.status_code == 423 and "đang chờ duyệt" in r.content.decode()
    with pytest.raises(PeriodLocked, match="đang chờ duyệt; hãy rút lại hồ sơ"):
        record(an_entry(seeded), user=users["xa"])
    # the commune cannot approve its own data
    assert client.post(STEP, {"action": "approve"}).status_code == 403
    assert state(seeded) == SubmissionState.SUBMITTED

    client.force_login(users["huyen"])
    assert "Chờ duyệt" in client.get("/nhap-lieu/cho-duyet/").content.decode()
    r = client.post(STEP, {"action": "approve", "comment": "Đủ hồ sơ"}, follow=True)
    assert "Đã phê duyệt — số liệu được khóa" in r.content.decode()
    sub = Submission.objects.get(unit=seeded)
    assert (sub.state, sub.reviewed_by, sub.submitted_by) == (SubmissionState.APPROVED, users["huyen"], users["xa"])
    html = client.get(FORM).content.decode()
    assert "đang bị khóa" in html and 'form="entry"' not in html
    with pytest.raises(PeriodLocked, match="đã được phê duyệt và đang bị khóa; cần cấp thẩm định mở lại"):
        record_many([an_entry(seeded)], user=users["huyen"])
    assert AuditEvent.objects.filter(action=Action.WRITE_REFUSED, username="demo_huyen").exists()

    # reopen needs a reason, and is audited
    r = client.post(STEP, {"action": "reopen"}, follow=True)
    assert "Cần ghi ý kiến (lý do) khi mở lại hồ sơ." in r.content.decode()
    assert state(seeded) == SubmissionState.APPROVED
    client.post(STEP, {"action": "reopen", "comment": "Cập nhật số liệu 17.1 theo kiểm tra thực tế"})
    assert state(seeded) == SubmissionState.DRAFT
    ev = AuditEvent.objects.get(action=Action.REOPENED)
    assert (ev.username, ev.unit, ev.old, ev.new) == (
        "demo_huyen",
        seeded,
        {"state": "approved"},
        {"state": "draft", "comment": "Cập nhật số liệu 17.1 theo kiểm tra thực tế"},
    )
    assert record(an_entry(seeded, version=1), user=users["xa"]).version == 2
    actions = list(AuditEvent.objects.filter(unit=seeded).order_by("id").values_list("action", flat=True))
    assert actions == [
        Action.OBSERVATIONS_SAVED,  # the seed data
        Action.SUBMITTED,
        Action.WRITE_REFUSED,
        Action.WRITE_REFUSED,
        Action.ACCESS_DENIED,
        Action.APPROVED,
        Action.WRITE_REFUSED,
        Action.REOPENED,
        Action.OBSERVATIONS_SAVED,
    ]
    # the steps are listed on the page
    html = client.get(FORM).content.decode()
    assert "Các bước duyệt (3)" in html and "Đã duyệt → <strong>Chưa gửi duyệt</strong>" in html


def test_return_needs_a_comment_and_goes_back_to_the_commune(users, seeded):
    transition(seeded, "xa-ntm-2021", "2023-07", "submit", users["xa"])
    with pytest.raises(WorkflowError, match="Cần ghi ý kiến"):
        transition(seeded, "xa-ntm-2021", "2023-07", "return", users["tinh"], "  ")
    sub = transition(seeded, "xa-ntm-2021", "2023-07", "return", users["tinh"], "Thiếu minh chứng tiêu chí 17")
    assert (sub.state, sub.comment, sub.reviewed_by) == (
        SubmissionState.RETURNED,
        "Thiếu minh chứng tiêu chí 17",
        users["tinh"],
    )
    record(an_entry(seeded, version=1), user=users["xa"])  # editable again
    assert transition(seeded, "xa-ntm-2021", "2023-07", "submit", users["xa"]).state == SubmissionState.SUBMITTED


def test_withdraw_lets_the_commune_edit_again(users, seeded):
    transition(seeded, "xa-ntm-2021", "2023-07", "submit", users["xa"])
    assert transition(seeded, "xa-ntm-2021", "2023-07", "withdraw", users["xa"]).state == SubmissionState.DRAFT
    record(an_entry(seeded, version=1), user=users["xa"])


@pytest.mark.parametrize(
    "who, step, from_state, outcome",
    [
        # entry role: the unit itself or an ancestor
        ("xa", "submit", "draft", "ok"),
        ("huyen", "submit", "draft", "ok"),  # the district also enters for its communes
        ("tinh", "submit", "draft", PermissionDenied),  # reviewer only
        ("quocgia", "submit", "draft", PermissionDenied),
        # review: a reviewer of a parent level, never the submitter
        ("xa", "approve", "submitted", PermissionDenied),
        ("tinh", "approve", "submitted", "ok"),
        ("quocgia", "approve", "submitted", PermissionDenied),  # a commune's figures: its district and province
        ("quocgia", "reopen", "approved", PermissionDenied),
        ("huyen", "approve", "submitted-by-huyen", WorkflowError),  # own submission
        ("tinh", "approve", "draft", WorkflowError),
        ("tinh", "approve", "approved", WorkflowError),
        ("xa", "reopen", "approved", PermissionDenied),
        ("tinh", "reopen", "approved", "ok"),
        ("huyen", "return", "returned", WorkflowError),
        ("xa", "withdraw", "approved", WorkflowError),
        ("xa", "publish", "draft", WorkflowError),
    ],
)
def test_who_may_take_which_step(users, seeded, who, step, from_state, outcome):
    if from_state != "draft":
        transition(
            seeded, "xa-ntm-2021", "2023-07", "submit", users["huyen" if from_state == "submitted-by-huyen" else "xa"]
        )
    if from_state in ("approved", "returned"):
        transition(
            seeded, "xa-ntm-2021", "2023-07", "approve" if from_state == "approved" else "return", users["tinh"], "x"
        )
    before = state(seeded)
    if outcome == "ok":
        transition(seeded, "xa-ntm-2021", "2023-07", step, users[who], "ý kiến")
        assert state(seeded) != before
    else:
        with pytest.raises(outcome):
            transition(seeded, "xa-ntm-2021", "2023-07", step, users[who], "ý kiến")
        assert state(seeded) == before


def test_a_refused_step_through_the_page_is_a_recorded_403(users, seeded, client):
    transition(seeded, "xa-ntm-2021", "2023-07", "submit", users["xa"])
    client.force_login(users["xa"])
    assert client.post(STEP, {"action": "approve"}).status_code == 403
    ev = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert ev.username == "demo_xa" and ev.unit == seeded and "cấp trên" in ev.message


def test_pending_lists_what_is_submitted_in_the_reviewers_subtree(
    users, seeded, cong_ly, client, django_assert_max_num_queries
):
    from ntm.apps.accounts.testing import seed_cell
    from ntm.apps.units.services import resolve_unit

    seed_cell(cong_ly)
    transition(seeded, "xa-ntm-2021", "2023-07", "submit", users["xa"])
    transition(cong_ly, "xa-ntm-2021", "2023-07", "submit", users["huyen"])
    hoanh_mo = resolve_unit("xa:06841@2024")  # Quảng Ninh
    transition(hoanh_mo, "xa-ntm-2021", "2023-07", "submit", get_user_model().objects.create_superuser("root"))

    client.force_login(users["tinh"])
    with django_assert_max_num_queries(12):
        html = client.get("/nhap-lieu/cho-duyet/").content.decode()
    assert "Xã Nguyên Lý" in html and "Xã Công Lý" in html and "Hoành Mô" not in html
    assert "đạt 18/19 tiêu chí với 55/57 chỉ tiêu" in html

    client.force_login(users["huyen"])
    html = client.get("/nhap-lieu/cho-duyet/").content.decode()
    assert "Xã Nguyên Lý" in html and "bạn gửi: cần người khác duyệt" in html  # Công Lý was sent by the district itself

    client.force_login(users["xa"])
    assert client.get("/nhap-lieu/cho-duyet/").status_code == 403

    qn = get_user_model().objects.create_user("qn_reviewer")
    Membership.objects.create(user=qn, unit=resolve_unit("tinh:22@2024"), role=Role.REVIEWER)
    client.force_login(qn)
    html = client.get("/nhap-lieu/cho-duyet/").content.decode()
    assert "Hoành Mô" in html and "Nguyên Lý" not in html


def test_pending_query_count_does_not_grow_with_the_list(users, client, django_assert_max_num_queries):
    from ntm.apps.units.models import Unit

    root = get_user_model().objects.create_superuser("root")
    communes = list(
        Unit.objects.filter(path__startswith=Unit.objects.get(uid="huyen:353@2024").path, level="commune")[:12]
    )
    for u in communes:
        transition(u, "xa-ntm-2021", "2023-07", "submit", root)
    client.force_login(users["tinh"])
    with django_assert_max_num_queries(12):
        html = client.get("/nhap-lieu/cho-duyet/").content.decode()
    assert html.count("Xem và duyệt") == 12
