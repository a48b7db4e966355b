"""Dashboards: the overview of a unit at a date, the list of its communes, the gap analysis.

Every view checks ``can_view(user, unit)`` (403 otherwise) and lists only what ``scope`` lets the
user see; menus are never the only guard. Pages read stored results through :mod:`.queries`, in a
constant number of queries whatever the size of the unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from ntm.apps.accounts.permissions import can_view, home_units
from ntm.apps.units.models import Level, Unit
from ntm.core import formatting as fmt
from ntm.core.catalog import CriteriaSet, default_catalog
from ntm.core.periods import Period
from ntm.core.units import REFORM_DATE, UnitLookupError

from . import queries as q
from .freshness import depends_on, kept_page, kept_region
from .templatetags.dashboard_tags import MERGE_ALL_OVER, MapLayout

LIST_PAGE_SIZE = 100


# -- shared by the dashboard views (also used by the units and plans pages) ------------------------
def forbid(request, unit: Unit | None = None, message: str | None = None) -> HttpResponse:
    """A Vietnamese 403 page; nothing of the unit is shown beyond its name."""
    if message is None:
        message = (f"Tài khoản của bạn không có quyền xem {unit.name}." if unit is not None
                   else "Tài khoản của bạn chưa được phân quyền trên đơn vị nào.")
    return render(request, "evaluations/forbidden.html", {"message": message}, status=403)


def parse_date(text: str | None) -> dt.date | None:
    """'2023-07-31' or '31/07/2023'; raises Http404 with a Vietnamese message when unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    for f in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, f).date()
        except ValueError:
            continue
    raise Http404(f"Ngày '{text}' không hợp lệ (dùng dd/mm/yyyy)")


def parse_period(text: str | None) -> Period | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise Http404(str(exc)) from None


def default_unit(user) -> Unit | None:
    return home_units(user).first() if getattr(user, "is_authenticated", False) else None


def unit_from_request(request, date: dt.date | None = None) -> Unit | None:
    from ntm.apps.units.services import resolve_unit

    ref = (request.GET.get("unit") or "").strip()
    if not ref:
        return default_unit(request.user)
    try:
        return resolve_unit(ref, date)
    except (LookupError, ValueError) as exc:
        if date is None:
            raise Http404(str(exc)) from None
    try:  # a unit not in force on the date: the page then says so, naming its successors
        return resolve_unit(ref)
    except (LookupError, ValueError) as exc:
        raise Http404(str(exc)) from None


@dataclass
class Selection:
    """What a dashboard shows: a unit, the date of the hierarchy, the period of the results, a set."""

    unit: Unit
    date: dt.date
    period: Period | None
    set: CriteriaSet
    periods: list[str]
    date_given: bool = False
    ancestors: list[Unit] = field(default_factory=list)

    def query(self, **extra) -> str:
        params = {"unit": self.unit.uid, "period": self.period.key if self.period else "", "set": self.set.code}
        if self.date_given:
            params["date"] = self.date.isoformat()
        params.update(extra)
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})

    @property
    def date_text(self) -> str:
        return fmt.date(self.date)


def select(request) -> Selection | HttpResponse:
    """Read unit/date/period/set from the query string, with defaults: the user's first home unit,
    the newest period with approved results in the unit, the hierarchy at the end of that period."""
    from ntm.apps.units.services import ancestors

    cat = default_catalog()
    date = parse_date(request.GET.get("date"))
    period = parse_period(request.GET.get("period"))
    unit = unit_from_request(request, date)
    if unit is None:
        return forbid(request)
    if not can_view(request.user, unit):
        return forbid(request, unit)
    set_code = (request.GET.get("set") or "").strip()
    if set_code and (set_code not in cat or cat.get(set_code).level != "commune"):
        raise Http404("Không có bộ tiêu chí cấp xã này")
    codes = [set_code] if set_code else [s.code for s in q.commune_sets(cat)]
    periods = q.subtree_periods(unit, codes, request.user)
    if period is None:  # only a period with approved data opens by default
        key = q.latest_approved_period(unit, codes, request.user, date)
        period = Period.parse(key) if key else None
    date_given = date is not None
    if date is None:
        date = period.end if period else dt.date.today()
    if not set_code:
        tiers = q.tier_sets(period, cat)
        cs = tiers.get("ntm") or q.commune_sets(cat)[0]
    else:
        cs = cat.get(set_code)
    return Selection(unit, date, period, cs, periods, date_given, ancestors(unit))


