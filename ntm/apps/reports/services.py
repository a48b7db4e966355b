"""Gather the figures of bulletins and dossiers from stored results (never recomputed here).

- :func:`bulletin_data` → :class:`ntm.core.reports.bulletin.BulletinData` for a unit and period;
- :func:`bulletin` → the composed :class:`~ntm.core.reports.model.Document`;
- :func:`dossier_data` / :func:`dossier` → the recognition dossier of a commune for one set.

Sources: ``evaluations.Result`` rows (scores, unmet criteria and indicators, the stored
explanation in ``detail``), ``evaluations.services.rollup_for`` for the averages, the approved
``observations.Observation`` rows only for the evidence list of a dossier. A reviewer who reads the
figures including unapproved data (``evaluations.dataview``) gets documents made from those
(``ResultAll``, the latest values), flagged ``includes_unapproved`` and marked as such in the
document itself (:func:`mark_unapproved`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from django.db.models import QuerySet

from ntm.apps.evaluations import dataview
from ntm.apps.evaluations.dataview import results
from ntm.apps.evaluations.services import explanation, rollup_for
from ntm.apps.units.models import Level, Unit
from ntm.core.catalog import Catalog, CriteriaSet, default_catalog
from ntm.core.periods import Period
from ntm.core.reports import bulletin as B
from ntm.core.reports import dossier as D
from ntm.core.reports.model import Document, Paragraph, Table
from ntm.core.units import COMMUNE_TYPES

TIER_ORDER = {"ntm": 0, "nang_cao": 1, "kieu_mau": 2, "hien_dai": 3}
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
_YEAR = re.compile(r"^\d{4}$")


class ReportError(ValueError):
    """A report cannot be made (no results, a unit not in force at the date…); the message is for the user."""


# -- helpers ------------------------------------------------------------------------------------
def spec_of(cs: CriteriaSet, sector_name=None) -> B.SetSpec:
    """The set as bulletins word it; ``sector_name(criterion)`` names the responsible sectors (by default
    the ministries after the 2025 restructuring: :mod:`ntm.core.sectors`)."""
    sector_name = sector_name or _national_sector
    return B.SetSpec(
        code=cs.code,
        short_name=cs.data.short_name or cs.name,
        criteria_total=cs.criteria_count,
        indicators_total=cs.indicator_count,
        name=cs.name,
        criteria={c.number: (c.name, sector_name(c)) for c in cs.criteria},
        indicators={i.code: i.content for i in cs.indicators},
    )


def _national_sector(criterion) -> str | None:
    from ntm.core.sectors import national

    return national(criterion.sector.ministry, criterion.name) if criterion.sector else None


def communes_of(unit: Unit, period: Period) -> QuerySet[Unit]:
    """The communes a report on ``unit`` covers at the end of the period (the unit itself for a commune)."""
    from ntm.apps.units.services import communes_at

    if is_lineage(unit, period):  # today's unit, a period before it existed: the old xã it was formed from
        return lineage_of(unit)[0]
    if unit.level == Level.COMMUNE:
        return Unit.objects.filter(pk=unit.pk)
    try:
        qs = communes_at(unit, period.end)
    except LookupError as exc:
        raise ReportError(str(exc)) from None
    return qs.filter(type__in=COMMUNE_TYPES)


def _same_kind(key: str, period: Period) -> bool:
    pattern = _MONTH if period.month else _QUARTER if period.quarter else _YEAR
    return bool(pattern.match(key))


def stored_periods(communes: QuerySet[Unit], set_code: str) -> list[Period]:
    keys = results().objects.filter(unit__in=communes, set_code=set_code).values_list("period", flat=True).distinct()
    return sorted(Period.parse(k) for k in keys)


def baseline_period(periods: list[Period], period: Period) -> Period | None:
    """'Đầu năm': the last period of the previous year with results, else the first one of this year before ``period``."""
    same = [p for p in periods if _same_kind(p.key, period)]
    before = [p for p in same if p.year == period.year - 1]
    if before:
        return max(before, key=lambda p: p.end)
    this_year = [p for p in same if p.year == period.year and p.end < period.end]
    return min(this_year, key=lambda p: p.end) if this_year else None


def previous_period(periods: list[Period], period: Period) -> Period | None:
    earlier = [p for p in periods if _same_kind(p.key, period) and p.end < period.end]
    return max(earlier, key=lambda p: p.end) if earlier else None


def report_sets(communes: QuerySet[Unit], period: Period, catalog: Catalog) -> list[CriteriaSet]:
    """Commune sets with results for these communes in the period, NTM before nâng cao before kiểu mẫu."""
    codes = set(
        results().objects.filter(unit__in=communes, period=period.key).values_list("set_code", flat=True).distinct()
    )
    sets = [catalog.get(c) for c in codes if c in catalog and catalog.get(c).level == "commune"]
    if not sets:
        valid = [
            s
            for s in catalog
            if s.level == "commune"
            and s.tier == "ntm"
            and s.data.valid_from <= period.end
            and (s.data.valid_to is None or s.data.valid_to >= period.start)
        ]
        sets = valid[-1:] if valid else []
    return sorted(sets, key=lambda s: (TIER_ORDER.get(s.tier, 9), s.code))


def _score(row: dict) -> B.Score:
    return B.Score(
        row["criteria_met"], row["indicators_met"], bool(row["standard_met"]), tuple(row["unmet_criteria"] or ())
    )


def _scores(communes: QuerySet[Unit], set_codes: list[str], period: Period) -> dict[int, dict[str, dict]]:
    out: dict[int, dict[str, dict]] = defaultdict(dict)
    for r in (
        results()
        .objects.filter(unit__in=communes, set_code__in=set_codes, period=period.key)
        .values(
            "unit_id",
            "set_code",
            "criteria_met",
            "indicators_met",
            "standard_met",
            "unmet_criteria",
            "unmet_indicators",
        )
    ):
        out[r["unit_id"]][r["set_code"]] = r
    return out


def _aggregate(parent: Unit, cs: CriteriaSet, period: Period, catalog: Catalog) -> B.Aggregate:
    if parent.level == Level.COMMUNE:
        r = results().objects.filter(unit=parent, set_code=cs.code, period=period.key).first()
        if r is None:
            return B.Aggregate(1, 0, 0, None, None)
        return B.Aggregate(1, 1, int(r.standard_met), float(r.criteria_met), float(r.indicators_met))
    ru = rollup_for(parent, cs.code, period, catalog=catalog)
    return B.Aggregate(
        ru.units_total, ru.units_with_results, ru.units_at_standard, ru.average_criteria, ru.average_indicators
    )


def issuer_for(unit: Unit, frame=None) -> tuple[list[str], str]:
    """(issuing body, as its lines are printed; place) from the unit's document settings (documents.py)."""
    from .documents import frame_for

    frame = frame or frame_for(unit)
    return [x for x in (frame.parent_body, frame.issuer) if x], frame.place


