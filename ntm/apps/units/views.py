"""The page of one commune: its scorecard as officials write it, what is unmet, what changed since
the start of the year and since the last period, which indicators regressed, the explanation of
every indicator, and its lineage (a 2025 commune shows its predecessors' results; a commune of
before 1 July 2025 shows what it became).

Higher units (provinces, districts, the nation) have the overview as their page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape  # the standard library's: Django's wraps it for lazy strings, at 3× the cost
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ntm.apps.accounts.permissions import can_view, home_units, viewer_key, visible_q
from ntm.apps.evaluations import dataview
from ntm.apps.evaluations import queries as q
from ntm.apps.evaluations.freshness import depends_on, kept_page, memo
from ntm.apps.evaluations.views import forbid, parse_date, parse_period
from ntm.apps.observations.workflow import returned_sheets
from ntm.core import formatting as fmt
from ntm.core.catalog import CriteriaSet, default_catalog
from ntm.core.codes import code_key
from ntm.core.periods import Period

from .models import Level, Region, Unit
from .services import ancestors, find_units, path_names, predecessors, successors

DECIDED_BY = {
    "rule": "theo ngưỡng của bộ tiêu chí",
    "assessment": "theo đánh giá của cán bộ",
    "not_applicable": "không đánh giá (không áp dụng)",
    "none": "chưa có số liệu",
}
STATUS = {"met": "Đạt", "not_met": "Chưa đạt", "no_data": "Chưa có số liệu", "not_applicable": "Không đánh giá"}


def scope_label(scope: str | None) -> str:
    if not scope:
        return ""
    if scope == "national":
        return "toàn quốc"
    kind, _, key = scope.partition(":")
    if kind == "region":
        return f"vùng {Region(key).label}" if key in Region.values else f"vùng {key}"
    if kind == "group":
        return f"xã nhóm {key}"
    if kind == "province":
        return f"tỉnh (mã {key})"
    return scope


def value_text(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, (int, float)):
        text = fmt.number(value, 2, trim=True)
        return text.rstrip("0").rstrip(",") if "," in text else text
    return str(value)


@dataclass
class SetCard:
    set: CriteriaSet | None
    code: str
    row: dict
    detail: dict
    short_name: str
    phrase: str
    criteria_percent: str
    indicators_percent: str
    unmet_criteria: list[dict] = field(default_factory=list)
    unmet_indicators: list[dict] = field(default_factory=list)
    since_last: q.Change | None = None
    since_year_start: q.Change | None = None
    regressions: list[dict] = field(default_factory=list)
    explained: list[dict] = field(default_factory=list)  # per criterion: {number, name, met, sector, indicators: [...]}
    explained_html: str = ""  # the explanation table's rows
    conditions: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)


def _explain(cs: CriteriaSet | None, detail: dict) -> list[dict]:
    crits = {c["number"]: c for c in detail.get("criterion_results", [])}
    groups: dict[int, list[dict]] = {}
    for i in sorted(detail.get("indicator_results", []), key=lambda i: code_key(i["code"])):
        ind = cs.by_code.get(i["code"]) if cs else None
        groups.setdefault(i["criterion"], []).append({
            **i,
            "content": ind.content if ind else "",
            "unit": (ind.unit or "") if ind else "",
            "dynamic": bool(ind and ind.dynamic),
            "status_label": STATUS.get(i["status"], i["status"]),
            "value_text": value_text(i.get("value")),
            "threshold_text": value_text(i.get("threshold")) if i.get("threshold") is not None else "",
            "scope_label": scope_label(i.get("scope")),
            "decided_label": DECIDED_BY.get(i.get("decided_by"), i.get("decided_by") or ""),
            "assessment_text": {True: "đạt", False: "chưa đạt"}.get(i.get("assessment"), "–"),
        })
    out = []
    for number in sorted(groups):
        c = crits.get(number, {})
        crit = cs.criterion_by_number.get(number) if cs else None
        out.append({"number": number, "name": c.get("name") or (crit.name if crit else ""), "met": c.get("met"),
                    "indicators_met": c.get("indicators_met"), "indicators_total": c.get("indicators_total"),
                    "sector": c.get("sector"), "indicators": groups[number]})
    return out


_DYNAMIC = ' <span class="dyn">tiêu chí động</span>'
_CONFLICT = '<br><span class="conflict">Mâu thuẫn: quy tắc và đánh giá khác nhau</span>'


def _explain_html(explained: list[dict]) -> str:
    """The rows of the explanation table (one heading row per criterion, one row per indicator),
    built in Python: 130 rows of nine cells through the template engine were most of a commune
    page's time. Every value is escaped."""
    out: list[str] = []
    add = out.append
    for g in explained:
        add(f'<tr><th colspan="9">Tiêu chí {g["number"]}. {escape(g["name"])} — '
            + ('<span class="met">đạt</span>' if g["met"] else '<span class="unmet">chưa đạt</span>')
            + f' ({escape(_text(g["indicators_met"]))}/{escape(_text(g["indicators_total"]))} chỉ tiêu)'
            + (f' · <span class="muted">{escape(g["sector"])}</span>' if g["sector"] else "") + "</th></tr>")
        for i in g["indicators"]:
            status = {"met": "met", "not_applicable": "muted"}.get(i["status"], "unmet")
            value = escape(_text(i["value_text"]))
            if i["unit"] and i["value_text"] != "–":
                value += f" {escape(i['unit'])}"
            add(f'<tr class="{"dynamic" if i["dynamic"] else ""}" data-code="{escape(i["code"])}">'
                f'<td class="codes">{escape(i["code"])}</td>'
                f'<td>{escape(i["content"])}{_DYNAMIC if i["dynamic"] else ""}</td>'
                f'<td><span class="{status}">{escape(_text(i["status_label"]))}</span>'
                f'{_CONFLICT if i.get("conflict") else ""}</td>'
                f'<td class="num">{value}</td>'
                f'<td>{escape(_text(i["assessment_text"]))}</td>'
                f'<td>{escape(_text(i.get("rule") or "—"))}</td>'
                f'<td>{escape(_text(i["scope_label"] or "—"))}</td>'
                f'<td>{escape(_text(i["decided_label"]))}</td>'
                f'<td class="muted">{escape(_text(i.get("explanation")))}</td></tr>')
    return mark_safe("".join(out))