def _base_context(sel: Selection, page: str) -> dict:
    from .tasks import active_runs

    return {
        "sel": sel, "unit": sel.unit, "period": sel.period, "set": sel.set, "page": page,
        "sets": q.commune_sets(), "periods": [(k, Period.parse(k).label) for k in sel.periods],
        "crumbs": [(a, sel.query(unit=a.uid)) for a in sel.ancestors],
        "reevaluation": _reevaluation_context(active_runs(), ()),
    }


def _reevaluation_context(runs: list, watched) -> dict:
    """The re-evaluation notice: the runs under way, and how those the page announced have ended."""
    from .models import ReevaluationRun

    ids = [r.pk for r in runs]
    ended = list(ReevaluationRun.objects.filter(pk__in=[i for i in watched if i not in ids]).order_by("pk")) if watched else []
    return {"runs": runs, "ended": ended, "watch": ",".join(str(i) for i in sorted({*ids, *(r.pk for r in ended)}))}


@require_GET
def reevaluation_status(request):
    """The notice alone, polled by the dashboards (htmx) while a run is under way (log-in required, as
    every page)."""
    from .tasks import active_runs

    watched = [int(x) for x in request.GET.get("runs", "").split(",") if x.isdigit()][:20]
    return render(request, "evaluations/_reevaluation.html", {"reevaluation": _reevaluation_context(active_runs(), watched)})


def _overview_or_error(request, sel: Selection, context: dict, *, with_trend: bool = True):
    try:
        return q.build_overview(sel.unit, sel.date, sel.period, sel.set, request.user, with_trend=with_trend)
    except UnitLookupError as exc:
        context["error"] = str(exc)
        context["alternatives"] = [(u, sel.query(unit=u.uid)) for u in _alternatives(sel.unit, sel.date)]
        return None


def _alternatives(unit: Unit, date: dt.date) -> list[Unit]:
    """Units in force on ``date`` that stand for ``unit``: its successors or predecessors; for a
    district after 1 July 2025 (districts were abolished), the successors of its province."""
    from ntm.apps.units.services import ancestors, predecessors, successors

    if date >= REFORM_DATE:
        if unit.level == Level.DISTRICT:
            provinces = [a for a in ancestors(unit) if a.level == Level.PROVINCE]
            return [s for p in provinces for s in successors(p)]
        return successors(unit)
    return predecessors(unit)


# -- pages -----------------------------------------------------------------------------------
@kept_page
def overview(request):
    """Tổng quan: communes by standard, averages, distribution, trend, map — for any unit at any date."""
    sel = select(request)
    if isinstance(sel, HttpResponse):
        return sel
    if sel.unit.level == Level.COMMUNE:
        url = reverse("unit-detail", args=[sel.unit.uid])
        return redirect(f"{url}?period={sel.period.key}" if sel.period else url)
    context = _base_context(sel, "overview")
    ov = _overview_or_error(request, sel, context)
    if ov is not None:
        # the body is the only part showing results: after a save in one of its communes, it alone
        # is rendered again and put in the kept page (see freshness.kept_region)
        first = [ov]  # built above: the first rendering uses it (the memo may be off)
        context["body"] = kept_region(request, lambda r: _overview_body(r, sel, context, first.pop() if first else None))
    return render(request, "evaluations/overview.html", context)


def _overview_body(request, sel: Selection, context: dict, ov: q.Overview | None = None) -> tuple[str, dict]:
    """The overview's figures, map, trend and sub-units as HTML, and the ids of their communes."""
    if ov is None:
        ov = q.build_overview(sel.unit, sel.date, sel.period, sel.set, request.user, with_trend=True)
    # the body depends only on the overview, the selection and the language: rendered once per
    # overview (the national one draws 10,000 communes), then reused until the results change
    html = ov.derived(("body", get_language(), sel.query()),
                      lambda: render_to_string("evaluations/_overview_body.html", _body_context(ov, sel, context)))
    return html, ov.index()


