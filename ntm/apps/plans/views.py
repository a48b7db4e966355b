"""Plans: communes registered to reach a standard by a year; plan vs actual; communes at risk; the
programme's targets (QĐ 263/QĐ-TTg, 2025) against the actual share among communes with results.

Every view checks the unit with ``can_view`` and lists plans through ``scope``; creating, editing
and deleting a plan needs :func:`~.permissions.can_plan` on the commune, and is recorded in the audit
log (old → new). Recognition decisions: ``recognition_views.py``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from ntm.apps.accounts.permissions import can_admin, scope
from ntm.apps.audit.models import Action
from ntm.apps.evaluations import queries as q
from ntm.apps.evaluations.dataview import results
from ntm.apps.evaluations.views import Selection, select
from ntm.apps.ops.params import int_param
from ntm.apps.units.models import Level, Region, Unit
from ntm.core import formatting as fmt
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period
from ntm.core.units import UnitLookupError
from ntm.web.requests import forbid
from ntm.web.tables import Column, Filter, Table

from .forms import PlanTargetForm
from .models import PlanTarget, ProgrammeTarget
from .permissions import can_plan, can_plan_under

DEFAULT_RISK = 3  # "at risk": planned for this year and still missing more than N indicators

STATUS_LABELS = {  # translated where shown
    "met": gettext_noop("Đã đạt"),
    "overdue": gettext_noop("Quá hạn, chưa đạt"),
    "risk": gettext_noop("Có nguy cơ không đạt"),
    "close": gettext_noop("Gần đạt"),
    "nodata": gettext_noop("Chưa có kết quả"),
    "ongoing": gettext_noop("Đang thực hiện"),
}


@dataclass
class PlanRow:
    plan: PlanTarget
    set_label: str
    result: dict | None
    status: str
    can_edit: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def unmet(self) -> int | None:
        return len(self.result["unmet_indicators"]) if self.result else None


@dataclass
class PlanSummary:
    year: int
    set_label: str
    registered: int
    achieved: int
    percent: str


@dataclass
class TargetRow:
    target: ProgrammeTarget
    label: str
    units_total: int
    with_results: int
    met: int
    actual: str
    gap: str
    reached: bool | None
    shares: list[str] = field(default_factory=list)


def plan_status(plan: PlanTarget, result: dict | None, year: int | None, risk: int) -> str:
    if result is not None and result["standard_met"]:
        return "met"
    if year is None:
        return "nodata" if result is None else "ongoing"
    if plan.year < year:
        return "overdue"
    if plan.year == year:
        if result is None or len(result["unmet_indicators"]) > risk:
            return "risk" if result is not None else "nodata"
        return "close"
    return "ongoing" if result is not None else "nodata"


def _share(n: int, d: int) -> str:
    return fmt.percent(n, d) if d else "–"


def _gap(actual: float | None, target: Decimal) -> tuple[str, bool | None]:
    if actual is None:
        return "–", None
    diff = actual - float(target)
    points = fmt.number(abs(diff), 2)
    return (gettext("vượt %(n)s điểm %%") if diff >= 0 else gettext("còn thiếu %(n)s điểm %%")) % {
        "n": points
    }, diff >= 0


def programme_rows(sel: Selection, user, ov) -> tuple[list[TargetRow], list[TargetRow]]:
    """Commune targets against the overview's rows; district targets against district results."""
    from .progress import phase_of

    cat = default_catalog()
    lo, hi = phase_of(sel.period.year if sel.period else 2025)
    targets = list(
        ProgrammeTarget.objects.filter(year__gte=lo, year__lte=hi).exclude(level=ProgrammeTarget.Level.PROVINCE)
    )
    tiers = ov.tiers if ov else {}
    commune_rows: list[TargetRow] = []
    regions = defaultdict(list)
    for r in ov.rows if ov else []:
        regions[r.unit["region"]].append(r)
    for t in targets:
        if t.level != ProgrammeTarget.Level.COMMUNE:
            continue
        if t.region:
            pool = regions.get(t.region)
            if not pool:
                continue
            label = (
                gettext("Vùng %(name)s") % {"name": gettext(Region(t.region).label)}
                if t.region in Region.values
                else t.region
            )
            if sel.unit.level != Level.COUNTRY:
                label += " — " + gettext("các xã của %(name)s") % {"name": sel.unit.name}
        else:
            if sel.unit.level != Level.COUNTRY or not ov:
                continue
            pool, label = ov.rows, gettext("Chung cả nước")
        cs = tiers.get(t.tier)
        with_results = [r for r in pool if cs and cs.code in r.results]
        met = sum(1 for r in with_results if r.results[cs.code]["standard_met"])
        actual = 100.0 * met / len(with_results) if with_results else None
        gap, reached = _gap(actual, t.min_share)
        commune_rows.append(
            TargetRow(t, label, len(pool), len(with_results), met, _share(met, len(with_results)), gap, reached)
        )
    commune_rows.sort(key=lambda r: (r.target.region != "", r.label))

    district_rows: list[TargetRow] = []
    dist_set = next(
        (
            s
            for s in cat
            if s.level == "district"
            and s.tier == "ntm"
            and sel.period
            and int(s.phase[:4]) <= sel.period.year <= int(s.phase[-4:])
        ),
        None,
    )
    if sel.unit.level in (Level.COUNTRY, Level.PROVINCE) and sel.period:
        districts = scope(
            Unit.objects.valid_at(sel.date).filter(level=Level.DISTRICT, path__startswith=sel.unit.path), user, ""
        )
        by_region = defaultdict(int)
        for region in districts.values_list("region", flat=True):
            by_region[region] += 1
        res = defaultdict(lambda: [0, 0])
        if dist_set is not None:
            for region, met in (
                results()
                .objects.filter(unit_id__in=districts.values("id"), set_code=dist_set.code, period=sel.period.key)
                .values_list("unit__region", "standard_met")
            ):
                res[region][0] += 1
                res[region][1] += bool(met)
        for t in targets:
            if t.level != ProgrammeTarget.Level.DISTRICT or (not t.region and sel.unit.level != Level.COUNTRY):
                continue
            if t.region and not by_region.get(t.region):
                continue
            total = by_region.get(t.region, 0) if t.region else sum(by_region.values())
            n, met = res[t.region] if t.region else [sum(v[0] for v in res.values()), sum(v[1] for v in res.values())]
            actual = 100.0 * met / n if n else None
            gap, reached = _gap(actual, t.min_share)
            label = (
                gettext("Vùng %(name)s") % {"name": gettext(Region(t.region).label)}
                if t.region
                else gettext("Chung cả nước")
            )
            district_rows.append(TargetRow(t, label, total, n, met, _share(met, n), gap, reached))
        district_rows.sort(key=lambda r: (r.target.region != "", r.label))
    return commune_rows, district_rows


