"""Demo data on real units: the communes of Lý Nhân (Hà Nam) and Bình Liêu (Quảng Ninh).

Several periods of self-assessment for the 2021–2025 commune sets, improving over time, with
some 'dynamic' indicators regressing. In July 2023 three Lý Nhân communes reproduce the
district's published bulletin ("Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn
mới; 17/19 tiêu chí với 70/75 chỉ tiêu nông thôn mới nâng cao" …), so dashboards and reports
show figures that look like the real ones. Every sheet is approved by the district, except the nâng cao
sheets of December 2023 in Lý Nhân, where reporting is under way (:data:`UNDER_WAY`): one sheet returned
with the reviewer's reason, one waiting for review, one not yet submitted — so the completeness counts,
the review queue and the returned-sheet notice have something to show. Running it again replaces the
previous demo data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from rich.console import Console
from rich.progress import Progress

from ntm.core import formatting as fmt
from ntm.core.catalog import CriteriaSet, Kind, default_catalog
from ntm.core.periods import Period

DISTRICTS = ["Hà Nam/Lý Nhân", "Quảng Ninh/Bình Liêu"]
PERIODS = ["2022-12", "2023-03", "2023-06", "2023-07", "2023-09", "2023-12"]
SETS = ["xa-ntm-2021", "xa-nang-cao-2021"]
DEMO_SOURCE = "demo"
DEMO_REVIEWER = "Văn phòng điều phối NTM huyện (dữ liệu mẫu)"
# nâng cao, December 2023, Lý Nhân: reporting under way (commune → the state of its sheet)
UNDER_WAY_SET, UNDER_WAY_PERIOD = "xa-nang-cao-2021", "2023-12"
UNDER_WAY = {"Nguyên Lý": "returned", "Công Lý": "submitted", "Tiến Thắng": "draft"}
RETURN_REASON = "Đề nghị bổ sung minh chứng cho tiêu chí 17 (môi trường) và kiểm tra lại số liệu chỉ tiêu 17.1."

# (criteria met, indicators met) per set, as published in "Bản tin nông thôn mới tháng 7/2023" (Lý Nhân)
BULLETIN_2023_07 = {
    "Nguyên Lý": {"xa-ntm-2021": (17, 54), "xa-nang-cao-2021": (17, 70)},
    "Công Lý": {"xa-ntm-2021": (16, 53), "xa-nang-cao-2021": (16, 65)},
    "Tiến Thắng": {"xa-ntm-2021": (13, 51), "xa-nang-cao-2021": (12, 61)},
}
# criteria that tend to be unmet first ("tiêu chí động", environment, planning, production)
WEAK = [17, 15, 13, 1, 10, 11, 12, 2, 14, 9, 16, 5, 18, 3, 6, 4, 8, 19, 7]


@dataclass(frozen=True)
class Target:
    criteria_met: int
    indicators_met: int


def choose_unmet(cs: CriteriaSet, target: Target, rng: random.Random) -> set[str]:
    """A set of unmet indicator codes giving exactly the target criteria and indicator counts."""
    n_crit_unmet = cs.criteria_count - target.criteria_met
    n_ind_unmet = cs.indicator_count - target.indicators_met
    if n_crit_unmet == 0:
        return set()
    sizes = {c.number: len(c.indicators) for c in cs.criteria}
    order = [n for n in WEAK if n in sizes] + [n for n in sizes if n not in WEAK]
    window = order[: max(n_crit_unmet + 4, 8)]
    rng.shuffle(window)  # prefer weak criteria, differently for each commune
    chosen = window[:n_crit_unmet]
    rest = sorted((n for n in order if n not in chosen), key=lambda n: -sizes[n])
    while sum(sizes[n] for n in chosen) < n_ind_unmet and rest:
        chosen.remove(min(chosen, key=lambda n: sizes[n]))
        chosen.append(rest.pop(0))
    if not n_crit_unmet <= n_ind_unmet <= sum(sizes[n] for n in chosen):
        raise ValueError(f"cannot place {n_ind_unmet} unmet indicators in {n_crit_unmet} criteria")
    count = {n: 1 for n in chosen}
    for _ in range(n_ind_unmet - n_crit_unmet):
        n = rng.choice([n for n in chosen if count[n] < sizes[n]])
        count[n] += 1
    unmet: set[str] = set()
    for n in chosen:
        codes = [i.code for i in cs.criterion_by_number[n].indicators]
        unmet.update(rng.sample(codes, count[n]))
    return unmet


def _value_for(cs: CriteriaSet, code: str, met: bool, ctx, rng: random.Random) -> object:
    ind = cs.by_code[code]
    if ind.kind in (Kind.BOOLEAN, Kind.LEVEL):
        return None
    t = cs.threshold(code, ctx)
    if t is not None:
        th = float(t.value)  # type: ignore[arg-type]
        up = ind.kind in (Kind.MIN_PERCENT, Kind.MIN_AMOUNT)
        cap = 100.0 if ind.kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT) else th * 1.5
        if met:
            v = rng.uniform(th, min(cap, th * 1.15 + 1)) if up else rng.uniform(max(0.0, th * 0.6), th)
        else:
            v = rng.uniform(th * 0.8, th - 0.1) if up else rng.uniform(th + 0.1, min(cap, th * 1.3 + 1))
        return round(v, 1)
    if ind.kind in (Kind.MIN_PERCENT, Kind.MAX_PERCENT):
        # no official threshold: a plausible measured share; the official's assessment decides
        if ind.kind == Kind.MIN_PERCENT:
            return round(rng.uniform(90, 99.5) if met else rng.uniform(70, 90), 1)
        return round(rng.uniform(0.5, 3.5) if met else rng.uniform(3.5, 8), 1)
    if ind.unit and "triệu" in ind.unit:
        return round(rng.uniform(58, 72) if met else rng.uniform(45, 58), 1)
    return None


def _targets(name: str, set_code: str, cs: CriteriaSet, period_index: int, rng: random.Random, mountain: bool) -> Target:
    if name in BULLETIN_2023_07:
        crit, ind = BULLETIN_2023_07[name][set_code]
        delta = period_index - PERIODS.index("2023-07")
        if delta:  # a little lower before July 2023, a little higher after
            crit += (1 if delta >= 2 else 0) if delta > 0 else (-1 if delta <= -2 else 0)
            ind += delta
        return _fit(cs, crit, ind)
    base = (14 if mountain else 18) if set_code == "xa-ntm-2021" else (9 if mountain else 14)
    crit = base + rng.randint(-1, 1) + period_index // 2
    gap = max(0, cs.criteria_count - crit)
    return _fit(cs, crit, cs.indicator_count - gap - rng.randint(0, gap))


def _fit(cs: CriteriaSet, crit: int, ind: int) -> Target:
    """Clamp to counts that some choice of unmet indicators can produce."""
    crit = max(0, min(cs.criteria_count, crit))
    gap = cs.criteria_count - crit
    if gap == 0:
        return Target(crit, cs.indicator_count)
    largest = sum(sorted((len(c.indicators) for c in cs.criteria), reverse=True)[:gap])
    ind = max(cs.indicator_count - largest, min(ind, cs.indicator_count - gap))
    return Target(crit, ind)


DEMO_NOTE = "Dữ liệu mẫu — không phải quyết định hay kế hoạch thật."


def _plans_and_recognitions(units: list) -> tuple[int, int]:
    """Sample plans and recognition decisions that agree with the demo results: the communes not at
    the NTM standard at the end of 2022 register to reach it in 2023; those that reached it by June
    2023 get a (sample, clearly marked) recognition decision dated 28/06/2023."""
    import datetime as dt

    from ntm.apps.evaluations.models import Result
    from ntm.apps.plans.models import PlanTarget, Recognition

    from ntm.apps.units.services import path_names

    ids = [u.id for u in units]
    provinces = {k: (v[0] if v else "") for k, v in path_names(units).items()}
    PlanTarget.objects.filter(unit_id__in=ids, note=DEMO_NOTE).delete()
    Recognition.objects.filter(unit_id__in=ids, note=DEMO_NOTE).delete()
    met = {(r.unit_id, r.period): r.standard_met
           for r in Result.objects.filter(unit_id__in=ids, set_code="xa-ntm-2021", period__in=["2022-12", "2023-06"])}
    plans = recognitions = 0
    for u in sorted(units, key=lambda u: u.code):
        if met.get((u.id, "2022-12")) is not False:
            continue
        if not PlanTarget.objects.filter(unit=u, set_code="xa-ntm-2021").exists():
            PlanTarget.objects.create(unit=u, set_code="xa-ntm-2021", year=2023, note=DEMO_NOTE)
            plans += 1
        if met.get((u.id, "2023-06")) and not Recognition.objects.filter(unit=u, set_code="xa-ntm-2021").exists():
            province = f"UBND {provinces[u.id][0].lower()}{provinces[u.id][1:]}" if provinces.get(u.id) else ""
            Recognition.objects.create(unit=u, set_code="xa-ntm-2021", decision=f"{1200 + recognitions}/QĐ-UBND (mẫu)",
                                       decision_date=dt.date(2023, 6, 28), issued_by=province, note=DEMO_NOTE)
            recognitions += 1
    return plans, recognitions


def _state_of(unit, district, set_code: str, period: str) -> str:
    """The review state of a demo sheet: approved, except the reporting under way (:data:`UNDER_WAY`)."""
    if (set_code, period) == (UNDER_WAY_SET, UNDER_WAY_PERIOD) and district.short_name == "Lý Nhân":
        return UNDER_WAY.get(unit.short_name, "approved")
    return "approved"


def _workflow(cells: list[tuple], states: dict[tuple, str]) -> None:
    """The submissions of the demo sheets, with the dates of their steps (a few days after each period)."""
    import datetime as dt

    from django.utils import timezone

    from ntm.apps.observations.models import ReviewComment, Submission, SubmissionEvent

    def at(period: Period, days: int, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(period.end + dt.timedelta(days=days), dt.time(hour)))

    for unit, set_code, period in cells:
        state = states[(unit.id, set_code, period)]
        if state == "draft":
            continue
        p = Period.parse(period)
        sub = Submission.objects.create(unit=unit, set_code=set_code, period=p.key, year=p.year, state=state,
                                        submitted_by_name="Cán bộ xã (dữ liệu mẫu)", submitted_at=at(p, 3, 9))
        steps = [("submit", "draft", "submitted", "", at(p, 3, 9))]
        if state in ("approved", "returned"):
            sub.reviewed_by_name, sub.reviewed_at = DEMO_REVIEWER, at(p, 6, 15)
            sub.comment = RETURN_REASON if state == "returned" else ""
            sub.save(update_fields=["reviewed_by_name", "reviewed_at", "comment"])
            steps.append(("approve" if state == "approved" else "return", "submitted", state, sub.comment, at(p, 6, 15)))
        for action, old, new, comment, when in steps:
            e = SubmissionEvent.objects.create(submission=sub, action=action, from_state=old, to_state=new,
                                               comment=comment, by_name=sub.reviewed_by_name if action != "submit"
                                               else sub.submitted_by_name)
            SubmissionEvent.objects.filter(pk=e.pk).update(at=when)
        if state == "returned":
            ReviewComment.objects.create(submission=sub, indicator="17.1", by_name=DEMO_REVIEWER,
                                         text="Số liệu khác với báo cáo của phòng Tài nguyên và Môi trường; đề nghị rà soát.")


def build_demo(console: Console | None = None) -> dict[str, int]:
    from ntm.apps.evaluations.dataview import ALL, APPROVED
    from ntm.apps.evaluations.models import Result, ResultAll
    from ntm.apps.evaluations.services import context_for, evaluate_unit
    from ntm.apps.observations.models import Observation, Submission
    from ntm.apps.units.services import communes_at, resolve_unit

    console = console or Console()
    cat = default_catalog()
    with transaction.atomic():
        communes = []
        for path in DISTRICTS:
            district = resolve_unit(path, date=Period.parse("2023-07").end)
            communes += [(u, district) for u in communes_at(district, Period.parse("2023-07").end) if u.type == "Xã"]
        ids = [u.id for u, _ in communes]
        Observation.objects.filter(unit_id__in=ids, source=DEMO_SOURCE).delete()
        Result.objects.filter(unit_id__in=ids).delete()
        ResultAll.objects.filter(unit_id__in=ids).delete()
        Submission.objects.filter(unit_id__in=ids, set_code__in=SETS, period__in=PERIODS).delete()
        states = {(u.id, s, p): _state_of(u, d, s, p) for u, d in communes for s in SETS for p in PERIODS}
        rows = []
        for unit, district in communes:
            mountain = (unit.region or "") == "TDMNPB" or district.short_name == "Bình Liêu"
            for set_code in SETS:
                cs = cat.get(set_code)
                for k, period in enumerate(PERIODS):
                    p = Period.parse(period)
                    rng = random.Random(f"{unit.uid}|{set_code}|{period}")
                    target = _targets(unit.short_name, set_code, cs, k, rng, mountain)
                    unmet = choose_unmet(cs, target, rng)
                    ctx = context_for(unit, p.year)
                    for ind in cs.indicators:
                        met = ind.code not in unmet
                        value = _value_for(cs, ind.code, met, ctx, rng)
                        rows.append(Observation(
                            unit=unit, set_code=set_code, indicator=ind.code, period=p.key, year=p.year,
                            value_text="" if value is None else str(value).replace(".", ","),
                            value_num=value if isinstance(value, float) else None,
                            assessment=met, source=DEMO_SOURCE, created_by_name="Dữ liệu mẫu",
                            is_approved=states[(unit.id, set_code, period)] == "approved",
                        ))
        Observation.objects.bulk_create(rows, batch_size=2000)
        cells = [(u, s, p) for u, _ in communes for p in PERIODS for s in SETS]
        _workflow(cells, states)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Đánh giá dữ liệu mẫu", total=len(cells))
            for unit, set_code, period in cells:
                evaluate_unit(unit, set_code, period, catalog=cat, view=ALL)
                if states[(unit.id, set_code, period)] == "approved":  # the published figures
                    evaluate_unit(unit, set_code, period, catalog=cat, view=APPROVED)
                progress.advance(task)
        plans, recognitions = _plans_and_recognitions([u for u, _ in communes])
    from ntm.apps.accounts.services import DEMO_PASSWORD, create_demo_accounts

    accounts = create_demo_accounts()
    console.print(f"Dữ liệu mẫu: {len(communes)} xã, {len(PERIODS)} kỳ, {fmt.number(len(rows))} số liệu chỉ tiêu.")
    console.print(f"Kế hoạch mẫu: {plans} xã đăng ký đạt chuẩn năm 2023, {recognitions} quyết định công nhận (mẫu).")
    console.print(f"Tài khoản mẫu (mật khẩu {DEMO_PASSWORD}): {', '.join(accounts)}")
    return {"communes": len(communes), "observations": len(rows), "results": len(cells)}
