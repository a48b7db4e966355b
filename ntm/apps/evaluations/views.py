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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from ntm.apps.accounts.permissions import can_carry, can_review_under, can_view
from ntm.apps.ops.params import int_list
from ntm.apps.plans import progress as plan_progress
from ntm.apps.units.models import Level, Unit
from ntm.apps.units.services import ancestors, predecessors, successors
from ntm.apps.units.templatetags.ntm_words import period_words
from ntm.core import formatting as fmt
from ntm.core.catalog import CriteriaSet, default_catalog
from ntm.core.periods import Period
from ntm.core.units import END_2024, REFORM_DATE, UnitLookupError
from ntm.web.cache import depends_on, kept_page, kept_region, memo
from ntm.web.requests import forbid, parse_date, parse_period, unit_from_request
from ntm.web.tables import Column, Filter, Table, choices_from

from . import dataview
from . import queries as q
from .maps import base_for
from .models import ReevaluationRun
from .tasks import active_runs
from .templatetags.dashboard_tags import MERGE_ALL_OVER, MapLayout

LIST_PAGE_SIZE = 100


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
    user: object = field(default=None, repr=False)
    set_given: bool = True  # False: the programme's set for the period (the selector keeps following the period)

    @property
    def crumbs(self) -> list[tuple[Unit, str | None]]:
        """The ancestors with the query of their overview — None for one the user may not open
        (shown as plain text: a user bound to a province does not see the country)."""
        return [(a, self.query(unit=a.uid) if can_view(self.user, a) else None) for a in self.ancestors]

    @property
    def lineage(self) -> bool:
        """A period before 1 July 2025 on today's map: the old communes' results by today's commune."""
        return q.lineage_mode(self.date, self.period)

    def query(self, **extra) -> str:
        params = {
            "unit": self.unit.uid,
            "period": self.period.key if self.period else "",
            "set": self.set.code if self.set_given else "",
        }
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
    history = q.lineage_periods(unit, codes)  # a unit formed in 2025: its predecessors' periods too
    if history:
        periods = q.sort_periods([*periods, *history], reverse=True)
    if period is None:  # only a period with approved data opens by default
        key = q.latest_approved_period(unit, codes, request.user, date)
        period = Period.parse(key) if key else None
    date_given = date is not None
    if date is None:
        date = default_date(unit, period)
    if not set_code:
        tiers = q.tier_sets(period, cat)
        cs = tiers.get("ntm") or q.commune_sets(cat)[0]
    else:
        cs = cat.get(set_code)
    return Selection(unit, date, period, cs, periods, date_given, ancestors(unit), request.user, bool(set_code))


def default_date(unit: Unit, period: Period | None) -> dt.date:
    """The hierarchy a page opens on: the end of the period when the unit stood then; for a unit of
    today's hierarchy and a period before it existed (a province formed on 1 July 2025 and its
    predecessors' 2023 results), today's hierarchy — the old communes' results by today's commune."""
    today = dt.date.today()
    if period is None:
        return today if unit.is_valid_at(today) else (unit.valid_to or today)
    if unit.is_valid_at(period.end):
        return period.end
    if unit.valid_from and period.end < unit.valid_from:
        return today if unit.is_valid_at(today) else unit.valid_from
    return unit.valid_to or period.end


def _base_context(sel: Selection, page: str) -> dict:
    return {
        "sel": sel,
        "unit": sel.unit,
        "period": sel.period,
        "set": sel.set,
        "page": page,
        "sets": q.commune_sets(),
        "periods": [(k, Period.parse(k).label) for k in sel.periods],
        "crumbs": sel.crumbs,
        "maps": map_choices(sel),
        "succession": _can_carry(sel),
        "history": history_link(sel),
        "classify": _can_classify_province(sel),
        "reevaluation": _reevaluation_context(active_runs(), ()),
    }


def history_link(sel: Selection) -> tuple[str, str] | None:
    """(label, query) of the previous programme's latest period with results — history one click
    away from a page that opens on today's programme (on today's map: the old communes' results by
    today's commune)."""
    if sel.period is None or sel.period.year < 2026:
        return None
    older = [k for k in sel.periods if Period.parse(k).end < dt.date(2026, 1, 1)]
    if not older:
        return None
    key = older[0]  # newest first
    params = {"period": key, "set": ""}
    if sel.date_given:
        params["date"] = sel.date.isoformat()
    return gettext("Giai đoạn 2021–2025 (đến %(p)s)") % {"p": period_words(key)}, sel.query(**params)