def _text(value) -> str:
    """A value as a cell shows it (nothing for None)."""
    return "" if value is None else str(value)


def _card(cs: CriteriaSet | None, code: str, by_period: dict[str, dict], period: Period, detail: dict) -> SetCard:
    row = by_period[period.key]
    short = (cs.data.short_name or cs.name) if cs else code
    card = SetCard(cs, code, row, detail, short, q.scorecard_phrase(row, short),
                   fmt.percent(row["criteria_met"], row["criteria_total"]),
                   fmt.percent(row["indicators_met"], row["indicators_total"]))
    card.unmet_criteria = [
        {"number": int(n), "name": cs.criterion_by_number[int(n)].name if cs and int(n) in cs.criterion_by_number else ""}
        for n in sorted(int(n) for n in row["unmet_criteria"])
    ]
    card.unmet_indicators = [q.indicator_info(cs, c) if cs else {"code": c, "content": "", "dynamic": False}
                             for c in sorted(row["unmet_indicators"], key=code_key)]
    keys = q.sort_periods(by_period)  # oldest first
    earlier = [k for k in keys if q.period_key(k) < q.period_key(period.key)]
    if earlier:
        last = earlier[-1]
        card.since_last = q.change(cs, last, by_period[last], row, f"so với kỳ trước ({Period.parse(last).label})")
    base = q.start_of_year_period(keys, period)
    if base:
        card.since_year_start = q.change(cs, base, by_period[base], row, f"so với đầu năm ({Period.parse(base).label})")
    card.regressions = q.regressions(cs, by_period, period.key)
    card.explained = _explain(cs, detail)
    card.explained_html = _explain_html(card.explained)
    card.conditions = detail.get("conditions", [])
    card.history = [{"period": k, "label": Period.parse(k).label, **by_period[k]} for k in keys]
    return card


