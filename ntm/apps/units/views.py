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

from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

from ntm.apps.accounts.permissions import (
    can_carry,
    can_review_under,
    can_view,
    home_units,
    sees_history,
    viewer_key,
    visible_q,
)
from ntm.apps.evaluations import dataview
from ntm.apps.evaluations import queries as q
from ntm.apps.observations.workflow import returned_sheets
from ntm.core import formatting as fmt
from ntm.core.catalog import CriteriaSet, default_catalog
from ntm.core.codes import code_key
from ntm.core.periods import Period
from ntm.web.cache import depends_on, kept_page, memo
from ntm.web.requests import forbid, parse_date, parse_period
from ntm.web.tables import Column, Table

from .models import Level, Region, Unit
from .services import ancestors, find_units, path_names, predecessors, successors
from .templatetags.ntm_words import period_words


def date_today():
    import datetime as dt

    return dt.date.today()


def can_classify(user, unit: Unit) -> bool:
    """Province reviewers (and administrators) set the groups of the communes of their province."""
    from ntm.apps.accounts.permissions import can_admin, can_review

    return can_review(user, unit) or can_admin(user, unit)


DECIDED_BY = {
    "rule": gettext_noop("theo ngưỡng của bộ tiêu chí"),
    "assessment": gettext_noop("theo đánh giá của cán bộ"),
    "not_applicable": gettext_noop("không đánh giá (không áp dụng)"),
    "none": gettext_noop("chưa có số liệu"),
}
STATUS = {
    "met": gettext_noop("Đạt"),
    "not_met": gettext_noop("Chưa đạt"),
    "no_data": gettext_noop("Chưa có số liệu"),
    "not_applicable": gettext_noop("Không đánh giá"),
}


def scope_label(scope: str | None) -> str:
    if not scope:
        return ""
    from ntm.apps.units.templatetags.ntm_words import scope_words

    return scope_words(scope)


