"""The criteria sets a page offers: the national commune sets of each tier in a period, every
commune set, and their short names. Read by the dashboards, the entry pages and the plans."""

from __future__ import annotations

import datetime as dt

from ntm.core import standards
from ntm.core.catalog import Catalog, CriteriaSet, default_catalog
from ntm.core.periods import Period

TIERS = standards.TIERS  # the tiers in order (ntm.core.standards)


def tier_sets(period: Period | None, catalog: Catalog | None = None) -> dict[str, CriteriaSet]:
    """The national commune sets that stand for each tier in ``period`` (by the set's phase):
    2021–2025 → xa-ntm-2021, xa-nang-cao-2021, xa-kieu-mau-2021."""
    catalog = catalog or default_catalog()
    year = period.year if period else dt.date.today().year
    out: dict[str, CriteriaSet] = {}
    for s in catalog:
        if s.level != "commune" or s.data.province or s.tier not in TIERS:
            continue
        lo, _, hi = s.phase.partition("-")
        if not int(lo) <= year <= int(hi):
            continue
        if s.tier not in out or s.data.valid_from > out[s.tier].data.valid_from:
            out[s.tier] = s
    return out


def commune_sets(catalog: Catalog | None = None) -> list[CriteriaSet]:
    catalog = catalog or default_catalog()
    return [s for s in catalog if s.level == "commune"]


def set_label(cs: CriteriaSet) -> str:
    return cs.data.short_name or cs.name


def code_label(code: str, catalog: Catalog | None = None) -> str:
    """The short name of the set ``code`` ("nông thôn mới nâng cao"), or the code when the catalogue
    no longer has it (a plan or a decision recorded against a retired set)."""
    catalog = catalog or default_catalog()
    return (catalog.get(code).data.short_name or code) if code in catalog else code
