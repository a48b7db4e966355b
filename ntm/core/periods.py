"""Reporting periods: a year ("2023"), a month ("2023-07") or a quarter ("2023-Q3").

Periods of every kind are ordered by their last day, then their first (:meth:`Period.sort_key`):
2024-01 < 2024-02 < 2024-Q1 < 2024-03 < 2024-04 < … < 2024 < 2024-Q4 < 2024-12. Of several periods
that end on one day, the longest comes first, so the "latest" is the most specific one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import total_ordering

_RE = re.compile(r"^(?P<y>\d{4})(?:-(?:(?P<m>\d{1,2})|[Qq](?P<q>[1-4])))?$")


@total_ordering
@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _RE.match(str(text).strip())
        if not m:
            raise ValueError(f"kỳ '{text}' không hợp lệ (dùng YYYY, YYYY-MM hoặc YYYY-Qn)")
        y = int(m["y"])
        if m["m"]:
            month = int(m["m"])
            if not 1 <= month <= 12:
                raise ValueError(f"tháng {month} không hợp lệ trong kỳ '{text}'")
            return cls(y, month=month)
        if m["q"]:
            return cls(y, quarter=int(m["q"]))
        return cls(y)

    @property
    def key(self) -> str:
        if self.month:
            return f"{self.year}-{self.month:02d}"
        if self.quarter:
            return f"{self.year}-Q{self.quarter}"
        return str(self.year)

    @property
    def start(self) -> dt.date:
        if self.month:
            return dt.date(self.year, self.month, 1)
        if self.quarter:
            return dt.date(self.year, 3 * self.quarter - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        if self.month:
            return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        if self.quarter:
            m = 3 * self.quarter
            return dt.date(self.year, m, calendar.monthrange(self.year, m)[1])
        return dt.date(self.year, 12, 31)

    @property
    def label(self) -> str:
        if self.month:
            return f"tháng {self.month}/{self.year}"
        if self.quarter:
            return f"quý {['I', 'II', 'III', 'IV'][self.quarter - 1]}/{self.year}"
        return f"năm {self.year}"

    def sort_key(self) -> tuple[dt.date, dt.date]:
        """(last day, first day): one order for months, quarters and years mixed."""
        return (self.end, self.start)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def __str__(self) -> str:
        return self.key


def period_order(key: str) -> tuple[dt.date, dt.date, str]:
    """The chronological sort key of a period written as text ("2023-07", "2023-Q3", "2023"): by last day,
    then first day — of periods ending together the longer comes first (2023, 2023-Q4, 2023-12) — then
    the text. The one order of pages, plans, reports and re-evaluation."""
    p = Period.parse(key)
    return (*p.sort_key(), p.key)


def sort_periods(keys: Iterable[str], *, reverse: bool = False) -> list[str]:
    """Distinct period texts in chronological order (:func:`period_order`)."""
    return sorted(set(keys), key=period_order, reverse=reverse)