def value_text(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return gettext("Có") if value else gettext("Không")
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
        groups.setdefault(i["criterion"], []).append(
            {
                **i,
                "content": ind.content if ind else "",
                "unit": (ind.unit or "") if ind else "",
                "dynamic": bool(ind and ind.dynamic),
                "status_label": gettext(STATUS[i["status"]]) if i["status"] in STATUS else i["status"],
                "value_text": value_text(i.get("value")),
                "threshold_text": value_text(i.get("threshold")) if i.get("threshold") is not None else "",
                "scope_label": scope_label(i.get("scope")),
                "decided_label": gettext(DECIDED_BY[i.get("decided_by")])
                if i.get("decided_by") in DECIDED_BY
                else (i.get("decided_by") or ""),
                "assessment_text": {True: gettext("đạt"), False: gettext("chưa đạt")}.get(i.get("assessment"), "–"),
            }
        )
    out = []
    for number in sorted(groups):
        c = crits.get(number, {})
        crit = cs.criterion_by_number.get(number) if cs else None
        out.append(
            {
                "number": number,
                "name": c.get("name") or (crit.name if crit else ""),
                "met": c.get("met"),
                "indicators_met": c.get("indicators_met"),
                "indicators_total": c.get("indicators_total"),
                "sector": c.get("sector"),
                "indicators": groups[number],
            }
        )
    return out


def _dynamic() -> str:
    text = escape(gettext("tiêu chí động"))
    return f' <span class="dyn">{text}</span>'


def _conflict() -> str:
    text = escape(gettext("Mâu thuẫn: quy tắc và đánh giá khác nhau"))
    return f'<br><span class="conflict">{text}</span>'


def _explain_html(explained: list[dict]) -> str:
    """The rows of the explanation table (one heading row per criterion, one row per indicator),
    built in Python: 130 rows of nine cells through the template engine were most of a commune
    page's time. Every value is escaped."""
    out: list[str] = []
    add = out.append
    dynamic, conflict = _dynamic(), _conflict()
    met, unmet = escape(gettext("đạt")), escape(gettext("chưa đạt"))
    criterion = gettext("Tiêu chí %(n)s.")
    for g in explained:
        add(
            f'<tr><th colspan="9">{escape(criterion % {"n": g["number"]})} {escape(g["name"])} — '
            + (f'<span class="met">{met}</span>' if g["met"] else f'<span class="unmet">{unmet}</span>')
            + " ("
            + escape(
                gettext("%(a)s/%(b)s chỉ tiêu") % {"a": _text(g["indicators_met"]), "b": _text(g["indicators_total"])}
            )
            + ")"
            + (f' · <span class="muted">{escape(gettext(g["sector"]))}</span>' if g["sector"] else "")
            + "</th></tr>"
        )
        for i in g["indicators"]:
            status = {"met": "met", "not_applicable": "muted"}.get(i["status"], "unmet")
            value = escape(_text(i["value_text"]))
            if i["unit"] and i["value_text"] != "–":
                value += f" {escape(i['unit'])}"
            add(
                f'<tr class="{"dynamic" if i["dynamic"] else ""}" data-code="{escape(i["code"])}">'
                f'<td class="codes">{escape(i["code"])}</td>'
                f"<td>{escape(i['content'])}{dynamic if i['dynamic'] else ''}</td>"
                f'<td><span class="{status}">{escape(_text(i["status_label"]))}</span>'
                f"{conflict if i.get('conflict') else ''}</td>"
                f'<td class="num">{value}</td>'
                f"<td>{escape(_text(i['assessment_text']))}</td>"
                f'<td lang="vi">{escape(_text(i.get("rule") or "—"))}</td>'
                f"<td>{escape(_text(i['scope_label'] or '—'))}</td>"
                f"<td>{escape(_text(i['decided_label']))}</td>"
                f'<td class="muted" lang="vi">{escape(_text(i.get("explanation")))}</td></tr>'
            )
    return mark_safe("".join(out))


def _text(value) -> str:
    """A value as a cell shows it (nothing for None)."""
    return "" if value is None else str(value)


def _card(cs: CriteriaSet | None, code: str, by_period: dict[str, dict], period: Period, detail: dict) -> SetCard:
    row = by_period[period.key]
    short = (cs.data.short_name or cs.name) if cs else code
    card = SetCard(
        cs,
        code,
        row,
        detail,
        short,
        q.scorecard_phrase(row, short),
        fmt.percent(row["criteria_met"], row["criteria_total"]),
        fmt.percent(row["indicators_met"], row["indicators_total"]),
    )
    card.unmet_criteria = [
        {
            "number": int(n),
            "name": cs.criterion_by_number[int(n)].name if cs and int(n) in cs.criterion_by_number else "",
        }
        for n in sorted(int(n) for n in row["unmet_criteria"])
    ]
    card.unmet_indicators = [
        q.indicator_info(cs, c) if cs else {"code": c, "content": "", "dynamic": False}
        for c in sorted(row["unmet_indicators"], key=code_key)
    ]
    keys = q.sort_periods(by_period)  # oldest first
    earlier = [k for k in keys if q.period_key(k) < q.period_key(period.key)]
    if earlier:
        last = earlier[-1]
        card.since_last = q.change(
            cs, last, by_period[last], row, gettext("so với kỳ trước (%(p)s)") % {"p": period_words(last)}
        )
    base = q.start_of_year_period(keys, period)
    if base:
        card.since_year_start = q.change(
            cs, base, by_period[base], row, gettext("so với đầu năm (%(p)s)") % {"p": period_words(base)}
        )
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
            keys = [
                k for k in q.sort_periods(own[code]) if period is None or q.period_key(k) <= q.period_key(period.key)
            ]
            if not keys:
                continue
            k = keys[-1]
            cs = catalog.get(code) if code in catalog else None
            entries.append((own[code][k], (cs.data.short_name or cs.name) if cs else code, k))
        latest = entries[0][2] if entries else None
        out.append(
            {
                "unit": u,
                "link": getattr(u, "link", None),
                "can_view": can_view(user, u) or sees_history(user, u),
                "sentence": q.scorecard_sentence(f"{u.name} (cũ)", [(r, s) for r, s, k in entries if k == latest]),
                "period_label": period_words(latest) if latest else "",
                "period": latest,
                "standard_met": [s for r, s, k in entries if k == latest and r["standard_met"]],
                "ntm": next(
                    (
                        r
                        for r, s, k in entries
                        if k == latest and r["set_code"] in catalog and catalog.get(r["set_code"]).tier == "ntm"
                    ),
                    None,
                )
                if latest
                else None,
            }
        )
    return out


def _lineage_summary(cards: list[dict]) -> str:
    """ "3/3 xã cũ đạt chuẩn nông thôn mới (tháng 12/2024)": the predecessors at the NTM standard in
    their latest period — a count of their own results, not a status of the successor."""
    xa = [c for c in cards if c["unit"].type == "Xã"]
    if not xa:
        return ""
    met = sum(1 for c in xa if c["ntm"] and c["ntm"]["standard_met"])
    periods = sorted({c["period"] for c in xa if c["period"]}, key=q.period_key)
    when = f" ({period_words(periods[-1])})" if len(periods) == 1 else ""
    return gettext("%(met)s/%(n)s xã cũ đạt chuẩn nông thôn mới") % {"met": met, "n": len(xa)} + when


@kept_page
def unit_detail(request, uid: str):
    unit = Unit.objects.filter(uid=uid).first()
    if unit is None:
        raise Http404(f"Không có đơn vị {uid}")
    if not (can_view(request.user, unit) or sees_history(request.user, unit)):
        return forbid(request, unit)
    if unit.level != Level.COMMUNE:
        params = {"unit": unit.uid, **{k: v for k, v in request.GET.items() if k in ("period", "date", "set")}}
        return redirect(f"{reverse('overview')}?{urlencode(params)}")
    # the page shows stored results, the units' lineage and the plans: kept until one of them changes
    # (many officials open the same commune pages); what it shows depends on the units the user sees
    key = (
        "unit-page",
        unit.pk,
        request.GET.get("period") or "",
        viewer_key(request.user),
        get_language(),
        dataview.current().code,
    )
    # a save elsewhere leaves it as it is: it shows the results of the unit and its predecessors only
    body, shown = memo(
        key,
        lambda: _detail_body(request, unit),
        topics=("results", "units", "plans"),
        weight=5,
        patch=lambda kept, changes: None if changes.touches(kept[1]) else kept,
    )
    depends_on(request, shown)
    return render(
        request, "units/detail.html", {"unit": unit, "body": body, "returned": returned_sheets(unit, request.user)}
    )


def _detail_body(request, unit: Unit) -> tuple[str, frozenset[int]]:
    """The page's body, and the units whose results it shows."""
    cat = default_catalog()
    preds = predecessors(unit)
    succs = successors(unit)
    history = q.unit_history([unit.id] + [p.id for p in preds])
    own = history.get(unit.id, {})
    own_periods = q.sort_periods(k for by_period in own.values() for k in by_period)
    lineage_periods = q.sort_periods(
        k for p in preds for by_period in history.get(p.id, {}).values() for k in by_period
    )
    periods = q.sort_periods([*own_periods, *lineage_periods])  # its own, then its predecessors' history
    period = parse_period(request.GET.get("period")) or (
        Period.parse((own_periods or periods)[-1]) if periods else None
    )

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
        merged_into.append(
            {
                "unit": s,
                "link": s.link,
                "can_view": can_view(request.user, s),
                "parent": s.parent.name if s.parent_id else "",
                "others": others,
            }
        )
    from ntm.apps.plans.models import PlanTarget

    plans = list(PlanTarget.objects.filter(unit=unit).order_by("year", "set_code"))
    for p in plans:
        p.set_label = q.code_label(p.set_code, cat)

    from .classifications import history as class_history
    from .classifications import in_force

    lineage = _lineage_cards(preds, history, period, request.user, cat)
    today = date_today()
    # the classification the shown period was evaluated with; today's for a period before the commune existed
    when = min(period.end, today) if period and not (unit.valid_from and period.end < unit.valid_from) else today
    classify = unit.type == "Xã" and can_classify(request.user, unit)
    context = {
        "unit": unit,
        "ancestors": [(a, can_view(request.user, a)) for a in ancestors(unit)],
        "period": period,
        "classification": in_force(unit, when) if unit.type == "Xã" else None,
        "classification_date": when,
        "grouped_edition": unit.edition == "2025",  # the 2026–2030 groups concern today's communes
        "classifications": class_history(unit) if classify else [],
        "can_classify": classify,
        "group_sets": [s for s in cat if s.level == "commune" and s.data.scope_kind == "group"]
        if unit.type == "Xã"
        else [],
        "periods": [(k, Period.parse(k).label) for k in reversed(periods)],
        "cards": cards,
        "sentence": q.scorecard_sentence(unit.name, [(c.row, c.short_name) for c in sentence_cards]) if cards else "",
        "predecessors": lineage,
        "lineage_summary": _lineage_summary(lineage),
        "successors": merged_into,
        "plans": plans,
        "region": Region(unit.region).label if unit.region in Region.values else "",
    }
    return render_to_string("units/_detail_body.html", context, request=request), frozenset(
        [unit.id, *(p.id for p in preds)]
    )


# -- browsing and searching units -----------------------------------------------------------------
BROWSE_PAGE_SIZE = 100
LEVEL_ORDER = {lvl: i for i, lvl in enumerate(Level.values)}


def _unit_rows(units: list[Unit]) -> list[dict]:
    """Each unit with the names of its ancestors (one query for all) and where its page is."""
    names = path_names(units)
    return [
        {
            "unit": u,
            "path": " › ".join(names.get(u.id, [])),
            "link": reverse("unit-detail", args=[u.uid]),
            "has_children": u.level != Level.COMMUNE,
        }
        for u in units
    ]


def browse_table(request, rows: list[dict]) -> Table:
    """The units found or browsed, as a :class:`~ntm.web.tables.Table`: sort, export, pages (the
    search is the page's own: names, codes and name paths, in the database)."""
    from django.utils.translation import gettext_lazy as _

    cols = [
        Column("name", _("Đơn vị"), lambda r: r["unit"].name),
        Column(
            "level",
            _("Cấp"),
            lambda r: LEVEL_ORDER.get(r["unit"].level, 9),
            text=lambda r: r["unit"].get_level_display(),
        ),
        Column("parent", _("Thuộc"), lambda r: r["path"]),
        Column("code", _("Mã"), lambda r: r["unit"].code),
        Column("validity", _("Hiệu lực"), lambda r: r["unit"].valid_from, text=lambda r: r["unit"].validity),
        Column("children", "", lambda r: "", sortable=False, export=False),
    ]
    return Table(request, rows, cols, page_size=BROWSE_PAGE_SIZE, name="units", title="don-vi")


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
            qs = (
                Unit.objects.valid_at(date).filter(search__contains=key).filter(visible_q(request.user, ""))
                if key
                else Unit.objects.none()
            )
            if level:
                qs = qs.filter(level=level)
            units = list(qs.order_by("name", "id")[:2000])
            units.sort(
                key=lambda u: (
                    u.search != key and core.normalize(u.short_name) != key,
                    LEVEL_ORDER.get(u.level, 9),
                    u.name,
                    u.edition,
                )
            )
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
    table = browse_table(request, _unit_rows(units))
    exported = table.response()
    if exported is not None:
        return exported
    page = table.page
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "units/browse.html",
        {
            "table": table,
            "q": text,
            "date": date,
            "date_text": fmt.date(date) if date else "",
            "level": level,
            "levels": Level.choices,
            "parent": parent,
            "parent_ancestors": ancestors(parent) if parent else [],
            "page_obj": page,
            "rows": table.rows_shown,
            "query": params.urlencode(),
            "date_param": date.isoformat() if date else "",
        },
    )


