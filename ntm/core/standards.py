"""The standards (chuẩn) a commune works towards and the national sets that stand for them, in the order
officials name them: nông thôn mới, nâng cao, kiểu mẫu (2021–2025), hiện đại (the 2026–2030 pilot).
Pure Python, no Django."""

from __future__ import annotations

from collections.abc import Iterable

TIERS = ("ntm", "nang_cao", "kieu_mau", "hien_dai")  # hiện đại: the 2026–2030 pilot (QĐ 51/2025, Phụ lục II)
TIER_RANK = {t: i for i, t in enumerate(TIERS)}
RECOGNISED_TIERS = ("ntm", "nang_cao", "kieu_mau")  # the standards a xã is recognised at by decision

__all__ = ["TIERS", "TIER_RANK", "RECOGNISED_TIERS", "national_commune_sets", "set_order"]


def national_commune_sets(catalog: Iterable, tiers: Iterable[str] = RECOGNISED_TIERS) -> list:
    """The national (not a province's own) commune sets of ``tiers``, by phase and then tier: the sets a
    xã registers a plan for or is recognised at (xa-ntm-2010 … xa-kieu-mau-2021, xa-ntm-2026)."""
    wanted = tuple(tiers)
    sets = [s for s in catalog if s.level == "commune" and s.tier in wanted and not s.data.province]
    return sorted(sets, key=lambda s: (s.phase, TIER_RANK[s.tier]))


def set_order(catalog, code: str) -> tuple:
    """Sort key of set codes: by tier (NTM first), then phase; codes the catalogue lacks last."""
    if code not in catalog:
        return (9, "", code)
    s = catalog.get(code)
    return (TIER_RANK.get(s.tier, 8), s.phase, code)
