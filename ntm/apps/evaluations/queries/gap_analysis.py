"""The gap and sector pages: what each commune of an overview lacks for its next standard, and
which sector owns the most unmet indicators (the rules live in :mod:`ntm.core.gaps`; no query)."""

from __future__ import annotations

from ntm.core import gaps as core_gaps

from .overview import Overview

Gap = core_gaps.Gap  # what a commune lacks for its next standard (ntm.core.gaps)
SectorLoad = core_gaps.SectorLoad
indicator_info = core_gaps.indicator_info


def gaps(ov: Overview) -> list[Gap]:
    """For each commune with results, what it lacks for its next standard (NTM → nâng cao → kiểu
    mẫu), fewest unmet indicators first; communes whose next standard has not been evaluated come
    after, and communes at the highest standard last. Uses the rows of ``ov`` (no query)."""
    return core_gaps.gaps(ov.rows, ov.tiers)


def sector_ranking(gap_list: list[Gap]) -> list[SectorLoad]:
    """Which responsible sector owns the most unmet indicators across the communes
    (:func:`ntm.core.gaps.sector_ranking`). No query."""
    return core_gaps.sector_ranking(gap_list)
