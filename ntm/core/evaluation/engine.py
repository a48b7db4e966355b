"""Evaluate one unit against one criteria set, explaining every decision.

indicator → criterion (all its indicators met) → set (all criteria met and the set-level
conditions hold). Semantics (shared/architecture.md):

- no data counts as not met;
- not applicable counts as met when the set says so (the default), shown as "Không đánh giá";
- where a threshold applies and the value is known, the rule decides; an official assessment
  that disagrees is kept and flagged as a conflict;
- where no threshold applies (unknown official value, qualitative rule), the official's
  assessment decides.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

from ntm.core import formatting as fmt
from ntm.core.catalog import Context, CriteriaSet, Kind, SelectedThreshold
from ntm.core.catalog.schema import Indicator
from ntm.core.codes import code_key
from ntm.core.sectors import national

from .model import ConditionResult, CriterionResult, IndicatorResult, Observation, SetResult, Status


def rule_text(ind: Indicator, t: SelectedThreshold | None) -> str | None:
    if t is None:
        return None
    unit = "%" if ind.kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT) else (f" {ind.unit}" if ind.unit else "")
    if ind.kind in (Kind.MIN_PERCENT, Kind.MIN_AMOUNT):
        return f"≥ {fmt.number(float(t.value), 2, trim=True)}{unit}"
    if ind.kind in (Kind.MAX_PERCENT, Kind.MAX_AMOUNT):
        return f"≤ {fmt.number(float(t.value), 2, trim=True)}{unit}"
    if ind.kind == Kind.LEVEL:
        return f"từ mức {t.value}"
    return "Đạt"


def _show(value: object, ind: Indicator) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, float):
        unit = "%" if ind.kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT) else (f" {ind.unit}" if ind.unit else "")
        return fmt.number(value, 2, trim=True) + unit
    return str(value)


def rule_outcome(ind: Indicator, value: object, t: SelectedThreshold | None) -> bool | None:
    """True/False when the rule can decide, None when it cannot (no threshold or no value)."""
    if value is None:
        return None
    if ind.kind == Kind.BOOLEAN:
        return bool(value)
    if t is None:
        return None
    if ind.kind == Kind.LEVEL:
        levels = ind.levels or []
        return levels.index(str(value)) >= levels.index(str(t.value))
    v, th = float(value), float(t.value)  # type: ignore[arg-type]
    if ind.kind in (Kind.MIN_PERCENT, Kind.MIN_AMOUNT):
        return v >= th
    return v <= th


# per criteria set (weakly: a reloaded catalogue's sets are new objects) and context: what each
# indicator's result says of its rule — the same for every unit evaluated in that context
_RULES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_RULES_PER_SET = 4096


def _rule_of(cs: CriteriaSet, ind: Indicator, ctx: Context) -> tuple[SelectedThreshold | None, dict]:
    """The threshold of ``ind`` in ``ctx`` and the fields of its result that follow from it alone."""
    by_ctx = _RULES.get(cs)
    if by_ctx is None:
        by_ctx = _RULES.setdefault(cs, {})
    rules = by_ctx.get(ctx)
    if rules is None:
        if len(by_ctx) >= _RULES_PER_SET:
            by_ctx.clear()
        rules = by_ctx[ctx] = {}
    found = rules.get(ind.code)
    if found is None:
        t = cs.threshold(ind.code, ctx)
        found = rules[ind.code] = (
            t,
            dict(
                code=ind.code,
                criterion=int(ind.code.split(".")[0]),
                rule=rule_text(ind, t),
                threshold=t.value if t else None,
                scope=t.scope if t else ("ungrouped" if cs.needs_group(ind.code, ctx) else None),
                provenance=(f"{t.provenance.source} [{t.provenance.tag.value}, {t.provenance.status}]" if t else None),
            ),
        )
    return found


def evaluate_indicator(cs: CriteriaSet, ind: Indicator, obs: Observation | None, ctx: Context) -> IndicatorResult:
    t, base = _rule_of(cs, ind, ctx)
    rule = base["rule"]
    if obs is None:
        return IndicatorResult(
            status=Status.NO_DATA,
            counts_as_met=False,
            value=None,
            assessment=None,
            decided_by="none",
            conflict=False,
            explanation="Chưa có số liệu: tính là chưa đạt.",
            **base,
        )
    if obs.not_applicable:
        counts = cs.data.not_applicable_counts_as_met
        return IndicatorResult(
            status=Status.NOT_APPLICABLE,
            counts_as_met=counts,
            value=obs.value,
            assessment=obs.assessment,
            decided_by="not_applicable",
            conflict=False,
            explanation="Không đánh giá (không thuộc đối tượng áp dụng)" + ("; tính là đạt." if counts else "."),
            **base,
        )
    outcome = rule_outcome(ind, obs.value, t if ind.kind != Kind.BOOLEAN else None)
    scope_note = f" ({t.note})" if t and t.note else ""
    if outcome is not None:
        conflict = obs.assessment is not None and obs.assessment != outcome
        if ind.kind == Kind.BOOLEAN:
            why = f"Giá trị: {_show(obs.value, ind)}."
        else:
            why = f"Giá trị {_show(obs.value, ind)} {'đạt' if outcome else 'không đạt'} yêu cầu {rule} theo mức {scope_label(t)}{scope_note}."
        if conflict:
            why += f" Cán bộ đánh giá '{'đạt' if obs.assessment else 'chưa đạt'}' — khác với quy định, cần xem lại."
        return IndicatorResult(
            status=Status.MET if outcome else Status.NOT_MET,
            counts_as_met=outcome,
            value=obs.value,
            assessment=obs.assessment,
            decided_by="rule",
            conflict=conflict,
            explanation=why,
            **base,
        )
    if obs.assessment is not None:
        if t is None and cs.needs_group(ind.code, ctx):
            why = (
                "Xã chưa phân nhóm: mức của chỉ tiêu này khác nhau theo nhóm xã nên không áp dụng được; "
                "theo đánh giá của cán bộ"
            )
        elif t is None and ind.kind != Kind.BOOLEAN:
            why = "Chưa có ngưỡng chính thức trong bộ tiêu chí: theo đánh giá của cán bộ"
        elif obs.value is None:
            why = "Chưa nhập giá trị: theo đánh giá của cán bộ"
        else:
            why = "Theo đánh giá của cán bộ"
        why += f" ({'đạt' if obs.assessment else 'chưa đạt'})."
        return IndicatorResult(
            status=Status.MET if obs.assessment else Status.NOT_MET,
            counts_as_met=obs.assessment,
            value=obs.value,
            assessment=obs.assessment,
            decided_by="assessment",
            conflict=False,
            explanation=why,
            **base,
        )
    # a value, no rule that can decide it (no official threshold loaded, or one by commune group for a
    # commune not yet grouped) and no assessment yet: the value is kept; the official's assessment will
    # decide; until then the indicator counts as not met
    if cs.needs_group(ind.code, ctx):
        why = "Xã chưa phân nhóm (mức khác nhau theo nhóm xã) và chưa có đánh giá của cán bộ: tính là chưa đạt."
    elif obs.value is None:  # a row with neither value nor assessment (a note only)
        why = "Chưa có số liệu: tính là chưa đạt."
    else:
        why = (
            f"Đã có giá trị {_show(obs.value, ind)}; chưa có ngưỡng chính thức nào được nạp cho chỉ tiêu này nên "
            "đánh giá của cán bộ quyết định (chọn «Đạt» hoặc «Chưa đạt»). Khi chưa có đánh giá, chỉ tiêu tạm tính "
            "là chưa đạt."
        )
    return IndicatorResult(
        status=Status.NO_DATA,
        counts_as_met=False,
        value=obs.value,
        assessment=None,
        decided_by="none",
        conflict=False,
        explanation=why,
        **base,
    )


def scope_label(t: SelectedThreshold | None) -> str:
    """Which threshold applied, as the explanation words it (the national one, a region's, a group's…)."""
    if t is None:
        return ""
    if t.scope == "national":
        s = "chung cả nước"
    else:
        kind, _, key = t.scope.partition(":")
        from ntm.core.catalog import REGIONS

        s = {"region": f"vùng {REGIONS.get(key, key)}", "group": f"nhóm xã {key}", "province": f"của tỉnh (mã {key})"}[
            kind
        ]
    return s + (f", năm {t.year}" if t.year else "")


@dataclass
class ChildStats:
    """For district conditions: among child units of some types, how many meet a set / have a fact."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (n_yes, n_total)

    @staticmethod
    def key(set_code: str | None, fact: str | None, child_types: list[str] | None) -> str:
        return f"{set_code or 'fact:' + str(fact)}|{','.join(sorted(child_types or []))}"


