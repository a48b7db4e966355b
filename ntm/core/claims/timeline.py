"""When a report speaks of: the period it reports on, its date of issue, and the times named inside it.

Three different dates live in a report and must not be confused:

- the **date of issue** ("Lý Nhân, ngày 07 tháng 12 năm 2026", "Sáng ngày 19/8/2022, …", a news
  dateline "15/11/2023 09:20"): when it was written — never the period of its figures;
- the **period reported on**, from the title and headings first ("BẢN TIN … Tháng 7/2023",
  "Tổng kết … năm 2023"), then the body ("8 tháng đầu năm", "tính đến tháng 6/2025",
  "đến 30/6/2023"); years named as plans ("nhiệm vụ năm 2024"), comparisons ("so với cuối năm
  2021") or starting points ("từ năm 2010") are not periods reported on;
- **times named inside sentences** ("Năm 2017, xã đạt 19/19 tiêu chí …"), each scoping the figures
  that follow it in its sentence (and, when it opens the sentence, the rest of its paragraph).

Dates of other documents ("Quyết định số 318/QĐ-TTg ngày 08/3/2022") are none of these.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from .model import Period
from .patterns import scan
from .text import Layout

_FULLDATE = re.compile(r"(\d{1,2})[ ]?([/.\-])[ ]?(\d{1,2})[ ]?\2[ ]?(\d{4})(?!\d)")
_WORDDATE = re.compile(r"ngay[ ]{1,2}(\d{1,2})[ ]{1,2}thang[ ]{1,2}(\d{1,2})[ ]{1,2}nam[ ]{1,2}(\d{4})(?!\d)")
_SHORTDATE = re.compile(r"ngay[ ]{1,2}(\d{1,2})[ ]?/[ ]?(\d{1,2})(?![\d/.])")
_MONTH = re.compile(r"thang[ ]{1,2}(\d{1,2})[ ]{0,2}(?:/|-|\.|[ ]nam[ ])[ ]{0,2}(\d{4})(?!\d)")
_PARTIAL = re.compile(r"thang[ ]{1,2}(dau|cuoi)[ ]{1,2}nam(?:[ ]{1,2}(\d{4})(?!\d))?")
_PARTIAL_BACK = re.compile(r"(?<![\w])(\d{1,2}|sau|chin)[ ]{1,2}$")
_QUARTER = re.compile(r"quy[ ]{1,2}(iv|iii|ii|i|[1-4])[ ]{0,2}(?:/|-|[ ]nam[ ])[ ]{0,2}(\d{4})(?!\d)")
_YEAR = re.compile(r"nam[ ]{1,2}(\d{4})(?![\d/])")

# what stands before a date of another document ("Quyết định số 1201/QĐ-UBND ngày 28/06/2023")
_DOCREF = re.compile(
    r"(?<![\w])(?:quyet dinh|nghi quyet|ke hoach|cong van|thong tu|nghi dinh|chi thi|to trinh|thong bao|van ban|"
    r"ket luan|qd|nq|kh|cv|ubnd|ttg|hdnd|nd-cp|\d+[ ]?/[ ]?[a-z]{2})(?![\w])"
)
_ASOF_BEFORE = re.compile(r"(?<![\w])(?:tinh[ ]{1,2})?den(?:[ ]{1,2}het)?(?:[ ]{1,2}ngay)?[ ]{0,2}$")
# what stands before a time that is not the one reported on
_COMPARE_BEFORE = re.compile(r"(?<![\w])(?:so voi|so cung ky|so sanh)(?:[ ]{1,2}[a-z]+){0,3}[ ]{0,2}$")
_SINCE_BEFORE = re.compile(r"(?<![\w])(?:tu|ke tu|sau|truoc)(?:[ ]{1,2}(?:dau|cuoi|thang|nam|giua))*[ ]{0,2}$")
_TARGET_BEFORE = re.compile(
    r"(?<![\w])(?:phan dau|muc tieu|ke hoach|du kien|dang ky|se|nhiem vu|phuong huong|trien khai|chuan bi|"
    r"dinh huong|tam nhin)(?:[^\w\n]{1,3}[a-z]+){0,4}[^\w\n]{0,3}$"
)
TITLE_LINE_MAX = 200  # the title region ends at the first line longer than this
TITLE_LINES = 12


@dataclass
class Scope:
    """A time named inside a sentence ("Năm 2017", "đến tháng 6/2025")."""

    start: int
    end: int
    key: str
    year: int
    as_of: dt.date
    kind: str  # when | target
    carry: bool  # opens its sentence: scopes the rest of its paragraph too


_PHASE_HINT = re.compile(
    r"bo tieu chi(?:[ ]{1,2}(?:quoc gia|moi|hien hanh))?[ ]{0,2},?[ ]{0,2}(?:giai doan|gd)[ ]{0,2}"
    r"(\d{4})[ ]{0,2}[-–][ ]{0,2}(\d{4})"
)


@dataclass
class Timeline:
    period: Period | None
    issued: dt.date | None
    scopes: list[Scope]
    lay: Layout
    phase_hints: list[tuple[int, int, int]] = (
        None  # (start, first year, last year): "theo Bộ tiêu chí giai đoạn 2021-2025"
    )

    def __post_init__(self) -> None:
        self._starts = [s.start for s in self.scopes]
        self.phase_hints = self.phase_hints or []
        self._hint_starts = [h[0] for h in self.phase_hints]

    def phase_hint_at(self, pos: int) -> tuple[int, int] | None:
        """ "theo Bộ tiêu chí giai đoạn 2021-2025, xã đạt 15/19 tiêu chí": the years of the set named before
        ``pos`` in its sentence, without saying which tier."""
        i = bisect.bisect_left(self._hint_starts, pos) - 1
        if i >= 0 and self.phase_hints[i][0] >= self.lay.sentence(pos)[0]:
            return self.phase_hints[i][1], self.phase_hints[i][2]
        return None

    @property
    def as_of(self) -> dt.date | None:
        """The date the figures of the report stand at (end of the period, or the date of issue)."""
        if self.period is not None and self.period.as_of:
            return dt.date.fromisoformat(self.period.as_of)
        return self.issued

    @property
    def year(self) -> int | None:
        return self.period.year if self.period else (self.issued.year if self.issued else None)

    def scope_at(self, pos: int) -> Scope | None:
        """The time named before ``pos`` that scopes it: in its sentence, or opening an earlier
        sentence of its paragraph with no other time named in between."""
        i = bisect.bisect_left(self._starts, pos) - 1
        if i < 0:
            return None
        s = self.scopes[i]
        if s.end > pos:
            return None
        sent = self.lay.sentence(pos)
        if s.start >= sent[0]:
            return s
        if s.carry and self.lay.paragraph_index(s.start) == self.lay.paragraph_index(pos):
            return s
        return None


_NGAY_DATE = re.compile(r"ngay[ ]{1,2}(\d{1,2})[ ]?([/.\-])[ ]?(\d{1,2})[ ]?\2[ ]?(\d{4})(?!\d)")
_DEN_DATE = re.compile(
    r"den(?:[ ]{1,2}het)?(?:[ ]{1,2}ngay)?[ ]{1,2}(?P<d>\d{1,2})[ ]?([/.\-])[ ]?(\d{1,2})[ ]?\2[ ]?(\d{4})(?!\d)"
)


_DATE_SEP = re.compile(r"\d[ ]?[/.\-][ ]?\d")


def _short_lines(fv: str, end: int):
    """Lines of at most 70 characters with a digit: where a dateline can be."""
    pos = 0
    while pos < end:
        nl = fv.find("\n", pos, end)
        le = end if nl < 0 else nl
        if le - pos <= 70 and _DATE_SEP.search(fv, pos, le):
            yield pos, le
        pos = le + 1


def _end_of(y: int, m: int | None = None) -> dt.date:
    if m is None:
        return dt.date(y, 12, 31)
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d) if 2000 <= y <= 2100 else None
    except ValueError:
        return None


def _line_start(fv: str, pos: int) -> int:
    lo = max(0, pos - 200)
    return fv.rfind("\n", lo, pos) + 1 or lo


def _context(fv: str, pos: int, width: int = 40) -> str:
    return fv[max(_line_start(fv, pos), pos - width) : pos]


def _excluded(fv: str, pos: int) -> str | None:
    """Why a time at ``pos`` is not one the figures stand at: compare | since | target | None."""
    pre = _context(fv, pos)
    if _COMPARE_BEFORE.search(pre):
        return "compare"
    if _SINCE_BEFORE.search(pre):
        return "since"
    if _TARGET_BEFORE.search(pre):
        return "target"
    return None


_SECTION = re.compile(r"[ ]{0,4}(?:\d{1,2}|[IVX]{1,4})[.)][ ]")


def _title_end(text: str) -> int:
    """Where the title region ends: at the first long line, the first numbered section ("1. Kết quả
    thực hiện") or after a dozen lines."""
    pos, lines = 0, 0
    while pos < len(text) and lines < TITLE_LINES:
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        if end - pos > TITLE_LINE_MAX or _SECTION.match(text, pos, end):
            return pos
        if text[pos:end].strip():
            lines += 1
        pos = end + 1
    return min(pos, len(text))


@dataclass
class _Cand:
    pos: int
    kind: str  # month | quarter | partial | asof | year
    period: Period


def read_timeline(text: str, fv: str, lay: Layout, end: int | None = None) -> Timeline:
    end = len(fv) if end is None else end
    taken: list[tuple[int, int]] = []  # spans of dates (no month or year inside them is a period)
    issued: tuple[int, dt.date] | None = None
    asof_cands: list[_Cand] = []
    scopes: list[Scope] = []

    def note_date(s: int, e: int, d: dt.date | None, word: bool) -> None:
        nonlocal issued
        taken.append((s, e))
        if d is None:
            return
        pre = _context(fv, s, 70)
        if _DOCREF.search(pre):
            return
        if _ASOF_BEFORE.search(fv[max(_line_start(fv, s), s - 20) : s]):
            if _TARGET_BEFORE.search(_context(fv, s)):
                return
            label = f"đến {d.day}/{d.month}/{d.year}"
            p = Period(
                f"{d.year}-{d.month:02d}", label, d.year, d.month, text=text[s:e], span=(s, e), as_of=d.isoformat()
            )
            asof_cands.append(_Cand(s, "asof", p))
            scopes.append(Scope(s, e, p.key, d.year, d, "when", False))
            return
        ls = _line_start(fv, s)
        le = fv.find("\n", e, e + 80)
        le = min(len(fv), e + 80) if le < 0 else le
        dateline = (le - ls) <= 70 and len(fv[ls:le].split()) <= 8
        if (word or dateline) and issued is None:
            issued = (s, d)

    found: list[tuple[int, int, dt.date | None, bool]] = []
    for m in scan(_NGAY_DATE, fv, 0, end):  # "ngày 19/8/2022"
        found.append((m.start(), m.end(), _date(int(m.group(4)), int(m.group(3)), int(m.group(1))), True))
    for m in scan(_WORDDATE, fv, 0, end):  # "ngày 07 tháng 12 năm 2026"
        found.append((m.start(), m.end(), _date(int(m.group(3)), int(m.group(2)), int(m.group(1))), True))
    for m in scan(_DEN_DATE, fv, 0, end):  # "đến 30/6/2023"
        found.append((m.start("d"), m.end(), _date(int(m.group(4)), int(m.group(3)), int(m.group(1))), False))
    for ls, le in _short_lines(fv, end):  # a news dateline: "15/11/2023 09:20"
        m = _FULLDATE.search(fv, ls, le)
        if m is not None and not (m.start() and fv[m.start() - 1].isdigit()):
            found.append((m.start(), m.end(), _date(int(m.group(4)), int(m.group(3)), int(m.group(1))), False))
    found.sort()
    last = -1
    for s, e, d, word in found:
        if s < last:
            continue
        last = e
        note_date(s, e, d, word)
    taken.sort()
    tstarts = [a for a, _ in taken]

    def inside(pos: int) -> bool:
        i = bisect.bisect_right(tstarts, pos) - 1
        return i >= 0 and taken[i][0] <= pos < taken[i][1]

    issue_date = issued[1] if issued else None
    for m in scan(_SHORTDATE, fv, 0, end):  # "tính đến ngày 20/11": the year of issue
        if inside(m.start()) or issue_date is None:
            continue
        d = _date(issue_date.year, int(m.group(2)), int(m.group(1)))
        if (
            d
            and _ASOF_BEFORE.search(fv[max(0, m.start() - 20) : m.start() + 5])
            and not _TARGET_BEFORE.search(_context(fv, m.start()))
        ):
            p = Period(
                f"{d.year}-{d.month:02d}",
                f"đến {d.day}/{d.month}/{d.year}",
                d.year,
                d.month,
                text=text[m.start() : m.end()],
                span=(m.start(), m.end()),
                as_of=d.isoformat(),
            )
            asof_cands.append(_Cand(m.start(), "asof", p))

    cands: list[_Cand] = list(asof_cands)
    for m in scan(_MONTH, fv, 0, end):
        if inside(m.start()):
            continue
        mo, y = int(m.group(1)), int(m.group(2))
        if not (1 <= mo <= 12 and 2000 <= y <= 2100):
            continue
        p = Period(
            f"{y}-{mo:02d}",
            f"tháng {mo}/{y}",
            y,
            mo,
            text=text[m.start() : m.end()],
            span=(m.start(), m.end()),
            as_of=_end_of(y, mo).isoformat(),
        )
        why = _excluded(fv, m.start())
        if why is None:
            cands.append(_Cand(m.start(), "month", p))
        if why not in ("compare", "since"):
            scopes.append(Scope(m.start(), m.end(), p.key, y, _end_of(y, mo), "target" if why else "when", False))
    for m in scan(_QUARTER, fv, 0, end):
        if inside(m.start()):
            continue
        q = {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(m.group(1)) or int(m.group(1))
        y = int(m.group(2))
        if not 2000 <= y <= 2100:
            continue
        p = Period(
            f"{y}-Q{q}",
            f"quý {q}/{y}",
            y,
            None,
            text=text[m.start() : m.end()],
            span=(m.start(), m.end()),
            as_of=_end_of(y, 3 * q).isoformat(),
        )
        if _excluded(fv, m.start()) is None:
            cands.append(_Cand(m.start(), "quarter", p))
    for m in scan(_PARTIAL, fv, 0, end):
        b = _PARTIAL_BACK.search(fv, max(0, m.start() - 8), m.start())
        if not b or inside(m.start()):
            continue
        n = {"sau": 6, "chin": 9}.get(b.group(1)) or int(b.group(1))
        if not 1 <= n <= 12:
            continue
        y = int(m.group(2)) if m.group(2) else (issue_date.year if issue_date else None)
        word = "đầu" if m.group(1) == "dau" else "cuối"
        label = f"{n} tháng {word} năm" + (f" {y}" if y else "")
        as_of = _end_of(y, n) if (y and word == "đầu") else (_end_of(y) if y else None)
        p = Period(
            str(y) if y else None,
            label,
            y,
            None,
            text=text[b.start() : m.end()],
            span=(b.start(), m.end()),
            as_of=as_of.isoformat() if as_of else None,
        )
        why = _excluded(fv, b.start())
        if why is None and word == "đầu":
            cands.append(_Cand(b.start(), "partial", p))
        if y and as_of and why not in ("compare", "since") and m.group(2):
            scopes.append(Scope(b.start(), m.end(), p.key or str(y), y, as_of, "target" if why else "when", False))
    years: list[_Cand] = []
    for m in scan(_YEAR, fv, 0, end):
        if inside(m.start()):
            continue
        y = int(m.group(1))
        if not 2000 <= y <= 2100:
            continue
        p = Period(
            str(y),
            f"năm {y}",
            y,
            None,
            text=text[m.start() : m.end()],
            span=(m.start(), m.end()),
            as_of=_end_of(y).isoformat(),
        )
        why = _excluded(fv, m.start())
        if why is None:
            years.append(_Cand(m.start(), "year", p))
        if why not in ("compare", "since"):
            scopes.append(Scope(m.start(), m.end(), str(y), y, _end_of(y), "target" if why else "when", False))

    period = _choose(text, cands, years, issue_date, issued[0] if issued else None)
    if period is not None:
        if issue_date is not None:
            period.date = issue_date.isoformat()
            if period.year is None:
                period.year = issue_date.year
            if (
                period.as_of
                and issue_date.year == period.year
                and period.month is None
                and issue_date < dt.date.fromisoformat(period.as_of)
            ):
                period.as_of = issue_date.isoformat()  # a year-end review written in November
    # times that open their sentence scope the rest of the paragraph
    scopes.sort(key=lambda s: s.start)
    out: list[Scope] = []
    last_end = -1
    for s in scopes:
        if s.start < last_end:
            continue
        last_end = s.end
        sent = lay.sentence(s.start)
        lead = fv[sent[0] : s.start]
        s.carry = len(lead.strip(" \n-+*•:.")) <= 16 and "," not in lead
        out.append(s)
    hints = [(m.start(), int(m.group(1)), int(m.group(2))) for m in scan(_PHASE_HINT, fv, 0, end)]
    return Timeline(period, issue_date, out, lay, hints)


def _choose(
    text: str, cands: list[_Cand], years: list[_Cand], issue_date: dt.date | None, issue_pos: int | None
) -> Period | None:
    title_end = _title_end(text)
    specific = sorted((c for c in cands), key=lambda c: c.pos)
    in_title = [c for c in specific if c.pos < title_end]
    if in_title:
        return in_title[0].period
    if specific:
        return specific[0].period
    if issue_date is not None:
        years = [c for c in years if c.period.year <= issue_date.year]
    title_years = [c for c in years if c.pos < title_end]
    if title_years:
        y = max(c.period.year for c in title_years)
        return next(c.period for c in title_years if c.period.year == y)
    if years:
        counts = Counter(c.period.year for c in years)
        y = max(counts, key=lambda k: (counts[k], k))
        return next(c.period for c in years if c.period.year == y)
    if issue_date is not None:
        d = issue_date
        return Period(
            f"{d.year}-{d.month:02d}",
            f"ngày {d.day}/{d.month}/{d.year}",
            d.year,
            d.month,
            date=d.isoformat(),
            as_of=d.isoformat(),
        )
    return None
