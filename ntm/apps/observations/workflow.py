"""Review workflow per unit, set and period: draft → submitted → approved (locked) or returned.

=========  ===================  ==================  =============================================
action     from                 to                  who (``ntm.apps.accounts.permissions``)
=========  ===================  ==================  =============================================
submit     draft, returned      submitted           ``can_enter`` (entry or admin role)
withdraw   submitted            draft               ``can_enter``
approve    submitted            approved            ``can_review`` (reviewer of a competent parent level)
return     submitted            returned + comment  ``can_review``
reopen     approved             draft + comment     ``can_review``
=========  ===================  ==================  =============================================

While a cell is submitted or approved its observations are locked: ``record_many`` refuses writes
(:class:`PeriodLocked`). Whoever submitted may not approve or return their own submission. Every
step is stored as a :class:`SubmissionEvent` and in the audit log.

Approval publishes: the approved values become the cell's approved observations and the published
figures are evaluated from them (:func:`mark_approved`, then the ``cells_approved`` signal of
:mod:`.signals`, to which the evaluation listens), in the approval's transaction. Nothing else changes published figures: a save, a submission, a return or a reopening
leaves them as they were (a reopened sheet keeps its last approved figures until approved again).
Reviewers may leave a remark per indicator on a submitted sheet (:func:`comment`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ntm.apps.accounts.permissions import can_enter, can_review
from ntm.apps.audit.models import Action
from ntm.apps.audit.services import log
from ntm.apps.units.models import Unit
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period
from ntm.web.cache import changed

from .models import Observation, ObservationVersion, ReviewComment, Submission, SubmissionEvent
from .models import SubmissionState as S
from .signals import announce_approval


class WorkflowError(Exception):
    """A step that the current state does not allow (the message is for the user, in Vietnamese)."""


class PeriodLocked(ValueError):
    """A write to observations of a submitted or approved cell."""

    def __init__(self, submissions: list[Submission]):
        self.submissions = submissions
        parts = []
        for s in submissions:
            label = Period.parse(s.period).label
            if s.state == S.APPROVED:
                why = "đã được phê duyệt và đang bị khóa; cần cấp thẩm định mở lại trước khi sửa"
            else:
                why = "đang chờ duyệt; hãy rút lại hồ sơ hoặc chờ cấp trên trả lại trước khi sửa"
            parts.append(f"Số liệu {s.unit.name} — bộ {s.set_code}, {label} {why}.")
        super().__init__(" ".join(parts))


@dataclass(frozen=True)
class Step:
    code: str
    label: str
    from_states: frozenset[str]
    to_state: str
    review: bool  # True: can_review; False: can_enter
    needs_comment: bool
    audit: str
    button: str  # css class of the button


STEPS: dict[str, Step] = {
    s.code: s
    for s in (
        Step("submit", "Gửi duyệt", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, False, False, Action.SUBMITTED, ""),
        Step(
            "withdraw", "Rút lại hồ sơ", frozenset({S.SUBMITTED}), S.DRAFT, False, False, Action.WITHDRAWN, "secondary"
        ),
        Step("approve", "Phê duyệt", frozenset({S.SUBMITTED}), S.APPROVED, True, False, Action.APPROVED, ""),
        Step("return", "Trả lại", frozenset({S.SUBMITTED}), S.RETURNED, True, True, Action.RETURNED, "danger"),
        Step("reopen", "Mở lại", frozenset({S.APPROVED}), S.DRAFT, True, True, Action.REOPENED, "danger"),
    )
}


def user_label(user) -> str:
    if user is None:
        return ""
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


def state_of(unit, set_code: str, period: str) -> str:
    s = Submission.objects.filter(unit=unit, set_code=set_code, period=Period.parse(period).key).first()
    return s.state if s else S.DRAFT


def allowed(step: Step, user, unit, submission: Submission | None) -> bool:
    """Whether ``user`` may take ``step`` now (state and role; not the own-submission rule)."""
    state = submission.state if submission else S.DRAFT
    if state not in step.from_states:
        return False
    return can_review(user, unit) if step.review else can_enter(user, unit)


def available_steps(user, unit, submission: Submission | None) -> list[Step]:
    out = []
    for step in STEPS.values():
        if not allowed(step, user, unit, submission):
            continue
        if step.review and submission and submission.submitted_by_id == user.pk and not user.is_superuser:
            continue
        out.append(step)
    return out


def transition(unit, set_code: str, period: str, action: str, user, comment: str = "") -> Submission:
    """Take one workflow step; raises PermissionDenied (role) or WorkflowError (state, comment)."""
    step = STEPS.get(action)
    if step is None:
        raise WorkflowError(f"Thao tác không hợp lệ: {action!r}.")
    if set_code not in default_catalog():
        raise WorkflowError(f"Không có bộ tiêu chí {set_code}.")
    p = Period.parse(period)
    comment = (comment or "").strip()
    if step.review and not can_review(user, unit):
        raise PermissionDenied(
            f"Chỉ cán bộ thẩm định của cấp trên có thẩm quyền mới được {step.label.lower()} hồ sơ của {unit.name}."
        )
    if not step.review and not can_enter(user, unit):
        raise PermissionDenied(f"Bạn không có quyền nhập liệu cho {unit.name}.")
    if step.needs_comment and not comment:
        raise WorkflowError(f"Cần ghi ý kiến (lý do) khi {step.label.lower()} hồ sơ.")
    with transaction.atomic():
        sub, _ = Submission.objects.select_for_update().get_or_create(
            unit=unit, set_code=set_code, period=p.key, defaults={"year": p.year}
        )
        old_state = sub.state
        if old_state not in step.from_states:
            raise WorkflowError(f"Không thể {step.label.lower()} khi hồ sơ đang ở trạng thái «{S(old_state).label}».")
        if step.review and sub.submitted_by_id == user.pk and not user.is_superuser:
            raise WorkflowError("Bạn là người gửi hồ sơ này nên không thể tự thẩm định; cần một cán bộ thẩm định khác.")
        now = timezone.now()
        name = user_label(user)
        sub.state = step.to_state
        if step.code == "submit":
            sub.submitted_by, sub.submitted_by_name, sub.submitted_at = user, name, now
            sub.comment = comment or ""
        elif step.review:
            sub.reviewed_by, sub.reviewed_by_name, sub.reviewed_at = user, name, now
            sub.comment = comment
        sub.save()
        SubmissionEvent.objects.create(
            submission=sub,
            action=step.code,
            from_state=old_state,
            to_state=step.to_state,
            comment=comment,
            by=user,
            by_name=name,
        )
        if step.code == "approve":
            mark_approved(unit, set_code, p.key)
            announce_approval(unit, set_code, p, default_catalog())
        _announce()
        log(
            step.audit,
            user=user,
            unit=unit,
            obj=f"{set_code} · {p.label}",
            message=f"{step.label}: {unit.name}, bộ {set_code}, {p.label}" + (f" — {comment}" if comment else ""),
            old={"state": old_state},
            new={"state": step.to_state, **({"comment": comment} if comment else {})},
        )
    return sub


def mark_approved(unit: Unit, set_code: str, period: str) -> int:
    """The current values of one unit, set and period become its approved ones (the rows approved
    before are no longer): called in the transaction of an approval (``workflow.transition``), which
    logs it. Returns the number of rows now approved. Two statements."""
    key = Period.parse(period).key
    versions = ObservationVersion.objects.filter(unit=unit, set_code=set_code, period=key)
    versions.filter(is_approved=True).update(is_approved=False)
    current = Observation.objects.filter(
        unit=unit, set_code=set_code, period=key, indicator=OuterRef("indicator"), version=OuterRef("version")
    )
    return versions.filter(Exists(current)).update(is_approved=True)


def _announce() -> None:
    """Pages that show review states (the menu's count, reporting completeness, the notices) are built
    again once the step commits."""
    changed("review")


COMMENT_MAX = 2000


def comment(unit, set_code: str, period: str, indicator: str, text: str, user) -> ReviewComment:
    """A reviewer's remark on one indicator of a submitted sheet (raises PermissionDenied or
    WorkflowError; logged in the audit log)."""
    cs = default_catalog().get(set_code) if set_code in default_catalog() else None
    if cs is None:
        raise WorkflowError(f"Không có bộ tiêu chí {set_code}.")
    if indicator not in cs.by_code:
        raise WorkflowError(f"Bộ {set_code} không có chỉ tiêu {indicator}.")
    if not can_review(user, unit):
        raise PermissionDenied(f"Chỉ cán bộ thẩm định của cấp trên mới được góp ý hồ sơ của {unit.name}.")
    text = (text or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if not text:
        raise WorkflowError("Cần ghi nội dung ý kiến.")
    if len(text) > COMMENT_MAX:
        raise WorkflowError(f"Ý kiến dài quá {COMMENT_MAX} ký tự.")
    p = Period.parse(period)
    with transaction.atomic():
        sub = Submission.objects.select_for_update().filter(unit=unit, set_code=set_code, period=p.key).first()
        if sub is None or sub.state != S.SUBMITTED:
            raise WorkflowError("Chỉ góp ý theo chỉ tiêu khi hồ sơ đang chờ duyệt.")
        made = ReviewComment.objects.create(
            submission=sub, indicator=indicator, text=text, by=user, by_name=user_label(user)
        )
        log(
            Action.REVIEW_COMMENT,
            user=user,
            unit=unit,
            obj=f"{set_code} · {p.label} · {indicator}",
            message=f"Ý kiến về chỉ tiêu {indicator}: {unit.name}, bộ {set_code}, {p.label} — {text[:300]}",
            new={"indicator": indicator, "comment": text},
        )
        _announce()
    return made


def locked_submissions(cells: set[tuple[int, str, str]], *, for_update: bool = True) -> list[Submission]:
    """Submitted or approved submissions among (unit id, set code, period key) cells."""
    if not cells:
        return []
    if len(cells) == 1 and for_update and not _any_locked(next(iter(cells))):
        return []  # one cell (a form's save), not locked: the usual case, one small statement
    unit_ids = sorted({c[0] for c in cells})
    sets = {c[1] for c in cells}
    periods = {c[2] for c in cells}
    found: list[Submission] = []
    for i in range(0, len(unit_ids), 500):
        qs = Submission.objects.filter(
            unit_id__in=unit_ids[i : i + 500],
            set_code__in=sets,
            period__in=periods,
            state__in=(S.SUBMITTED, S.APPROVED),
        ).select_related("unit")
        if for_update:
            of = ("self",) if connection.features.has_select_for_update_of else ()
            qs = qs.select_for_update(of=of)
        found += [s for s in qs if (s.unit_id, s.set_code, s.period) in cells]
    return found


def _any_locked(cell: tuple[int, str, str]) -> bool:
    """Whether one cell is submitted or approved. Its submission row is locked in whatever state
    (a draft too): a submission that starts at the same moment waits for this save's commit, then
    submits what it saved."""
    unit_id, set_code, period = cell
    state = (
        Submission.objects.select_for_update()
        .filter(unit_id=unit_id, set_code=set_code, period=period)
        .values_list("state", flat=True)
        .first()
    )
    return state in (S.SUBMITTED, S.APPROVED)


def returned_sheets(unit, user) -> list[dict]:
    """The sheets of ``unit`` returned by a reviewer, for someone who enters its data (the commune's home
    page announces them): each with the reviewer's reason, who returned it and when, the remarks per
    indicator, and where to correct it. Empty for anyone else. Two small queries."""
    from django.urls import reverse

    if unit is None or not can_enter(user, unit):
        return []
    subs = list(Submission.objects.filter(unit=unit, state=S.RETURNED).order_by("-reviewed_at", "-id")[:20])
    if not subs:
        return []
    remarks: dict[int, list[ReviewComment]] = {}
    for c in ReviewComment.objects.filter(submission__in=subs).order_by("indicator", "at", "id"):
        remarks.setdefault(c.submission_id, []).append(c)
    catalog = default_catalog()
    out = []
    for s in subs:
        cs = catalog.get(s.set_code) if s.set_code in catalog else None
        out.append(
            {
                "submission": s,
                "period": Period.parse(s.period).label,
                "set": (cs.data.short_name or cs.name) if cs else s.set_code,
                "set_code": s.set_code,
                "reason": s.comment,
                "by": s.reviewed_by_name,
                "at": s.reviewed_at,
                "remarks": remarks.get(s.pk, []),
                "url": reverse("entry-form", args=[unit.uid, s.set_code, s.period]),
            }
        )
    return out
