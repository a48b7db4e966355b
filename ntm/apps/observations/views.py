"""Data entry and review pages.

- ``entry_index``   choose a unit, set and period (the units the user may enter for);
- ``entry_form``    one page per unit, set and period: every indicator by criterion, the rule and the
                    threshold that applies, value, assessment, note, evidence, history; POST saves
                    atomically with optimistic concurrency (``ver-<code>``);
- ``entry_preview`` htmx: the evaluation of the posted form without saving;
- ``entry_transition`` workflow steps (submit, withdraw, approve, return, reopen); a submission of an
                    incomplete sheet is asked to be confirmed, listing what is missing;
- ``entry_carry``   "Chép từ kỳ trước": fill the empty rows from the previous period;
- ``entry_comment`` a reviewer's remark on one indicator of a submitted sheet;
- ``pending``       "Chờ duyệt": what is submitted in the reviewer's subtree;
- ``reporting``     "Tình hình nộp báo cáo": each commune's state and the date of each step;
- ``evidence``      download an evidence file (scoped like the unit).

Every view checks ``ntm.apps.accounts.permissions``; refusals go through ``audit.services.deny``.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ntm.apps.accounts.models import Membership
from ntm.apps.accounts.permissions import ENTRY_ROLES, REVIEW_ROLES, can_enter, can_review, can_view, visible_q
from ntm.apps.audit.services import deny
from ntm.apps.catalog.choices import code_label, commune_sets, tier_sets
from ntm.apps.units.models import Level, Unit
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period
from ntm.web.requests import forbid, parse_date, parse_period, unit_from_request

from . import forms as f
from .models import Observation, ReviewComment, Submission, SubmissionState
from .results import readers
from .services import EditConflict, carry_over, previous_period, record_many
from .validation import cell_problem, entry_refused
from .workflow import STEPS, PeriodLocked, WorkflowError, allowed, available_steps, comment, transition


# -- helpers -------------------------------------------------------------------------------
class Cell:
    """The unit, set and period named by a URL, after the permission check."""

    def __init__(self, request, uid: str, set_code: str, period: str, *, need: str = "view"):
        try:
            p = Period.parse(period)
        except ValueError as exc:
            raise Http404(str(exc)) from None
        unit = _unit_with_state(uid, set_code, p.key)
        if unit is None:
            raise Http404("Không có đơn vị này.")
        checks = {"view": can_view, "enter": can_enter, "review": can_review}
        if not checks[need](request.user, unit):
            what = {"view": "xem số liệu của", "enter": "nhập liệu cho", "review": "thẩm định hồ sơ của"}[need]
            deny(request, unit, f"Bạn không có quyền {what} {unit.name}.")
        cat = default_catalog()
        if set_code not in cat:
            raise Http404("Không có bộ tiêu chí này.")
        cs = cat.get(set_code)
        if cs.level != unit.level:
            raise Http404(
                f"Bộ tiêu chí {cs.code} dành cho cấp {_level_label(cs.level)}, không áp dụng cho {unit.name}."
            )
        self.unit, self.cs, self.period = unit, cs, p
        self._state = unit.submission_state  # None: no submission yet

    @cached_property
    def submission(self) -> Submission | None:
        """The submission row itself, read when a page shows it (a save needs only its state)."""
        if self._state is None:
            return None
        return Submission.objects.filter(unit=self.unit, set_code=self.cs.code, period=self.period.key).first()

    @property
    def state(self) -> str:
        return self._state or SubmissionState.DRAFT

    @property
    def locked(self) -> bool:
        return self._state in (SubmissionState.SUBMITTED, SubmissionState.APPROVED)

    @cached_property
    def problem(self) -> str | None:
        """Why no value may be entered here: the unit or the set not in force in the period (None: they are)."""
        return cell_problem(self.unit, self.cs, self.period)

    @property
    def in_force(self) -> bool:
        return self.problem is None

    def url(self, name: str = "entry-form") -> str:
        return reverse(name, args=[self.unit.uid, self.cs.code, self.period.key])


def _unit_with_state(uid: str, set_code: str, period_key: str) -> Unit | None:
    """The unit ``uid``, with ``submission_state``: the state of its submission for the set and period
    (None: none yet) — one statement for what every entry request looks up first."""
    state = Submission.objects.filter(unit=OuterRef("pk"), set_code=set_code, period=period_key).values("state")[:1]
    return Unit.objects.annotate(submission_state=Subquery(state)).filter(uid=uid).first()


def _level_label(level: str) -> str:
    return dict(Level.choices).get(level, level)


def _render_form(
    request,
    cell: Cell,
    sheet: f.Sheet,
    *,
    inputs=None,
    conflicts=None,
    errors=None,
    status=200,
    saved_hint: bool = True,
    incomplete: dict | None = None,
):
    if inputs is not None:  # posted rows over what is stored (a partial post keeps the other rows)
        inputs = {**sheet.loaded_inputs(), **inputs}
    result = sheet.evaluate(inputs)
    editable = can_enter(request.user, cell.unit) and not cell.locked and cell.in_force
    events = list(cell.submission.events.all()[:20]) if cell.submission else []
    groups = sheet.groups(inputs, result, conflicts)
    remarks: dict[str, list[ReviewComment]] = {}
    if cell.submission is not None:
        for c in cell.submission.comments.all():
            remarks.setdefault(c.indicator, []).append(c)
    for g in groups:
        for row in g.rows:
            row.remarks = remarks.get(row.code, [])
    commenting = cell.state == SubmissionState.SUBMITTED and can_review(request.user, cell.unit)
    carried = f.unconfirmed(sheet)
    context = {
        "cell": cell,
        "unit": cell.unit,
        "set": cell.cs,
        "period": cell.period,
        "sheet": sheet,
        "groups": groups,
        "result": result,
        "totals": f.totals_text(result),
        "editable": editable,
        "conflicts": conflicts or [],
        "errors": errors or [],
        "submission": cell.submission,
        "state_label": SubmissionState(cell.state).label,
        "state": cell.state,
        "steps": available_steps(request.user, cell.unit, cell.submission),
        "events": events,
        "choices": f.ASSESSMENT_CHOICES,
        "accept": f.EVIDENCE_ACCEPT,
        "preview": not saved_hint,
        "path_names": _path_names(cell.unit),
        "incomplete": incomplete,
        "commenting": commenting,
        "remarks_count": sum(len(v) for v in remarks.values()),
        "carried_count": len(carried),
        # "Chép từ kỳ trước": offered while rows are empty and an earlier period of the same kind has values
        "carry_from": (
            previous_period(cell.unit, cell.cs.code, cell.period.key)
            if editable and len(sheet.current) < len(cell.cs.indicators)
            else None
        ),
    }
    return render(request, "observations/entry_form.html", context, status=status)


def _path_names(unit: Unit) -> str:
    from ntm.apps.units.services import path_names

    return " › ".join(path_names([unit])[unit.id])


# -- pages ---------------------------------------------------------------------------------
@require_GET
def entry_index(request):
    """Pick a unit (among those the user may enter for), a set and a period."""
    cat = default_catalog()
    uid, set_code, period = (
        request.GET.get("unit", "").strip(),
        request.GET.get("set", ""),
        request.GET.get("period", "").strip(),
    )
    error = None
    if uid and set_code and period:
        unit = _find_unit(uid)
        try:
            p = Period.parse(period)
        except ValueError as exc:
            error = str(exc)
        else:
            if unit is None:
                error = f"Không tìm thấy đơn vị «{uid}»."
            elif not can_view(request.user, unit):
                deny(request, unit, f"Bạn không có quyền xem số liệu của {unit.name}.")
            elif set_code not in cat:
                error = "Không có bộ tiêu chí này."
            else:
                return redirect("entry-form", unit.uid, set_code, p.key)
    entry_roots = list(
        Unit.objects.filter(memberships__user=request.user, memberships__role__in=ENTRY_ROLES).distinct()
    )
    units = []
    for root in entry_roots:
        if root.level in (Level.COMMUNE,):
            units.append(root)
        else:
            units += list(
                Unit.objects.filter(path__startswith=root.path, level=Level.COMMUNE).order_by("edition", "name")[:500]
            )
    recent = list(
        Submission.objects.filter(visible_q(request.user)).select_related("unit").order_by("-updated_at")[:30]
    )
    default_period = period or _latest_period(request.user) or dt.date.today().strftime("%Y-%m")
    return render(
        request,
        "observations/entry_index.html",
        {
            "units": units,
            "sets": [s for s in cat if s.level in (Level.COMMUNE, Level.DISTRICT)],
            "recent": recent,
            "unit_value": uid,
            "set_value": set_code or "xa-ntm-2021",
            "period_value": default_period,
            "error": error,
        },
    )


def _find_unit(text: str) -> Unit | None:
    from ntm.apps.units.services import resolve_unit

    u = Unit.objects.filter(uid=text).first()
    if u is not None:
        return u
    try:
        return resolve_unit(text)
    except (LookupError, ValueError):
        return None


def _latest_period(user) -> str | None:
    """The newest period with values the user may see (approved or not: the entry page's default)."""
    return readers().latest_period(user)


@require_http_methods(["GET", "POST"])
def entry_form(request, uid: str, set_code: str, period: str):
    cell = Cell(request, uid, set_code, period, need="enter" if request.method == "POST" else "view")
    if period != cell.period.key:
        return redirect(cell.url())
    if request.method == "GET":
        return _render_form(request, cell, f.Sheet(cell.unit, cell.cs, cell.period))
    return _save(request, cell)


def _save(request, cell: Cell):
    inputs = f.read_rows(cell.cs, request.POST, request.FILES)
    # only the posted rows are read now; the rest of the sheet when a page is shown again
    sheet = f.Sheet(cell.unit, cell.cs, cell.period, codes=inputs)
    # rows not posted keep what was loaded (a partial post is allowed, e.g. one row)
    if cell.locked:
        msg = str(PeriodLocked([cell.submission]))
        _refuse(request, cell, msg)
        return _render_form(request, cell, sheet, inputs=inputs, errors=[msg], status=423)
    if not cell.in_force:
        msg = f"{entry_refused(cell.unit, cell.cs, cell.period)}."
        return _render_form(request, cell, sheet, inputs=inputs, errors=[msg], status=400)
    bad = [r for r in inputs.values() if r.errors]
    if bad:
        errors = [f"Chỉ tiêu {r.code}: {' '.join(r.errors)}" for r in bad]
        if any(r.file for r in inputs.values()):
            errors.append("Chưa lưu gì. Tệp minh chứng cần được chọn lại.")
        return _render_form(request, cell, sheet, inputs=inputs, errors=errors, status=400)
    conflicts = sheet.conflicts(inputs)
    if conflicts:
        return _conflict(request, cell, sheet, inputs, conflicts)
    changed = [c for c, r in inputs.items() if sheet.changed(r)]
    if not changed:
        messages.info(request, "Không có thay đổi nào để lưu.")
        return redirect(cell.url())
    stored: dict[str, str] = {}
    try:
        for code in changed:
            r = inputs[code]
            if r.file:
                stored[code] = f.store_evidence(r.file, cell.unit, cell.cs.code, cell.period.key, code)
        results: dict = {}
        written = record_many(sheet.entries(inputs, stored), user=request.user, source="form", results=results)
    except EditConflict:
        f.delete_evidence(list(stored.values()))
        sheet = f.Sheet(cell.unit, cell.cs, cell.period)
        return _conflict(request, cell, sheet, inputs, sheet.conflicts(inputs))
    except PeriodLocked as exc:
        f.delete_evidence(list(stored.values()))
        return _render_form(request, cell, sheet, inputs=inputs, errors=[str(exc)], status=423)
    except ValueError as exc:
        f.delete_evidence(list(stored.values()))
        return _render_form(request, cell, sheet, inputs=inputs, errors=[f"Chưa lưu: {exc}"], status=400)
    n = sum(1 for w in written if w is not None)
    # record_many has just evaluated and stored the result: show it rather than evaluate or read it again
    key = (cell.unit.pk, cell.cs.code, cell.period.key)
    result = results.get(key) or readers().of_cells([key]).get(key)
    messages.success(request, f"Đã lưu {n} chỉ tiêu. Kết quả: {f.totals_text(result)}.")
    waiting = f.awaiting_assessment(cell.cs, sheet.ctx, inputs)
    if waiting:
        messages.warning(request, f.awaiting_text(waiting))
    return redirect(cell.url())


def _refuse(request, cell: Cell, message: str) -> None:
    from ntm.apps.audit.models import Action
    from ntm.apps.audit.services import log

    log(
        Action.WRITE_REFUSED,
        request=request,
        unit=cell.unit,
        obj=f"{cell.cs.code} · {cell.period.label}",
        message=message,
    )


def _conflict(request, cell: Cell, sheet: f.Sheet, inputs, conflicts):
    """Nothing saved; the user's input stays in the form, each conflicting row shows the newer value
    and who saved it, and now carries the newer version so that saving again is a deliberate choice."""
    for c in conflicts:
        c.mine.version = c.current.version if c.current else 0
    lines = []
    for c in conflicts:
        who = c.current.created_by_name or "người khác"
        lines.append(
            f"chỉ tiêu {c.code}: {who} đã lưu lúc {f.local(c.current.created_at)} (lần sửa {c.current.version})"
        )
    msg = (
        "Chưa lưu gì: trong lúc bạn nhập, " + "; ".join(lines) + ". Giá trị mới được hiển thị ở từng dòng; "
        "số liệu bạn nhập vẫn được giữ trong biểu mẫu. Kiểm tra lại rồi bấm «Lưu» nếu muốn thay bằng số liệu của bạn."
    )
    errors = [msg]
    if any(r.file for r in inputs.values()):
        errors.append("Tệp minh chứng cần được chọn lại.")
    return _render_form(request, cell, sheet, inputs=inputs, conflicts=conflicts, errors=errors, status=409)


@require_POST
def entry_preview(request, uid: str, set_code: str, period: str):
    """htmx: evaluate the posted form (nothing is saved); returns the triggering row's status and,
    out of band, its criterion and the set totals."""
    cell = Cell(request, uid, set_code, period, need="enter")
    sheet = f.Sheet(cell.unit, cell.cs, cell.period)
    inputs = f.read_rows(cell.cs, request.POST, None)
    result = sheet.evaluate(inputs)
    code = request.POST.get("row", "")
    if code not in cell.cs.by_code:
        code = next(iter(inputs), cell.cs.indicators[0].code)
    groups = sheet.groups(inputs, result)
    row = next(r for g in groups for r in g.rows if r.code == code)
    group = next(g for g in groups if any(r.code == code for r in g.rows))
    return render(
        request,
        "observations/_preview.html",
        {
            "row": row,
            "group": group,
            "result": result,
            "totals": f.totals_text(result),
            "preview": True,
            "set": cell.cs,
            "unit": cell.unit,
            "period": cell.period,
        },
    )


@require_POST
def entry_transition(request, uid: str, set_code: str, period: str):
    cell = Cell(request, uid, set_code, period, need="view")
    action = request.POST.get("action", "")
    step = STEPS.get(action)
    if (
        step is not None
        and step.code == "submit"
        and not request.POST.get("confirm_incomplete")
        and allowed(step, request.user, cell.unit, cell.submission)
    ):
        sheet = f.Sheet(cell.unit, cell.cs, cell.period)
        missing, carried = f.missing(sheet), f.unconfirmed(sheet)
        if missing or carried:  # asked to confirm, listing what is missing; nothing changes yet

            def rows(inds):
                return [{"code": i.code, "content": i.content, "dom": i.code.replace(".", "-")} for i in inds]

            return _render_form(
                request,
                cell,
                sheet,
                incomplete={
                    "missing": rows(missing),
                    "carried": rows(carried),
                    "answered": len(cell.cs.indicators) - len(missing),
                    "total": len(cell.cs.indicators),
                    "comment": request.POST.get("comment", ""),
                    "next": request.POST.get("next", ""),
                },
            )
    refused = None
    try:
        transition(cell.unit, cell.cs.code, cell.period.key, action, request.user, request.POST.get("comment", ""))
    except PermissionDenied as exc:
        refused = str(exc)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        done = {
            "submit": "Đã gửi duyệt",
            "withdraw": "Đã rút lại hồ sơ",
            "approve": "Đã phê duyệt — số liệu được khóa",
            "return": "Đã trả lại hồ sơ",
            "reopen": "Đã mở lại — số liệu có thể sửa",
        }[step.code]
        messages.success(request, f"{done}: {cell.unit.name}, {cell.cs.code}, {cell.period.label}.")
    if refused is not None:
        deny(request, cell.unit, refused)
    nxt = request.POST.get("next", "")
    if nxt == "pending":
        return redirect("entry-pending")
    return redirect(cell.url())


@require_POST
def entry_carry(request, uid: str, set_code: str, period: str):
    """ "Chép từ kỳ trước": the empty rows get the previous period's values, marked as carried over until
    each is confirmed or changed (nothing already entered is replaced)."""
    cell = Cell(request, uid, set_code, period, need="enter")
    if cell.locked:
        messages.error(request, str(PeriodLocked([cell.submission])))
        return redirect(cell.url())
    if not cell.in_force:
        messages.error(request, f"{entry_refused(cell.unit, cell.cs, cell.period)}.")
        return redirect(cell.url())
    try:
        done = carry_over(cell.unit, cell.cs.code, cell.period.key, user=request.user)
    except PeriodLocked as exc:
        messages.error(request, str(exc))
        return redirect(cell.url())
    except ValueError as exc:
        messages.error(request, f"Chưa chép: {exc}")
        return redirect(cell.url())
    if done.source is None:
        messages.info(request, "Không có kỳ trước nào có số liệu để chép.")
        return redirect(cell.url())
    source = Period.parse(done.source).label
    if done.copied:
        messages.success(
            request,
            f"Đã chép {len(done.copied)} chỉ tiêu từ {source}. Các dòng chép được đánh dấu "
            "«chép từ kỳ trước» cho đến khi bạn xác nhận hoặc sửa từng dòng.",
        )
    else:
        messages.info(request, f"Không có chỉ tiêu trống nào có số liệu ở {source} để chép.")
    if done.kept:
        messages.info(request, f"Giữ nguyên {len(done.kept)} chỉ tiêu đã có số liệu kỳ này.")
    if done.refused:
        messages.warning(
            request,
            "Không chép (giá trị cũ không còn hợp lệ): "
            + "; ".join(f"chỉ tiêu {code}: {why}" for code, why in done.refused)
            + ".",
        )
    return redirect(cell.url())


@require_POST
def entry_comment(request, uid: str, set_code: str, period: str):
    """A reviewer's remark on one indicator of a submitted sheet."""
    cell = Cell(request, uid, set_code, period, need="view")
    indicator = request.POST.get("indicator", "")
    try:
        comment(cell.unit, cell.cs.code, cell.period.key, indicator, request.POST.get("text", ""), request.user)
    except PermissionDenied as exc:
        deny(request, cell.unit, str(exc))
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Đã ghi ý kiến về chỉ tiêu {indicator}.")
    return redirect(f"{cell.url()}#row-{indicator.replace('.', '-')}")


@require_GET
def pending(request):
    """Submissions waiting for the user's review: submitted, in the subtree of their reviewer units
    (a reviewer never reviews their own level)."""
    roles = set(Membership.objects.filter(user=request.user).values_list("role", flat=True))
    if not request.user.is_superuser and not roles & set(REVIEW_ROLES):
        deny(request, None, "Trang «Chờ duyệt» dành cho cán bộ thẩm định.")

    subs = [
        s
        for s in Submission.objects.filter(visible_q(request.user), state=SubmissionState.SUBMITTED)
        .select_related("unit")
        .order_by("submitted_at")
        if can_review(request.user, s.unit)
    ]
    results = readers().of_cells([(s.unit_id, s.set_code, s.period) for s in subs])
    from ntm.apps.units.services import path_names

    names = path_names([s.unit for s in subs])
    rows = [
        {
            "s": s,
            "result": results.get((s.unit_id, s.set_code, s.period)),
            "path": " › ".join(names[s.unit_id]),
            "period": Period.parse(s.period),
            "url": reverse("entry-form", args=[s.unit.uid, s.set_code, s.period]),
            "own": s.submitted_by_id == request.user.pk,
        }
        for s in subs
    ]
    table = _pending_table(request, rows)
    exported = table.response()
    if exported is not None:
        return exported
    return render(request, "observations/pending.html", {"rows": table.rows_shown, "table": table, "any": bool(rows)})


def _pending_table(request, rows: list[dict]):
    """The submissions waiting for review as a :class:`~ntm.web.tables.Table` (oldest first)."""
    from django.utils.translation import gettext_lazy as _

    from ntm.web.tables import Column, Table

    def result_text(r):
        x = r["result"]
        return (
            f"đạt {x.criteria_met}/{x.criteria_total} tiêu chí với {x.indicators_met}/{x.indicators_total} chỉ tiêu"
            if x
            else ""
        )

    cols = [
        Column("name", _("Đơn vị"), lambda r: r["s"].unit.name),
        Column("set", _("Bộ tiêu chí"), lambda r: code_label(r["s"].set_code)),
        Column("period", _("Kỳ"), lambda r: r["s"].period, text=lambda r: r["period"].label),
        Column(
            "result",
            _("Kết quả tự đánh giá"),
            lambda r: r["result"].criteria_met if r["result"] else None,
            text=result_text,
        ),
        Column("by", _("Gửi bởi"), lambda r: r["s"].submitted_by_name),
        Column("at", _("Lúc"), lambda r: r["s"].submitted_at, text=lambda r: f.local(r["s"].submitted_at)),
        Column("open", "", lambda r: "", sortable=False, export=False),
    ]
    return Table(request, rows, cols, search=lambda r: r["s"].unit.name, name="pending", title="cho-duyet")


@require_GET
def evidence(request, pk: int):
    o = Observation.objects.select_related("unit").filter(pk=pk).first()
    if o is None or not o.evidence:
        raise Http404("Không có tệp minh chứng này.")
    if not can_view(request.user, o.unit):
        deny(request, o.unit, "Không có tệp minh chứng này.", not_found=True, obj=f"minh chứng #{pk}")
    if not f.evidence_belongs_to(o.evidence, o.unit):  # a path typed into the API/an import naming another unit's file
        deny(request, o.unit, "Không có tệp minh chứng này.", not_found=True, obj=f"minh chứng #{pk}")
    try:
        fh = default_storage.open(o.evidence, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("Tệp minh chứng không còn trên máy chủ.") from None
    return FileResponse(fh, as_attachment=True, filename=f.evidence_name(o.evidence))


@require_GET
def reporting(request):
    """Tình hình nộp báo cáo: the communes of a unit for a set and period, with the state of each sheet
    and the date of each step (submitted, returned, approved), the late ones marked."""
    from django.core.paginator import Paginator

    from . import completeness as c

    date = parse_date(request.GET.get("date"))
    unit = unit_from_request(request, date)
    if unit is None:
        return forbid(request)
    if not can_view(request.user, unit):
        return forbid(request, unit)
    cat = default_catalog()
    set_code = (request.GET.get("set") or "").strip()
    if set_code and (set_code not in cat or cat.get(set_code).level != "commune"):
        raise Http404("Không có bộ tiêu chí cấp xã này")
    period = parse_period(request.GET.get("period"))
    if not set_code:
        cs = tier_sets(period, cat).get("ntm") or commune_sets(cat)[0]
    else:
        cs = cat.get(set_code)
    if period is None:
        key = readers().latest_approved_period(unit, [cs.code], request.user, date) or _latest_submitted(unit, cs.code)
        period = Period.parse(key) if key else None
    context = {
        "unit": unit,
        "set": cs,
        "period": period,
        "sets": commune_sets(cat),
        "date": date,
        "filters": list(c.FILTERS.items()),
        "wanted": request.GET.get("state", ""),
    }
    if period is not None:
        try:
            rows = c.commune_statuses(unit, cs.code, period, date, request.user, context["wanted"])
            status = c.completeness(unit, cs.code, period, date, request.user)
        except LookupError as exc:  # the unit was not in force at the date
            context["error"] = str(exc)
        else:
            page = Paginator(rows, 200).get_page(request.GET.get("page"))
            for r in page.object_list:
                r.url = reverse("entry-form", args=[r.unit.uid, cs.code, period.key])
            context.update(rows=page.object_list, page_obj=page, status=status, due_days=c.due_days())
    return render(request, "observations/reporting.html", context)


def _latest_submitted(unit: Unit, set_code: str) -> str | None:
    keys = list(
        Submission.objects.filter(set_code=set_code, unit__path__startswith=unit.path)
        .values_list("period", flat=True)
        .distinct()
        .order_by()
    )
    return max(keys, key=lambda k: Period.parse(k).end) if keys else None