def _groups(
    unit: Unit, communes: list[Unit], rows: list[B.UnitRow], sets: list[CriteriaSet], period: Period
) -> list[B.GroupRow]:
    """For large units: one aggregate per child unit (districts of a province before 2025, provinces of the nation)."""
    children = list(Unit.objects.valid_at(period.end).filter(parent=unit).exclude(level=Level.COMMUNE).order_by("code"))
    if not children:
        return []
    child_of: dict[int, Unit] = {}
    by_id = {c.id: c for c in children}
    for u in communes:
        for a in u.ancestor_ids:
            if a in by_id:
                child_of[u.id] = by_id[a]
                break
    row_of = {r.uid: r for r in rows}
    members: dict[int, list[B.UnitRow]] = defaultdict(list)
    for u in communes:
        c = child_of.get(u.id)
        if c is not None:
            row_of[u.uid].group = c.name
            members[c.id].append(row_of[u.uid])
    out = []
    for c in children:
        ms = members.get(c.id, [])
        if not ms:  # an urban district (quận) without any commune: nothing to report
            continue
        aggs = {}
        for s in sets:
            sc = [m.scores[s.code] for m in ms if s.code in m.scores]
            n = len(sc)
            aggs[s.code] = B.Aggregate(
                len(ms),
                n,
                sum(1 for x in sc if x.standard_met),
                sum(x.criteria_met for x in sc) / n if n else None,
                sum(x.indicators_met for x in sc) / n if n else None,
            )
        out.append(B.GroupRow(c.name, aggs))
    return out


