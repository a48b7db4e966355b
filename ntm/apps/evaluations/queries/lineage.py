"""The commune list of a period before the 2025 reform: today's communes, each with the old xã it
was formed from and their own results (no query: read from the overview's rows)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ntm.apps.catalog.choices import TIERS, set_label

from .overview import Overview
from .results import scorecard_sentence
from .rollups import CommuneRow


@dataclass
class SuccessorGroup:
    """One of today's communes and the old xã it was formed from, each with its own result: no rule
    combining them into one status exists in the catalogue, so none is computed."""

    unit: dict
    rows: list[CommuneRow]
    tier_label: str  # "nông thôn mới"
    at_standard: int  # old xã at the tier's standard in the period
    with_results: int

    @property
    def sentence(self) -> str:
        """ "3/3 xã cũ đạt chuẩn nông thôn mới" (with how many have no result)."""
        n = len(self.rows)
        text = f"{self.at_standard}/{n} xã cũ đạt chuẩn {self.tier_label}"
        if self.with_results < n:
            text += f" ({n - self.with_results} xã cũ chưa có kết quả)"
        return text


def lineage_groups(ov: Overview) -> list[SuccessorGroup]:
    """Today's communes with their predecessors' rows (no query), in name order; each old xã's line
    reads as bulletins write it ("Xã Công Lý (cũ): đạt 16/19 tiêu chí với 53/57 chỉ tiêu …")."""

    def build() -> list[SuccessorGroup]:
        members: dict[int, list[CommuneRow]] = defaultdict(list)
        for r in ov.rows:
            members[r.unit["successor_id"]].append(r)
        ntm = ov.tiers.get("ntm") or ov.set
        out = []
        for s in ov.successors or []:
            rows = sorted(members.get(s["id"], []), key=lambda r: r.unit["name"])
            for r in rows:
                r.cards = [
                    (res, set_label(cs))
                    for cs in (ov.tiers.get(t) for t in TIERS)
                    if cs is not None and (res := r.results.get(cs.code))
                ]
            out.append(
                SuccessorGroup(
                    s,
                    rows,
                    set_label(ntm),
                    sum(1 for r in rows if (x := r.results.get(ntm.code)) and x["standard_met"]),
                    sum(1 for r in rows if ntm.code in r.results),
                )
            )
        out.sort(key=lambda g: (not g.with_results, g.unit["name"]))  # those with results first
        return out

    return ov.derived("lineage-groups", build)


def predecessor_sentence(row: CommuneRow) -> str:
    """ "Xã Công Lý (cũ): đạt 16/19 tiêu chí với 53/57 chỉ tiêu nông thôn mới"."""
    return scorecard_sentence(f"{row.unit['name']} (cũ)", row.cards)
