"""A workflow event in the audit log shows a sheet's states by their names, which the observations
app gives when it starts (the audit log imports no app above it)."""

from __future__ import annotations

from ntm.apps.audit.models import Action, AuditEvent


def test_a_workflow_event_names_the_states_it_went_between():
    event = AuditEvent(
        action=Action.SUBMITTED, old={"state": "draft"}, new={"state": "submitted", "comment": "Gửi thử"}
    )
    assert event.changes() == [("", [("trạng thái", "Chưa gửi duyệt", "Chờ duyệt"), ("ý kiến", "(trống)", "Gửi thử")])]


def test_a_value_without_a_name_is_shown_as_it_is():
    event = AuditEvent(action=Action.SUBMITTED, old={"state": "khác"}, new={"state": "approved"})
    assert event.changes() == [("", [("trạng thái", "khác", "Đã duyệt")])]