def _results_of(items, period: Period) -> dict[tuple[int, str], dict]:
    """The stored results, for ``period``, of the (unit, set) pairs of ``items`` (plans, decisions)."""
    return {
        (r["unit_id"], r["set_code"]): r
        for r in results()
        .objects.filter(
            unit__in={x.unit_id for x in items}, period=period.key, set_code__in={x.set_code for x in items}
        )
        .values("unit_id", "set_code", "criteria_met", "indicators_met", "standard_met", "unmet_criteria")
    }


def _plans(communes: QuerySet[Unit], period: Period, catalog: Catalog) -> list[B.PlanRow]:
    """Communes registered to reach a standard this year (``plans.PlanTarget``) and their result for the period."""
    from ntm.apps.plans.models import PlanTarget

    targets = [
        t
        for t in PlanTarget.objects.filter(unit__in=communes, year=period.year)
        .select_related("unit")
        .order_by("set_code", "unit__name")
        if t.set_code in catalog
    ]
    results = _results_of(targets, period)
    return [
        B.PlanRow(
            t.unit.name,
            spec_of(catalog.get(t.set_code)),
            t.year,
            _score(r) if (r := results.get((t.unit_id, t.set_code))) else None,
        )
        for t in targets
    ]


def _recognitions(communes: QuerySet[Unit], period: Period, catalog: Catalog) -> list[B.RecognitionRow]:
    """Recognition decisions of the period's year up to its end, with each commune's current result."""
    from ntm.apps.plans.models import Recognition

    recs = [
        x
        for x in Recognition.objects.filter(
            unit__in=communes, decision_date__year=period.year, decision_date__lte=period.end
        )
        .select_related("unit")
        .order_by("decision_date", "unit__name")
        if x.set_code in catalog
    ]
    results = _results_of(recs, period)
    return [
        B.RecognitionRow(
            x.unit.name,
            spec_of(catalog.get(x.set_code)),
            x.decision,
            x.decision_date,
            x.issued_by,
            _score(r) if (r := results.get((x.unit_id, x.set_code))) else None,
        )
        for x in recs
    ]


# -- bulletin -----------------------------------------------------------------------------------
def is_lineage(unit: Unit, period: Period) -> bool:
    """A unit of today's hierarchy (formed on 1 July 2025) and a period before it existed: the report
    covers the old xã its communes were formed from, by today's commune."""
    return unit.level != Level.COUNTRY and unit.valid_from is not None and period.end < unit.valid_from


def lineage_of(unit: Unit) -> tuple[QuerySet[Unit], list[tuple[Unit, list[int]]]]:
    """(the old xã, [(today's commune, ids of its old xã)]) of a unit of today's hierarchy: each old
    xã once, with the commune that took its name when it was divided."""
    from ntm.apps.units.models import UnitLink

    today = unit.valid_to or dt.date.today()
    succ = (
        Unit.objects.filter(pk=unit.pk)
        if unit.level == Level.COMMUNE
        else Unit.objects.valid_at(today).filter(level=Level.COMMUNE, path__startswith=unit.path)
    )
    home: dict[int, tuple[bool, int]] = {}
    for pred, s, default in UnitLink.objects.filter(
        successor__in=succ, predecessor__type__in=COMMUNE_TYPES
    ).values_list("predecessor_id", "successor_id", "is_default"):
        if pred not in home or (default and not home[pred][0]):
            home[pred] = (bool(default), s)
    members: dict[int, list[int]] = defaultdict(list)
    for pred, (_, s) in home.items():
        members[s].append(pred)
    successors = Unit.objects.in_bulk(list(members))
    groups = sorted(((successors[s], ids) for s, ids in members.items()), key=lambda g: g[0].name)
    return Unit.objects.filter(pk__in=list(home)), groups


def _rows_aggregate(rows: list[B.UnitRow], code: str, which: str = "scores") -> B.Aggregate:
    sc = [getattr(r, which)[code] for r in rows if code in getattr(r, which)]
    n = len(sc)
    return B.Aggregate(
        len(rows),
        n,
        sum(1 for x in sc if x.standard_met),
        sum(x.criteria_met for x in sc) / n if n else None,
        sum(x.indicators_met for x in sc) / n if n else None,
    )


