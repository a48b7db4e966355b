"""Gap analysis: what each commune still lacks for its next standard, and which responsible sector owns
the most of it. Computed from stored results (rows already read), no query. Pure Python, no Django.

- :func:`gaps` — per commune with results, the indicators and criteria of its next standard (NTM →
  nâng cao → kiểu mẫu; 2026–2030: NTM → hiện đại) it has not met, the closest first;
- :func:`sector_ranking` — the sectors (``criterion.sector.ministry``, named as the ministry of today
  by :func:`ntm.core.sectors.national`) by the unmet indicators they own across those communes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from . import formatting as fmt
from .codes import sort_codes
from .sectors import national
from .standards import HIGHEST_REACHED, STANDARD_LABELS, next_tier

__all__ = ["NO_SECTOR", "Gap", "SectorLoad", "gaps", "indicator_info", "sector_ranking"]

NO_SECTOR = "Chưa xác định bộ, ngành phụ trách"


class _Row(Protocol):
    unit: dict  # at least "id" and "name"
    best: str  # the highest standard met (a tier), "below" or "nodata"
    results: Mapping[str, dict]  # set code → stored result row (unmet_indicators, unmet_criteria, standard_met)


@dataclass
class Gap:
    unit: dict
    best: str
    next_tier: str | None
    set: object | None  # the CriteriaSet of the next standard
    result: dict | None  # the next standard's result row, if evaluated
    unmet_indicators: list[dict] = field(default_factory=list)  # {code, content, criterion, dynamic}
    unmet_criteria: list[int] = field(default_factory=list)
    rank: int = 0

    @property
    def distance(self) -> int | None:
        return len(self.unmet_indicators) if self.result is not None else None

    @property
    def best_label(self) -> str:
        return STANDARD_LABELS[self.best]

    @property
    def next_label(self) -> str:
        return STANDARD_LABELS[self.next_tier] if self.next_tier else HIGHEST_REACHED

    @property
    def only_conditions(self) -> bool:
        """Every indicator met but the standard is not: a set-level condition is missing."""
        return self.result is not None and not self.unmet_indicators and not self.result["standard_met"]


def indicator_info(cs, code: str) -> dict:
    """{code, content, criterion, dynamic} of indicator ``code`` of set ``cs`` (content empty when the set
    no longer has it)."""
    ind = cs.by_code.get(code)
    return {
        "code": code,
        "content": ind.content if ind else "",
        "criterion": int(code.split(".")[0]),
        "dynamic": bool(ind and ind.dynamic),
    }


def gaps(rows: Iterable[_Row], tiers: Mapping[str, object]) -> list[Gap]:
    """For each commune with results, what it lacks for its next standard among ``tiers`` (tier → set),
    fewest unmet indicators first (then fewest criteria, then name); communes whose next standard has
    not been evaluated come after, and communes at the highest standard last. ``rank`` numbers them."""
    out = []
    for r in rows:
        if r.best == "nodata":
            continue
        nxt = next_tier(r.best, tiers)
        cs = tiers.get(nxt) if nxt else None
        res = r.results.get(cs.code) if cs is not None else None
        g = Gap(r.unit, r.best, nxt, cs, res)
        if res is not None and cs is not None:
            g.unmet_indicators = [indicator_info(cs, c) for c in sort_codes(res["unmet_indicators"])]
            g.unmet_criteria = sorted(int(c) for c in res["unmet_criteria"])
        out.append(g)

    def key(g: Gap) -> tuple:
        if g.next_tier is None:
            return (2, 0, 0, g.unit["name"])
        if g.result is None:
            return (1, 0, 0, g.unit["name"])
        return (0, len(g.unmet_indicators), len(g.unmet_criteria), g.unit["name"])

    out.sort(key=key)
    for i, g in enumerate(out, 1):
        g.rank = i
    return out


@dataclass
class SectorLoad:
    sector: str
    unmet: int  # unmet indicators summed over communes
    communes: int
    criteria: list[str]  # "17. Môi trường và an toàn thực phẩm"
    dynamic: int  # of which "tiêu chí động"
    share_text: str = ""


def sector_ranking(gap_list: Iterable[Gap]) -> list[SectorLoad]:
    """The responsible sectors by the unmet indicators they own across the communes (each commune
    counted for what it lacks for its next standard), then by communes concerned, then name; an
    indicator whose criterion names no sector counts under :data:`NO_SECTOR`."""
    unmet: Counter[str] = Counter()
    dyn: Counter[str] = Counter()
    communes: dict[str, set] = defaultdict(set)
    criteria: dict[str, dict[int, str]] = defaultdict(dict)
    for g in gap_list:
        if g.set is None:
            continue
        for ind in g.unmet_indicators:
            crit = g.set.criterion_by_number.get(ind["criterion"])
            sector = (
                national(crit.sector.ministry, crit.name) if crit is not None and crit.sector else None
            ) or NO_SECTOR
            unmet[sector] += 1
            dyn[sector] += ind["dynamic"]
            communes[sector].add(g.unit["id"])
            if crit is not None:
                criteria[sector][crit.number] = f"{crit.number}. {crit.name}"
    total = sum(unmet.values())
    out = [
        SectorLoad(
            s,
            n,
            len(communes[s]),
            [criteria[s][k] for k in sorted(criteria[s])],
            dyn[s],
            fmt.percent(n, total) if total else "–",
        )
        for s, n in unmet.items()
    ]
    out.sort(key=lambda x: (-x.unmet, -x.communes, x.sector))
    return out
