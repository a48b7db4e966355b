"""Demo data on real units: the communes of Lý Nhân (Hà Nam) and Bình Liêu (Quảng Ninh) before the
2025 reform, and the communes of Tỉnh Ninh Bình that Lý Nhân's communes became.

- History: several periods of self-assessment (12/2022–12/2024) for the 2021–2025 commune sets,
  improving over time, with some 'dynamic' indicators regressing. In July 2023 three Lý Nhân
  communes reproduce the district's published bulletin ("Xã Nguyên Lý: đạt 17/19 tiêu chí với
  54/57 chỉ tiêu nông thôn mới; 17/19 tiêu chí với 70/75 chỉ tiêu nông thôn mới nâng cao" …), so
  dashboards and reports show figures that look like the real ones.
- Today: since 01/07/2025 those communes are seven communes of Tỉnh Ninh Bình (Nam Xang holds
  Nguyên Lý, Công Lý and Đức Lý). They have commune groups set by a made-up decision clearly marked
  as demo (one is left "chưa phân nhóm"), and quarterly 2026 self-assessments on the 2026–2030 set
  ``xa-ntm-2026``.
- Review: every sheet is approved (by the district before the reform, by the province in 2026), except
  the nâng cao sheets of December 2023 in Lý Nhân, where reporting is under way (:data:`UNDER_WAY`): one
  sheet returned with the reviewer's reason, one waiting for review, one not yet submitted — so the
  completeness counts, the review queue and the returned-sheet notice have something to show.
- Accounts: those of :func:`ntm.apps.accounts.services.create_demo_accounts` and two of today's
  structure, ``demo_ninhbinh`` (province reviewer) and ``demo_namxang`` (commune officer).

Running it again replaces the previous demo data.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from rich.console import Console
from rich.progress import Progress

from ntm.core import formatting as fmt
from ntm.core.catalog import CriteriaSet, Kind, default_catalog
from ntm.core.periods import Period

DISTRICTS = ["Hà Nam/Lý Nhân", "Quảng Ninh/Bình Liêu"]
PERIODS = ["2022-12", "2023-03", "2023-06", "2023-07", "2023-09", "2023-12", "2024-06", "2024-12"]
SETS = ["xa-ntm-2021", "xa-nang-cao-2021"]
DEMO_SOURCE = "demo"
DEMO_REVIEWER = "Văn phòng điều phối NTM huyện (dữ liệu mẫu)"
TODAY_REVIEWER = "Văn phòng điều phối NTM tỉnh Ninh Bình (dữ liệu mẫu)"
# nâng cao, December 2023, Lý Nhân: reporting under way (commune → the state of its sheet)
UNDER_WAY_SET, UNDER_WAY_PERIOD = "xa-nang-cao-2021", "2023-12"
UNDER_WAY = {"Nguyên Lý": "returned", "Công Lý": "submitted", "Tiến Thắng": "draft"}
RETURN_REASON = "Đề nghị bổ sung minh chứng cho tiêu chí 17 (môi trường) và kiểm tra lại số liệu chỉ tiêu 17.1."

# today's structure (from 01/07/2025): the province that holds the former Lý Nhân communes
TODAY_PROVINCE = "tinh:37@2025"  # Tỉnh Ninh Bình
TODAY_SET = "xa-ntm-2026"
TODAY_PERIODS = ["2026-Q1", "2026-Q2", "2026-Q3"]
# the made-up decision that groups the demo communes (groups 1–3 of QĐ 51/2025); one commune is
# left without a group to show "chưa phân nhóm"
DEMO_GROUP_DECISION = ("01/2026/QĐ-UBND (MẪU)", "UBND tỉnh Ninh Bình (dữ liệu mẫu)")
DEMO_GROUPS = {
    "xa:13591@2025": "2",
    "xa:13573@2025": "1",
    "xa:13579@2025": "2",
    "xa:13594@2025": "2",
    "xa:13597@2025": "1",
    "xa:13609@2025": "2",
}  # Nam Xang, Lý Nhân, Bắc Lý, Trần Thương, Vĩnh Trụ, Nhân Hà
TODAY_ACCOUNTS = [
    ("demo_ninhbinh", "Văn phòng điều phối nông thôn mới tỉnh Ninh Bình", TODAY_PROVINCE, ["reviewer"]),
    ("demo_namxang", "Cán bộ xã Nam Xang", "xa:13591@2025", ["entry"]),
]

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


def _targets(
    name: str, set_code: str, cs: CriteriaSet, period_index: int, rng: random.Random, mountain: bool
) -> Target:
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
    met = {
        (r.unit_id, r.period): r.standard_met
        for r in Result.objects.filter(unit_id__in=ids, set_code="xa-ntm-2021", period__in=["2022-12", "2023-06"])
    }
    plans = recognitions = 0
    for u in sorted(units, key=lambda u: u.code):
        if met.get((u.id, "2022-12")) is not False:
            continue
        if not PlanTarget.objects.filter(unit=u, set_code="xa-ntm-2021").exists():
            PlanTarget.objects.create(unit=u, set_code="xa-ntm-2021", year=2023, note=DEMO_NOTE)
            plans += 1
        if met.get((u.id, "2023-06")) and not Recognition.objects.filter(unit=u, set_code="xa-ntm-2021").exists():
            province = f"UBND {provinces[u.id][0].lower()}{provinces[u.id][1:]}" if provinces.get(u.id) else ""
            Recognition.objects.create(
                unit=u,
                set_code="xa-ntm-2021",
                decision=f"{1200 + recognitions}/QĐ-UBND (mẫu)",
                decision_date=dt.date(2023, 6, 28),
                issued_by=province,
                note=DEMO_NOTE,
            )
            recognitions += 1
    return plans, recognitions


def _observations(
    unit, cs: CriteriaSet, p: Period, unmet: set[str], ctx, rng: random.Random, *, approved: bool = True
) -> list:
    from ntm.apps.observations.models import ObservationVersion

    rows = []
    for ind in cs.indicators:
        met = ind.code not in unmet
        value = _value_for(cs, ind.code, met, ctx, rng)
        rows.append(
            ObservationVersion(
                unit=unit,
                set_code=cs.code,
                indicator=ind.code,
                period=p.key,
                year=p.year,
                value_text="" if value is None else str(value).replace(".", ","),
                value_num=value if isinstance(value, float) else None,
                assessment=met,
                source=DEMO_SOURCE,
                created_by_name="Dữ liệu mẫu",
                is_approved=approved,
            )
        )
    return rows


def _store_observations(versions: list) -> None:
    """The demo's values: their versions in the history, and the same as the current values."""
    from ntm.apps.observations.models import Observation, ObservationVersion

    ObservationVersion.objects.bulk_create(versions, batch_size=2000)
    Observation.objects.bulk_create(map(Observation.of, versions), batch_size=2000)