# -- commune groups and ĐBKK/ATK status ------------------------------------------------------------
def _saved_message(saved) -> str:
    p = saved.plan
    text = (
        f"Đã ghi {p.writes} thay đổi phân loại xã"
        + (f" ({len(p.unchanged)} dòng không đổi)" if p.unchanged else "")
        + "."
    )
    if saved.run is not None:
        text += (
            f" Các kết quả phụ thuộc ({', '.join(saved.set_codes)}; {len(saved.periods)} kỳ) đang được đánh giá lại "
            f"trong nền (lượt #{saved.run.pk}); trang tổng quan hiện tiến độ."
        )
    return text


def unit_classification(request, uid: str):
    """Nhóm xã, xã ĐBKK/ATK of one xã: the dated rows with their decisions, a form to add one (it takes
    over from its start date), and deleting a row entered by mistake. Province reviewers and
    administrators; every change is audited and re-evaluates what depends on it."""
    from django.contrib import messages

    from . import classifications as C
    from .forms import ClassificationForm
    from .models import Classification

    unit = Unit.objects.filter(uid=uid, level=Level.COMMUNE).first()
    if unit is None:
        raise Http404(f"Không có xã {uid}")
    if not (can_view(request.user, unit) and can_classify(request.user, unit)):
        return forbid(
            request,
            message=f"Bạn không có quyền phân loại {unit.name}: việc này do văn phòng điều phối "
            "cấp tỉnh (thẩm định) hoặc quản trị viên thực hiện.",
        )
    form = ClassificationForm(request.POST or None)
    if request.method == "POST" and request.POST.get("delete"):
        c = Classification.objects.filter(pk=request.POST["delete"], unit=unit).first()
        if c is not None:
            messages.success(request, _saved_message(C.delete(c, user=request.user, request=request)))
        return redirect("unit-classification", uid=unit.uid)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        row = C.Row(
            unit,
            d["kind"],
            d["group"],
            d["valid_from"],
            d["valid_to"],
            d["decision_number"],
            d["decision_date"],
            d["issued_by"],
            d.get("note") or "",
        )
        try:
            saved = C.save([row], user=request.user, request=request, reason=f"Phân loại {unit.name}")
        except C.ClassificationError as exc:
            for p in exc.problems:
                form.add_error(None, str(p))
        else:
            messages.success(request, _saved_message(saved))
            return redirect("unit-classification", uid=unit.uid)
    today = date_today()
    return render(
        request,
        "units/classification.html",
        {
            "unit": unit,
            "form": form,
            "rows": C.history(unit),
            "now": C.in_force(unit, today),
            "today": today,
            "province": next((a for a in ancestors(unit) if a.level == Level.PROVINCE), None),
        },
    )


