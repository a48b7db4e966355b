"""API tokens: django-rest-knox tokens (model :class:`~.models.ApiToken`).

- A token is 64 hexadecimal characters, shown once (the answer of ``POST /api/v1/token/``) and kept
  only as its SHA-512 digest and its first 15 characters; a copy of the database or of a backup
  gives no usable token.
- It expires after ``REST_KNOX["TOKEN_TTL"]`` (``NTM_API_TOKEN_DAYS``, default 30 days); an expired
  token is refused and deleted when it or another token of the user is next presented.
- It is revoked (deleted) by its owner on the account page, by ``POST /api/v1/token/logout/`` with the
  token itself, and — all of the user's tokens — when the user's password is set (the password change
  page, the admin site, ``ntm manage changepassword``: any ``set_password`` followed by ``save``).

Creating, revoking and refusing a token are logged on ``ntm.security`` (never the token itself).
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils import timezone
from knox import auth as knox_auth
from knox.settings import knox_settings
from rest_framework import exceptions

from .models import ApiToken

log = logging.getLogger("ntm.security")

_TOKEN = re.compile(rb"[0-9a-f]{%d}" % knox_settings.AUTH_TOKEN_CHARACTER_LENGTH)
LAST_USED_EVERY = dt.timedelta(minutes=1)  # ``last_used`` is written at most once a minute per token


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's authentication (``Authorization: Token <token>``), refusing with 401 — before any query —
    a token that is not the 64 hexadecimal characters of one (bytes that are not text, a NUL, which
    PostgreSQL cannot even compare), and recording when the token was last used."""

    def authenticate_credentials(self, token: bytes):
        if not _TOKEN.fullmatch(token):
            raise exceptions.AuthenticationFailed("Token không hợp lệ.")
        return super().authenticate_credentials(token)

    def authenticate(self, request):
        try:
            result = super().authenticate(request)
        except (UnicodeError, ValueError):  # bytes that are not UTF-8, or not hexadecimal
            raise exceptions.AuthenticationFailed("Token không hợp lệ.") from None
        if result is not None:
            _touch(result[1])
        return result


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used is None or now - token.last_used >= LAST_USED_EVERY:
        ApiToken.objects.filter(digest=token.digest).update(last_used=now)
        token.last_used = now


def active(user):
    """The user's tokens that have not expired, newest first."""
    return (
        ApiToken.objects.filter(user=user)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .order_by("-created")
    )


class TooManyTokens(Exception):
    pass


def issue(user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``: (the stored row, the token text to hand over once). Raises
    :class:`TooManyTokens` when the user already has ``TOKEN_LIMIT_PER_USER`` unexpired tokens."""
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None and active(user).count() >= limit:
        raise TooManyTokens(limit)
    row, text = ApiToken.objects.create(user=user, name=name[:100])  # expiry: knox's TOKEN_TTL
    log.info(
        "API token created",
        extra={
            "event": "api_token_created",
            "user": user.get_username(),
            "token_start": row.token_key[:8],
            "expiry": row.expiry.isoformat() if row.expiry else None,
        },
    )
    return row, text


def revoke(tokens, *, reason: str) -> int:
    """Delete ``tokens`` (a queryset of ApiToken); returns how many."""
    rows = list(tokens.select_related("user"))
    for t in rows:
        log.info(
            "API token revoked",
            extra={
                "event": "api_token_revoked",
                "user": t.user.get_username(),
                "token_start": t.token_key[:8],
                "reason": reason,
            },
        )
    if rows:
        ApiToken.objects.filter(digest__in=[t.digest for t in rows]).delete()
    return len(rows)


# -- revocation on password change and on log-out ------------------------------------------------
def _password_changed(sender, instance, created, **kwargs):
    # ``set_password`` keeps the raw password in ``_password`` until ``save`` has notified the
    # password validators, i.e. during this signal
    if not created and getattr(instance, "_password", None) is not None:
        revoke(ApiToken.objects.filter(user=instance), reason="password_changed")


def _logged_out(sender, request, user, **kwargs):
    token = getattr(request, "auth", None) if request is not None else None
    if isinstance(token, ApiToken):
        revoke(ApiToken.objects.filter(digest=token.digest), reason="logout")


def connect() -> None:
    """Connected by ``AccountsConfig.ready``."""
    post_save.connect(_password_changed, sender=get_user_model(), dispatch_uid="ntm_tokens_password_changed")
    user_logged_out.connect(_logged_out, dispatch_uid="ntm_tokens_logged_out")