def evaluate_conditions(
    cs: CriteriaSet,
    *,
    facts: Mapping[str, object] | None = None,
    standards: Mapping[str, bool | None] | None = None,
    children: ChildStats | None = None,
) -> list[ConditionResult]:
    facts = facts or {}
    standards = standards or {}
    out = []
    for c in cs.conditions:
        met: bool | None
        if c.type == "prerequisite":
            met = standards.get(c.set or "")
            detail = f"Bộ {c.set}: " + ("đạt chuẩn" if met else "chưa đạt chuẩn" if met is False else "chưa có kết quả")
        elif c.type == "fact_true":
            v = facts.get(c.fact or "")
            met = None if v is None else bool(v)
            detail = "chưa có thông tin" if v is None else ("có" if v else "không")
        elif c.type == "fact_min":
            v = facts.get(c.fact or "")
            met = None if v is None else float(v) >= float(c.value or 0)  # type: ignore[arg-type]
            detail = (
                "chưa có thông tin"
                if v is None
                else f"{fmt.number(float(v), 2, trim=True)} (yêu cầu ≥ {fmt.number(c.value or 0, 2, trim=True)})"
            )  # type: ignore[arg-type]
        else:  # children_share
            got = children.counts.get(ChildStats.key(c.set, c.fact, c.child_types)) if children else None
            if got is None:
                met, detail = None, "chưa có kết quả của các đơn vị trực thuộc"
            else:
                yes, total = got
                if total == 0:
                    met, detail = True, "không có đơn vị thuộc diện"
                else:
                    share = 100.0 * yes / total
                    met = share + 1e-9 >= float(c.min_percent or 0)
                    detail = f"{yes}/{total} ({fmt.percent(yes, total)}; yêu cầu ≥ {fmt.number(c.min_percent or 0, 2, trim=True)}%)"
        out.append(ConditionResult(c.code, c.label, met, detail, c.recognition_only))
    return out