def _lineage_cards(units: list[Unit], history: dict, period: Period | None, user, catalog) -> list[dict]:
    """Scorecards of related units (predecessors): at the period, or their latest before it."""
    out = []
    for u in units:
        own = history.get(u.id, {})
        entries = []
        for code in sorted(own, key=lambda c: q.set_order(catalog, c)):
            keys = [k for k in q.sort_periods(own[code]) if period is None or q.period_key(k) <= q.period_key(period.key)]
            if not keys:
                continue
            k = keys[-1]
            cs = catalog.get(code) if code in catalog else None
            entries.append((own[code][k], (cs.data.short_name or cs.name) if cs else code, k))
        latest = entries[0][2] if entries else None
        out.append({
            "unit": u, "link": getattr(u, "link", None), "can_view": can_view(user, u),
            "sentence": q.scorecard_sentence(u.name, [(r, s) for r, s, k in entries if k == latest]),
            "period_label": Period.parse(latest).label if latest else "",
            "standard_met": [s for r, s, k in entries if k == latest and r["standard_met"]],
        })
    return out


@kept_page
def unit_detail(request, uid: str):
    unit = Unit.objects.filter(uid=uid).first()
    if unit is None:
        raise Http404(f"Không có đơn vị {uid}")
    if not can_view(request.user, unit):
        return forbid(request, unit)
    if unit.level != Level.COMMUNE:
        params = {"unit": unit.uid, **{k: v for k, v in request.GET.items() if k in ("period", "date", "set")}}
        return redirect(f"{reverse('overview')}?{urlencode(params)}")
    # the page shows stored results, the units' lineage and the plans: kept until one of them changes
    # (many officials open the same commune pages); what it shows depends on the units the user sees
    key = ("unit-page", unit.pk, request.GET.get("period") or "", viewer_key(request.user), get_language(),
           dataview.current().code)
    # a save elsewhere leaves it as it is: it shows the results of the unit and its predecessors only
    body, shown = memo(key, lambda: _detail_body(request, unit), topics=("results", "units", "plans"), weight=5,
                       patch=lambda kept, changes: None if changes.touches(kept[1]) else kept)
    depends_on(request, shown)
    return render(request, "units/detail.html", {"unit": unit, "body": body,
                                                 "returned": returned_sheets(unit, request.user)})


