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

from ntm.apps.accounts.permissions import can_enter, can_review, scope
from ntm.apps.audit.models import Action
from ntm.apps.evaluations import queries as q
from ntm.apps.evaluations.dataview import results
from ntm.apps.evaluations.views import Selection, forbid, select
from ntm.apps.units.models import Level, Region, Unit
from ntm.core import formatting as fmt
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period
from ntm.core.units import UnitLookupError

from .forms import PlanTargetForm
from .models import PlanTarget, ProgrammeTarget
from .permissions import _Path, can_plan

DEFAULT_RISK = 3  # "at risk": planned for this year and still missing more than N indicators

STATUS_LABELS = {
    "met": "Đã đạt",
    "overdue": "Quá hạn, chưa đạt",
    "risk": "Có nguy cơ không đạt",
    "close": "Gần đạt",
    "nodata": "Chưa có kết quả",
    "ongoing": "Đang thực hiện",
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


def can_plan_under(user, unit: Unit) -> bool:
    """May the user register plans for some commune under ``unit``?"""
    if getattr(user, "is_superuser", False):
        return True
    if unit.level == Level.COMMUNE:
        return can_plan(user, unit)
    return can_enter(user, unit) or can_review(user, _Path(unit.path + "0/"))


def _share(n: int, d: int) -> str:
    return fmt.percent(n, d) if d else "–"


def _gap(actual: float | None, target: Decimal) -> tuple[str, bool | None]:
    if actual is None:
        return "–", None
    diff = actual - float(target)
    text = fmt.number(abs(diff), 2) + " điểm %"
    return ("vượt " if diff >= 0 else "còn thiếu ") + text, diff >= 0


def programme_rows(sel: Selection, user, ov) -> tuple[list[TargetRow], list[TargetRow]]:
    """Commune targets against the overview's rows; district targets against district results."""
    cat = default_catalog()
    targets = list(ProgrammeTarget.objects.all())
    tiers = ov.tiers if ov else {}
    commune_rows: list[TargetRow] = []
    regions = defaultdict(list)
    for r in (ov.rows if ov else []):
        regions[r.unit["region"]].append(r)
    for t in targets:
        if t.level != ProgrammeTarget.Level.COMMUNE:
            continue
        if t.region:
            pool = regions.get(t.region)
            if not pool:
                continue
            label = f"Vùng {Region(t.region).label}" if t.region in Region.values else t.region
            if sel.unit.level != Level.COUNTRY:
                label += f" — các xã của {sel.unit.name}"
        else:
            if sel.unit.level != Level.COUNTRY or not ov:
                continue
            pool, label = ov.rows, "Chung cả nước"
        cs = tiers.get(t.tier)
        with_results = [r for r in pool if cs and cs.code in r.results]
        met = sum(1 for r in with_results if r.results[cs.code]["standard_met"])
        actual = 100.0 * met / len(with_results) if with_results else None
        gap, reached = _gap(actual, t.min_share)
        commune_rows.append(TargetRow(t, label, len(pool), len(with_results), met, _share(met, len(with_results)), gap, reached))
    commune_rows.sort(key=lambda r: (r.target.region != "", r.label))

    district_rows: list[TargetRow] = []
    dist_set = next((s for s in cat if s.level == "district" and s.tier == "ntm" and sel.period
                     and int(s.phase[:4]) <= sel.period.year <= int(s.phase[-4:])), None)
    if sel.unit.level in (Level.COUNTRY, Level.PROVINCE) and sel.period:
        districts = scope(Unit.objects.valid_at(sel.date).filter(level=Level.DISTRICT, path__startswith=sel.unit.path), user, "")
        by_region = defaultdict(int)
        for region in districts.values_list("region", flat=True):
            by_region[region] += 1
        res = defaultdict(lambda: [0, 0])
        if dist_set is not None:
            for region, met in (results().objects.filter(unit_id__in=districts.values("id"), set_code=dist_set.code,
                                                        period=sel.period.key).values_list("unit__region", "standard_met")):
                res[region][0] += 1
                res[region][1] += bool(met)
        for t in targets:
            if t.level != ProgrammeTarget.Level.DISTRICT or (not t.region and sel.unit.level != Level.COUNTRY):
                continue
            if t.region and not by_region.get(t.region):
                continue
            total = by_region.get(t.region, 0) if t.region else sum(by_region.values())
            n, met = (res[t.region] if t.region else [sum(v[0] for v in res.values()), sum(v[1] for v in res.values())])
            actual = 100.0 * met / n if n else None
            gap, reached = _gap(actual, t.min_share)
            label = (f"Vùng {Region(t.region).label}" if t.region else "Chung cả nước")
            district_rows.append(TargetRow(t, label, total, n, met, _share(met, n), gap, reached))
        district_rows.sort(key=lambda r: (r.target.region != "", r.label))
    return commune_rows, district_rows


def plan_list(request):
    sel = select(request)
    if isinstance(sel, HttpResponse):
        return sel
    cat = default_catalog()
    try:
        risk = max(0, int(request.GET.get("n", DEFAULT_RISK)))
    except ValueError:
        risk = DEFAULT_RISK
    plans = list(scope(PlanTarget.objects.filter(unit__path__startswith=sel.unit.path), request.user)
                 .select_related("unit", "created_by").order_by("year", "set_code", "unit__name"))
    year = sel.period.year if sel.period else None
    actual = (q.results_by_unit(sorted({p.unit_id for p in plans}), {p.set_code for p in plans}, sel.period.key)
              if sel.period and plans else {})
    rows = []
    for p in plans:
        res = actual.get(p.unit_id, {}).get(p.set_code)
        rows.append(PlanRow(p, q.code_label(p.set_code, cat), res, plan_status(p, res, year, risk), can_plan(request.user, p.unit)))
    summary: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        s = summary[(r.plan.year, r.set_label)]
        s[0] += 1
        s[1] += r.status == "met"
    summaries = [PlanSummary(y, label, n, met, _share(met, n)) for (y, label), (n, met) in sorted(summary.items())]

    context = {
        "sel": sel, "unit": sel.unit, "period": sel.period, "set": sel.set, "page": "plans",
        "sets": q.commune_sets(), "periods": [(k, Period.parse(k).label) for k in sel.periods],
        "crumbs": [(a, sel.query(unit=a.uid)) for a in sel.ancestors],
        "rows": rows, "summaries": summaries, "year": year, "risk": risk,
        "at_risk": [r for r in rows if r.status in ("risk", "nodata") and r.plan.year == year],
        "overdue": [r for r in rows if r.status == "overdue"],
        "can_add": can_plan_under(request.user, sel.unit) and sel.unit.level != Level.COMMUNE,
    }
    ov = None
    try:
        tiers = q.tier_sets(sel.period)
        if "ntm" in tiers:
            ov = q.build_overview(sel.unit, sel.date, sel.period, tiers["ntm"], request.user, with_trend=False)
    except UnitLookupError as exc:
        context["error"] = str(exc)
    context["commune_targets"], context["district_targets"] = programme_rows(sel, request.user, ov)
    context["targets_source"] = ProgrammeTarget.objects.first()
    return render(request, "plans/list.html", context)


def _plan_snapshot(plan: PlanTarget) -> dict:
    """What the audit log keeps of a plan."""
    return {"unit": plan.unit.uid, "set_code": plan.set_code, "year": plan.year, "note": plan.note}


def _audit_plan(request, action: str, plan: PlanTarget, message: str, old: dict | None, new: dict | None) -> None:
    from ntm.apps.audit.services import log

    log(action, user=request.user, unit=plan.unit, request=request, message=message, old=old, new=new,
        obj=f"{plan.unit.name} · {q.code_label(plan.set_code)} · {plan.year}")


def _plan_or_404(request, pk: int) -> PlanTarget:
    plan = scope(PlanTarget.objects.select_related("unit"), request.user).filter(pk=pk).first()
    if plan is None:
        raise Http404("Không có kế hoạch này")
    return plan


def communes_to_choose(request, refused: str):
    """For a form that records something about one xã under the page's unit: the selection and the
    xã the user may choose, or the response to send instead (an error page, or 403 with ``refused``
    followed by the unit's name)."""
    sel = select(request)
    if isinstance(sel, HttpResponse):
        return sel, None
    if not can_plan_under(request.user, sel.unit):
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
    form = PlanTargetForm(request.POST or None, instance=plan, user=request.user,
                          communes=Unit.objects.filter(pk=plan.unit_id))
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
