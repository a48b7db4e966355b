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


def seed_cell(
    unit,
    set_code: str = "xa-ntm-2021",
    period: str = "2023-07",
    unmet: tuple[str, ...] = ("17.1", "17.2"),
    user=None,
    approved: bool = False,
) -> None:
    """Every indicator of the set assessed by the official: đạt except ``unmet`` (chưa đạt); with
    ``approved``, the sheet is then approved (:func:`approve`): its figures are published."""
    from ntm.apps.observations.services import Entry, record_many
    from ntm.core.catalog import default_catalog

    cs = default_catalog().get(set_code)
    record_many(
        [
            Entry(unit=unit, set_code=set_code, period=period, indicator=i.code, assessment=i.code not in unmet)
            for i in cs.indicators
        ],
        user=user,
        source="demo",
    )
    if approved:
        approve(unit, set_code, period)


def approve(unit, set_code: str = "xa-ntm-2021", period: str = "2023-07") -> None:
    """The sheet of a unit, set and period approved without the pages (an approved submission; its
    current values become the approved ones and the published figures are evaluated): for tests about
    what approved figures show. The workflow's own tests go through ``workflow.transition``."""
    from ntm.apps.evaluations.services import approve_cell
    from ntm.apps.observations.models import Submission, SubmissionState
    from ntm.core.periods import Period

    p = Period.parse(period)
    Submission.objects.update_or_create(
        unit=unit,
        set_code=set_code,
        period=p.key,
        defaults={"year": p.year, "state": SubmissionState.APPROVED, "reviewed_by_name": "kiểm thử"},
    )
    approve_cell(unit, set_code, p)


def reopen(unit, set_code: str = "xa-ntm-2021", period: str = "2023-07") -> None:
    """An approved sheet open for writing again, as after a reviewer's «Mở lại» (its approved figures
    stay published): for tests that change values of the demo, whose sheets are approved and locked."""
    from ntm.apps.observations.models import Submission, SubmissionState
    from ntm.core.periods import Period

    Submission.objects.filter(unit=unit, set_code=set_code, period=Period.parse(period).key).update(
        state=SubmissionState.DRAFT
    )


def api_token(user, name: str = "test") -> str:
    """A new API token of ``user`` (the text a client sends as ``Authorization: Token …``)."""
    from .tokens import issue

    return issue(user, name=name)[1]
