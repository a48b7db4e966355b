"""Which figures are read: the approved ones (the default) or "gồm cả số liệu chưa duyệt".

Two views of the stored results are kept current side by side, as DHIS2's "hide unapproved data in
analytics" does for its analytics:

- :data:`APPROVED` — evaluated from the observations approved last (``ObservationVersion.is_approved``),
  stored in :class:`~.models.Result` and its roll-ups. This is what dashboards, roll-ups, bulletins,
  dossiers, exports and the API show by default: a draft or a submitted sheet changes no published
  figure until a reviewer approves it, and a reopened sheet keeps its approved figures until it is
  approved again.
- :data:`ALL` — evaluated from the current values (``Observation``), approved or not,
  stored in :class:`~.models.ResultAll` and its roll-ups; kept current on every save. Reviewers may
  switch to it; every page, figure and document shown that way says so.

Writers name the view they write (``evaluate_unit(..., view=...)``: a save writes :data:`ALL`, an
approval :data:`APPROVED`). Readers use :func:`current`, the view of the request being answered
(:class:`DataViewMiddleware`: the reviewer's choice kept in the session) or of a ``with reading(view)``
block (a document generated from the other view, an API call asking for it).
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass

from django.db import models

from ntm.apps.accounts.models import Role
from ntm.apps.accounts.permissions import memberships
from ntm.apps.observations.models import Observation, ObservationVersion

from .models import (
    Result,
    ResultAll,
    RollupResult,
    RollupResultAll,
    RollupState,
    RollupStateAll,
)

SESSION_KEY = "ntm_data_view"


@dataclass(frozen=True)
class DataView:
    code: str  # "approved" | "all": in URLs, the session, staged results and cache keys
    label: str  # as pages and documents name it
    result: type[models.Model]
    rollup: type[models.Model]
    state: type[models.Model]

    def observations(self) -> models.QuerySet:
        """The observation rows this view evaluates: the approved versions (``ObservationVersion`` with
        ``is_approved``), or the current values (``Observation``) — the same columns in both."""
        if self.approved_only:
            return ObservationVersion.objects.filter(is_approved=True)
        return Observation.objects.all()

    @property
    def approved_only(self) -> bool:
        return self.code == "approved"

    def __str__(self) -> str:
        return self.code


APPROVED = DataView("approved", "số liệu đã duyệt", Result, RollupResult, RollupState)
ALL = DataView("all", "gồm cả số liệu chưa duyệt", ResultAll, RollupResultAll, RollupStateAll)
VIEWS = {v.code: v for v in (APPROVED, ALL)}
# what a document or a page prints beside its figures when they include unapproved data
UNAPPROVED_NOTE = (
    "Số liệu gồm cả số liệu chưa duyệt (chưa được cấp thẩm định phê duyệt): "
    "chỉ dùng để theo dõi, không dùng để công bố."
)


def of(code: str | None) -> DataView:
    """The view named ``code`` ("approved", "all"); anything else: :data:`APPROVED`."""
    return VIEWS.get(code or "", APPROVED)


def of_result(obj) -> DataView:
    """The view a stored result row belongs to."""
    return ALL if isinstance(obj, ResultAll) else APPROVED


_CURRENT: contextvars.ContextVar[DataView] = contextvars.ContextVar("ntm_data_view", default=APPROVED)


def current() -> DataView:
    """The view read now: :data:`APPROVED` unless a request or a ``reading`` block chose :data:`ALL`."""
    return _CURRENT.get()


@contextlib.contextmanager
def reading(view: DataView):
    token = _CURRENT.set(view)
    try:
        yield view
    finally:
        _CURRENT.reset(token)


def may_include_unapproved(user) -> bool:
    """Reviewers (and administrators) may look at the figures including unapproved data."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False)) or any(
        r in (Role.REVIEWER, Role.ADMIN) for _, r in memberships(user)
    )


def for_request(request) -> DataView:
    """The view a page request reads: the reviewer's choice kept in the session, else approved."""
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_KEY) != ALL.code:
        return APPROVED
    return ALL if may_include_unapproved(getattr(request, "user", None)) else APPROVED


class DataViewMiddleware:
    """Sets the view of every page request (after authentication): ``request.data_view``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = for_request(request)
        request.data_view = view
        token = _CURRENT.set(view)
        try:
            return self.get_response(request)
        finally:
            _CURRENT.reset(token)


def results():
    """The stored results of the view read now (:func:`current`): ``results().objects.filter(...)``."""
    return current().result
