"""Overview of a unit: communes by standard, averages, and each commune's scorecard."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from ntm.core.catalog import default_catalog
from ntm.core.periods import Period

from .models import Result
from .services import rollup_for

SCORECARD_SETS = ("xa-ntm-2021", "xa-nang-cao-2021")
MAX_ROWS = 300


def overview(request):
    from ntm.apps.units.models import Unit
    from ntm.apps.units.services import communes_at, resolve_unit

    cat = default_catalog()
    set_code = request.GET.get("set") or "xa-ntm-2021"
    if set_code not in cat:
        raise Http404("Không có bộ tiêu chí này")
    ref = request.GET.get("unit")
    try:
        unit = resolve_unit(ref) if ref else _default_unit()
    except (LookupError, ValueError) as exc:
        raise Http404(str(exc)) from None
    periods = sorted(set(Result.objects.filter(set_code=set_code).values_list("period", flat=True)), reverse=True)
    period_key = request.GET.get("period") or (periods[0] if periods else None)
    context = {"unit": unit, "set": cat.get(set_code), "sets": [s for s in cat if s.level == "commune"],
               "periods": periods, "period": None, "rollup": None, "rows": []}
    if period_key:
        try:
            period = Period.parse(period_key)
        except ValueError as exc:
            raise Http404(str(exc)) from None
        context["period"] = period
        context["rollup"] = rollup_for(unit, set_code, period)
        communes = [u for u in communes_at(unit, period.end) if u.type == "Xã"]
        results = {}
        for r in Result.objects.filter(unit__in=communes[:MAX_ROWS], period=period.key, set_code__in=SCORECARD_SETS + (set_code,)):
            results.setdefault(r.unit_id, {})[r.set_code] = r
        rows = []
        for u in communes[:MAX_ROWS]:
            rs = results.get(u.id, {})
            parts = [(cat.get(s).data.short_name or s, rs[s]) for s in SCORECARD_SETS if s in rs]
            rows.append({"unit": u, "main": rs.get(set_code), "parts": parts})
        rows.sort(key=lambda r: (-(r["main"].criteria_met if r["main"] else -1), r["unit"].name))
        context["rows"] = rows
        context["truncated"] = len(communes) > MAX_ROWS
    return render(request, "evaluations/overview.html", context)


def _default_unit():
    from ntm.apps.evaluations.models import Result
    from ntm.apps.units.models import Unit

    r = Result.objects.select_related("unit").order_by("-period").first()
    if r is not None and r.unit.parent_id:
        return r.unit.parent
    return Unit.objects.get(uid="vn")