def bulletin_data(
    unit: Unit,
    period: str | Period,
    *,
    catalog: Catalog | None = None,
    issued: dt.date | None = None,
    set_codes: list[str] | None = None,
    frame=None,
) -> B.BulletinData:
    """``frame``: the document settings to use (:func:`ntm.apps.reports.documents.frame_for`; default: the
    unit's saved ones)."""
    from .documents import frame_for

    catalog = catalog or default_catalog()
    frame = frame or frame_for(unit)
    namer = frame.sector_namer()
    p = Period.parse(period) if isinstance(period, str) else period
    lineage = is_lineage(unit, p)
    communes_qs = communes_of(unit, p)
    successor_groups = lineage_of(unit)[1] if lineage else []
    communes = list(communes_qs.order_by("code"))
    sets = [catalog.get(c) for c in set_codes] if set_codes else report_sets(communes_qs, p, catalog)
    if not sets:
        raise ReportError(f"Chưa có bộ tiêu chí cấp xã áp dụng cho {p.label}.")
    codes = [s.code for s in sets]
    main = sets[0]
    periods = stored_periods(communes_qs, main.code)
    base = baseline_period(periods, p)
    prev = previous_period(periods, p)
    now = _scores(communes_qs, codes, p)
    if not now:
        raise ReportError(f"Chưa có kết quả đánh giá của {unit.name} cho {p.label}.")
    was = _scores(communes_qs, codes, base) if base else {}
    before = _scores(communes_qs, codes, prev) if prev else {}

    rows = []
    regressions = []
    for u in communes:
        cur = now.get(u.id, {})
        rows.append(
            B.UnitRow(
                uid=u.uid,
                name=f"{u.name} (cũ)" if lineage else u.name,
                scores={c: _score(r) for c, r in cur.items()},
                baseline={c: _score(r) for c, r in was.get(u.id, {}).items()},
            )
        )
        for s in sets:
            r_now, r_prev = cur.get(s.code), before.get(u.id, {}).get(s.code)
            if not r_now or not r_prev:
                continue
            newly = [c for c in r_now["unmet_indicators"] if c not in set(r_prev["unmet_indicators"])]
            for code in newly:
                content = s.by_code[code].content if code in s.by_code else ""
                regressions.append(B.Regression(rows[-1].name, s.code, code, content))

    successors: list[B.SuccessorLine] = []
    if lineage:  # the stored results of the old xã, counted here: no roll-up exists for today's units then
        aggregates = {s.code: _rows_aggregate(rows, s.code) for s in sets}
        baseline_aggs = {s.code: _rows_aggregate(rows, s.code, "baseline") for s in sets} if base else {}
        uid_of = {u.id: u.uid for u in communes}
        main_short = spec_of(main).short_name
        for succ, ids in successor_groups:
            uids = tuple(sorted((uid_of[i] for i in ids), key=lambda x: next(r.name for r in rows if r.uid == x)))
            mine = [r for r in rows if r.uid in uids]
            met = sum(1 for r in mine if (x := r.scores.get(main.code)) and x.standard_met)
            missing = sum(1 for r in mine if main.code not in r.scores)
            summary = f"{met}/{len(mine)} xã cũ đạt chuẩn {main_short}" + (
                f" ({missing} xã cũ chưa có kết quả)" if missing else ""
            )
            successors.append(B.SuccessorLine(succ.name, summary, uids))
            for r in mine:
                r.group = succ.name
        successors.sort(key=lambda x: (all(not r.scores for r in rows if r.uid in x.uids), x.name))
    else:
        aggregates = {s.code: _aggregate(unit, s, p, catalog) for s in sets}
        baseline_aggs = {s.code: _aggregate(unit, s, base, catalog) for s in sets} if base else {}
    issuer, place = issuer_for(unit, frame)
    groups = _groups(unit, communes, rows, sets, p) if len(communes) > B.MAX_LINES and not lineage else []
    return B.BulletinData(
        unit_name=unit.name,
        unit_short=place if unit.level == Level.COUNTRY else unit.short_name,
        unit_level=unit.level,
        issuer=issuer,
        period_key=p.key,
        period_label=p.label,
        issued=frame.issued or issued or dt.date.today(),
        sets=[spec_of(s, namer) for s in sets],
        rows=rows,
        aggregates=aggregates,
        baseline_aggregates=baseline_aggs,
        baseline_label=base.label if base else None,
        previous_label=prev.label if prev else None,
        groups=groups,
        regressions=regressions,
        plans=_plans(communes_qs, p, catalog),
        recognitions=_recognitions(communes_qs, p, catalog),
        noun="xã cũ" if lineage else "xã",
        successors=successors,
        includes_unapproved=not dataview.current().approved_only,
    )