def evaluate(
    cs: CriteriaSet,
    observations: Mapping[str, Observation],
    ctx: Context,
    *,
    facts: Mapping[str, object] | None = None,
    standards: Mapping[str, bool | None] | None = None,
    children: ChildStats | None = None,
    catalog_version: str = "",
) -> SetResult:
    """Evaluate one unit. ``standards`` gives the unit's results for other sets (prerequisites)."""
    unknown = sorted(set(observations) - set(cs.by_code), key=code_key)
    if unknown:
        raise ValueError(f"bộ {cs.code} không có chỉ tiêu: {', '.join(unknown)}")
    ind_results = [evaluate_indicator(cs, ind, observations.get(ind.code), ctx) for ind in cs.indicators]
    by_crit: dict[int, list[IndicatorResult]] = {}
    for r in ind_results:
        by_crit.setdefault(r.criterion, []).append(r)
    crit_results = []
    for c in cs.criteria:
        rs = by_crit.get(c.number, [])
        unmet = [r.code for r in rs if not r.counts_as_met]
        crit_results.append(
            CriterionResult(
                number=c.number,
                name=c.name,
                met=not unmet,
                indicators_met=len(rs) - len(unmet),
                indicators_total=len(rs),
                unmet_indicators=unmet,
                sector=national(c.sector.ministry, c.name) if c.sector else None,  # the ministry of today
            )
        )
    conditions = evaluate_conditions(cs, facts=facts, standards=standards, children=children)
    criteria_met = sum(1 for c in crit_results if c.met)
    indicators_met = sum(1 for r in ind_results if r.counts_as_met)
    all_criteria = criteria_met == len(crit_results)
    standard_met = all_criteria and all(c.met is True for c in conditions if not c.recognition_only)
    return SetResult(
        set_code=cs.code,
        catalog_version=catalog_version or cs.digest,
        criteria_met=criteria_met,
        criteria_total=len(crit_results),
        indicators_met=indicators_met,
        indicators_total=len(ind_results),
        unmet_criteria=[c.number for c in crit_results if not c.met],
        unmet_indicators=[r.code for r in ind_results if not r.counts_as_met],
        standard_met=standard_met,
        indicators=ind_results,
        criteria=crit_results,
        conditions=conditions,
        conflicts=[r.code for r in ind_results if r.conflict],
    )