def _can_classify_province(sel: Selection) -> bool:
    """A province office of today's hierarchy may import its communes' groups (link on its pages)."""
    return sel.unit.level == Level.PROVINCE and sel.unit.valid_to is None and can_review_under(sel.user, sel.unit)


def _can_carry(sel: Selection) -> bool:
    return can_carry(sel.user, sel.unit)


@dataclass
class MapChoice:
    """One way to see the selection on another edition of the administrative map: a link, or the
    units' names as plain text with the reason when the user may not open them."""

    label: str
    links: list[tuple[str, str]]  # (name, query)
    closed: list[str]  # names the user may not open
    current: bool = False


NO_ACCESS = gettext_noop(
    "tài khoản của bạn chưa được phân quyền xem đơn vị này; quản trị viên có thể chuyển hoặc "
    "mở rộng phân quyền theo quan hệ kế thừa"
)


def map_choices(sel: Selection) -> list[MapChoice]:
    """ "Bản đồ hành chính tại ngày …": the selection on the map before 1 July 2025 (the end of the
    period, or 30/06/2025) and on today's map, with the units standing for the selected one on each
    — links only to what the user may open."""
    unit = sel.unit
    today = dt.date.today()
    if sel.period and sel.period.end < REFORM_DATE:
        old_period, old_extra = sel.period, {}
    else:  # on the old map, the latest period before the reform (the current one had no old units)
        older = [k for k in sel.periods if Period.parse(k).end < REFORM_DATE]
        old_period = Period.parse(older[0]) if older else None
        old_extra = {"period": old_period.key if old_period else "", "set": ""}
    before = min(old_period.end, END_2024) if old_period else END_2024
    on_new = sel.date >= REFORM_DATE
    out = []
    for when, is_new in ((before, False), (today, True)):
        label = (
            gettext("hiện nay (từ %(date)s)") % {"date": fmt.date(REFORM_DATE)}
            if is_new
            else gettext("trước sắp xếp, tại ngày %(date)s") % {"date": fmt.date(when)}
        )
        if unit.level == Level.COUNTRY or unit.is_valid_at(when):
            others = [unit]
        else:  # the lineage changes only when the units are loaded again: kept between requests
            others = memo(
                ("map-choices", unit.pk, is_new),
                lambda: (
                    (successors(unit) if unit.level != Level.DISTRICT else _alternatives(unit, when))  # noqa: B023
                    if is_new  # noqa: B023
                    else predecessors(unit)
                ),
                topics=("units",),
            )
        extra = {} if is_new else old_extra
        links = [
            (u.name, sel.query(unit=u.uid, date=when.isoformat(), **extra)) for u in others if can_view(sel.user, u)
        ]
        closed = [u.name for u in others if not can_view(sel.user, u)]
        if links or closed:
            out.append(MapChoice(label, links, closed, current=on_new == is_new))
    return out


def _reevaluation_context(runs: list, watched) -> dict:
    """The re-evaluation notice: the runs under way, and how those the page announced have ended."""
    ids = [r.pk for r in runs]
    ended = (
        list(ReevaluationRun.objects.filter(pk__in=[i for i in watched if i not in ids]).order_by("pk"))
        if watched
        else []
    )
    return {"runs": runs, "ended": ended, "watch": ",".join(str(i) for i in sorted({*ids, *(r.pk for r in ended)}))}


@require_GET
def reevaluation_status(request):
    """The notice alone, polled by the dashboards (htmx) while a run is under way (log-in required, as
    every page)."""
    watched = int_list(request.GET, "runs", max_items=20)
    return render(
        request, "evaluations/_reevaluation.html", {"reevaluation": _reevaluation_context(active_runs(), watched)}
    )


def _overview_or_error(request, sel: Selection, context: dict, *, with_trend: bool = True):
    try:
        return q.build_overview(sel.unit, sel.date, sel.period, sel.set, request.user, with_trend=with_trend)
    except UnitLookupError:
        others = _alternatives(sel.unit, sel.date)
        context["error"] = not_in_force(sel.unit, sel.date, others)
        # only the units the user may open are links; the others are named with the reason
        context["alternatives"] = [(u, sel.query(unit=u.uid)) for u in others if can_view(request.user, u)]
        context["closed_alternatives"] = [u for u in others if not can_view(request.user, u)]
        context["no_access"] = gettext(NO_ACCESS)
        return None


