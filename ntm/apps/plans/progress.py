"""Plan against actual for 2026–2030: the programme's 2030 targets (QĐ 417/QĐ-BNNMT) and each
province's own targets beside the share of communes at the standard in a period — from the rows of
an overview (stored results, nothing recomputed) and, for the count of provinces, from the stored
results of the province set.

- :func:`programme_progress` — rows of the national targets whose phase is the period's;
- :func:`province_progress` — rows of a province's own targets (``ProvinceTarget``);
- :func:`save_province_targets` — the one write path of a province's targets (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext, gettext_noop, ngettext

from ntm.apps.units.models import Level, Unit
from ntm.core import formatting as fmt
from ntm.web.cache import changed

from .models import ProgrammeTarget, ProvinceTarget

TIER_WORDS = {
    "ntm": gettext_noop("đạt chuẩn nông thôn mới"),
    "hien_dai": gettext_noop("đạt chuẩn nông thôn mới hiện đại"),
    "nang_cao": gettext_noop("đạt chuẩn nông thôn mới nâng cao"),
    "kieu_mau": gettext_noop("đạt chuẩn nông thôn mới kiểu mẫu"),
}


def _tier(tier: str) -> str:
    """A tier in words, in the page's language ("đạt chuẩn nông thôn mới")."""
    return gettext(TIER_WORDS[tier]) if tier in TIER_WORDS else tier


def _period_words(period) -> str:
    """ "tháng 12/2024", "quý III/2026" in the page's language."""
    from ntm.apps.units.templatetags.ntm_words import period_words

    return period_words(period)


