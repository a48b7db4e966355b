"""Sessions are Django's database sessions: a signed-in user stays signed in, and an expired or unknown
session signs no one in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_session_signs_in_until_it_expires(client):
    user = get_user_model().objects.create_user("can_bo", password="x-Secret-123")
    client.force_login(user)
    assert client.get("/").wsgi_request.user == user
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert not client.get("/").wsgi_request.user.is_authenticated
