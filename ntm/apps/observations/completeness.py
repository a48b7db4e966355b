"""Reporting completeness: which communes of a unit have submitted their sheet for a set and period,
which were approved, returned, and which are late.

- *đã nộp* (submitted): the sheet is with the reviewer or approved (state submitted or approved);
- *đã duyệt* (approved), *bị trả lại* (returned, waiting for the commune's correction);
- *quá hạn* (late): not submitted (no sheet, a draft, or a returned sheet) once the reporting deadline
  has passed — the end of the period plus ``NTM_REPORT_DUE_DAYS`` days (a setting of the office, 10 by
  default; no official deadline is assumed).

The communes counted are those of the overview: the xã under the unit as the hierarchy stood at the
date, that the user may see. Counts are one query; the list with the date of each step two more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max

from ntm.apps.accounts.communes import commune_q
from ntm.apps.units.models import Unit
from ntm.core import formatting as fmt
from ntm.core.periods import Period
from ntm.web.cache import memo

from .models import Submission, SubmissionEvent
from .models import SubmissionState as S

DEFAULT_DUE_DAYS = 10


def due_days() -> int:
    return int(getattr(settings, "NTM_REPORT_DUE_DAYS", None) or DEFAULT_DUE_DAYS)


def due_date(period: Period) -> dt.date:
    """The reporting deadline of ``period``: its end plus the office's number of days."""
    return period.end + dt.timedelta(days=due_days())


@dataclass
class Completeness:
    period: Period
    set_code: str
    total: int  # communes counted
    submitted: int = 0  # waiting for review
    approved: int = 0
    returned: int = 0
    draft: int = 0  # a sheet started, not submitted
    due: dt.date | None = None
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def sent(self) -> int:
        """Đã nộp: submitted and waiting, or approved."""
        return self.submitted + self.approved

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.today > self.due

    @property
    def late(self) -> int:
        """Not submitted once the deadline has passed (no sheet, a draft, or a returned sheet)."""
        return self.total - self.sent if self.overdue else 0

    @property
    def sentence(self) -> str:
        """ "45/65 xã đã nộp, 40 đã duyệt, 2 bị trả lại, 18 quá hạn"."""
        n = fmt.number
        parts = [f"{n(self.sent)}/{n(self.total)} xã đã nộp", f"{n(self.approved)} đã duyệt"]
        if self.submitted:
            parts.append(f"{n(self.submitted)} chờ duyệt")
        if self.returned:
            parts.append(f"{n(self.returned)} bị trả lại")
        if self.overdue:
            parts.append(f"{n(self.late)} quá hạn")
        return ", ".join(parts)

    @property
    def due_text(self) -> str:
        return fmt.date(self.due) if self.due else ""


def _communes(parent: Unit, date: dt.date, user):
    return Unit.objects.filter(commune_q(parent, date, user))


def completeness(parent: Unit, set_code: str, period: Period, date: dt.date | None, user) -> Completeness:
    """The counts for the communes of ``parent`` (at ``date``, default the end of the period)."""
    date = date or period.end
    communes = _communes(parent, date, user)
    out = Completeness(period, set_code, communes.count(), due=due_date(period))
    for state, n in (
        Submission.objects.filter(set_code=set_code, period=period.key, unit__in=communes)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if state == S.SUBMITTED:
            out.submitted = n
        elif state == S.APPROVED:
            out.approved = n
        elif state == S.RETURNED:
            out.returned = n
        else:
            out.draft = n
    return out


def reporting_status(parent: Unit, set_code: str, period: Period, date: dt.date | None, user) -> Completeness:
    """:func:`completeness`, kept until a workflow step or the units change (every overview shows it)."""
    from ntm.apps.accounts.permissions import viewer_key

    key = ("completeness", parent.pk, set_code, period.key, date, viewer_key(user), dt.date.today())
    return memo(key, lambda: completeness(parent, set_code, period, date, user), topics=("review", "units"))


@dataclass
class CommuneStatus:
    unit: Unit
    state: str  # a SubmissionState value; "none" when no sheet was started
    submitted_at: dt.datetime | None = None
    returned_at: dt.datetime | None = None
    approved_at: dt.datetime | None = None
    reviewer: str = ""
    comment: str = ""
    late: bool = False

    @property
    def state_label(self) -> str:
        return S(self.state).label if self.state in S.values else "Chưa nhập"


FILTERS = {
    "": "Tất cả",
    "sent": "Đã nộp",
    "approved": "Đã duyệt",
    "submitted": "Chờ duyệt",
    "returned": "Bị trả lại",
    "not_sent": "Chưa nộp",
    "late": "Quá hạn",
}


def commune_statuses(
    parent: Unit, set_code: str, period: Period, date: dt.date | None, user, wanted: str = ""
) -> list[CommuneStatus]:
    """Every commune counted by :func:`completeness`, by name, with its state and the latest date of each
    step (submitted, returned, approved) — filtered by ``wanted`` (a key of :data:`FILTERS`)."""
    date = date or period.end
    communes = list(_communes(parent, date, user).order_by("name", "code"))
    subs = {
        s.unit_id: s
        for s in Submission.objects.filter(set_code=set_code, period=period.key, unit_id__in=[u.id for u in communes])
    }
    steps: dict[tuple[int, str], dt.datetime] = (
        {
            (sid, action): at
            for sid, action, at in SubmissionEvent.objects.filter(
                submission__in=list(subs.values()), action__in=("submit", "return", "approve")
            )
            .values_list("submission_id", "action")
            .annotate(at=Max("at"))
            .order_by()
        }
        if subs
        else {}
    )
    overdue = dt.date.today() > due_date(period)
    out = []
    for u in communes:
        s = subs.get(u.id)
        state = s.state if s else "none"
        row = CommuneStatus(u, state, late=overdue and state not in (S.SUBMITTED, S.APPROVED))
        if s is not None:
            row.submitted_at = steps.get((s.pk, "submit")) or s.submitted_at
            row.returned_at = steps.get((s.pk, "return"))
            row.approved_at = steps.get((s.pk, "approve"))
            row.reviewer = s.reviewed_by_name
            row.comment = s.comment if state == S.RETURNED else ""
        out.append(row)
    keep = {
        "sent": lambda r: r.state in (S.SUBMITTED, S.APPROVED),
        "approved": lambda r: r.state == S.APPROVED,
        "submitted": lambda r: r.state == S.SUBMITTED,
        "returned": lambda r: r.state == S.RETURNED,
        "not_sent": lambda r: r.state not in (S.SUBMITTED, S.APPROVED),
        "late": lambda r: r.late,
    }.get(wanted)
    return [r for r in out if keep(r)] if keep else out
