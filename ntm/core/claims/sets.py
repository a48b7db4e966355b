"""From the wording around a figure to a criteria-set code, and what the catalogue says of a set.

The wording gives a *level* (xã / huyện), a *tier* (NTM, nâng cao, kiểu mẫu) and sometimes a
*phase* ("giai đoạn 2021-2025"); the report's date fills in a missing phase. The catalogue is
asked first (a set with that level, tier and phase); the table below is the fallback while the
catalogue files are being written.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from ntm.core.codes import criterion_of

STATIC_SETS: dict[tuple[str, str, str], str] = {
    ("commune", "ntm", "2016-2020"): "xa-ntm-2016",
    ("commune", "ntm", "2021-2025"): "xa-ntm-2021",
    ("commune", "nang_cao", "2021-2025"): "xa-nang-cao-2021",
    ("commune", "kieu_mau", "2021-2025"): "xa-kieu-mau-2021",
    ("district", "ntm", "2021-2025"): "huyen-ntm-2021",
    ("district", "nang_cao", "2021-2025"): "huyen-nang-cao-2021",
    ("commune", "ntm", "2026-2030"): "xa-ntm-2026",
}

TIER_LABEL = {"ntm": "nông thôn mới", "nang_cao": "nông thôn mới nâng cao", "kieu_mau": "nông thôn mới kiểu mẫu",
              "hien_dai": "nông thôn mới hiện đại"}
LEVEL_LABEL = {"commune": "xã", "district": "huyện", "province": "tỉnh", "village": "thôn"}


def phase_of_year(year: int | None) -> str | None:
    if year is None:
        return None
    if year <= 2020:
        return "2016-2020"
    if year <= 2025:
        return "2021-2025"
    return "2026-2030"


def phase_from_years(a: int, b: int) -> str | None:
    for ph in ("2016-2020", "2021-2025", "2026-2030"):
        lo, hi = (int(x) for x in ph.split("-"))
        if lo <= a <= hi and lo <= b <= hi:
            return ph
    return None


@dataclass
class SetInfo:
    """What the checks need to know of a set, read defensively from a catalogue object."""

    code: str
    name: str
    level: str | None
    tier: str | None
    phase: str | None
    criteria_total: int
    indicator_total: int | None
    indicators_authoritative: bool  # the indicator total is the one bulletins use
    codes_authoritative: bool  # the list of indicator codes is complete and real (no placeholders)
    criterion_numbers: set[int]
    indicator_codes: set[str]
    max_per_criterion: int | None


_VIEWS: "weakref.WeakKeyDictionary[Any, Catalogue]" = weakref.WeakKeyDictionary()


class Catalogue:
    """A thin, failure-tolerant view of the project catalogue (or of a test double)."""

    def __init__(self, catalog: Any | None, error: str | None = None):
        self._cat = catalog
        self.error = error
        self._cache: dict[str, SetInfo | None] = {}
        self._by_level: dict[str, list[SetInfo]] = {}
        self._find: dict[tuple, str | None] = {}

    @classmethod
    def load(cls, catalog: Any | None) -> "Catalogue":
        if catalog is False:
            return cls(None, "không dùng danh mục bộ tiêu chí")
        if catalog is not None:
            try:  # one view per catalogue object, so what is read of a set is read once
                view = _VIEWS.get(catalog)
                if view is None:
                    view = _VIEWS[catalog] = cls(catalog)
                return view
            except TypeError:  # not weak-referenceable / hashable
                return cls(catalog)
        try:
            from ntm.core.catalog import default_catalog

            return cls.load(default_catalog())
        except Exception as exc:  # the catalogue files may be missing or being written
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return cls(None, f"không tải được danh mục bộ tiêu chí ({first})")

    @property
    def available(self) -> bool:
        return self._cat is not None

    def __contains__(self, code: str) -> bool:
        if self._cat is None or not code:
            return False
        try:
            return code in self._cat
        except Exception:
            return False

    def info(self, code: str | None) -> SetInfo | None:
        if not code or self._cat is None:
            return None
        if code in self._cache:
            return self._cache[code]
        info = None
        if code in self:
            try:
                info = _read_set(code, self._cat.get(code))
            except Exception:
                info = None
        self._cache[code] = info
        return info

    def find(self, level: str, tier: str, phase: str | None) -> str | None:
        """The national set with this level, tier and phase, from the catalogue, else the table."""
        key = (level, tier, phase)
        if key not in self._find:
            self._find[key] = self._find_uncached(level, tier, phase)
        return self._find[key]

    def _find_uncached(self, level: str, tier: str, phase: str | None) -> str | None:
        if self._cat is not None and phase:
            found = []
            try:
                for s in self._cat:
                    d = getattr(s, "data", s)
                    if (getattr(d, "level", None), getattr(d, "tier", None), getattr(d, "phase", None)) == (level, tier, phase) \
                            and getattr(d, "province", None) is None:
                        found.append(getattr(s, "code", None) or getattr(d, "code", None))
            except Exception:
                found = []
            if len(found) == 1 and found[0]:
                return found[0]
        if phase is None:
            return None
        return STATIC_SETS.get((level, tier, phase))

    def sets_of_level(self, level: str) -> list[SetInfo]:
        if level not in self._by_level:
            self._by_level[level] = self._sets_of_level(level)
        return self._by_level[level]

    def _sets_of_level(self, level: str) -> list[SetInfo]:
        out: list[SetInfo] = []
        if self._cat is None:
            return out
        try:
            codes = [getattr(s, "code", None) or getattr(getattr(s, "data", None), "code", None) for s in self._cat]
        except Exception:
            codes = list(set(STATIC_SETS.values()))
        for code in codes:
            info = self.info(code) if code else None
            if info is not None and info.level == level:
                out.append(info)
        return out


def _read_set(code: str, s: Any) -> SetInfo:
    data = getattr(s, "data", None)
    declared = getattr(data, "declared", None)
    placeholders = int(getattr(s, "placeholder_count", 0) or 0)
    tier = getattr(data, "tier", None) or getattr(s, "tier", None)
    level = getattr(data, "level", None) or getattr(s, "level", None)
    phase = getattr(data, "phase", None) or getattr(s, "phase", None)
    criteria_total = int(getattr(declared, "criteria", None) or s.criteria_count)
    try:
        codes = [str(c) for c in s.indicator_codes()]
    except Exception:
        codes = []
    ind_total = getattr(declared, "indicators", None) if declared is not None else None
    if ind_total is None:
        ind_total = getattr(s, "indicator_count", None)
    # Is the catalogue's indicator total the one bulletins use? Only when the set *declares* it
    # (``declared.indicators``: "totals as the official text and bulletins state them"). The
    # model-commune set lists 4 indicators but bulletins count 10, the district NTM set lists
    # placeholders: neither declares an indicator total, so x/10 or x/36 is not checked.
    authoritative = declared is not None and getattr(declared, "indicators", None) is not None
    # Codes ("17.15 does not exist") are checked only where every indicator is a real one.
    codes_ok = authoritative and placeholders == 0 and bool(codes)
    crit_numbers: set[int] = set()
    for c in getattr(data, "criteria", None) or []:
        n = getattr(c, "number", None)
        if isinstance(n, int):
            crit_numbers.add(n)
    if not crit_numbers:
        crit_numbers = set(range(1, criteria_total + 1))
    per: dict[int, int] = {}
    for c in codes:
        try:
            per[criterion_of(c)] = per.get(criterion_of(c), 0) + 1
        except ValueError:
            continue
    return SetInfo(
        code=code,
        name=str(getattr(data, "name", None) or getattr(s, "name", None) or code),
        level=level,
        tier=tier,
        phase=phase,
        criteria_total=criteria_total,
        indicator_total=int(ind_total) if ind_total is not None else None,
        indicators_authoritative=authoritative,
        codes_authoritative=codes_ok,
        criterion_numbers=crit_numbers,
        indicator_codes=set(codes),
        max_per_criterion=max(per.values()) if per and codes_ok else None,
    )