def mark_unapproved(doc: Document, includes_unapproved: bool) -> Document:
    """A document made from figures including unapproved data says so under its title and first,
    before any figure (and in its metadata); one made from approved figures is left as it is."""
    doc.meta["includes_unapproved"] = includes_unapproved
    if includes_unapproved:
        doc.subtitle = f"{doc.subtitle} — {dataview.ALL.label.upper()}" if doc.subtitle else dataview.ALL.label.upper()
        doc.blocks.insert(0, Paragraph(dataview.UNAPPROVED_NOTE, "flag"))
        doc.filename = f"{doc.filename}-chua-duyet"
    return doc


def bulletin(unit: Unit, period: str | Period, *, frame=None, **kwargs) -> tuple[Document, B.BulletinData]:
    """The composed bulletin with its frame (Nghị định 30/2020): ``frame`` as for :func:`bulletin_data`."""
    from .documents import apply, frame_for, frame_text

    frame = frame or frame_for(unit)
    data = bulletin_data(unit, period, frame=frame, **kwargs)
    doc = apply(B.compose(data, frame_text()), frame)
    doc.meta["unit_uid"] = unit.uid
    mark_unapproved(doc, data.includes_unapproved)
    figure = commune_map(unit, period, data)
    if figure is not None:  # after the first table (the summary), as the dashboards show it
        at = next((i + 1 for i, b in enumerate(doc.blocks) if isinstance(b, Table)), len(doc.blocks))
        doc.blocks.insert(at, figure)
    return doc, data


def commune_map(unit: Unit, period: str | Period, data: B.BulletinData):
    """The communes of the bulletin on the province map, coloured by the highest standard they reached
    (the dashboards' map, without links or zoom), or None when no commune has coordinates."""
    from ntm.apps.evaluations import queries as q
    from ntm.apps.evaluations.maps import base_for
    from ntm.apps.evaluations.templatetags.dashboard_tags import MapLayout
    from ntm.core.reports import Figure

    p = Period.parse(period) if isinstance(period, str) else period
    units = {u.uid: u for u in communes_of(unit, p).only("uid", "name", "lat", "lon", "level")}
    tiers = {cs.code: tier for tier, cs in q.tier_sets(p).items()}
    points, standards = [], []
    for row in data.rows:
        u = units.get(row.uid)
        if u is None or u.lat is None or u.lon is None:
            continue
        met = {tiers.get(code) for code, sc in row.scores.items() if sc.standard_met}
        best = next((t for t in ("kieu_mau", "nang_cao", "ntm") if t in met), "below" if row.scores else "nodata")
        points.append((u.lat, u.lon, u.uid, u.name))
        standards.append(best)
    if not points:
        return None
    counts = {k: standards.count(k) for k in q.STANDARDS}
    legend = [(q.STANDARD_LABELS[k], q.STANDARD_COLORS[k], counts[k]) for k in q.STANDARDS if counts[k]]
    base = base_for(unit, p.end, [(lat, lon) for lat, lon, _u, _n in points])
    title = f"Bản đồ các xã của {unit.name}, {p.label}"
    from ntm.core.reports.chart import FONT as DOCUMENT_FONT

    # the document's typeface (Nghị định 30/2020), not the page's sans-serif
    font = f'font-family="{DOCUMENT_FONT.replace(chr(39), "")}"'
    layout = MapLayout(points, title=title, base=base, width=480, height=480, link_prefix="#", font=font)
    svg = re.sub(r'<a href="[^"]*">|</a>', "", layout.draw(standards, legend).replace(' data-zoom="map"', ""))
    svg = svg.replace('<svg class="map"', '<svg xmlns="http://www.w3.org/2000/svg" class="map"', 1)
    return Figure(
        title,
        svg,
        note="Mỗi điểm là trung tâm một xã; màu theo mức đạt chuẩn cao nhất. "
        "Ranh giới tỉnh: Natural Earth (giản lược), chỉ để định hướng.",
    )


