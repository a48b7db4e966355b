"""Helpers for tests of the web pages (used by the accounts, observations, audit and e2e tests)."""

from __future__ import annotations

NTM_MIDDLEWARE = ["ntm.apps.audit.middleware.AuditMiddleware", "ntm.apps.accounts.middleware.LoginRequiredMiddleware"]
AFTER = "django.contrib.auth.middleware.AuthenticationMiddleware"


def with_ntm_middleware(middleware: list[str]) -> list[str]:
    """MIDDLEWARE with the audit and log-in-required middleware right after authentication (as in
    ``ntm.web.settings``); unchanged when they are already there."""
    out = [m for m in middleware]
    missing = [m for m in NTM_MIDDLEWARE if m not in out]
    if missing:
        i = out.index(AFTER) + 1
        out[i:i] = missing
    return out


def demo_users() -> dict:
    """The four demo accounts (password ``ntm-demo``), by short name: xa, huyen, tinh, quocgia."""
    from django.contrib.auth import get_user_model

    from .services import create_demo_accounts

    create_demo_accounts()
    User = get_user_model()
    return {n: User.objects.get(username=f"demo_{n}") for n in ("xa", "huyen", "tinh", "quocgia")}


def seed_cell(unit, set_code: str = "xa-ntm-2021", period: str = "2023-07", unmet: tuple[str, ...] = ("17.1", "17.2"),
              user=None) -> None:
    """Every indicator of the set assessed by the official: đạt except ``unmet`` (chưa đạt)."""
    from ntm.apps.observations.services import Entry, record_many
    from ntm.core.catalog import default_catalog

    cs = default_catalog().get(set_code)
    record_many([Entry(unit=unit, set_code=set_code, period=period, indicator=i.code, assessment=i.code not in unmet)
                 for i in cs.indicators], user=user, source="demo")


def api_token(user, name: str = "test") -> str:
    """A new API token of ``user`` (the text a client sends as ``Authorization: Token …``)."""
    from .tokens import issue

    return issue(user, name=name)[1]