def plan_list(request):
    sel = select(request)
    if isinstance(sel, HttpResponse):
        return sel
    cat = default_catalog()
    risk = int_param(request.GET, "n", DEFAULT_RISK, maximum=1000)
    plans = list(
        scope(PlanTarget.objects.filter(unit__path__startswith=sel.unit.path), request.user)
        .select_related("unit", "created_by")
        .order_by("year", "set_code", "unit__name")
    )
    year = sel.period.year if sel.period else None
    actual = (
        q.results_by_unit(sorted({p.unit_id for p in plans}), {p.set_code for p in plans}, sel.period.key)
        if sel.period and plans
        else {}
    )
    rows = []
    for p in plans:
        res = actual.get(p.unit_id, {}).get(p.set_code)
        rows.append(
            PlanRow(
                p, q.code_label(p.set_code, cat), res, plan_status(p, res, year, risk), can_plan(request.user, p.unit)
            )
        )
    summary: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        s = summary[(r.plan.year, r.set_label)]
        s[0] += 1
        s[1] += r.status == "met"
    summaries = [PlanSummary(y, label, n, met, _share(met, n)) for (y, label), (n, met) in sorted(summary.items())]

    table = plan_table(request, sel, rows)
    exported = table.response()
    if exported is not None:
        return exported
    context = {
        "table": table,
        "shown_rows": table.rows_shown,
        "sel": sel,
        "unit": sel.unit,
        "period": sel.period,
        "set": sel.set,
        "page": "plans",
        "sets": q.commune_sets(),
        "periods": [(k, Period.parse(k).label) for k in sel.periods],
        "crumbs": sel.crumbs,
        "maps": [],
        "rows": rows,
        "summaries": summaries,
        "year": year,
        "risk": risk,
        "at_risk": [r for r in rows if r.status in ("risk", "nodata") and r.plan.year == year],
        "overdue": [r for r in rows if r.status == "overdue"],
        "can_add": can_plan_under(request.user, sel.unit) and sel.unit.level != Level.COMMUNE,
        # the other parameters, kept by the "N" form (a list: in a template, request.GET.items would
        # read a parameter named "items")
        "kept_params": [(k, v) for k, v in request.GET.items() if k != "n"],
    }
    ov = None
    try:
        tiers = q.tier_sets(sel.period)
        if "ntm" in tiers:
            ov = q.build_overview(sel.unit, sel.date, sel.period, tiers["ntm"], request.user, with_trend=False)
    except UnitLookupError as exc:
        context["error"] = str(exc)
    context["commune_targets"], context["district_targets"] = programme_rows(sel, request.user, ov)
    from .progress import phase_of, province_of

    lo, hi = phase_of(sel.period.year if sel.period else 2025)
    context["targets_source"] = ProgrammeTarget.objects.filter(year__gte=lo, year__lte=hi).first()
    context["target_year"] = hi
    if ov is not None and sel.period and sel.period.year >= 2026 and not ov.lineage:
        from .progress import completed_provinces, programme_progress, province_progress

        national = completed_provinces(sel.period) if sel.unit.level == Level.COUNTRY else None
        context["progress"] = programme_progress(sel.unit, sel.period, ov, national) + province_progress(
            sel.unit, sel.period, ov
        )
    province = province_of(sel.unit) if sel.unit.level == Level.PROVINCE else None
    context["province_targets_url"] = (
        f"{reverse('province-targets')}?unit={province.uid}"
        if province and province.valid_from and can_plan_under(request.user, province)
        else ""
    )
    return render(request, "plans/list.html", context)


