"""Finding the figures of a report: every way officials write an attainment.

- a fraction with its kind: "17/19 tiêu chí", "54/57 chỉ tiêu", "10/12 xã", "44 xã/104 xã";
- a count within a total: "160 trong tổng số 178 xã", "3 trong 10 xã";
- an achievement without total: "đạt 19 tiêu chí", "bình quân cả nước đạt 17 tiêu chí/xã",
  "Số tiêu chí bình quân/xã: 16,13 tiêu chí"; "chưa đạt tiêu chí nào" (0); "đạt 100% tiêu chí, chỉ
  tiêu" (the set's totals);
- a count of units reaching a standard or a class: "743 xã (12,3%) đạt chuẩn nông thôn mới kiểu
  mẫu", "25 xã đạt từ 15-18 tiêu chí (chiếm 12,4%)", "12 xã (8,63%) hoàn thành 19/19 tiêu chí",
  "số xã đạt chuẩn nông thôn mới: 14 xã";
- a share of units: "79,3% số xã đạt chuẩn nông thôn mới".

Each figure gets the percentage written next to it ("(chiếm 12,4%)", ", chiếm tỷ lệ 84,21%").
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .model import Change, Kind, UnmetList
from .patterns import FOLD_UNIT, NUM, PCT_PAREN, PCT_WORD, num, pct_span, places, scan, scan_any

MAX_FIGURES = 20_000

_FRACTION = re.compile(rf"({NUM})[ ]{{0,2}}/[ ]{{0,2}}({NUM})(?![\w/%]|[.,]\d)")
_NUM_BACK = re.compile(rf"(?:{NUM})[ ]{{0,2}}$")
_KIND_AFTER = re.compile(r"[ ]{0,3}(tieu chi|chi tieu)(?![\w])")
_UNIT_LOW = r"đơn vị cấp huyện|đơn vị cấp xã|thành phố|thị trấn|thị xã|xã|phường|huyện|quận|tỉnh|thôn|bản|ấp|đơn vị"
_UNIT_AFTER = re.compile(rf"[ ]{{0,3}}({_UNIT_LOW})(?![\w])")
_WORD_SLASH = re.compile(r"(?<=[^\W\d_])[ ]?/")
_UNITNUM_BACK = re.compile(rf"(?<![\w/.,])({NUM})[ ]{{1,2}}({_UNIT_LOW})[ ]{{0,2}}$")
_UNITNUM_AFTER = re.compile(rf"[ ]{{0,2}}({NUM})[ ]{{1,2}}({_UNIT_LOW})(?![\w])")
_KIND_BEFORE = re.compile(r"(tieu chi|chi tieu)(?: (?:da |)dat(?: duoc)?| la)?[ ]{0,2}[:=]?[ ]{0,2}$")
_ACHIEVED_TAIL = (
    rf"[ ]{{1,2}}(?:(?:duoc|binh quan|trung binh|la)[ ]{{1,2}})?({NUM})[ ]{{1,2}}(tieu chi|chi tieu)(?![\w])"
    rf"(?![ ]{{0,2}}/[ ]{{0,2}}(?!1[ ]{{1,2}}xa)\d)"
)
# one pattern per first word, so that each is found by a fast search for its literal start
_ACHIEVED_ONLY = tuple(
    re.compile(head + _ACHIEVED_TAIL)
    for head in (r"dat(?: duoc| du)?", r"hoan thanh(?: du)?", r"binh quan(?: dat)?", r"trung binh")
)
_AVG_COLON = re.compile(
    rf"binh quan(?:[ ]{{0,2}}/[ ]{{0,2}}xa)?[ ]{{0,2}}:[ ]{{0,2}}({NUM})[ ]{{1,2}}(tieu chi|chi tieu)(?![\w])"
)
_PER_UNIT = re.compile(r"[ ]{0,2}/[ ]{0,2}(?:1[ ]{1,2})?(xa|huyen)(?![\w])")
_AVG_WORD = re.compile(r"(?:binh quan|trung binh)(?![\w])")
_IN_TOTAL = re.compile(
    rf"(?:trong|tren)[ ]{{1,2}}(?:tong[ ]{{1,2}})?(?:so[ ]{{1,2}})?({NUM})[ ]{{1,2}}"
    r"(don vi cap huyen|don vi cap xa|xa|huyen|tinh|thon|don vi)(?![\w])"
)
_IN_TOTAL_BACK = re.compile(
    rf"(?<![\w/.,])({NUM})[ ]{{1,2}}(?:(?:xa|huyen|tinh|thon|don vi)[ ]{{1,2}})?(?:da[ ]{{1,2}})?$"
)
_PCT_KIND = re.compile(
    rf"(?:dat|dat duoc)[ ]{{1,2}}({NUM})[ ]?%[ ]{{1,2}}(?:so[ ]{{1,2}}|cac[ ]{{1,2}})?(tieu chi|chi tieu)(?![\w])"
    r"(?:[ ]{0,2}(?:,|va)[ ]{0,2}(tieu chi|chi tieu)(?![\w]))?"
)
_ZERO = re.compile(r"chua (?:dat|co)[ ]{1,2}(tieu chi|chi tieu)[ ]{1,2}nao")
_PCT_BEFORE = re.compile(rf"({NUM})[ ]?%[ ]{{0,3}}\([ ]{{0,3}}$")
_DATE_WORD_BEFORE = re.compile(r"(?:thang|ngay|quy|nam|luc|den|tu)[ ]{1,2}$")
# counts of units
# a number then a unit word: found from the digit (few matches), the unit word is group 1
_NUM_UNIT = re.compile(r"\d[ ]{1,2}(don vi cap huyen|don vi cap xa|don vi|xa|huyen|tinh|thon|phuong)(?![\w])")
_COUNT_UNITS = {"don vi cap huyen", "don vi cap xa", "xa", "huyen", "tinh", "thon"}
_COUNT_NUM_BACK = re.compile(rf"(?<![\w/.,%])({NUM})[ ]{{1,2}}$")
_COUNT_SKIP_BEFORE = re.compile(
    r"(?<![\w])(?:tang|giam|them|hon|khoang|gan|tren|duoi|trong|tong so|so|den|dang ky|phan dau|voi)(?:[ ]{1,2}(?:co|them|len))?[ ]{1,2}$"
)
_COUNT_PCT0 = re.compile(rf"[ ]{{0,2}}\([ ]{{0,2}}(?:chiem[ ]{{1,2}}|ty le[ ]{{1,2}})?({NUM})[ ]?%[ ]{{0,2}}\)")
_COUNT_GAP = re.compile(
    r"[ ]{0,3}(?:\([^()\n]{0,60}\)[ ]{0,2})?(?:,?[ ]{0,2}(?:thuoc|tren dia ban|cua|o|tai)(?:[ ]{1,2}[\w/-]{1,14}){1,6}?"
    r"[ ]{0,2},?)?[ ]{0,3}(?:(?:da|duoc|deu|co ban|van|nay)[ ]{1,2}){0,3}"
)
_ATTAIN = re.compile(
    r"(?:cong nhan[ ]{1,2}(?:dat chuan|hoan thanh)|dat chuan|ve dich|hoan thanh(?:[ ]{1,2}du)?|giu vung|"
    r"dat(?:[ ]{1,2}du)?)(?![\w])"
)
_CLASS = re.compile(
    rf"[ ]{{1,2}}(?:(?:tu|duoi|tren)[ ]{{1,2}})?({NUM})(?:[ ]{{0,2}}(?:-|–|den)[ ]{{0,2}}({NUM}))?"
    rf"(?:[ ]{{0,2}}/[ ]{{0,2}}({NUM}))?[ ]{{1,2}}tieu chi(?![\w])(?:[ ]{{1,2}}tro len)?"
)
_COUNT_PCT_AFTER = re.compile(
    rf"[ ]{{0,3}},?[ ]{{0,2}}\(?[ ]{{0,2}}(?:chiem ty le|dat ty le|tuong ung ty le|chiem|ty le|tuong ung|bang|dat)"
    rf"(?:[ ]{{1,2}}(?:khoang|gan|la))?[ ]{{0,3}}({NUM})[ ]?%"
)
_COUNT_PCT_PLAIN = re.compile(rf"[ ]{{0,3}}\([ ]{{0,2}}({NUM})[ ]?%[ ]{{0,2}}\)")
_UNITS_PCT_LATER = re.compile(
    rf"(?:\([ ]{{0,2}}(?:chiem|ty le|dat ty le|bang)?[ ]{{0,2}}(?:khoang|gan)?[ ]{{0,2}}|,[ ]{{0,2}}(?:chiem ty le|dat ty le|"
    rf"tuong ung ty le|ty le dat|chiem|ty le|tuong ung)[ ]{{1,2}}(?:khoang[ ]{{1,2}}|gan[ ]{{1,2}})?)({NUM})[ ]?%"
)
_APPROX = re.compile(r"(?:khoang|gan|xap xi)[ ]{1,2}$")
_APPROX_WIDE = re.compile(r"(?:khoang|gan|tren|hon|xap xi)[ ]{1,2}$")
_STANDARD_WORDS = re.compile(r"(?<![\w])(?:dat chuan|cong nhan|ve dich)(?![\w])")
_LOCATED = re.compile(r"thuoc[ ]{1,2}\d*$")  # "… đơn vị cấp huyện thuộc 37 tỉnh": where, not a figure
_ANY_FIGURE = re.compile(r"\d[ ]{0,2}/[ ]{0,2}\d|\d[ ]{1,2}(?:xa|huyen|tinh|thon|tieu chi|chi tieu)(?![\w])")
_SO_UNITS = re.compile(
    rf"so[ ]{{1,2}}(xa|huyen|don vi cap huyen)[ ]{{1,2}}(?:duoc[ ]{{1,2}}cong[ ]{{1,2}}nhan[ ]{{1,2}})?dat"
    rf"(?:[ ]{{1,2}}(?P<std>chuan)|(?P<cls>[ ]{{1,2}}(?:(?:tu|duoi|tren)[ ]{{1,2}})?(?:{NUM})(?:[ ]{{0,2}}(?:-|–|den)[ ]{{0,2}}"
    rf"(?:{NUM}))?[ ]{{1,2}}tieu chi(?:[ ]{{1,2}}tro len)?))(?![\w])"
)
_SO_UNITS_VALUE = re.compile(
    rf"[ ]{{0,3}}(?::|la|len|dat|co)[ ]{{0,3}}({NUM})[ ]{{1,2}}(xa|huyen|don vi)(?![\w])(?![ ]{{0,2}}/)"
)
_STD_TAIL = re.compile(r"[ ]{0,2},?[ ]{0,2}(?:(?:da|duoc)[ ]{1,2}){0,2}(?:cong nhan[ ]{1,2})?dat chuan(?![\w])")
_PCT_UNITS = re.compile(r"[ ]{1,2}(?:(?:tong[ ]{1,2})?so[ ]{1,2})?(don vi cap huyen|xa|huyen|tinh|thon)(?![\w])")


@dataclass(slots=True)
class Fig:
    start: int
    end: int  # end of the claim text (kind word or percentage)
    kind_end: int
    figure_span: tuple[int, int]
    kind: Kind
    unit_type: str | None
    achieved: float | None
    achieved_places: int
    total: float | None
    achieved_span: tuple[int, int] | None
    total_span: tuple[int, int] | None
    per_unit: bool = False
    percent: float | None = None
    percent_places: int | None = None
    percent_span: tuple[int, int] | None = None
    percent_approx: bool = False
    sentence: tuple[int, int] = (0, 0)
    clause: tuple[int, int] = (0, 0)
    own_set: Any = None
    set_mention: Any = None
    set_source: str | None = None
    set_code: str | None = None
    subject: Any = None
    subject_display: str | None = None
    subject_level: str | None = None
    unit_code: str | None = None
    aggregate_of: int | None = None
    average: bool = False
    modality: str = "current"
    notes: list[str] = field(default_factory=list)
    unmet: UnmetList | None = None
    change: Change | None = None
    count: str | None = None  # a count of units: "standard" | "class"
    pct_only: bool = False  # "đạt 100% tiêu chí": achieved and total come from the set
    scope: Any = None
    ref_date: dt.date | None = None
    when: str | None = None
    container: Any = None
    container_display: str | None = None
    container_code: str | None = None
    coordinated: list[Any] = field(default_factory=list)  # further subjects sharing the figure
    phase_hint: str | None = None  # "theo Bộ tiêu chí giai đoạn 2021-2025" (no tier named)
    standalone: bool = False
    rephased: tuple | None = None  # (level, tier, phase) whose set the stated totals replaced


class FigureReader:
    """Mixin of :class:`~ntm.core.claims.extraction.Extractor`: the figures of the text."""

    text: str
    fold: str
    low: str
    end: int
    max_figures: int
    notes: list[str]

    def _figures(self) -> list[Fig]:
        fv = self.fold
        figs: list[Fig] = []
        self._fraction_figures(figs)
        if " trong " in fv or " tren " in fv:
            self._in_total_figures(figs)
        self._achieved_only_figures(figs)
        if "% tieu chi" in fv or "% chi tieu" in fv or "% so " in fv or "% cac " in fv:
            self._percent_kind_figures(figs)
        if " nao" in fv:
            self._zero_figures(figs)
        figs.sort(key=lambda f: f.start)
        for f in figs:
            if f.kind == "units" and f.total is not None:
                self._units_at_standard(f)
        figs = self._count_figures(figs)
        self._percent_units_figures(figs)
        figs.sort(key=lambda f: f.start)
        return figs

    def _full(self, figs: list[Fig]) -> bool:
        if len(figs) >= self.max_figures:
            if not any("quá nhiều số liệu" in n for n in self.notes):
                self.notes.append(f"văn bản có quá nhiều số liệu: chỉ xét {self.max_figures} số liệu đầu tiên")
            return True
        return False

    # -- "17/19 tiêu chí", "10/12 xã", "44 xã/104 xã" -----------------------------------------
    def _fraction_figures(self, figs: list[Fig]) -> None:
        fv, low = self.fold, self.low
        for m in self._fractions():
            p = m.start()
            if p > 0 and (fv[p - 1] in "/.," or fv[p - 1].isalnum() or fv[p - 1] == "_"):
                continue
            if len(figs) >= self.max_figures and self._full(figs):
                self.end = min(len(fv), m.start() + 3000)
                break
            a_s, t_s = m.group(1), m.group(2)
            a, tot = num(a_s), num(t_s)
            if a is None or tot is None:
                continue
            kind: Kind | None = None
            unit_type = None
            k = _KIND_AFTER.match(fv, m.end())
            kind_end = m.end()
            if k:
                kind = "criteria" if k.group(1) == "tieu chi" else "indicators"
                kind_end = k.end()
            else:
                u = _UNIT_AFTER.match(low, m.end())
                if u:
                    kind, unit_type, kind_end = "units", u.group(1), u.end()
            if kind is None:
                kb = _KIND_BEFORE.search(fv, max(0, m.start() - 40), m.start())
                if kb and "\n" not in fv[kb.start() : m.start()]:
                    kind = "criteria" if kb.group(1) == "tieu chi" else "indicators"
            if kind is None:
                continue
            if kind == "units" or "." not in a_s:
                # "tháng 7/2023 xã …", "7/2023" are dates, not figures
                if _DATE_WORD_BEFORE.search(fv, max(0, m.start() - 8), m.start()) and (
                    1900 <= tot <= 2100 or tot <= 12
                ):
                    continue
            f = Fig(
                m.start(),
                kind_end,
                kind_end,
                (m.start(), m.end()),
                kind,
                unit_type,
                a,
                places(a_s),
                tot,
                (m.start(1), m.end(1)),
                (m.start(2), m.end(2)),
            )
            f.average = kind != "units" and self._average_before(m.start())
            self._percent(f)
            figs.append(f)
        # "44 xã /104 xã": a '/' after a word, which :meth:`_fractions` passed over
        for i in self._word_slashes:
            if i >= self.end:
                break
            b = _UNITNUM_BACK.search(low, max(0, i - 30), i)
            if b is not None:
                a_m = _UNITNUM_AFTER.match(low, i + 1)
                if a_m is not None and a_m.group(2) == b.group(2):
                    a, tot = num(b.group(1)), num(a_m.group(1))
                    if a is not None and tot is not None and not self._full(figs):
                        f = Fig(
                            b.start(1),
                            a_m.end(),
                            a_m.end(),
                            (b.start(1), a_m.end(1)),
                            "units",
                            b.group(2),
                            a,
                            places(b.group(1)),
                            tot,
                            (b.start(1), b.end(1)),
                            (a_m.start(1), a_m.end(1)),
                        )
                        self._percent(f)
                        figs.append(f)

    def _fractions(self):
        """Matches of :data:`_FRACTION`. Usual texts have few '/', so they are found with
        ``str.find`` and the number before each is matched from a short window (much faster
        than letting the pattern try every digit); texts full of '/' use the plain scan."""
        fv = self.fold
        self._word_slashes = words = []  # "xã /104": where "44 xã /104 xã" may be
        if fv.count("/") > 200_000:
            yield from _FRACTION.finditer(fv)
            words.extend(m.start() for m in _WORD_SLASH.finditer(fv))
            return
        last_end = 0
        i = fv.find("/")
        while i >= 0:
            c = fv[i - 1] if i else ""
            if c == " " and i > 1:
                c = fv[i - 2]
            if c.isdigit():
                b = _NUM_BACK.search(fv, max(last_end, i - 16), i)
                if b is not None:
                    m = _FRACTION.match(fv, b.start())
                    if m is not None and m.end(1) <= i < m.start(2):
                        yield m
                        last_end = m.end()
                        i = fv.find("/", m.end())
                        continue
            elif c.isalpha():
                words.append(i)
            i = fv.find("/", i + 1)

    # -- "160 trong tổng số 178 xã" -------------------------------------------------------------
    def _in_total_figures(self, figs: list[Fig]) -> None:
        fv = self.fold
        for m in scan(_IN_TOTAL, fv, 0, self.end):
            b = _IN_TOTAL_BACK.search(fv, max(0, m.start() - 24), m.start())
            if b is None or self._full(figs):
                continue
            a, tot = num(b.group(1)), num(m.group(1))
            if a is None or tot is None or a > tot * 10:
                continue
            unit = FOLD_UNIT[m.group(2)]
            f = Fig(
                b.start(1),
                m.end(),
                m.end(),
                (b.start(1), m.end(1)),
                "units",
                unit,
                a,
                places(b.group(1)),
                tot,
                (b.start(1), b.end(1)),
                (m.start(1), m.end(1)),
            )
            self._percent(f)
            figs.append(f)

    # -- "đạt 19 tiêu chí", "bình quân … 17 tiêu chí/xã" ---------------------------------------
    def _achieved_only_figures(self, figs: list[Fig]) -> None:
        fv = self.fold
        taken = sorted(f.figure_span for f in figs)
        tstarts = [s for s, _ in taken]
        found = [(m.start(1), m) for m in scan_any(_ACHIEVED_ONLY, fv, 0, self.end)]
        found += [(m.start(1), m) for m in scan(_AVG_COLON, fv, 0, self.end)]
        found.sort(key=lambda x: x[0])
        last = -1
        for s, m in found:
            if s == last or self._full(figs):
                continue
            last = s
            if fv[max(0, m.start() - 5) : m.start()] == "chua ":
                continue
            i = bisect.bisect_right(tstarts, s) - 1
            if i >= 0 and taken[i][1] > s:
                continue
            a = num(m.group(1))
            if a is None:
                continue
            kind: Kind = "criteria" if m.group(2) == "tieu chi" else "indicators"
            f = Fig(
                m.start(1),
                m.end(),
                m.end(),
                (m.start(1), m.end(1)),
                kind,
                None,
                a,
                places(m.group(1)),
                None,
                (m.start(1), m.end(1)),
                None,
            )
            pu = _PER_UNIT.match(fv, m.end())
            if pu:
                f.per_unit = True
                f.unit_type = FOLD_UNIT.get(pu.group(1))
                f.end = f.kind_end = pu.end()
            if self._average_before(m.end()):
                f.average = True
            self._percent(f)
            figs.append(f)

    # -- "đạt 100% tiêu chí, chỉ tiêu" ----------------------------------------------------------
    def _percent_kind_figures(self, figs: list[Fig]) -> None:
        fv = self.fold
        for m in scan(_PCT_KIND, fv, 0, self.end):
            p = num(m.group(1))
            if p is None or self._full(figs):
                continue
            for g in (2, 3):
                if not m.group(g):
                    continue
                kind: Kind = "criteria" if m.group(g) == "tieu chi" else "indicators"
                f = Fig(m.start(1), m.end(g), m.end(g), (m.start(1), m.end(g)), kind, None, None, 0, None, None, None)
                f.percent, f.percent_places, f.percent_span = p, places(m.group(1)), pct_span(fv, m)
                f.pct_only = True
                figs.append(f)

    # -- "chưa đạt tiêu chí nào" ------------------------------------------------------------------
    def _zero_figures(self, figs: list[Fig]) -> None:
        fv = self.fold
        for m in scan(_ZERO, fv, 0, self.end):
            if self._full(figs):
                break
            kind: Kind = "criteria" if m.group(1) == "tieu chi" else "indicators"
            figs.append(Fig(m.start(), m.end(), m.end(), (m.start(), m.end()), kind, None, 0.0, 0, None, None, None))

    # -- counts of units ------------------------------------------------------------------------
    def _count_figures(self, figs: list[Fig]) -> list[Fig]:
        """ "743 xã (12,3%) đạt chuẩn …", "25 xã đạt từ 15-18 tiêu chí (chiếm 12,4%)": a count of units
        reaching a standard or a class. The class figure ("19/19 tiêu chí" after "12 xã hoàn thành")
        describes the count and is not a figure of its own."""
        fv, _low = self.fold, self.low
        spans = sorted(f.figure_span for f in figs)
        sstarts = [s for s, _ in spans]

        def covered(a: int, b: int) -> bool:
            i = bisect.bisect_right(sstarts, b) - 1
            while i >= 0 and spans[i][1] > a - 40:
                if spans[i][0] < b and a < spans[i][1]:
                    return True
                i -= 1
            return False

        consumed: list[tuple[int, int]] = []
        new: list[Fig] = []
        for m in self._numbered_units():
            if m.group(1) not in _COUNT_UNITS:
                continue
            s0 = m.start(1)
            b = _COUNT_NUM_BACK.search(fv, max(0, s0 - 14), s0)
            if b is None or covered(b.start(1), m.end()):
                continue
            if _COUNT_SKIP_BEFORE.search(fv, max(0, b.start() - 20), b.start()):
                continue
            n = num(b.group(1))
            if n is None or not float(n).is_integer() or (1900 <= n <= 2100 and "." not in b.group(1)):
                continue
            f = self._count_at(b, m, n, consumed)
            if f is not None and not self._full(figs + new):
                new.append(f)
        for m in (
            scan(_SO_UNITS, fv, 0, self.end)
            if "so xa dat" in fv or "so huyen dat" in fv or "so don vi" in fv or "so xa duoc" in fv
            else ()
        ):
            sm = self._set_match_at(m.end())
            pos = sm.end() if sm is not None else m.end()
            v = _SO_UNITS_VALUE.match(fv, pos)
            if v is None or covered(v.start(1), v.end()):
                continue
            n = num(v.group(1))
            if n is None:
                continue
            unit = FOLD_UNIT[v.group(2)]
            f = Fig(
                v.start(1),
                v.end(),
                v.end(),
                (v.start(1), v.end(1)),
                "units",
                unit,
                n,
                0,
                None,
                (v.start(1), v.end(1)),
                None,
            )
            cls = _CLASS.match(fv, m.start("cls")) if m.group("cls") else None
            single = (
                cls is not None
                and not cls.group(2)
                and "duoi" not in cls.group(0)
                and "tren" not in cls.group(0)
                and "tro len" not in cls.group(0)
                and num(cls.group(1)) in self._standard_totals()
            )
            f.count = "standard" if (m.group("std") or single) else "class"
            pm = _COUNT_PCT_AFTER.match(fv, v.end())
            if pm is not None and "\n" not in fv[v.end() : pm.end()]:
                self._set_percent(f, pm)
            new.append(f)
        if consumed:
            cstarts = sorted(consumed)
            figs = [f for f in figs if not any(a <= f.figure_span[0] < b for a, b in cstarts)]
        return figs + new

    def _count_at(self, b: re.Match, m: re.Match, n: float, consumed: list) -> Fig | None:
        fv = self.fold
        unit = FOLD_UNIT[m.group(1)]
        pos = m.end()
        pct = None
        p0 = _COUNT_PCT0.match(fv, pos)
        if p0 is not None:
            pct = p0
            pos = p0.end()
        limit = min(len(fv), pos + 90)
        for stop in (".", ";", "\n"):
            k = fv.find(stop, pos, limit)
            if k >= 0 and not (stop == "." and k + 1 < len(fv) and fv[k + 1].isdigit()):
                limit = k
        gap = _COUNT_GAP.match(fv, pos, limit)
        at = gap.end() if gap else pos
        a = _ATTAIN.match(fv, at, limit)
        if a is None:
            return None
        word = a.group(0)
        end = a.end()
        count = None
        if word.startswith(("dat chuan", "cong nhan", "ve dich")):
            count = "standard"
        elif word.startswith("hoan thanh") and fv.startswith(" nhiem vu", end):
            count, end = "standard", end + len(" nhiem vu")
        else:
            c = _CLASS.match(fv, end, limit)
            if c is not None:
                lo_, hi_, of = (
                    num(c.group(1)),
                    num(c.group(2)) if c.group(2) else None,
                    num(c.group(3)) if c.group(3) else None,
                )
                words = fv[end : c.start(1)]
                if hi_ is not None or "duoi" in words or "tren" in words or "tro len" in fv[c.start() : c.end()]:
                    count = "class"
                elif of is not None and lo_ == of:
                    count = "standard"
                elif of is None and lo_ is not None and lo_ in self._standard_totals():
                    count = "standard"
                if count is not None:
                    consumed.append((c.start(), c.end()))
                    end = c.end()
            elif word.startswith(("hoan thanh", "giu vung")) and fv.startswith(" chuan", end):
                count = "standard"
        if count is None:
            return None
        f = Fig(b.start(1), end, end, (b.start(1), m.end()), "units", unit, n, 0, None, (b.start(1), b.end(1)), None)
        f.count = count
        if pct is not None:
            self._set_percent(f, pct)
        else:
            after = end
            tail = _STD_TAIL.match(fv, after)  # "… hoàn thành 19/19 tiêu chí, đạt chuẩn nông thôn mới, chiếm 47,8%"
            if tail is not None:
                after = tail.end()
            sm = self._set_match_at(after + 1) if fv[after : after + 1] == " " else None
            after = sm.end() if sm is not None else after
            pm = _COUNT_PCT_AFTER.match(fv, after, min(len(fv), after + 40)) or _COUNT_PCT_PLAIN.match(
                fv, after, min(len(fv), after + 20)
            )
            if pm is not None and "\n" not in fv[after : pm.end()]:
                self._set_percent(f, pm)
                f.end = max(f.end, pm.end())
        return f

    def _average_before(self, pos: int) -> bool:
        """ "bình quân", "trung bình" earlier in the clause: the figure is an average."""
        if not hasattr(self, "_avg_at"):
            fv, found = self.fold, []
            for word in ("binh quan", "trung binh"):
                k = fv.find(word, 0, self.end)
                while k >= 0:
                    found.append(k)
                    k = fv.find(word, k + 1, self.end)
            self._avg_at = sorted(found)
        if not self._avg_at:
            return False
        i = bisect.bisect_left(self._avg_at, pos) - 1
        if i < 0 or self._avg_at[i] < pos - 60:
            return False
        fv = self.fold
        a = self._avg_at[i]
        return "\n" not in fv[a:pos] and ";" not in fv[a:pos]

    def _units_at_standard(self, f: Fig) -> None:
        """ "… số xã đạt chuẩn toàn tỉnh lên 44 xã/104 xã", "10/12 xã đạt chuẩn …": units at a standard."""
        fv = self.fold
        lo = max(0, f.start - 60)
        lo = max(lo, fv.rfind(";", lo, f.start) + 1, fv.rfind("\n", lo, f.start) + 1)
        if _STANDARD_WORDS.search(fv, lo, f.start):
            f.count = "standard"
            return
        gap = _COUNT_GAP.match(fv, f.kind_end, min(len(fv), f.kind_end + 60))
        a = _ATTAIN.match(fv, gap.end() if gap else f.kind_end, min(len(fv), f.kind_end + 80))
        if a is not None and a.group(0).startswith(("dat chuan", "cong nhan", "ve dich")):
            f.count = "standard"

    def _numbered_units(self) -> list[re.Match]:
        """Every "<number> <unit word>" of the text ("160 xã", "03 xã", "283 đơn vị cấp huyện"), found once
        for the counts and the named lists."""
        if not hasattr(self, "_num_units"):
            self._num_units = list(_NUM_UNIT.finditer(self.fold, 0, self.end))
        return self._num_units

    def _standard_totals(self) -> set[float]:
        """The criteria total of the national commune NTM set of the report's phase (19; 10 from 2026):
        "12 xã hoàn thành 19 tiêu chí" is a count of communes at the standard."""
        if not hasattr(self, "_std_totals"):
            tot = {19.0}
            phase = self.cat.phase_of(self.timeline.as_of)
            info = self.cat.info(self.cat.find("commune", "ntm", phase)) if phase else None
            if info is not None:
                tot = {float(info.criteria_total)}
            self._std_totals = tot
        return self._std_totals

    # -- "79,3% số xã đạt chuẩn nông thôn mới" ---------------------------------------------------
    def _percent_units_figures(self, figs: list[Fig]) -> None:
        fv = self.fold
        spans = [f.percent_span for f in figs if f.percent_span]
        i = fv.find("%")
        while 0 <= i < self.end:
            b = _NUM_BACK.search(fv, max(0, i - 12), i)
            u = _PCT_UNITS.match(fv, i + 1) if b is not None else None
            if b is not None and u is not None and not any(s <= b.start() < e for s, e in spans):
                gap = _COUNT_GAP.match(fv, u.end())
                at = gap.end() if gap else u.end()
                a = _ATTAIN.match(fv, at, min(len(fv), at + 40))
                p = num(fv[b.start() : i].strip())
                if (
                    a is not None
                    and a.group(0).startswith(("dat chuan", "cong nhan", "ve dich", "hoan thanh"))
                    and p is not None
                    and not self._full(figs)
                ):
                    unit = FOLD_UNIT[u.group(1)]
                    f = Fig(b.start(), a.end(), u.end(), (b.start(), i + 1), "units", unit, None, 0, None, None, None)
                    f.percent, f.percent_places, f.percent_span = (
                        p,
                        places(fv[b.start() : i].strip()),
                        (b.start(), i + 1),
                    )
                    f.count = "standard"
                    f.percent_approx = _APPROX_WIDE.search(fv, max(0, b.start() - 10), b.start()) is not None
                    figs.append(f)
            i = fv.find("%", i + 1)

    # -- percentages --------------------------------------------------------------------------------
    def _set_percent(self, f: Fig, m: re.Match) -> None:
        fv = self.fold
        f.percent = num(m.group(1))
        f.percent_places = places(m.group(1))
        f.percent_span = pct_span(fv, m)
        f.percent_approx = _APPROX.search(fv, max(0, m.start(1) - 10), m.start(1)) is not None

    def _percent(self, f: Fig) -> None:
        fv = self.fold
        pos = f.kind_end
        m = PCT_PAREN.match(fv, pos) or PCT_WORD.match(fv, pos)
        if m is None:  # "10/12 xã đạt chuẩn nông thôn mới (chiếm 83,33%)": after set wording attached to it
            sm = self._attached_set_match(f.kind_end)
            if sm is not None:
                pos = sm.end()
                m = PCT_PAREN.match(fv, pos) or PCT_WORD.match(fv, pos)
        if m is not None and "\n" not in fv[pos : m.end()]:
            self._set_percent(f, m)
            f.end = max(f.end, m.end())
            return
        if f.kind == "units":
            # "91/664 đơn vị cấp huyện … đã được công nhận …, đạt chuẩn nông thôn mới (chiếm 13,7%)"
            lim = min(len(fv), f.kind_end + 160)
            for stop in (".", ";", "\n", "/"):
                k = fv.find(stop, f.kind_end, lim)
                if k >= 0 and not (stop == "." and fv[k + 1 : k + 2].isdigit()):
                    lim = k
            m = _UNITS_PCT_LATER.search(fv, f.kind_end, lim)
            between = [x for x in _ANY_FIGURE.finditer(fv, f.kind_end, m.start())] if m is not None else []
            if m is not None and all(_LOCATED.search(fv, max(0, x.start() - 12), x.start()) for x in between):
                self._set_percent(f, m)
                return
        b = _PCT_BEFORE.search(fv, max(0, f.start - 20), f.start)
        if b and f.total is not None:
            close = fv.find(")", f.kind_end, f.kind_end + 3)
            self._set_percent(f, b)
            f.start = b.start()
            if close >= 0:
                f.end = max(f.end, close + 1)