def _remove_observations(unit_ids: list[int]) -> None:
    """The demo's values of these units, current and past (a demo built again starts afresh)."""
    from ntm.apps.observations.models import Observation, ObservationVersion

    Observation.objects.filter(unit_id__in=unit_ids, source=DEMO_SOURCE).delete()
    ObservationVersion.objects.filter(unit_id__in=unit_ids, source=DEMO_SOURCE).delete()


def _today_communes(old_communes: list) -> list:
    """The communes of today's hierarchy that the demo's Lý Nhân communes became (Tỉnh Ninh Bình)."""
    from ntm.apps.units.models import Unit, UnitLink

    ids = [u.id for u in old_communes]
    succ = UnitLink.objects.filter(predecessor_id__in=ids, successor__parent__uid=TODAY_PROVINCE).values("successor_id")
    return list(Unit.objects.filter(id__in=succ, type="Xã").order_by("code"))


def _today_groups(units: list) -> int:
    """Groups of the demo communes by the made-up decision (through the one write path, audited)."""
    import datetime as dt

    from ntm.apps.units.classifications import Row, save

    number, issuer = DEMO_GROUP_DECISION
    start = dt.date(2026, 2, 15)
    rows = [
        Row(u, "group", DEMO_GROUPS[u.uid], start, None, number, dt.date(2026, 2, 10), issuer, DEMO_NOTE)
        for u in units
        if u.uid in DEMO_GROUPS
    ]
    if not rows:
        return 0
    audit_log = logging.getLogger("ntm.audit")  # the events are recorded; their JSON lines would flood the console
    level = audit_log.level
    audit_log.setLevel(logging.WARNING)
    try:
        save(rows, reason="Dữ liệu mẫu: phân nhóm xã", enqueue=False)  # a second run changes nothing
        return len(rows)
    finally:
        audit_log.setLevel(level)


def _today_target(unit, k: int, rng: random.Random, cs: CriteriaSet) -> Target:
    """A commune of 2026: after the merger fewer criteria are met, then one more most quarters."""
    crit = (8 if unit.uid == "xa:13591@2025" else 5 + rng.randint(0, 3)) + k
    gap = max(0, cs.criteria_count - crit)
    return _fit(cs, crit, cs.indicator_count - gap - rng.randint(0, 2 * gap))