# -- dossier ------------------------------------------------------------------------------------
def dossier_data(
    unit: Unit,
    set_code: str,
    period: str | Period,
    *,
    catalog: Catalog | None = None,
    claimed: set[int] | None = None,
    issued: dt.date | None = None,
    frame=None,
) -> D.DossierData:
    from .documents import frame_for

    catalog = catalog or default_catalog()
    frame = frame or frame_for(unit)
    namer = frame.sector_namer()
    p = Period.parse(period) if isinstance(period, str) else period
    if unit.level != Level.COMMUNE:
        raise ReportError("Hồ sơ xét công nhận lập cho một xã.")
    cs = catalog.get(set_code)
    r = results().objects.filter(unit=unit, set_code=set_code, period=p.key).first()
    if r is None:
        raise ReportError(f"Chưa có kết quả đánh giá của {unit.name} theo bộ {cs.name} cho {p.label}.")
    view = dataview.current()
    current = {  # the values the figures were evaluated from: the approved ones, or the latest
        o.indicator: o
        for o in view.observations()
        .filter(unit=unit, set_code=set_code, period=p.key)
        .only("indicator", "evidence", "note", "value_text", "created_by_name", "created_at")
    }
    detail = explanation(r, catalog=catalog)  # stored results keep only status letters
    ind_rows = {i["code"]: i for i in detail.get("indicator_results", [])}
    crit_rows = {c["number"]: c for c in detail.get("criterion_results", [])}
    criteria = []
    for c in cs.criteria:
        cr = crit_rows.get(c.number, {})
        indicators = []
        for ind in sorted(c.indicators, key=lambda i: [int(x) for x in i.code.split(".")]):
            ir = ind_rows.get(ind.code, {})
            obs = current.get(ind.code)
            indicators.append(
                D.IndicatorRow(
                    code=ind.code,
                    content=ind.content,
                    rule=ir.get("rule"),
                    value=_value_text(ir.get("value"), obs),
                    assessment=ir.get("assessment"),
                    status=ir.get("status", "no_data"),
                    counts_as_met=bool(ir.get("counts_as_met")),
                    conflict=bool(ir.get("conflict")),
                    explanation=ir.get("explanation", ""),
                    evidence=(obs.evidence if obs else ""),
                )
            )
        criteria.append(
            D.CriterionBlock(
                number=c.number,
                name=c.name,
                sector=namer(c),
                met=bool(cr.get("met")) if cr else c.number not in (r.unmet_criteria or []),
                indicators=indicators,
            )
        )
    conditions = [
        D.ConditionRow(x["label"], x["met"], x.get("detail", ""), bool(x.get("recognition_only")))
        for x in detail.get("conditions", [])
    ]
    issuer, place = issuer_for(unit, frame)
    return D.DossierData(
        unit_name=unit.name,
        unit_short=unit.short_name,
        issuer=issuer,
        place=place,
        period_key=p.key,
        period_label=p.label,
        year=p.year,
        issued=frame.issued or issued or dt.date.today(),
        set=spec_of(cs, namer),
        set_name=cs.name,
        criteria_met=r.criteria_met,
        indicators_met=r.indicators_met,
        standard_met=r.standard_met,
        criteria=criteria,
        conditions=conditions,
        claimed=claimed,
        catalog_version=r.catalog_version,
        includes_unapproved=not view.approved_only,
    )


def _value_text(value: object, obs) -> str:
    if obs is not None and obs.value_text:
        return obs.value_text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, float):
        from ntm.core import formatting as fmt

        return fmt.number(value, 2, trim=True)
    return str(value)


def dossier(unit: Unit, set_code: str, period: str | Period, *, frame=None, **kwargs) -> tuple[Document, D.DossierData]:
    """The composed dossier report with its frame (Nghị định 30/2020)."""
    from .documents import apply, frame_for, frame_text

    frame = frame or frame_for(unit)
    data = dossier_data(unit, set_code, period, frame=frame, **kwargs)
    doc = apply(D.compose(data, frame_text()), frame)
    doc.meta["unit_uid"] = unit.uid
    mark_unapproved(doc, data.includes_unapproved)
    return doc, data