def classification_import(request):
    """Import commune groups / ĐBKK/ATK status for the xã of a unit from XLSX or CSV: upload → preview
    (every problem with its row and column; nothing written) → confirm (all or nothing)."""
    import uuid
    from pathlib import Path

    from django.conf import settings
    from django.contrib import messages

    from . import classification_import as I
    from . import classifications as C
    from .forms import ImportForm

    ref = request.GET.get("unit") or request.POST.get("unit") or ""
    unit = Unit.objects.filter(uid=ref).first() if ref else home_units(request.user).first()
    if unit is None or not can_view(request.user, unit):
        return forbid(request, unit)
    if not can_review_under(request.user, unit):
        return forbid(request, message=f"Bạn không có quyền phân loại các xã của {unit.name}.")
    form = ImportForm(request.POST or None, request.FILES or None)
    pending = request.session.get("classification_import") or {}
    context = {"unit": unit, "form": form, "header": I.HEADER}

    def allowed(u: Unit) -> bool:
        return u.path.startswith(unit.path) and can_classify(request.user, u)

    if request.method == "POST" and request.POST.get("action") in ("confirm", "cancel"):
        path = Path(pending.get("path", ""))
        if request.POST.get("token") != pending.get("token") or not path.is_file():
            messages.error(request, "Lần nhập này đã hết hạn; hãy tải tệp lên lại.")
            return redirect(f"{reverse('classification-import')}?unit={unit.uid}")
        request.session.pop("classification_import", None)
        try:
            if request.POST["action"] == "cancel":
                messages.info(request, "Đã hủy lần nhập; không ghi gì.")
                return redirect(f"{reverse('classification-import')}?unit={unit.uid}")
            preview = I.read(path, pending["name"], user=request.user, allowed=allowed)
            if preview.ok:
                try:
                    saved = C.save(
                        preview.rows,
                        user=request.user,
                        request=request,
                        reason=f"Nhập phân loại xã từ {pending['name']}",
                    )
                except C.ClassificationError as exc:
                    preview.problems = exc.problems
                else:
                    messages.success(request, _saved_message(saved))
                    return redirect(f"{reverse('classification-import')}?unit={unit.uid}")
            context["preview"] = preview
            return render(request, "units/classification_import.html", context)
        finally:
            path.unlink(missing_ok=True)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv"):
            form.add_error("file", f"không hỗ trợ định dạng '{suffix}' (dùng .xlsx hoặc .csv)")
        else:
            folder = Path(settings.MEDIA_ROOT) / "imports"
            folder.mkdir(parents=True, exist_ok=True)
            old = Path(pending.get("path", ""))
            if pending.get("path") and old.is_file():
                old.unlink()
            path = folder / f"phan-loai-{uuid.uuid4().hex}{suffix}"
            with open(path, "wb") as f:
                for chunk in upload.chunks():
                    f.write(chunk)
            preview = I.read(path, upload.name, user=request.user, allowed=allowed)
            context["preview"] = preview
            if preview.ok and preview.plan.writes:
                token = uuid.uuid4().hex
                request.session["classification_import"] = {"token": token, "path": str(path), "name": upload.name}
                context["token"] = token
            else:
                path.unlink(missing_ok=True)
    return render(request, "units/classification_import.html", context)


