"""Plain-SQL inserts (ntm.apps.ops.sql.insert) keep what the ORM would have stored: every field as
save() prepares it, the key set on the instance, and save() itself for models that others listen to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.utils import timezone

from ntm.apps.audit.models import Action, AuditEvent
from ntm.apps.ops.sql import insert

pytestmark = pytest.mark.django_db


def test_an_inserted_event_reads_back_as_it_was_given():
    user = get_user_model().objects.create_user("thu_ky", password="x-Secret-123")
    at = timezone.make_aware(dt.datetime(2026, 12, 3, 9, 30, 15))
    event = insert(
        AuditEvent(
            at=at,
            user=user,
            username="thu_ky",
            action=Action.OBSERVATIONS_SAVED,
            object_repr="xa-ntm-2021 · Quý 4/2024",
            message="Lưu 1 chỉ tiêu (1.1)",
            old={"1.1": {"assessment": "đạt", "version": 3}},
            new={"1.1": None},
            ip="10.0.0.7",
            path="/nhap-lieu/",
        )
    )
    assert event.pk is not None and not event._state.adding
    back = AuditEvent.objects.get(pk=event.pk)
    assert (back.at, back.user_id, back.action, back.object_repr, back.message, back.ip) == (
        at,
        user.pk,
        Action.OBSERVATIONS_SAVED,
        "xa-ntm-2021 · Quý 4/2024",
        "Lưu 1 chỉ tiêu (1.1)",
        "10.0.0.7",
    )
    assert back.old == {"1.1": {"assessment": "đạt", "version": 3}} and back.new == {"1.1": None}


def test_a_model_with_listeners_is_saved_by_save_so_that_they_hear_it():
    heard = []

    def listener(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(listener, sender=AuditEvent, dispatch_uid="test-sql-listener")
    try:
        event = insert(AuditEvent(action=Action.LOGIN_FAILED, username="ai_do"))
    finally:
        post_save.disconnect(dispatch_uid="test-sql-listener", sender=AuditEvent)
    assert heard == [(event.pk, True)]
    assert AuditEvent.objects.filter(pk=event.pk, username="ai_do").exists()


def test_statements_run_together_give_each_its_own_result():
    from ntm.apps.ops.sql import together

    a = insert(AuditEvent(action=Action.LOGIN_FAILED, username="mot"))
    b = insert(AuditEvent(action=Action.LOGIN_FAILED, username="hai"))
    done = together(
        [
            ("SELECT username FROM audit_auditevent WHERE id = %s", [a.pk]),
            ("UPDATE audit_auditevent SET message = %s WHERE id IN (%s, %s)", ["đã xem", a.pk, b.pk]),
            ("UPDATE audit_auditevent SET message = %s WHERE id = %s RETURNING id", ["lần hai", b.pk]),
            ("SELECT username FROM audit_auditevent WHERE id = %s", [-1]),
        ]
    )
    assert done == [[("mot",)], 2, [(b.pk,)], []]
    assert AuditEvent.objects.get(pk=a.pk).message == "đã xem" and AuditEvent.objects.get(pk=b.pk).message == "lần hai"