def phase_of(year: int) -> tuple[int, int]:
    """The programme's five-year phase of a year: 2021–2025, 2026–2030 …"""
    start = 2021 + 5 * ((year - 2021) // 5)
    return start, start + 4


@dataclass
class Progress:
    label: str  # "Chung cả nước", "Tỉnh Ninh Bình — mục tiêu năm 2026"
    goal: str  # "khoảng 65% số xã đạt chuẩn nông thôn mới"
    year: int
    actual: str  # "2/97 xã (2,06%)"
    gap: str  # "còn thiếu 62,94 điểm %", "đạt", "chưa có kết quả"
    reached: bool | None
    source: str = ""


def _share(n: int, d: int) -> str:
    return fmt.percent(n, d) if d else "–"


def _met(ov, tier: str) -> tuple[int, int, int] | None:
    """(communes at the tier's standard, with a result for its set, all communes) among ``ov``'s rows."""
    cs = ov.tiers.get(tier) if ov is not None else None
    if cs is None:
        return None
    rows = ov.rows
    with_result = [r for r in rows if cs.code in r.results]
    return sum(1 for r in with_result if r.results[cs.code]["standard_met"]), len(with_result), len(rows)


def _against(target: Decimal | float, met: int, total: int) -> tuple[str, bool | None]:
    if not total:
        return gettext("chưa có xã"), None
    diff = 100.0 * met / total - float(target)
    points = fmt.number(abs(diff), 2)
    return (gettext("vượt %(n)s điểm %%") if diff >= 0 else gettext("còn thiếu %(n)s điểm %%")) % {
        "n": points
    }, diff >= 0


def programme_progress(unit: Unit, period, ov, province_results: dict | None = None) -> list[Progress]:
    """The programme's national targets of the period's phase against the communes of ``ov`` (the
    whole country, or a province compared with the national share), and the count of provinces that
    have completed the task (from the stored results of the province set)."""
    if period is None:
        return []
    lo, hi = phase_of(period.year)
    out = []
    order = {"ntm": 0, "nang_cao": 1, "kieu_mau": 2, "hien_dai": 3}
    targets = sorted(
        ProgrammeTarget.objects.filter(year__gte=lo, year__lte=hi, region=""),
        key=lambda t: (t.level != ProgrammeTarget.Level.COMMUNE, order.get(t.tier, 9), t.year),
    )
    for t in targets:
        source = f"{t.decision}" + (
            " " + gettext("ngày %(d)s") % {"d": fmt.date(t.decision_date)} if t.decision_date else ""
        )
        if t.level == ProgrammeTarget.Level.COMMUNE:
            got = _met(ov, t.tier)
            if got is None:
                continue
            met, with_result, total = got
            gap, reached = _against(t.min_share, met, total)
            label = (
                gettext("Chung cả nước")
                if unit.level == Level.COUNTRY
                else gettext("Các xã của %(name)s (so với mục tiêu chung)") % {"name": unit.name}
            )
            out.append(
                Progress(
                    label,
                    gettext("%(goal)s số xã %(tier)s") % {"goal": t.goal, "tier": _tier(t.tier)},
                    t.year,
                    gettext("%(met)s/%(total)s xã (%(share)s; %(n)s xã có kết quả)")
                    % {
                        "met": fmt.number(met),
                        "total": fmt.number(total),
                        "share": _share(met, total),
                        "n": fmt.number(with_result),
                    },
                    gap,
                    reached,
                    source,
                )
            )
        elif t.level == ProgrammeTarget.Level.PROVINCE and unit.level == Level.COUNTRY and t.min_count:
            done = (province_results or {}).get(t.tier, 0)
            left = t.min_count - done
            actual = ngettext(
                "%(n)s tỉnh (theo kết quả đánh giá kỳ %(p)s)", "%(n)s tỉnh (theo kết quả đánh giá kỳ %(p)s)", done
            ) % {"n": done, "p": _period_words(period)}
            out.append(
                Progress(
                    gettext("Chung cả nước"),
                    gettext("%(goal)s hoàn thành nhiệm vụ xây dựng nông thôn mới") % {"goal": t.goal},
                    t.year,
                    actual,
                    gettext("đạt")
                    if done >= t.min_count
                    else ngettext("còn thiếu %(n)s tỉnh", "còn thiếu %(n)s tỉnh", left) % {"n": left},
                    done >= t.min_count,
                    source,
                )
            )
    return out


def completed_provinces(period) -> dict[str, int]:
    """How many provinces meet each tier of a province set of the period's phase, from stored results."""
    from ntm.apps.evaluations.dataview import results
    from ntm.core.catalog import default_catalog

    if period is None:
        return {}
    out: dict[str, int] = {}
    for cs in default_catalog():
        if cs.level != "province" or not (int(cs.phase[:4]) <= period.year <= int(cs.phase[-4:])):
            continue
        out[cs.tier] = (
            out.get(cs.tier, 0)
            + results().objects.filter(set_code=cs.code, period=period.key, standard_met=True).count()
        )
    return out


def province_of(unit: Unit) -> Unit | None:
    if unit.level == Level.PROVINCE:
        return unit
    from ntm.apps.units.services import ancestors

    return next((a for a in ancestors(unit) if a.level == Level.PROVINCE), None)


def province_progress(unit: Unit, period, ov) -> list[Progress]:
    """A province's own targets for the period's year (and later years of the phase) against its xã."""
    province = province_of(unit) if unit.level != Level.COUNTRY else None
    if province is None or period is None or unit.level != Level.PROVINCE:
        return []
    lo, hi = phase_of(period.year)
    out = []
    for t in ProvinceTarget.objects.filter(unit=province, year__gte=max(lo, period.year), year__lte=hi):
        got = _met(ov, t.tier)
        if got is None:
            continue
        met, with_result, total = got
        parts = []
        if t.communes is not None:
            parts.append(ngettext("%(n)s xã", "%(n)s xã", t.communes) % {"n": fmt.number(t.communes)})
        if t.share is not None:
            parts.append(gettext("%(n)s%% số xã") % {"n": fmt.number(float(t.share), 2, trim=True)})
        goal = (" " + gettext("hoặc") + " ").join(parts) + f" {_tier(t.tier)}"
        if t.communes is not None:
            reached = met >= t.communes
            gap = (
                gettext("đạt")
                if reached
                else ngettext("còn thiếu %(n)s xã", "còn thiếu %(n)s xã", t.communes - met)
                % {"n": fmt.number(t.communes - met)}
            )
        else:
            gap, reached = _against(t.share, met, total)
        if t.year > period.year and not reached:
            gap += " " + gettext("(còn đến năm %(y)s)") % {"y": t.year}
        out.append(
            Progress(
                gettext("%(name)s — mục tiêu năm %(y)s") % {"name": province.name, "y": t.year},
                goal,
                t.year,
                gettext("%(met)s/%(total)s xã (%(share)s) kỳ %(p)s")
                % {
                    "met": fmt.number(met),
                    "total": fmt.number(total),
                    "share": _share(met, total),
                    "p": _period_words(period),
                },
                gap,
                reached,
                t.decision,
            )
        )
    return out


def save_province_targets(province: Unit, values: list[dict], *, user=None, request=None) -> int:
    """Create, change or remove a province's targets ({year, tier, communes, share, decision, note};
    both numbers empty removes the target). Audited; returns the number of changes."""
    from ntm.apps.audit.models import Action
    from ntm.apps.audit.services import log

    changes = 0
    with transaction.atomic():
        for v in values:
            current = ProvinceTarget.objects.filter(unit=province, year=v["year"], tier=v["tier"]).first()
            old = _snapshot(current) if current else None
            empty = v.get("communes") is None and v.get("share") is None
            if current is None and empty:
                continue
            if empty:
                current.delete()
                new = None
            else:
                current = current or ProvinceTarget(unit=province, year=v["year"], tier=v["tier"])
                for k in ("communes", "share", "decision", "note"):
                    setattr(
                        current, k, v.get(k) if v.get(k) is not None else ("" if k in ("decision", "note") else None)
                    )
                if old is not None and _snapshot(current) == old:
                    continue
                current.updated_by = user if getattr(user, "is_authenticated", False) else None
                current.save()
                new = _snapshot(current)
            changes += 1
            log(
                Action.PROVINCE_TARGET_SAVED,
                user=user,
                request=request,
                unit=province,
                obj=f"{province.name} · {v['year']} · {TIER_WORDS.get(v['tier'], v['tier'])}",
                message="Ghi mục tiêu của tỉnh" if new else "Xóa mục tiêu của tỉnh",
                old=old,
                new=new,
            )
    if changes:
        changed("plans")
    return changes


def _snapshot(t: ProvinceTarget) -> dict:
    return {
        "year": t.year,
        "tier": t.tier,
        "communes": t.communes,
        "share": str(Decimal(t.share).quantize(Decimal("0.01"))) if t.share is not None else None,
        "decision": t.decision,
        "note": t.note,
    }
