"""From the wording around a figure to a criteria-set code, and what the catalogue says of a set.

The wording gives a *level* (xã / huyện), a *tier* (NTM, nâng cao, kiểu mẫu) and sometimes a
*phase* ("giai đoạn 2021-2025"); the date the figures stand at fills in a missing phase, by the
dates the decisions came into force (not by calendar year: a text of October 2021 still reports
on the 2016–2020 set, QĐ 318 dates from 08/03/2022). The catalogue is asked first (a set with that
level, tier and phase; the phases start at the ``valid_from`` of its national commune sets); the
tables below are the fallback while the catalogue files are being written.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass
from typing import Any

from ntm.core.codes import criterion_of

PHASES = ("2010-2015", "2016-2020", "2021-2025", "2026-2030")
# when each phase's national commune set came into force (QĐ 491/QĐ-TTg 16/04/2009, revised by QĐ
# 342/QĐ-TTg 20/02/2013; QĐ 1980/QĐ-TTg 17/10/2016, applied from 01/12/2016; QĐ 318/QĐ-TTg
# 08/03/2022; QĐ 51/2025/QĐ-TTg in force 15/02/2026)
PHASE_STARTS: dict[str, dt.date] = {
    "2010-2015": dt.date(2009, 4, 16),
    "2016-2020": dt.date(2016, 12, 1),
    "2021-2025": dt.date(2022, 3, 8),
    "2026-2030": dt.date(2026, 2, 15),
}

STATIC_SETS: dict[tuple[str, str, str], str] = {
    ("commune", "ntm", "2010-2015"): "xa-ntm-2010",
    ("commune", "ntm", "2016-2020"): "xa-ntm-2016",
    ("commune", "ntm", "2021-2025"): "xa-ntm-2021",
    ("commune", "nang_cao", "2021-2025"): "xa-nang-cao-2021",
    ("commune", "kieu_mau", "2021-2025"): "xa-kieu-mau-2021",
    ("district", "ntm", "2021-2025"): "huyen-ntm-2021",
    ("district", "nang_cao", "2021-2025"): "huyen-nang-cao-2021",
    ("commune", "ntm", "2026-2030"): "xa-ntm-2026",
}

TIER_LABEL = {
    "ntm": "nông thôn mới",
    "nang_cao": "nông thôn mới nâng cao",
    "kieu_mau": "nông thôn mới kiểu mẫu",
    "hien_dai": "nông thôn mới hiện đại",
}
LEVEL_LABEL = {"commune": "xã", "district": "huyện", "province": "tỉnh", "village": "thôn"}


def phase_of_date(day: dt.date | None, starts: dict[str, dt.date] | None = None) -> str | None:
    """The phase whose sets were in force on ``day`` (None before the first one)."""
    if day is None:
        return None
    found = None
    for ph, start in sorted((starts or PHASE_STARTS).items(), key=lambda kv: kv[1]):
        if start <= day:
            found = ph
    return found


def phase_of_year(year: int | None, starts: dict[str, dt.date] | None = None) -> str | None:
    """The phase of figures standing at the end of ``year`` ("năm 2021" → 2016-2020)."""
    return None if year is None else phase_of_date(dt.date(year, 12, 31), starts)


def phase_from_years(a: int, b: int) -> str | None:
    """ "giai đoạn 2011-2015" → 2010-2015; "2022-2025" → 2021-2025."""
    for ph in PHASES:
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
    valid_from: dt.date | None = None
    province: str | None = None


_VIEWS: weakref.WeakKeyDictionary[Any, Catalogue] = weakref.WeakKeyDictionary()


class Catalogue:
    """A thin, failure-tolerant view of the project catalogue (or of a test double)."""

    def __init__(self, catalog: Any | None, error: str | None = None):
        self._cat = catalog
        self.error = error
        self._cache: dict[str, SetInfo | None] = {}
        self._by_level: dict[str, list[SetInfo]] = {}
        self._find: dict[tuple, str | None] = {}
        self._starts: dict[str, dt.date] | None = None

    @classmethod
    def load(cls, catalog: Any | None) -> Catalogue:
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
                    if (getattr(d, "level", None), getattr(d, "tier", None), getattr(d, "phase", None)) == (
                        level,
                        tier,
                        phase,
                    ) and getattr(d, "province", None) is None:
                        found.append(getattr(s, "code", None) or getattr(d, "code", None))
            except Exception:
                found = []
            if len(found) == 1 and found[0]:
                return found[0]
        if phase is None:
            return None
        return STATIC_SETS.get((level, tier, phase))

    @property
    def phase_starts(self) -> dict[str, dt.date]:
        """When each phase began: the ``valid_from`` of the catalogue's national commune NTM set of the
        phase where it has one, else :data:`PHASE_STARTS`."""
        if self._starts is None:
            starts = dict(PHASE_STARTS)
            for info in self.sets_of_level("commune"):
                if info.tier == "ntm" and info.province is None and info.phase in starts and info.valid_from:
                    starts[info.phase] = info.valid_from
            self._starts = starts
        return self._starts

    def phase_of(self, day: dt.date | None) -> str | None:
        cache = self.__dict__.setdefault("_phase_of", {})
        if day not in cache:
            cache[day] = phase_of_date(day, self.phase_starts)
        return cache[day]

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
    valid_from = getattr(data, "valid_from", None)
    return SetInfo(
        valid_from=valid_from if isinstance(valid_from, dt.date) else None,
        province=getattr(data, "province", None),
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