def _body_context(ov: q.Overview, sel: Selection, context: dict) -> dict:
    drawn, unplaced, linked = _map(ov, sel)
    return dict(
        context, ov=ov, counts={s.key: s.count for s in ov.standards}, map=drawn, unplaced=unplaced,
        map_linked=linked, children=[(c, _child_query(ov, sel, c.unit["uid"])) for c in ov.children],
        sentence=q.rollup_sentence(ov.rollup) if ov.rollup else "",
        average=(fmt.fraction(ov.rollup.average_criteria, ov.rollup.criteria_total)
                 if ov.rollup and ov.rollup.average_criteria is not None else None),
        average_indicators=(fmt.fraction(ov.rollup.average_indicators, ov.rollup.indicators_total)
                            if ov.rollup and ov.rollup.average_indicators is not None else None),
    )


def _child_query(ov: q.Overview, sel: Selection, uid: str) -> str:
    """The query string of a child unit's overview (kept with the overview's units: a save changes
    figures, not which units there are)."""
    queries = ov.derived((q.LAYOUT, "child-queries", sel.query()), dict)
    found = queries.get(uid)
    if found is None:
        found = queries[uid] = sel.query(unit=uid)
    return found


def _map(ov: q.Overview, sel: Selection) -> tuple[str, int, bool]:
    """The SVG map of the overview's communes (kept with the overview), how many communes have no
    coordinates, and whether each point links to its commune (not on the national map)."""
    def draw() -> tuple[str, int, bool]:
        # the places are kept apart (q.LAYOUT, carried over when a save patches the overview): a save
        # changes colours only
        layout = ov.derived((q.LAYOUT, "map"), lambda: MapLayout(
            [(r.unit["lat"], r.unit["lon"], r.unit["uid"], r.unit["name"]) for r in ov.rows],
            title=f"Bản đồ các xã của {sel.unit.name}", link_prefix=reverse("unit-detail", args=["x"])[:-2]))
        standards = [r.best for r in ov.rows]
        svg = layout.draw(standards, [(s.label, s.color, s.count) for s in ov.standards])
        scored = sum(1 for i in layout.placed if standards[i] != "nodata")
        return svg, len(ov.rows) - len(layout.placed), scored <= MERGE_ALL_OVER

    return ov.derived(("map", get_language()), draw)


@kept_page
def communes(request):
    """Danh sách xã: each commune's best standard and scorecards, filterable by standard."""
    sel = select(request)
    if isinstance(sel, HttpResponse):
        return sel
    context = _base_context(sel, "communes")
    ov = _overview_or_error(request, sel, context, with_trend=False)
    if ov is not None:
        depends_on(request, ov.index())
        wanted = request.GET.get("standard") or ""
        rows = ov.derived("sorted", lambda: q.sort_rows(ov.rows))
        if wanted in q.STANDARDS:
            rows = [r for r in rows if r.best == wanted]
        order = [cs for cs in (ov.tiers.get(t) for t in q.TIERS) if cs is not None]
        page = Paginator(rows, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(ov=ov, page_obj=page, rows=page.object_list, standard=wanted,
                       standard_label=q.STANDARD_LABELS.get(wanted, ""),
                       standard_choices=[(k, q.STANDARD_LABELS[k]) for k in q.STANDARDS],
                       tier_sets=order)
    return render(request, "evaluations/communes.html", context)


@kept_page
def gaps(request):
    """Phân tích thiếu hụt: what each commune lacks for its next standard, and the view by sector."""
    sel = select(request)
    if isinstance(sel, HttpResponse):
        return sel
    context = _base_context(sel, "gaps")
    ov = _overview_or_error(request, sel, context, with_trend=False)
    if ov is not None:
        depends_on(request, ov.index())
        gap_list = q.gaps(ov)
        context.update(ov=ov, gaps=gap_list, sectors=q.sector_ranking(gap_list),
                       evaluated=sum(1 for g in gap_list if g.result is not None))
    return render(request, "evaluations/gaps.html", context)


@require_POST
def data_view_switch(request):
    """Reviewers switch between the approved figures and those including unapproved data (kept in the
    session, shown on every page while on); anyone else stays with the approved figures."""
    from django.utils.http import url_has_allowed_host_and_scheme

    from . import dataview

    wanted = dataview.of(request.POST.get("view"))
    if wanted is dataview.ALL and not dataview.may_include_unapproved(request.user):
        return forbid(request, message="Chỉ cán bộ thẩm định mới xem được số liệu chưa duyệt.")
    request.session[dataview.SESSION_KEY] = wanted.code
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = "/"
    return redirect(nxt)