def not_in_force(unit: Unit, date: dt.date, others: list[Unit]) -> str:
    """Why a unit has no overview on a date, in words (no internal identifiers)."""
    names = ", ".join(u.name for u in others)
    if unit.valid_to and date > unit.valid_to:
        head = gettext("%(name)s không còn từ %(date)s (sắp xếp đơn vị hành chính)") % {
            "name": unit.name,
            "date": fmt.date(unit.valid_to + dt.timedelta(days=1)),
        }
        tail = (
            gettext("; ngày %(date)s, địa bàn này thuộc: %(names)s.") % {"date": fmt.date(date), "names": names}
            if names
            else "."
        )
    else:
        head = (
            gettext("%(name)s chỉ có từ %(date)s") % {"name": unit.name, "date": fmt.date(unit.valid_from)}
            if unit.valid_from
            else gettext("%(name)s không có hiệu lực ngày %(date)s") % {"name": unit.name, "date": fmt.date(date)}
        )
        tail = (
            gettext("; ngày %(date)s, địa bàn này gồm: %(names)s.") % {"date": fmt.date(date), "names": names}
            if names
            else "."
        )
    return head + tail


def _alternatives(unit: Unit, date: dt.date) -> list[Unit]:
    """Units in force on ``date`` that stand for ``unit``: its successors or predecessors; for a
    district after 1 July 2025 (districts were abolished), the successors of its province."""
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
        # is rendered again and put in the kept page (see ntm.web.cache.kept_region)
        first = [ov]  # built above: the first rendering uses it (the memo may be off)
        context["body"] = kept_region(
            request, lambda r: _overview_body(r, sel, context, first.pop() if first else None)
        )
    return render(request, "evaluations/overview.html", context)


def _overview_body(request, sel: Selection, context: dict, ov: q.Overview | None = None) -> tuple[str, dict]:
    """The overview's figures, map, trend and sub-units as HTML, and the ids of their communes."""
    if ov is None:
        ov = q.build_overview(sel.unit, sel.date, sel.period, sel.set, request.user, with_trend=True)
    # the body depends only on the overview, the selection and the language: rendered once per
    # overview (the national one draws 10,000 communes), then reused until the results change
    html = ov.derived(
        ("body", get_language(), sel.query()),
        lambda: render_to_string("evaluations/_overview_body.html", _body_context(ov, sel, context), request=request),
    )
    return html, ov.index()


def _body_context(ov: q.Overview, sel: Selection, context: dict) -> dict:
    drawn, unplaced, linked = _map(ov, sel)
    return dict(
        context,
        ov=ov,
        counts={s.key: s.count for s in ov.standards},
        map=drawn,
        unplaced=unplaced,
        map_linked=linked,
        children=[(c, _child_query(ov, sel, c.unit["uid"])) for c in ov.children],
        sentence=q.rollup_sentence(ov.rollup, "xã cũ" if ov.lineage else "xã") if ov.rollup else "",
        # on the overview, today's communes whose old xã have results (the commune list has them all)
        lineage=[g for g in q.lineage_groups(ov) if g.with_results] if ov.lineage else [],
        lineage_without=sum(1 for g in q.lineage_groups(ov) if not g.with_results) if ov.lineage else 0,
        progress=_progress(ov, sel),
        average=(
            fmt.fraction(ov.rollup.average_criteria, ov.rollup.criteria_total)
            if ov.rollup and ov.rollup.average_criteria is not None
            else None
        ),
        average_indicators=(
            fmt.fraction(ov.rollup.average_indicators, ov.rollup.indicators_total)
            if ov.rollup and ov.rollup.average_indicators is not None
            else None
        ),
    )