def create_today_accounts() -> list[str]:
    """``demo_ninhbinh`` (reviewer of Tỉnh Ninh Bình, with read access to the history of the three
    provinces it was formed from) and ``demo_namxang`` (entry officer of Xã Nam Xang)."""
    from django.contrib.auth import get_user_model

    from ntm.apps.accounts.models import Membership
    from ntm.apps.accounts.services import DEMO_PASSWORD
    from ntm.apps.units.services import resolve_unit

    User = get_user_model()
    made = []
    for username, display, unit_ref, roles in TODAY_ACCOUNTS:
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": display})
        user.first_name = display
        user.set_password(DEMO_PASSWORD)
        user.save()
        unit = resolve_unit(unit_ref)
        for role in roles:
            Membership.objects.get_or_create(user=user, unit=unit, role=role)
        made.append(username)
    return made


def build_today(communes: list, console: Console, cat) -> dict[str, int]:
    """Today's part of the demo: groups and 2026 data on ``xa-ntm-2026`` for the communes of Tỉnh Ninh
    Bình that ``communes`` (Lý Nhân's xã of before the reform) became."""
    from ntm.apps.evaluations.dataview import ALL, APPROVED
    from ntm.apps.evaluations.models import Result, ResultAll
    from ntm.apps.evaluations.services import context_for, evaluate_unit
    from ntm.apps.observations.models import Submission

    units = _today_communes(communes)
    ids = [u.id for u in units]
    _remove_observations(ids)
    Result.objects.filter(unit_id__in=ids).delete()
    ResultAll.objects.filter(unit_id__in=ids).delete()
    Submission.objects.filter(unit_id__in=ids, set_code=TODAY_SET, period__in=TODAY_PERIODS).delete()
    groups = _today_groups(units)
    cs = cat.get(TODAY_SET)
    rows = []
    for unit in units:
        for k, period in enumerate(TODAY_PERIODS):
            p = Period.parse(period)
            rng = random.Random(f"{unit.uid}|{cs.code}|{period}")
            unmet = choose_unmet(cs, _today_target(unit, k, rng, cs), rng)
            rows += _observations(unit, cs, p, unmet, context_for(unit, p.year, on=p.end), rng)
    _store_observations(rows)
    cells = [(u, cs.code, p) for u in units for p in TODAY_PERIODS]
    _workflow(cells, {(u.id, s, p): "approved" for u, s, p in cells}, reviewer=TODAY_REVIEWER)  # published
    for unit, set_code, period in cells:
        for view in (ALL, APPROVED):
            evaluate_unit(unit, set_code, period, catalog=cat, view=view)
    return {"today_communes": len(units), "today_observations": len(rows), "groups": groups}


def _state_of(unit, district, set_code: str, period: str) -> str:
    """The review state of a demo sheet: approved, except the reporting under way (:data:`UNDER_WAY`)."""
    if (set_code, period) == (UNDER_WAY_SET, UNDER_WAY_PERIOD) and district.short_name == "Lý Nhân":
        return UNDER_WAY.get(unit.short_name, "approved")
    return "approved"


def _workflow(cells: list[tuple], states: dict[tuple, str], reviewer: str = DEMO_REVIEWER) -> None:
    """The submissions of the demo sheets, with the dates of their steps (a few days after each period),
    reviewed by ``reviewer``."""
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
        sub = Submission.objects.create(
            unit=unit,
            set_code=set_code,
            period=p.key,
            year=p.year,
            state=state,
            submitted_by_name="Cán bộ xã (dữ liệu mẫu)",
            submitted_at=at(p, 3, 9),
        )
        steps = [("submit", "draft", "submitted", "", at(p, 3, 9))]
        if state in ("approved", "returned"):
            sub.reviewed_by_name, sub.reviewed_at = reviewer, at(p, 6, 15)
            sub.comment = RETURN_REASON if state == "returned" else ""
            sub.save(update_fields=["reviewed_by_name", "reviewed_at", "comment"])
            steps.append(
                ("approve" if state == "approved" else "return", "submitted", state, sub.comment, at(p, 6, 15))
            )
        for action, old, new, comment, when in steps:
            e = SubmissionEvent.objects.create(
                submission=sub,
                action=action,
                from_state=old,
                to_state=new,
                comment=comment,
                by_name=sub.reviewed_by_name if action != "submit" else sub.submitted_by_name,
            )
            SubmissionEvent.objects.filter(pk=e.pk).update(at=when)
        if state == "returned":
            ReviewComment.objects.create(
                submission=sub,
                indicator="17.1",
                by_name=reviewer,
                text="Số liệu khác với báo cáo của phòng Tài nguyên và Môi trường; đề nghị rà soát.",
            )