def _detail_body(request, unit: Unit) -> tuple[str, frozenset[int]]:
    """The page's body, and the units whose results it shows."""
    cat = default_catalog()
    preds = predecessors(unit)
    succs = successors(unit)
    history = q.unit_history([unit.id] + [p.id for p in preds])
    own = history.get(unit.id, {})
    own_periods = q.sort_periods(k for by_period in own.values() for k in by_period)
    lineage_periods = q.sort_periods(k for p in preds for by_period in history.get(p.id, {}).values() for k in by_period)
    periods = own_periods or lineage_periods
    period = parse_period(request.GET.get("period")) or (Period.parse(periods[-1]) if periods else None)

    cards: list[SetCard] = []
    if period is not None and period.key in own_periods:
        details = q.details_for(unit.id, period.key)
        for code in sorted((c for c in own if period.key in own[c]), key=lambda c: q.set_order(cat, c)):
            cs = cat.get(code) if code in cat else None
            cards.append(_card(cs, code, own[code], period, details.get(code, {})))

    tier_codes = {cs.code for cs in q.tier_sets(period, cat).values()} if period else set()
    sentence_cards = [c for c in cards if c.code in tier_codes] or cards
    merged_into = []
    for s in succs:
        others = [p for p in predecessors(s) if p.id != unit.id]
        merged_into.append({"unit": s, "link": s.link, "can_view": can_view(request.user, s),
                            "parent": s.parent.name if s.parent_id else "", "others": others})
    from ntm.apps.plans.models import PlanTarget

    plans = list(PlanTarget.objects.filter(unit=unit).order_by("year", "set_code"))
    for p in plans:
        p.set_label = q.code_label(p.set_code, cat)

    context = {
        "unit": unit, "ancestors": ancestors(unit), "period": period,
        "periods": [(k, Period.parse(k).label) for k in reversed(periods)],
        "cards": cards,
        "sentence": q.scorecard_sentence(unit.name, [(c.row, c.short_name) for c in sentence_cards]) if cards else "",
        "predecessors": _lineage_cards(preds, history, period, request.user, cat),
        "successors": merged_into, "plans": plans,
        "region": Region(unit.region).label if unit.region in Region.values else "",
    }
    return render_to_string("units/_detail_body.html", context), frozenset([unit.id, *(p.id for p in preds)])


# -- browsing and searching units -----------------------------------------------------------------
BROWSE_PAGE_SIZE = 100
LEVEL_ORDER = {lvl: i for i, lvl in enumerate(Level.values)}


def _unit_rows(units: list[Unit]) -> list[dict]:
    """Each unit with the names of its ancestors (one query for all) and where its page is."""
    names = path_names(units)
    return [{"unit": u, "path": " › ".join(names.get(u.id, [])),
             "link": reverse("unit-detail", args=[u.uid]),
             "has_children": u.level != Level.COMMUNE} for u in units]


def unit_browse(request):
    """Đơn vị hành chính: search by name (with or without diacritics), code or name path, or browse
    one level at a time from the user's own units; only units the user may see are listed, as the
    hierarchy stood on the chosen date (all editions when no date is given)."""
    date = parse_date(request.GET.get("date"))
    text = " ".join((request.GET.get("q") or "").split())
    level = request.GET.get("level") or ""
    if level not in Level.values:
        level = ""
    parent = None
    if text:
        matches = find_units(text, date, limit=None) if ("/" in text or ":" in text or text.lower() == "vn") else None
        if matches is not None:
            units = [m.unit for m in matches if can_view(request.user, m.unit) and (not level or m.unit.level == level)]
        else:
            from ntm.core import units as core

            key = core.normalize(text)
            qs = (Unit.objects.valid_at(date).filter(search__contains=key).filter(visible_q(request.user, ""))
                  if key else Unit.objects.none())
            if level:
                qs = qs.filter(level=level)
            units = list(qs.order_by("name", "id")[:2000])
            units.sort(key=lambda u: (u.search != key and core.normalize(u.short_name) != key,
                                      LEVEL_ORDER.get(u.level, 9), u.name, u.edition))
    else:
        ref = (request.GET.get("in") or "").strip()
        if ref:
            parent = Unit.objects.filter(uid=ref).first()
            if parent is None:
                raise Http404(f"Không có đơn vị {ref}")
            if not can_view(request.user, parent):
                return forbid(request, parent)
            qs = Unit.objects.valid_at(date).filter(parent=parent)
            if level:
                qs = qs.filter(level=level)
            units = list(qs.order_by("-edition", "name"))
        else:  # the user's own units
            units = list(home_units(request.user))
    page = Paginator(units, BROWSE_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "units/browse.html", {
        "q": text, "date": date, "date_text": fmt.date(date) if date else "", "level": level,
        "levels": Level.choices, "parent": parent,
        "parent_ancestors": ancestors(parent) if parent else [],
        "page_obj": page, "rows": _unit_rows(list(page.object_list)), "query": params.urlencode(),
        "date_param": date.isoformat() if date else "",
    })