def _progress(ov: q.Overview, sel: Selection) -> list:
    """Plan against actual for 2026–2030: the programme's 2030 targets and the province's own."""
    if sel.period is None or sel.period.year < 2026 or ov.lineage:
        return []
    national = plan_progress.completed_provinces(sel.period) if sel.unit.level == Level.COUNTRY else None
    return plan_progress.programme_progress(sel.unit, sel.period, ov, national) + plan_progress.province_progress(
        sel.unit, sel.period, ov
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
        def layout_now() -> MapLayout:
            points = [(r.unit["lat"], r.unit["lon"], r.unit["uid"], r.unit["name"]) for r in ov.rows]
            base = base_for(sel.unit, sel.date, [(p[0], p[1]) for p in points if p[0] is not None and p[1] is not None])
            return MapLayout(
                points,
                title=gettext("Bản đồ các xã của %(name)s") % {"name": sel.unit.name},
                base=base,
                link_prefix=reverse("unit-detail", args=["x"])[:-2],
            )

        layout = ov.derived((q.LAYOUT, "map"), layout_now)
        standards = [r.best for r in ov.rows]
        svg = layout.draw(standards, [(gettext(s.label), s.color, s.count) for s in ov.standards])
        scored = sum(1 for i in layout.placed if standards[i] != "nodata")
        return svg, len(ov.rows) - len(layout.placed), scored <= MERGE_ALL_OVER

    return ov.derived(("map", get_language()), draw)


def ancestor_names(ov: q.Overview) -> dict[int, tuple[str, str]]:
    """Each commune's province and district names (district empty after the 2025 reform), by unit
    id — for the list's columns where names repeat ("Xã An Ninh" is in five provinces). One query,
    kept with the overview's units."""

    def compute() -> dict[int, tuple[str, str]]:
        ids = {int(x) for r in ov.rows for x in r.unit["path"].strip("/").split("/")[:-1]}
        found = {u["id"]: u for u in Unit.objects.filter(id__in=ids).values("id", "name", "level")}
        out = {}
        for r in ov.rows:
            chain = [found.get(int(x)) for x in r.unit["path"].strip("/").split("/")[:-1]]
            province = next((u["name"] for u in chain if u and u["level"] == Level.PROVINCE), "")
            district = next((u["name"] for u in chain if u and u["level"] == Level.DISTRICT), "")
            out[r.unit["id"]] = (province, district)
        return out

    return ov.derived((q.LAYOUT, "ancestor-names"), compute)


def commune_table(request, ov: q.Overview, sel: Selection, order: list) -> Table:
    """The commune list as a :class:`~ntm.web.tables.Table`: name, province and district (where the
    unit spans several), best standard, each tier's scorecard, the unmet criteria."""
    names = ancestor_names(ov)
    rank = {k: i for i, k in enumerate(q.STANDARDS)}
    wide = sel.unit.level in (Level.COUNTRY, Level.PROVINCE)
    cols = [Column("name", _("Xã"), lambda r: r.unit["name"])]
    if sel.unit.level == Level.COUNTRY:
        cols.append(Column("province", _("Tỉnh"), lambda r: names[r.unit["id"]][0]))
    if wide:
        cols.append(Column("district", _("Huyện"), lambda r: names[r.unit["id"]][1]))
    cols.append(
        Column(
            "standard",
            _("Mức đạt chuẩn cao nhất"),
            lambda r: (
                rank[r.best],
                -(r.main["criteria_met"] if r.main else -1),
                -(r.main["indicators_met"] if r.main else -1),
            ),
            text=lambda r: gettext(q.STANDARD_LABELS[r.best]),
        )
    )
    for cs in order:

        def score(r, code=cs.code):
            x = r.results.get(code)
            return (x["criteria_met"], x["indicators_met"]) if x else None

        def score_text(r, code=cs.code):
            x = r.results.get(code)
            return (
                f"{x['criteria_met']}/{x['criteria_total']} TC · {x['indicators_met']}/{x['indicators_total']} CT"
                if x
                else ""
            )

        cols.append(
            Column(f"set-{cs.code}", (cs.data.short_name or cs.name).capitalize(), score, text=score_text, num=True)
        )
    cols.append(
        Column(
            "unmet",
            _("Tiêu chí chưa đạt"),
            lambda r: len(r.main["unmet_criteria"]) if r.main else None,
            text=lambda r: ", ".join(str(x) for x in r.main["unmet_criteria"]) if r.main else "",
        )
    )
    filters = [
        Filter("standard", _("Mức đạt"), [(k, q.STANDARD_LABELS[k]) for k in q.STANDARDS], lambda r, v: r.best == v)
    ]
    if sel.unit.level == Level.COUNTRY:
        filters.append(
            Filter(
                "province",
                _("Tỉnh"),
                choices_from(p for p, _d in names.values()),
                lambda r, v: names[r.unit["id"]][0] == v,
            )
        )
    if wide:
        filters.append(
            Filter(
                "district",
                _("Huyện"),
                choices_from(d for _p, d in names.values()),
                lambda r, v: names[r.unit["id"]][1] == v,
            )
        )
    title = f"danh-sach-xa-{sel.unit.uid}-{sel.period.key if sel.period else ''}"
    return Table(
        request,
        ov.rows,
        cols,
        search=lambda r: r.unit["name"],
        filters=filters,
        default_sort="standard",
        page_size=LIST_PAGE_SIZE,
        name="communes",
        title=title,
    )


@kept_page
def communes(request):
    """Danh sách xã: each commune's best standard and scorecards; search, sort, filters, export."""
    sel = select(request)
    if isinstance(sel, HttpResponse):
        return sel
    context = _base_context(sel, "communes")
    ov = _overview_or_error(request, sel, context, with_trend=False)
    if ov is not None:
        depends_on(request, ov.index())
        order = [cs for cs in (ov.tiers.get(t) for t in q.TIERS) if cs is not None]
        if ov.lineage:  # today's communes, each with the results of the old xã it was formed from
            wanted = request.GET.get("standard") or ""
            groups = q.lineage_groups(ov)
            if wanted in q.STANDARDS:
                groups = [g for g in groups if any(r.best == wanted for r in g.rows)]
            page = Paginator(groups, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
            context.update(
                ov=ov,
                lineage=page.object_list,
                page_obj=page,
                rows=page.object_list,
                standard=wanted,
                standard_label=q.STANDARD_LABELS.get(wanted, ""),
                standard_choices=[(k, q.STANDARD_LABELS[k]) for k in q.STANDARDS],
                tier_sets=order,
            )
            return render(request, "evaluations/communes.html", context)
        table = commune_table(request, ov, sel, order)
        exported = table.response()
        if exported is not None:
            return exported
        context.update(
            ov=ov,
            table=table,
            page_obj=table.page,
            rows=table.rows_shown,
            tier_sets=order,
            names=ancestor_names(ov),
            show_province=sel.unit.level == Level.COUNTRY,
            show_district=sel.unit.level in (Level.COUNTRY, Level.PROVINCE),
        )
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
        table = gap_table(request, ov, sel, gap_list)
        exported = table.response()
        if exported is not None:
            return exported
        context.update(
            ov=ov,
            gaps=gap_list,
            table=table,
            rows=table.rows_shown,
            sectors=q.sector_ranking(gap_list),
            evaluated=sum(1 for g in gap_list if g.result is not None),
            names=ancestor_names(ov),
            show_province=sel.unit.level == Level.COUNTRY,
            show_district=sel.unit.level in (Level.COUNTRY, Level.PROVINCE),
        )
    return render(request, "evaluations/gaps.html", context)


def gap_table(request, ov: q.Overview, sel: Selection, gap_list: list) -> Table:
    """What each commune lacks for its next standard, as a table (closest to the next standard first)."""
    names = ancestor_names(ov)
    cols = [Column("rank", "#", lambda g: g.rank, num=True), Column("name", _("Xã"), lambda g: g.unit["name"])]
    if sel.unit.level == Level.COUNTRY:
        cols.append(Column("province", _("Tỉnh"), lambda g: names[g.unit["id"]][0]))
    if sel.unit.level in (Level.COUNTRY, Level.PROVINCE):
        cols.append(Column("district", _("Huyện"), lambda g: names[g.unit["id"]][1]))
    cols += [
        Column("best", _("Hiện đạt"), lambda g: q.STANDARDS.index(g.best), text=lambda g: gettext(g.best_label)),
        Column("next", _("Mức tiếp theo"), lambda g: gettext(g.next_label)),
        Column("criteria", _("Tiêu chí chưa đạt"), lambda g: len(g.unmet_criteria) if g.result else None, num=True),
        Column("distance", _("Chỉ tiêu chưa đạt"), lambda g: g.distance, num=True),
        Column(
            "missing",
            _("Chỉ tiêu còn thiếu"),
            lambda g: ", ".join(i["code"] for i in g.unmet_indicators),
            sortable=False,
        ),
    ]
    filters = [
        Filter("best", _("Hiện đạt"), [(k, q.STANDARD_LABELS[k]) for k in q.STANDARDS], lambda g, v: g.best == v)
    ]
    if sel.unit.level == Level.COUNTRY:
        filters.append(
            Filter(
                "province",
                _("Tỉnh"),
                choices_from(p for p, _d in names.values()),
                lambda g, v: names[g.unit["id"]][0] == v,
            )
        )
    if sel.unit.level in (Level.COUNTRY, Level.PROVINCE):
        filters.append(
            Filter(
                "district",
                _("Huyện"),
                choices_from(d for _p, d in names.values()),
                lambda g, v: names[g.unit["id"]][1] == v,
            )
        )
    return Table(
        request,
        gap_list,
        cols,
        search=lambda g: g.unit["name"],
        filters=filters,
        page_size=LIST_PAGE_SIZE,
        name="gaps",
        title=f"thieu-hut-{sel.unit.uid}-{sel.period.key if sel.period else ''}",
    )


@require_POST
def data_view_switch(request):
    """Reviewers switch between the approved figures and those including unapproved data (kept in the
    session, shown on every page while on); anyone else stays with the approved figures."""
    wanted = dataview.of(request.POST.get("view"))
    if wanted is dataview.ALL and not dataview.may_include_unapproved(request.user):
        return forbid(request, message=gettext("Chỉ cán bộ thẩm định mới xem được số liệu chưa duyệt."))
    request.session[dataview.SESSION_KEY] = wanted.code
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = "/"
    return redirect(nxt)