def classification_template(request):
    """The XLSX to fill for the xã of a unit (today's hierarchy), with their groups in force today."""
    from django.http import HttpResponse

    from . import classification_import as I

    unit = Unit.objects.filter(uid=request.GET.get("unit") or "").first()
    if unit is None or not can_view(request.user, unit):
        return forbid(request, unit)
    today = date_today()
    date = today if unit.is_valid_at(today) else unit.valid_to
    qs = Unit.objects.valid_at(date).filter(level=Level.COMMUNE, type="Xã", path__startswith=unit.path).order_by("code")
    resp = HttpResponse(
        I.template_workbook(list(qs), date),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = f'attachment; filename="phan-loai-xa-{unit.code}.xlsx"'
    return resp


def membership_succession(request, uid: str):
    """Phân quyền theo quan hệ kế thừa: the memberships on a unit dissolved on 1 July 2025 and the
    units it became (from the lineage); the administrator chooses memberships, targets and whether to
    move (the old one becomes read-only on the history) or extend; a preview, then the audited change."""
    from django.contrib import messages

    from ntm.apps.accounts import succession as carrying
    from ntm.apps.accounts.models import Membership
    from ntm.apps.accounts.permissions import can_admin

    from . import succession as S

    unit = Unit.objects.filter(uid=uid).first()
    if unit is None:
        raise Http404(f"Không có đơn vị {uid}")
    if not can_carry(request.user, unit):
        return forbid(
            request, message=f"Chỉ quản trị viên của {unit.name} (đơn vị trước sắp xếp) mới chuyển được phân quyền."
        )
    options = [t for t in S.targets(unit) if getattr(request.user, "is_superuser", False) or can_admin(request.user, t)]
    members = list(Membership.objects.filter(unit=unit).select_related("user").order_by("user__username", "role"))
    chosen_m = [m for m in members if str(m.pk) in request.POST.getlist("membership")]
    chosen_t = [t for t in options if t.uid in request.POST.getlist("target")]
    mode = request.POST.get("mode") or carrying.EXTEND
    context = {
        "unit": unit,
        "members": members,
        "options": options,
        "mode": mode,
        "chosen_m": {m.pk for m in chosen_m},
        "chosen_t": {t.uid for t in chosen_t},
    }
    if request.method == "POST":
        if not chosen_m or not chosen_t:
            context["error"] = "Chọn ít nhất một phân quyền và một đơn vị kế thừa."
        elif request.POST.get("action") == "confirm":
            done = carrying.carry(chosen_m, chosen_t, mode, by=request.user, request=request)
            messages.success(
                request,
                f"Đã tạo {len(done.created)} phân quyền trên đơn vị kế thừa"
                + (f"; {len(done.read_only)} phân quyền cũ chuyển thành chỉ xem lịch sử" if done.read_only else "")
                + ". Xem nhật ký thay đổi.",
            )
            return redirect("membership-succession", uid=unit.uid)
        else:
            context["preview"] = [(m, t) for m in chosen_m for t in chosen_t]
    return render(request, "units/succession.html", context)
