"""The standards (chuẩn) a commune works towards and the national sets that stand for them, in the order
officials name them: nông thôn mới, nâng cao, kiểu mẫu (2021–2025), hiện đại (the 2026–2030 pilot).
Pure Python, no Django."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

TIERS = ("ntm", "nang_cao", "kieu_mau", "hien_dai")  # hiện đại: the 2026–2030 pilot (QĐ 51/2025, Phụ lục II)
TIER_RANK = {t: i for i, t in enumerate(TIERS)}
RECOGNISED_TIERS = ("ntm", "nang_cao", "kieu_mau")  # the standards a xã is recognised at by decision

# A commune's standard: the highest tier whose set it meets, "below" with results but none met,
# "nodata" without any result. Best first, as tables list them; the labels as pages show them
# (listed for translation in ntm/apps/accounts/i18n_labels.py).
STANDARDS = ("hien_dai", "kieu_mau", "nang_cao", "ntm", "below", "nodata")
STANDARD_LABELS = {
    "hien_dai": "Đạt chuẩn NTM hiện đại",
    "kieu_mau": "Đạt chuẩn NTM kiểu mẫu",
    "nang_cao": "Đạt chuẩn NTM nâng cao",
    "ntm": "Đạt chuẩn NTM",
    "below": "Chưa đạt chuẩn NTM",
    "nodata": "Chưa có kết quả",
}
HIGHEST_REACHED = "Đã đạt mức cao nhất"  # the next standard of a commune at the highest one

__all__ = [
    "TIERS",
    "TIER_RANK",
    "RECOGNISED_TIERS",
    "STANDARDS",
    "STANDARD_LABELS",
    "HIGHEST_REACHED",
    "national_commune_sets",
    "next_tier",
    "set_order",
]


def next_tier(best: str, tiers: Mapping[str, object]) -> str | None:
    """The next standard a commune at ``best`` works towards among the tiers of the period (2021–2025:
    NTM → nâng cao → kiểu mẫu; 2026–2030: NTM → hiện đại); None at the highest."""
    if best in ("below", "nodata"):
        return "ntm"
    later = TIERS[TIERS.index(best) + 1 :]
    return next((t for t in later if t in tiers), None)


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