def province_targets(request):
    """Mục tiêu của tỉnh 2026–2030: the number (or share) of the province's xã at the NTM standard and
    at the "hiện đại" standard it aims at each year, entered by the province office (audited), shown
    against the actual figures on the overview and the plans page."""
    from django.contrib import messages

    from .models import ProvinceTarget
    from .progress import save_province_targets

    unit = Unit.objects.filter(uid=request.GET.get("unit") or request.POST.get("unit") or "").first()
    if unit is None or unit.level != Level.PROVINCE or not unit.valid_from:
        raise Http404("Chọn một tỉnh của hệ thống hành chính hiện nay (từ 01/07/2025)")
    if not (can_plan_under(request.user, unit) or can_admin(request.user, unit)):
        return forbid(request, message=f"Bạn không có quyền ghi mục tiêu của {unit.name}.")
    years, tiers = range(2026, 2031), list(ProvinceTarget.Tier.choices)
    have = {(t.year, t.tier): t for t in ProvinceTarget.objects.filter(unit=unit)}
    errors: list[str] = []
    if request.method == "POST":
        values = []
        for y in years:
            for tier, label in tiers:

                def number(name: str, kind):
                    raw = (request.POST.get(f"{name}-{y}-{tier}") or "").strip().replace(",", ".")  # noqa: B023
                    if not raw:
                        return None
                    try:
                        v = kind(raw)
                    except (ValueError, ArithmeticError):
                        errors.append(f"Năm {y}, {label}: '{raw}' không phải là số.")  # noqa: B023
                        return None
                    if v < 0 or (kind is Decimal and v > 100):
                        errors.append(f"Năm {y}, {label}: {raw} nằm ngoài khoảng cho phép.")  # noqa: B023
                        return None
                    return v

                values.append(
                    {
                        "year": y,
                        "tier": tier,
                        "communes": number("communes", int),
                        "share": number("share", Decimal),
                        "decision": (request.POST.get(f"decision-{y}-{tier}") or "").strip()[:200],
                    }
                )
        if not errors:
            n = save_province_targets(unit, values, user=request.user, request=request)
            messages.success(request, f"Đã ghi {n} thay đổi mục tiêu của {unit.name}.")
            return redirect(f"{reverse('province-targets')}?unit={unit.uid}")
    rows = [{"year": y, "cells": [(tier, label, have.get((y, tier))) for tier, label in tiers]} for y in years]
    return render(request, "plans/province_targets.html", {"unit": unit, "rows": rows, "errors": errors})


def plan_table(request, sel: Selection, rows: list[PlanRow]) -> Table:
    """The plans as a :class:`~ntm.web.tables.Table` (search, sort, status and year filters, export)."""
    from django.utils.translation import gettext_lazy as _

    def result_text(r: PlanRow) -> str:
        x = r.result
        return (
            gettext("%(a)s/%(b)s tiêu chí, %(c)s/%(d)s chỉ tiêu")
            % {"a": x["criteria_met"], "b": x["criteria_total"], "c": x["indicators_met"], "d": x["indicators_total"]}
            if x
            else ""
        )

    cols = [
        Column("name", _("Xã"), lambda r: r.plan.unit.name),
        Column("set", _("Chuẩn đăng ký"), lambda r: r.set_label),
        Column("year", _("Năm"), lambda r: r.plan.year, num=True),
        Column("result", _("Kết quả kỳ"), lambda r: r.result["criteria_met"] if r.result else None, text=result_text),
        Column("unmet", _("Chỉ tiêu còn thiếu"), lambda r: r.unmet, num=True),
        Column(
            "status",
            _("Tình trạng"),
            lambda r: list(STATUS_LABELS).index(r.status),
            text=lambda r: gettext(r.status_label),
        ),
        Column("note", _("Ghi chú"), lambda r: r.plan.note, sortable=False),
        Column("by", _("Người tạo"), lambda r: r.plan.created_by.get_username() if r.plan.created_by_id else ""),
        Column("edit", "", lambda r: "", sortable=False, export=False),
    ]
    filters = [
        Filter("status", _("Tình trạng"), list(STATUS_LABELS.items()), lambda r, v: r.status == v),
        Filter(
            "year",
            _("Năm"),
            [(str(y), str(y)) for y in sorted({r.plan.year for r in rows})],
            lambda r, v: str(r.plan.year) == v,
        ),
    ]
    return Table(
        request,
        rows,
        cols,
        search=lambda r: r.plan.unit.name,
        filters=filters,
        name="plans",
        title=f"ke-hoach-{sel.unit.uid}",
    )


