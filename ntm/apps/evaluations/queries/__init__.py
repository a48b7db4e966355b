"""Read-side queries for the dashboards: a constant number of queries per page, whatever the size
of the unit (one for the communes, one per set/period for their results, one for the trend).

Everything here reads stored results of the view being read (:func:`.dataview.current`: the approved
figures, :class:`~ntm.apps.evaluations.models.Result`, unless a reviewer chose those including
unapproved data); nothing is re-evaluated when a page opens. Results are fetched with ``values()`` and without the large
``detail`` JSON except where a single unit's explanation is shown.

Vocabulary:

- *tier* — the standard a set stands for: ``ntm`` (đạt chuẩn nông thôn mới), ``nang_cao``
  (nâng cao), ``kieu_mau`` (kiểu mẫu);
- *best standard* of a commune — the highest tier whose set it meets in the period; ``below``
  when it has results but meets none, ``nodata`` when it has no result at all.

The readers, by stage (each module says what it reads):

- :mod:`.results` — result rows of units in a period, best standards, scorecard and roll-up sentences;
- :mod:`.communes` — the communes under a unit at a date (and the old xã of a period before the reform);
- :mod:`.periods` — the periods with results under a unit, the period a page opens on;
- :mod:`.rollups` — counts per standard, the trend, the summary per child unit;
- :mod:`.overview` — the overview of a unit in a period, kept and patched;
- :mod:`.lineage` — today's communes with the old xã they were formed from;
- :mod:`.gap_analysis` — what communes lack for their next standard, sectors ranked;
- :mod:`.history` — one commune's results over the periods and what changed.

The names are re-exported here: ``from ntm.apps.evaluations import queries as q`` keeps working.
"""

from ntm.apps.catalog.choices import TIERS, code_label, commune_sets, tier_sets

from .communes import (
    COMMUNE_FIELDS,
    ROWS_CACHE_SECONDS,
    ROWS_CACHE_SIZE,
    commune_rows,
    communes_qs,
    lineage_ids,
    lineage_mode,
    lineage_rows,
    scope_key,
    sees_all_of,
)
from .gap_analysis import Gap, SectorLoad, gaps, indicator_info, sector_ranking
from .history import Change, change, details_for, regressions, set_order, start_of_year_period, unit_history
from .lineage import SuccessorGroup, lineage_groups, predecessor_sentence
from .overview import LAYOUT, PATCH_MAX_UNITS, Overview, build_overview, patch_overview
from .periods import (
    choose_period,
    latest_approved_period,
    lineage_periods,
    period_key,
    periods_with_approved_data,
    sort_periods,
    stored_periods,
    subtree_periods,
)
from .results import (
    LEAN_FIELDS,
    RESULT_FIELDS,
    STANDARD_COLORS,
    STANDARD_LABELS,
    STANDARDS,
    best_standard,
    results_by_unit,
    rollup_sentence,
    scorecard_phrase,
    scorecard_sentence,
)
from .rollups import (
    ChildSummary,
    CommuneRow,
    StandardCount,
    TrendPoint,
    child_groups,
    children_summary,
    standard_counts,
    trend,
    trend_point,
)

__all__ = [
    "COMMUNE_FIELDS",
    "Change",
    "ChildSummary",
    "CommuneRow",
    "Gap",
    "LAYOUT",
    "LEAN_FIELDS",
    "Overview",
    "PATCH_MAX_UNITS",
    "RESULT_FIELDS",
    "ROWS_CACHE_SECONDS",
    "ROWS_CACHE_SIZE",
    "STANDARDS",
    "STANDARD_COLORS",
    "STANDARD_LABELS",
    "SectorLoad",
    "StandardCount",
    "SuccessorGroup",
    "TIERS",
    "TrendPoint",
    "best_standard",
    "build_overview",
    "change",
    "child_groups",
    "children_summary",
    "choose_period",
    "code_label",
    "commune_rows",
    "commune_sets",
    "communes_qs",
    "details_for",
    "gaps",
    "indicator_info",
    "latest_approved_period",
    "lineage_groups",
    "lineage_ids",
    "lineage_mode",
    "lineage_periods",
    "lineage_rows",
    "patch_overview",
    "period_key",
    "periods_with_approved_data",
    "predecessor_sentence",
    "regressions",
    "results_by_unit",
    "rollup_sentence",
    "scope_key",
    "scorecard_phrase",
    "scorecard_sentence",
    "sector_ranking",
    "sees_all_of",
    "set_order",
    "sort_periods",
    "standard_counts",
    "start_of_year_period",
    "stored_periods",
    "subtree_periods",
    "tier_sets",
    "trend",
    "trend_point",
    "unit_history",
]