def build_figures(
    communes: list[tuple],
    sets: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
    *,
    console: Console | None = None,
    catalog=None,
) -> list:
    """The demo's values, review states and results for ``communes`` ((xã, its district) pairs of before
    the reform), ``sets`` and ``periods`` (a part of :data:`SETS` and :data:`PERIODS`). A commune's
    figures for a set and period are the same whichever part is built (each sheet draws from its own
    seeded generator), so tests build only the part they need. Returns the observations written."""
    from ntm.apps.evaluations.dataview import ALL, APPROVED
    from ntm.apps.evaluations.models import Result, ResultAll
    from ntm.apps.evaluations.services import context_for, evaluate_unit
    from ntm.apps.observations.models import Submission

    sets = SETS if sets is None else sets  # read when called: a test may narrow the demo's SETS/PERIODS
    periods = PERIODS if periods is None else periods
    cat = catalog or default_catalog()
    ids = [u.id for u, _ in communes]
    _remove_observations(ids)
    Result.objects.filter(unit_id__in=ids).delete()
    ResultAll.objects.filter(unit_id__in=ids).delete()
    Submission.objects.filter(unit_id__in=ids, set_code__in=SETS, period__in=PERIODS).delete()
    states = {(u.id, s, p): _state_of(u, d, s, p) for u, d in communes for s in sets for p in periods}
    rows = []
    for unit, district in communes:
        mountain = (unit.region or "") == "TDMNPB" or district.short_name == "Bình Liêu"
        for set_code in sets:
            cs = cat.get(set_code)
            for period in periods:
                p = Period.parse(period)
                rng = random.Random(f"{unit.uid}|{set_code}|{period}")
                target = _targets(unit.short_name, set_code, cs, PERIODS.index(period), rng, mountain)
                unmet = choose_unmet(cs, target, rng)
                rows += _observations(
                    unit,
                    cs,
                    p,
                    unmet,
                    context_for(unit, p.year, on=p.end),
                    rng,
                    approved=states[(unit.id, set_code, period)] == "approved",
                )
    _store_observations(rows)
    cells = [(u, s, p) for u, _ in communes for p in periods for s in sets]
    _workflow(cells, states)
    with Progress(console=console or Console(quiet=True), transient=True) as progress:
        task = progress.add_task("Đánh giá dữ liệu mẫu", total=len(cells))
        for unit, set_code, period in cells:
            evaluate_unit(unit, set_code, period, catalog=cat, view=ALL)
            if states[(unit.id, set_code, period)] == "approved":  # the published figures
                evaluate_unit(unit, set_code, period, catalog=cat, view=APPROVED)
            progress.advance(task)
    return rows


def build_demo(console: Console | None = None) -> dict[str, int]:
    from ntm.apps.units.services import communes_at, resolve_unit

    console = console or Console()
    cat = default_catalog()
    with transaction.atomic():
        communes = []
        for path in DISTRICTS:
            district = resolve_unit(path, date=Period.parse("2023-07").end)
            communes += [(u, district) for u in communes_at(district, Period.parse("2023-07").end) if u.type == "Xã"]
        rows = build_figures(communes, console=console, catalog=cat)
        plans, recognitions = _plans_and_recognitions([u for u, _ in communes])
        today = build_today([u for u, d in communes if d.short_name == "Lý Nhân"], console, cat)
    from ntm.apps.accounts.services import DEMO_PASSWORD, create_demo_accounts

    accounts = create_demo_accounts() + create_today_accounts()
    console.print(
        f"Dữ liệu mẫu: {len(communes)} xã, {len(PERIODS)} kỳ, {fmt.number(len(rows))} số liệu chỉ tiêu "
        f"(trước 01/07/2025); {today['today_communes']} xã của Tỉnh Ninh Bình, {len(TODAY_PERIODS)} quý năm "
        f"2026 trên bộ {TODAY_SET}, {today['groups']} xã được phân nhóm (quyết định mẫu)."
    )
    console.print(f"Kế hoạch mẫu: {plans} xã đăng ký đạt chuẩn năm 2023, {recognitions} quyết định công nhận (mẫu).")
    console.print(f"Tài khoản mẫu (mật khẩu {DEMO_PASSWORD}): {', '.join(accounts)}")
    cells = len(communes) * len(SETS) * len(PERIODS)
    return {"communes": len(communes), "observations": len(rows), "results": cells, **today}