def _plan_snapshot(plan: PlanTarget) -> dict:
    """What the audit log keeps of a plan."""
    return {"unit": plan.unit.uid, "set_code": plan.set_code, "year": plan.year, "note": plan.note}


def _audit_plan(request, action: str, plan: PlanTarget, message: str, old: dict | None, new: dict | None) -> None:
    from ntm.apps.audit.services import log

    log(
        action,
        user=request.user,
        unit=plan.unit,
        request=request,
        message=message,
        old=old,
        new=new,
        obj=f"{plan.unit.name} · {q.code_label(plan.set_code)} · {plan.year}",
    )


def _plan_or_404(request, pk: int) -> PlanTarget:
    plan = scope(PlanTarget.objects.select_related("unit"), request.user).filter(pk=pk).first()
    if plan is None:
        raise Http404("Không có kế hoạch này")
    return plan


def communes_to_choose(request, refused: str, may=can_plan_under):
    """For a form that records something about one xã under the page's unit: the selection and the
    xã the user may choose, or the response to send instead (an error page, or 403 with ``refused``
    followed by the unit's name). ``may(user, unit)``: whether the user may record it for some xã
    under the unit."""
    sel = select(request)
    if isinstance(sel, HttpResponse):
        return sel, None
    if not may(request.user, sel.unit):
        return forbid(request, message=f"{refused} {sel.unit.name}."), None
    try:
        return sel, q.communes_qs(sel.unit, sel.date, request.user).order_by("name")
    except UnitLookupError as exc:
        raise Http404(str(exc)) from None


def plan_create(request):
    sel, communes = communes_to_choose(request, "Bạn không có quyền đăng ký kế hoạch cho các xã của")
    if communes is None:
        return sel
    form = PlanTargetForm(request.POST or None, user=request.user, communes=communes)
    if request.method == "POST" and form.is_valid():
        plan = form.save(commit=False)
        plan.created_by = plan.updated_by = request.user
        with transaction.atomic():
            plan.save()
            _audit_plan(request, Action.PLAN_CREATED, plan, "Đăng ký kế hoạch đạt chuẩn", None, _plan_snapshot(plan))
        return redirect(f"{reverse('plans')}?{sel.query()}")
    return render(request, "plans/form.html", {"form": form, "sel": sel, "unit": sel.unit, "plan": None})


def plan_edit(request, pk: int):
    plan = _plan_or_404(request, pk)
    if not can_plan(request.user, plan.unit):
        return forbid(request, message=f"Bạn không có quyền sửa kế hoạch của {plan.unit.name}.")
    old = _plan_snapshot(plan)
    form = PlanTargetForm(
        request.POST or None, instance=plan, user=request.user, communes=Unit.objects.filter(pk=plan.unit_id)
    )
    if request.method == "POST" and form.is_valid():
        plan = form.save(commit=False)
        plan.updated_by = request.user
        with transaction.atomic():
            plan.save()
            _audit_plan(request, Action.PLAN_UPDATED, plan, "Sửa kế hoạch đạt chuẩn", old, _plan_snapshot(plan))
        return redirect(f"{reverse('plans')}?unit={plan.unit.parent.uid if plan.unit.parent_id else plan.unit.uid}")
    return render(request, "plans/form.html", {"form": form, "unit": plan.unit, "plan": plan})


def plan_delete(request, pk: int):
    plan = _plan_or_404(request, pk)
    if not can_plan(request.user, plan.unit):
        return forbid(request, message=f"Bạn không có quyền xóa kế hoạch của {plan.unit.name}.")
    if request.method == "POST":
        parent = plan.unit.parent.uid if plan.unit.parent_id else plan.unit.uid
        with transaction.atomic():
            _audit_plan(request, Action.PLAN_DELETED, plan, "Xóa kế hoạch đạt chuẩn", _plan_snapshot(plan), None)
            plan.delete()
        return redirect(f"{reverse('plans')}?unit={parent}")
    return render(request, "plans/confirm_delete.html", {"plan": plan, "set_label": q.code_label(plan.set_code)})
