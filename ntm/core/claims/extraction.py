"""Reading the figures out of a progress report.

The text is scanned once per pattern (no pattern can backtrack catastrophically: every
repetition is bounded or over disjoint character classes). Then each figure ("17/19 tiêu chí")
gets

- its **subject**: the nearest unit named before it in the same sentence ("Xã Nguyên Lý",
  "8 xã", "huyện" → the district named elsewhere in the text);
- its **set**: the set wording attached to it or to the run of figures it belongs to
  ("17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới"), else the nearest wording before it in
  the clause, the sentence, the previous sentence; else the set whose totals fit;
- its **percentage**, **unmet list**, **change**, and whether it is a current figure, a past one
  ("đầu năm …") or a target ("phấn đấu …").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ntm.core.formatting import parse_number

from .model import Change, Claim, Kind, Period, Recognition, UnmetItem, UnmetList
from .resolver import UnitResolver
from .sets import Catalogue, phase_from_years, phase_of_year
from .text import Layout, fold, layout, lower_view, views

MAX_FIGURES = 20_000
SUBJECT_WINDOW = 400  # how far before a figure its subject may be named
ATTACH_REACH = 1500  # how far an unmet list or a sibling figure may be from the figure it goes with
LOOK = 12  # how many neighbouring figures are considered for that
SET_REACH = 3000  # how far before a figure set wording may be inherited from (clause, sentence, previous sentence)

NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d{1,3})?|\d{1,6}(?:[.,]\d{1,3})?"

# -- figures ----------------------------------------------------------------------------------
_FRACTION = re.compile(rf"({NUM})[ ]{{0,2}}/[ ]{{0,2}}({NUM})(?![\w/%]|[.,]\d)")
_NUM_BACK = re.compile(rf"(?:{NUM})[ ]{{0,2}}$")
_KIND_AFTER = re.compile(r"[ ]{0,3}(tieu chi|chi tieu)\b")
_UNIT_AFTER = re.compile(r"[ ]{0,3}(thành phố|thị trấn|thị xã|xã|phường|huyện|quận|tỉnh|thôn|bản|ấp|đơn vị)(?![\w])")
_KIND_BEFORE = re.compile(r"(tieu chi|chi tieu)(?: (?:da |)dat(?: duoc)?| la)?[ ]{0,2}[:=]?[ ]{0,2}$")
_ACHIEVED_ONLY = re.compile(rf"(?:dat duoc|dat|hoan thanh) ({NUM}) (tieu chi|chi tieu)\b(?![ ]{{0,2}}/[ ]{{0,2}}\d)")
_PER_UNIT = re.compile(r"[ ]{0,2}/[ ]{0,2}(xa|huyen)\b")
_PCT_PAREN = re.compile(
    rf"[ ]{{0,3}}\([ ]{{0,3}}(?:(?:dat|bang|chiem|ty le|tuong duong|tuong ung|=|~|≈)[ ]{{0,3}}){{0,2}}({NUM})[ ]?%[ ]{{0,2}}\)"
)
_PCT_WORD = re.compile(
    rf"[ ]{{0,3}},?[ ]{{0,3}}(?:dat ty le|ty le dat|dat|bang|chiem|ty le|tuong duong|tuong ung|=|~|≈)"
    rf"(?:[ ]{{0,3}}(?:la|:|=|khoang|xap xi))?[ ]{{0,3}}({NUM})[ ]?%"
)
_PCT_BEFORE = re.compile(rf"({NUM})[ ]?%[ ]{{0,3}}\([ ]{{0,3}}$")
_DATE_WORD_BEFORE = re.compile(r"(?:thang|ngay|quy|nam|luc|den|tu)[ ]{1,2}$")

# -- set wording --------------------------------------------------------------------------------
_SET = re.compile(
    r"\b(?:(?P<bo>bo tieu chi|bo tc)[ ]+(?:quoc gia[ ]+)?(?:ve[ ]+)?)?"
    r"(?:(?P<lvl>xa|huyen|tinh)[ ]+)?"
    r"(?P<ntm>nong thon moi|ntm)\b"
    r"(?:[ ]+(?P<tier>nang cao|kieu mau|hien dai|thong minh)\b)?"
    r"(?:[ ]{0,2},?[ ]{0,2}(?:giai doan|gd)[ ]{0,2}(?P<y1>\d{4})[ ]{0,2}-[ ]{0,2}(?P<y2>\d{4}))?"
)
_SET_SHORT = re.compile(r"(?P<lvl>xa|huyen)[ ]+(?P<tier>nang cao|kieu mau)\b")
_SET_CORE = re.compile(r"(?:nong thon moi|ntm)(?![\w])")
_SET_PREFIX_BACK = re.compile(
    r"(?<![\w])(?:(?:bo tieu chi|bo tc)[ ]+(?:quoc gia[ ]+)?(?:ve[ ]+)?)?(?:(?:xa|huyen|tinh)[ ]+)?$"
)
_TIER = {None: "ntm", "nang cao": "nang_cao", "kieu mau": "kieu_mau", "hien dai": "hien_dai", "thong minh": "thong_minh"}
_LVL = {"xa": "commune", "huyen": "district", "tinh": "province"}
# words allowed between a figure and the set wording that belongs to it
_SET_GAP = re.compile(
    r"[ ]{0,3}(?:[,:(][ ]{0,2})?(?:(?:theo|cua|ve|thuoc|doi voi|so voi|bo tieu chi|bo tc|tieu chi|quoc gia|chuan|"
    r"dat chuan|dat|xa|huyen|cac|theo bo tieu chi)[ ]{1,3}){0,4}$"
)
# what may stand between two figures of one run
_RUN_GAP = re.compile(r"[ ]{0,3}(?:[,:&+(][ ]{0,3})?(?:(?:va|voi|cung|va dat|dat|trong do|gom|tuong ung)[ ]{1,3}){0,2}$")

# -- subjects ---------------------------------------------------------------------------------
_TYPE = re.compile(r"(thành phố|thị trấn|thị xã|xã|phường|huyện|quận|tỉnh|thôn|bản|ấp|tp\.?|tx\.?)(?![\w])")
_TYPE_FOLD = re.compile(r"(thanh pho|thi tran|thi xa|xa|phuong|huyen|tinh)(?![\w])")
_NATIONAL = re.compile(r"(cả nước|toàn quốc)(?![\w])")
_NAME_WORD = re.compile(r"[ ]{1,2}([^\W\d_]+(?:['’\-][^\W\d_]+){0,3}|\d{1,3})")
_AGG_BEFORE = re.compile(r"(?<![\w/.,])(\d{1,3}(?:\.\d{3})?)[ ]{1,2}$")
_QUAL_BEFORE = re.compile(r"(?:^|[^\w])(các|những|mỗi|toàn|bình quân mỗi|bình quân các|trung bình mỗi)[ ]{1,2}$")
TYPE_LEVEL = {
    "thành phố": "district", "thị trấn": "commune", "thị xã": "district", "xã": "commune", "phường": "commune",
    "huyện": "district", "quận": "district", "tỉnh": "province", "thôn": "village", "bản": "village", "ấp": "village",
    "tp": "district", "tx": "district", "đơn vị": None,
}
TYPE_DISPLAY = {"tp": "Thành phố", "tx": "Thị xã"}
_FOLD_TYPE = {"thanh pho": "thành phố", "thi tran": "thị trấn", "thi xa": "thị xã", "xa": "xã", "phuong": "phường",
              "huyen": "huyện", "tinh": "tỉnh"}
_BARE_OK = {"xã", "huyện", "tỉnh", "thị xã", "thành phố", "quận", "phường", "thị trấn"}
_NAME_STOP = {"Ủy", "Uỷ", "UBND", "HĐND", "BCĐ", "Đảng", "Về", "Tại", "Theo", "Trong", "Đến", "Kết"}

# -- unmet lists, changes, time ------------------------------------------------------------------
_UNMET_CORE = re.compile(r"chua[ ]{1,2}dat(?![\w])")
_UNMET_A_BACK = re.compile(
    r"(?<![\w])(?:con(?: lai)?[ ]{1,2})?(?:(?P<n>\d{1,3})[ ]{1,2})?(?P<k>tieu chi|chi tieu)[ ]{1,2}(?:con[ ]{1,2})?$"
)
_UNMET_B_FWD = re.compile(r"[ ]{1,2}(?:(?P<n>\d{1,3})[ ]{1,2})?(?:(?:cac|nhung)[ ]{1,2})?(?P<k>tieu chi|chi tieu)(?![\w])")
_UNMET_C = re.compile(r"con[ ]{1,2}(?:thieu[ ]{1,2})?(?P<n>\d{1,3})[ ]{1,2}(?P<k>tieu chi|chi tieu)(?![\w])")
_LIST_INTRO = re.compile(r"[ ]{0,3}(?:(?:la|gom|gom co|bao gom|do la|sau|cu the|o)[ ]{0,3})?[:(]?[ ]{0,3}")
_ITEM = re.compile(r"(?:(?:tieu chi|chi tieu|tc|ct)[ ]{0,2})?(?:so[ ]{0,2})?(\d{1,2}(?:\.\d{1,2})?)(?![\d/%]|[.,]\d)")
_ITEM_DESC = re.compile(r"[ ]{0,2}(?:\([^()\n]{0,80}\)|(?:ve|-|:)[ ]+[^,;\n()]{1,60}?(?=[ ]{0,2}(?:[,;)]|va\b|\.|\n|$)))")
_LIST_SEP = re.compile(r"[ ]{0,2}(?:[,;&+]|va\b)[ ]{0,2}")
_CHANGE = re.compile(
    r"(tang|giam)[ ]{1,2}(?:them[ ]{1,2})?(\d{1,3})[ ]{1,2}(tieu chi|chi tieu)\b(?:[ ]{1,2}so[ ]{1,2}voi[ ]{1,2}([^.;,\n]{1,40}))?"
)
_TARGET = re.compile(r"\b(phan dau|muc tieu|ke hoach|du kien|dang ky|de ra|can dat|se dat|chi tieu giao|chi tieu phan dau)\b")
_PAST = re.compile(r"(?<!thang )\b(dau nam|cung ky|nam truoc|truoc day|ky truoc|thang truoc)\b|\bnam (\d{4})\b")
_NOW = re.compile(r"\b(den nay|hien nay|hien tai|nay|luy ke)\b")

_DATE = re.compile(r"ngay(?:[ ]{1,2}(\d{1,2})[ ]{0,2}[/.\-][ ]{0,2}(\d{1,2})[ ]{0,2}[/.\-][ ]{0,2}(\d{4})\b"
                   r"|[ ]{1,2}(\d{1,2})[ ]{1,2}thang[ ]{1,2}(\d{1,2})[ ]{1,2}nam[ ]{1,2}(\d{4})\b)")
_MONTH = re.compile(r"thang[ ]{1,2}(\d{1,2})[ ]{0,2}(?:/|-|[ ]nam[ ])[ ]{0,2}(\d{4})\b")
_PARTIAL = re.compile(r"thang[ ]{1,2}(dau|cuoi)[ ]{1,2}nam(?:[ ]{1,2}(\d{4}))?")
_PARTIAL_BACK = re.compile(r"(?<![\w])(\d{1,2}|sau|chin)[ ]{1,2}$")
_QUARTER = re.compile(r"quy[ ]{1,2}(iv|iii|ii|i|[1-4])[ ]{0,2}(?:/|-|[ ]nam[ ])[ ]{0,2}(\d{4})\b")
_YEAR = re.compile(r"nam[ ]{1,2}(\d{4})\b")

_RECOGNIZE = re.compile(r"cong nhan\b")
_PROPOSED = re.compile(r"\b(de nghi|xet|trinh|de xuat|ho so|dang ky|phan dau|huong dan|chuan bi)\b")
_STANDARD = re.compile(r"dat chuan\b")


@dataclass
class _Subj:
    start: int
    end: int
    form: str  # named | bare | aggregate | national
    type_word: str | None
    name: str | None
    count: int | None
    display: str
    level: str | None
    written: str


_LEVEL_RANK = {"village": 0, "commune": 1, "district": 2, "province": 3, "national": 4}
_LOCATOR_GAP = re.compile(r"\s*(?:,|-|–|\(|thuộc|của)\s*(?:thuộc\s+)?")


@dataclass
class _SetMention:
    start: int
    end: int
    level: str | None
    tier: str
    phase: str | None


@dataclass
class _Fig:
    start: int
    end: int  # end of the claim text (kind word or percentage)
    kind_end: int
    figure_span: tuple[int, int]
    kind: Kind
    unit_type: str | None
    achieved: float
    achieved_places: int
    total: float | None
    achieved_span: tuple[int, int]
    total_span: tuple[int, int] | None
    per_unit: bool = False
    percent: float | None = None
    percent_places: int | None = None
    percent_span: tuple[int, int] | None = None
    sentence: tuple[int, int] = (0, 0)
    clause: tuple[int, int] = (0, 0)
    own_set: _SetMention | None = None
    set_mention: _SetMention | None = None
    set_source: str | None = None
    subject: _Subj | None = None
    subject_display: str | None = None
    subject_level: str | None = None
    unit_code: str | None = None
    aggregate_of: int | None = None
    average: bool = False
    modality: str = "current"
    notes: list[str] = field(default_factory=list)
    unmet: UnmetList | None = None
    change: Change | None = None
    set_code: str | None = None


def _wb(s: str, i: int) -> bool:
    """Is there a word boundary just before ``s[i]`` (which is a word character)?"""
    if i <= 0:
        return True
    c = s[i - 1]
    return not (c.isalnum() or c == "_")


def _scan(rx: re.Pattern, s: str, pos: int = 0, endpos: int | None = None):
    """``rx.finditer`` keeping only matches that start at a word boundary. The boundary is checked
    here rather than in the pattern so that the pattern starts with a literal and ``re`` can
    skip ahead fast (a leading ``\\b`` or look-behind makes it try every position)."""
    for m in rx.finditer(s, pos, len(s) if endpos is None else endpos):
        if _wb(s, m.start()):
            yield m


def _places(s: str) -> int:
    s = s.strip()
    if "," in s:
        return len(s.rpartition(",")[2])
    if "." in s:
        groups = s.split(".")
        if len(groups) == 2 and len(groups[1]) != 3:
            return len(groups[1])
    return 0


def _num(s: str) -> float | None:
    try:
        return parse_number(s)
    except ValueError:
        return None


class Extractor:
    def __init__(self, text: str, *, resolver: UnitResolver | None, catalogue: Catalogue,
                 context_names: list[str] | None = None, max_figures: int = MAX_FIGURES):
        self.text = text
        self.low, self.fold = views(text)
        self.lay: Layout = layout(text)
        self.resolver = resolver
        self.cat = catalogue
        self.extra_context = list(context_names or [])
        self.max_figures = max_figures
        self.end = len(text)  # the part of the text analysed (all of it unless a cap is reached)
        self.notes: list[str] = []

    # ------------------------------------------------------------------------------------------
    def run(self) -> tuple[list[Claim], list[Recognition], Period | None, list[str]]:
        self.period = self._period()
        self.year = self.period.year if self.period else None
        figs = self._figures()
        self.unmet_lists = self._unmet_lists()
        self._anchors = sorted([f.start for f in figs] + [u.span[0] for u in self.unmet_lists])
        self.sets = self._set_mentions()
        self._set_starts = [m.start for m in self.sets]
        self._clause_breaks = self._breaks()
        for f in figs:
            f.sentence = self.lay.sentence(f.start)
            f.clause = self._clause(f.start, f.sentence)
        self.subjects = self._subjects(figs)
        self._subj_starts = [s.start for s in self.subjects]
        self.context_names = self._context_names()
        self._assign_subjects(figs)
        self._assign_modality(figs)
        self._assign_sets(figs)
        standalone = self._attach_unmet(figs)
        self._attach_changes(figs)
        all_figs = sorted(figs + standalone, key=lambda f: f.start)
        self._resolve_units(all_figs)
        claims = [self._claim(f) for f in all_figs]
        recognitions = self._recognitions()
        return claims, recognitions, self.period, self.context_names

    # -- period ----------------------------------------------------------------------------------
    def _period(self) -> Period | None:
        fv = self.fold
        date = None
        for m in _scan(_DATE, fv):
            d, mo, y = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
            d, mo, y = int(d), int(mo), int(y)
            if 2000 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31:
                date = (y, mo, d, m)
                break
        cands = []
        for m in _scan(_MONTH, fv):
            mo, y = int(m.group(1)), int(m.group(2))
            if 1 <= mo <= 12 and 2000 <= y <= 2100:
                cands.append((m.start(), Period(f"{y}-{mo:02d}", f"tháng {mo}/{y}", y, mo, text=self.text[m.start():m.end()],
                                                span=(m.start(), m.end()))))
                break
        for m in _scan(_PARTIAL, fv):
            b = _PARTIAL_BACK.search(fv, max(0, m.start() - 8), m.start())
            if not b:
                continue
            n = {"sau": 6, "chin": 9}.get(b.group(1)) or int(b.group(1))
            if not 1 <= n <= 12:
                continue
            y = int(m.group(2)) if m.group(2) else (date[0] if date else None)
            word = "đầu" if m.group(1) == "dau" else "cuối"
            label = f"{n} tháng {word} năm" + (f" {y}" if y else "")
            cands.append((b.start(), Period(str(y) if y else None, label, y, None, text=self.text[b.start():m.end()],
                                            span=(b.start(), m.end()))))
            break
        for m in _scan(_QUARTER, fv):
            q = {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(m.group(1)) or int(m.group(1))
            y = int(m.group(2))
            if 2000 <= y <= 2100:
                cands.append((m.start(), Period(f"{y}-Q{q}", f"quý {q}/{y}", y, None, text=self.text[m.start():m.end()],
                                                span=(m.start(), m.end()))))
                break
        iso = f"{date[0]:04d}-{date[1]:02d}-{date[2]:02d}" if date else None
        if cands:
            cands.sort(key=lambda c: c[0])
            p = cands[0][1]
            p.date = iso
            if p.year is None and date:
                p.year = date[0]
            return p
        if date:
            y, mo, d, m = date
            return Period(f"{y}-{mo:02d}", f"ngày {d}/{mo}/{y}", y, mo, date=iso, text=self.text[m.start():m.end()],
                          span=(m.start(), m.end()))
        years = [int(m.group(1)) for m in _scan(_YEAR, fv) if 2000 <= int(m.group(1)) <= 2100]
        if years:
            y = max(years)
            return Period(str(y), f"năm {y}", y, None)
        return None

    # -- set wording -------------------------------------------------------------------------------
    def _set_mentions(self) -> list[_SetMention]:
        out: list[_SetMention] = []
        fv = self.fold
        for core in _scan(_SET_CORE, fv, 0, self.end):
            if not self._near_anchor(core.start(), 120, SET_REACH):
                continue  # wording no figure can use
            b = _SET_PREFIX_BACK.search(fv, max(0, core.start() - 45), core.start())
            m = _SET.match(fv, b.start() if b else core.start())
            if m is None or m.start("ntm") != core.start():
                m = _SET.match(fv, core.start())
                if m is None:
                    continue
            phase = None
            if m.group("y1"):
                phase = phase_from_years(int(m.group("y1")), int(m.group("y2")))
            out.append(_SetMention(m.start(), m.end(), _LVL.get(m.group("lvl") or ""), _TIER[m.group("tier")], phase))
        taken = [(m.start, m.end) for m in out]
        for m in _scan(_SET_SHORT, self.fold, 0, self.end):
            if not self._near_anchor(m.start(), 120, SET_REACH):
                continue
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            out.append(_SetMention(m.start(), m.end(), _LVL[m.group("lvl")], _TIER[m.group("tier")], None))
        out.sort(key=lambda s: s.start)
        return out

    def _near_anchor(self, pos: int, before: int, after: int) -> bool:
        """Is some figure (or unmet list) within ``[pos - before, pos + after]``?"""
        i = bisect.bisect_left(self._anchors, pos - before)
        return i < len(self._anchors) and self._anchors[i] <= pos + after

    def _set_after(self, pos: int, limit: int) -> _SetMention | None:
        i = bisect.bisect_left(self._set_starts, pos)
        if i < len(self.sets):
            m = self.sets[i]
            if m.start <= limit and _SET_GAP.match(self.fold, pos, m.start) and self.fold[pos:m.start].count("\n") == 0:
                return m
        return None

    def _set_within(self, lo: int, hi: int) -> _SetMention | None:
        """Set wording inside a span ("còn 3 tiêu chí chưa đạt: 1, 13 và 17 (NTM nâng cao)")."""
        i = bisect.bisect_left(self._set_starts, lo)
        if i < len(self.sets) and self.sets[i].end <= hi:
            return self.sets[i]
        return None

    def _set_before(self, pos: int, lo: int) -> _SetMention | None:
        i = bisect.bisect_left(self._set_starts, pos) - 1
        while i >= 0:
            m = self.sets[i]
            if m.start < lo:
                return None
            if m.end <= pos:
                return m
            i -= 1
        return None

    # -- figures -----------------------------------------------------------------------------------
    def _figures(self) -> list[_Fig]:
        t, fv, low = self.text, self.fold, self.low
        figs: list[_Fig] = []
        for m in self._fractions():
            p = m.start()
            if p > 0 and (fv[p - 1] in "/.," or fv[p - 1].isalnum() or fv[p - 1] == "_"):
                continue
            if len(figs) >= self.max_figures:
                self.notes.append(f"văn bản có quá nhiều số liệu: chỉ xét {self.max_figures} số liệu đầu tiên")
                self.end = min(len(fv), m.start() + SET_REACH)
                break
            a_s, t_s = m.group(1), m.group(2)
            a, tot = _num(a_s), _num(t_s)
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
            start = m.start()
            if kind is None:
                kb = _KIND_BEFORE.search(fv, max(0, m.start() - 40), m.start())
                if kb and "\n" not in fv[kb.start():m.start()]:
                    kind = "criteria" if kb.group(1) == "tieu chi" else "indicators"
            if kind is None:
                continue
            if kind == "units" or "." not in a_s:
                # "tháng 7/2023 xã …", "7/2023" are dates, not figures
                if _DATE_WORD_BEFORE.search(fv, max(0, m.start() - 8), m.start()) and (
                        1900 <= tot <= 2100 or tot <= 12):
                    continue
            f = _Fig(start, kind_end, kind_end, (m.start(), m.end()), kind, unit_type, a, _places(a_s), tot,
                     (m.start(1), m.end(1)), (m.start(2), m.end(2)))
            self._percent(f)
            figs.append(f)
        taken = [f.figure_span for f in figs]
        tstarts = [s for s, _ in taken]
        for m in _scan(_ACHIEVED_ONLY, fv, 0, self.end):
            if len(figs) >= self.max_figures:
                break
            if fv[max(0, m.start() - 5):m.start()] == "chua ":
                continue
            i = bisect.bisect_right(tstarts, m.start(1)) - 1
            if i >= 0 and taken[i][1] > m.start(1):
                continue
            a = _num(m.group(1))
            if a is None:
                continue
            kind = "criteria" if m.group(2) == "tieu chi" else "indicators"
            f = _Fig(m.start(1), m.end(), m.end(), (m.start(1), m.end(1)), kind, None, a, _places(m.group(1)), None,
                     (m.start(1), m.end(1)), None)
            pu = _PER_UNIT.match(fv, m.end())
            if pu:
                f.per_unit = True
                f.unit_type = _FOLD_TYPE.get(pu.group(1))
                f.end = f.kind_end = pu.end()
            self._percent(f)
            figs.append(f)
        figs.sort(key=lambda f: f.start)
        return figs

    def _fractions(self):
        """Matches of :data:`_FRACTION`. Usual texts have few '/', so they are found with
        ``str.find`` and the number before each is matched from a short window (much faster
        than letting the pattern try every digit); texts full of '/' use the plain scan."""
        fv = self.fold
        if fv.count("/") > 200_000:
            yield from _FRACTION.finditer(fv)
            return
        last_end = 0
        i = fv.find("/")
        while i >= 0:
            b = _NUM_BACK.search(fv, max(last_end, i - 16), i)
            if b is not None:
                m = _FRACTION.match(fv, b.start())
                if m is not None and m.end(1) <= i < m.start(2):
                    yield m
                    last_end = m.end()
                    i = fv.find("/", m.end())
                    continue
            i = fv.find("/", i + 1)

    def _percent(self, f: _Fig) -> None:
        fv = self.fold
        for pos in self._percent_anchors(f):
            m = _PCT_PAREN.match(fv, pos) or _PCT_WORD.match(fv, pos)
            if m and "\n" not in fv[pos:m.end()]:
                f.percent = _num(m.group(1))
                f.percent_places = _places(m.group(1))
                f.percent_span = (m.start(1), m.end(1) + (1 if fv[m.end(1)] == "%" else 2))
                f.end = max(f.end, m.end())
                return
        b = _PCT_BEFORE.search(fv, max(0, f.start - 20), f.start)
        if b and f.total is not None:
            close = fv.find(")", f.kind_end, f.kind_end + 3)
            f.percent = _num(b.group(1))
            f.percent_places = _places(b.group(1))
            f.percent_span = (b.start(1), b.end(1) + (1 if fv[b.end(1)] == "%" else 2))
            f.start = b.start()
            if close >= 0:
                f.end = max(f.end, close + 1)

    def _percent_anchors(self, f: _Fig) -> list[int]:
        """Where a percentage may start: after the kind word, or after set wording attached to it
        ("10/12 xã đạt chuẩn nông thôn mới (chiếm 83,33%)")."""
        anchors = [f.kind_end]
        fv = self.fold
        core = _SET_CORE.search(fv, f.kind_end, min(len(fv), f.kind_end + 60))
        if core is not None:
            b = _SET_PREFIX_BACK.search(fv, max(f.kind_end, core.start() - 45), core.start())
            start = b.start() if b else core.start()
            if _SET_GAP.match(fv, f.kind_end, start):
                m = _SET.match(fv, start)
                if m is not None:
                    anchors.append(m.end())
        return anchors

    # -- clauses -----------------------------------------------------------------------------------
    def _breaks(self) -> list[int]:
        spans = sorted(u.span for u in self.unmet_lists)
        starts = [s for s, _ in spans]
        out = []
        pos = self.text.find(";")
        while pos >= 0:
            i = bisect.bisect_right(starts, pos) - 1
            if not (i >= 0 and spans[i][0] <= pos < spans[i][1]):
                out.append(pos)
            pos = self.text.find(";", pos + 1)
        return out

    def _clause(self, pos: int, sentence: tuple[int, int]) -> tuple[int, int]:
        i = bisect.bisect_right(self._clause_breaks, pos)
        lo = self._clause_breaks[i - 1] + 1 if i > 0 else 0
        hi = self._clause_breaks[i] if i < len(self._clause_breaks) else len(self.text)
        return max(lo, sentence[0]), min(hi, sentence[1])

    # -- subjects ----------------------------------------------------------------------------------
    def _subjects(self, figs: list[_Fig]) -> list[_Subj]:
        t, low, fv = self.text, self.low, self.fold
        blocked = sorted([(s.start, s.end) for s in self.sets] + [(f.figure_span[1], f.kind_end) for f in figs])
        bstarts = [b[0] for b in blocked]

        def is_blocked(s: int, e: int) -> bool:
            i = bisect.bisect_right(bstarts, e) - 1
            while i >= 0 and blocked[i][1] > s - 400:
                if blocked[i][0] < e and s < blocked[i][1]:
                    return True
                i -= 1
            return False

        out: list[_Subj] = []
        seen_pos = set()
        for m in _scan(_TYPE, low, 0, self.end):
            if not self._near_anchor(m.start(), 0, SUBJECT_WINDOW + 20) and not t[m.end() + 1:m.end() + 2].isupper():
                continue  # far from any figure and not naming a unit: of no use
            self._subject_at(m.start(), m.end(), m.group(1), out, is_blocked, seen_pos)
        for m in _scan(_TYPE_FOLD, fv, 0, self.end):  # unaccented texts ("Xa Nguyen Ly"): named forms only
            if m.start() in seen_pos or not t[m.end() + 1:m.end() + 2].isupper():
                continue
            self._subject_at(m.start(), m.end(), _FOLD_TYPE[m.group(1)], out, is_blocked, seen_pos, named_only=True)
        for m in _scan(_NATIONAL, low, 0, self.end):
            if not is_blocked(m.start(), m.end()):
                out.append(_Subj(m.start(), m.end(), "national", None, None, None, "cả nước", "national",
                                 t[m.start():m.end()]))
        out.sort(key=lambda s: s.start)
        return self._fold_locators(out)

    def _fold_locators(self, subjects: list[_Subj]) -> list[_Subj]:
        """In "Xã Nguyên Lý, huyện Lý Nhân, tỉnh Hà Nam đạt …" the district and province only say where
        the commune is: they are folded into the commune's subject instead of becoming subjects."""
        out: list[_Subj] = []
        for s in subjects:
            prev = out[-1] if out else None
            if (
                prev is not None and prev.form == "named" and s.form == "named"
                and _LEVEL_RANK.get(s.level or "", -1) > _LEVEL_RANK.get(prev.level or "", 9)
                and _LOCATOR_GAP.fullmatch(self.low[prev.end:s.start])
            ):
                prev.end = s.end
                prev.written = self.text[prev.start:s.end]
                self.__dict__.setdefault("_locators", []).append(s)  # still context for resolving names
                continue
            out.append(s)
        return out

    def _subject_at(self, s: int, e: int, word: str, out: list[_Subj], is_blocked, seen_pos: set,
                    named_only: bool = False) -> None:
        t = self.text
        tw = word.rstrip(".")
        if tw in ("tp", "tx") and t[s:s + 2] not in ("TP", "Tp", "TX", "Tx"):
            return
        if is_blocked(s, e):
            return
        names: list[str] = []
        pos = e
        while len(names) < 6:
            m = _NAME_WORD.match(t, pos)
            if not m:
                break
            w = m.group(1)
            if w.isdigit():
                if names or tw not in ("phường", "thôn", "bản", "ấp", "xã"):
                    break
            elif not w[0].isupper() or w in _NAME_STOP:
                break
            names.append(w)
            pos = m.end()
        level = TYPE_LEVEL.get(tw)
        display_type = TYPE_DISPLAY.get(tw) or tw[:1].upper() + tw[1:]
        if names:
            name = " ".join(names)
            seen_pos.add(s)
            out.append(_Subj(s, pos, "named", tw, name, None, f"{display_type} {name}", level, t[s:pos]))
            return
        if named_only or tw not in _BARE_OK:
            return
        seen_pos.add(s)
        agg = _AGG_BEFORE.search(self.low, max(0, s - 12), s)
        if agg:
            n = _num(agg.group(1))
            written = t[agg.start(1):e]
            out.append(_Subj(agg.start(1), e, "aggregate", tw, None, int(n) if n else None, written, level, written))
            return
        q = _QUAL_BEFORE.search(self.low, max(0, s - 20), s)
        if q and q.group(1) != "toàn":
            written = t[q.start(1):e]
            out.append(_Subj(q.start(1), e, "aggregate", tw, None, None, written, level, written))
            return
        out.append(_Subj(s, e, "bare", tw, None, None, t[s:e], level, t[s:e]))

    def _context_names(self) -> list[str]:
        seen: dict[str, str] = {}
        for s in sorted(self.subjects + self.__dict__.get("_locators", []), key=lambda x: x.start):
            if s.form == "named" and s.level in ("district", "province"):
                seen.setdefault(s.level + ":" + fold(s.name or ""), s.display)
        names = list(seen.values())
        for c in self.extra_context:
            if fold(c) not in {fold(n) for n in names}:
                names.append(c)
        return names

    def _named_of_type(self, tw: str) -> list[str]:
        cache = self.__dict__.setdefault("_named_cache", {})
        if tw not in cache:
            cache[tw] = self._named_of_type_uncached(tw)
        return cache[tw]

    def _named_of_type_uncached(self, tw: str) -> list[str]:
        level = TYPE_LEVEL.get(tw)
        found: dict[str, str] = {}
        for s in self.subjects:
            if s.form == "named" and s.level == level:
                found.setdefault(fold(s.name or ""), s.display)
        if not found:
            for c in self.extra_context:
                from .resolver import split_type

                t, bare = split_type(c)
                if t and TYPE_LEVEL.get(_FOLD_TYPE.get(t, t)) == level:
                    found.setdefault(bare, c)
        return list(found.values())

    def _subject_before(self, pos: int, lo: int) -> _Subj | None:
        i = bisect.bisect_left(self._subj_starts, pos) - 1
        while i >= 0:
            s = self.subjects[i]
            if s.start < max(lo, pos - SUBJECT_WINDOW):
                return None
            if s.end <= pos:
                return s
            i -= 1
        return None

    def _assign_subjects(self, figs: list[_Fig]) -> None:
        prev: _Fig | None = None
        for f in figs:
            s = self._subject_before(f.start, f.sentence[0])
            if s is None and prev is not None and self.lay.paragraph_index(prev.start) == self.lay.paragraph_index(f.start):
                f.subject, f.subject_display, f.subject_level = prev.subject, prev.subject_display, prev.subject_level
                f.aggregate_of, f.average = prev.aggregate_of, prev.average or f.per_unit
                prev = f
                continue
            if s is None:
                p0, _ = self.lay.paragraph(f.start)
                s = self._subject_before(f.start, p0)
                if s is not None and s.form == "bare":
                    s = None
            f.subject = s
            if s is None:
                if f.per_unit:
                    f.subject_display, f.subject_level, f.average = None, "commune", True
                f.notes.append("không rõ đơn vị")
            elif s.form == "bare":
                named = self._named_in_paragraph(s, f.start) or self._named_of_type(s.type_word or "")
                if isinstance(named, str):
                    f.subject_display = named
                elif len(named) == 1:
                    f.subject_display = named[0]
                else:
                    f.subject_display = s.display
                    f.notes.append(f"không rõ '{s.written}' là đơn vị nào")
                f.subject_level = s.level
            else:
                f.subject_display, f.subject_level = s.display, s.level
                if s.form == "aggregate":
                    f.aggregate_of = s.count
                    f.average = True
            if f.per_unit or (f.achieved_places and f.subject is not None and f.subject.form == "national"):
                f.average = True
            prev = f

    def _named_in_paragraph(self, s: _Subj, pos: int) -> str | None:
        """A bare 'xã' after 'Xã Nguyên Lý' in the same sentence is Xã Nguyên Lý."""
        lo, _ = self.lay.sentence(s.start)
        i = bisect.bisect_left(self._subj_starts, s.start) - 1
        lo = max(lo, s.start - SUBJECT_WINDOW)
        while i >= 0 and self.subjects[i].start >= lo:
            c = self.subjects[i]
            if c.form == "named" and c.type_word == s.type_word:
                return c.display
            i -= 1
        return None

    # -- time qualifiers ---------------------------------------------------------------------------
    def _assign_modality(self, figs: list[_Fig]) -> None:
        prev_end_in_clause: dict[tuple[int, int], int] = {}
        for f in figs:
            lo = max(f.clause[0], prev_end_in_clause.get(f.clause, f.clause[0]), f.start - 150)
            window = self.fold[lo:f.start]
            prev_end_in_clause[f.clause] = f.end
            if _TARGET.search(window):
                f.modality = "target"
                continue
            past = None
            for m in _PAST.finditer(window):
                if m.group(2):
                    y = int(m.group(2))
                    if self.year is not None and y < self.year:
                        past = m
                else:
                    past = m
            if past is not None:
                now = None
                for m in _NOW.finditer(window):
                    now = m
                if now is None or now.start() < past.start():
                    f.modality = "past"
            elif self.year is not None:
                # an explicit earlier year elsewhere in the clause, before the figure
                pass

    # -- criteria sets -----------------------------------------------------------------------------
    def _assign_sets(self, figs: list[_Fig]) -> None:
        for f in figs:
            f.own_set = self._set_after(f.kind_end, f.kind_end + 60)
            if f.own_set is None and f.end != f.kind_end:
                f.own_set = self._set_after(f.end, f.end + 60)
        # runs: consecutive figures in a clause joined by connectors only
        runs: list[list[_Fig]] = []
        for f in figs:
            if runs:
                last = runs[-1][-1]
                gap_start = max(last.end, last.own_set.end if last.own_set else 0)
                if last.clause == f.clause and last.own_set is None and gap_start <= f.start \
                        and _RUN_GAP.match(self.fold, gap_start, f.start) and f.start - gap_start <= 40:
                    runs[-1].append(f)
                    continue
            runs.append([f])
        for run in runs:
            for i, f in enumerate(run):
                if f.own_set is not None:
                    f.set_mention, f.set_source = f.own_set, "stated"
                    continue
                follow = next((g.own_set for g in run[i + 1:] if g.own_set is not None), None)
                if follow is not None:
                    f.set_mention, f.set_source = follow, "run"
                    continue
                m = self._set_before(f.start, f.clause[0])
                if m is not None:
                    f.set_mention, f.set_source = m, "clause"
                    continue
                m = self._set_before(f.start, f.sentence[0])
                if m is not None:
                    f.set_mention, f.set_source = m, "sentence"
                    continue
                si = self.lay.sentence_index(f.start)
                p0, _ = self.lay.paragraph(f.start)
                if si > 0:
                    prev_s = self.lay.sentence_starts[si - 1]
                    if prev_s >= p0:
                        m = self._set_before(f.sentence[0], prev_s)
                        if m is not None:
                            f.set_mention, f.set_source = m, "context"
        for f in figs:
            if f.set_mention is not None:
                f.set_code = self._code_for(f, f.set_mention)
        self._siblings(figs)
        for run in runs:
            self._infer_run(run)

    def _siblings(self, figs: list[_Fig]) -> None:
        """A figure without set wording takes the set of another figure of the same subject in the
        same sentence whose set it fits ("số tiêu chí đạt: 17/19; số chỉ tiêu đạt: 54/57 (NTM)")."""
        for k, f in enumerate(figs):
            if f.set_mention is not None or f.kind not in ("criteria", "indicators"):
                continue
            near = figs[max(0, k - LOOK):k] + figs[k + 1:k + 1 + LOOK]
            group = [g for g in near if g.sentence == f.sentence and abs(g.start - f.start) <= ATTACH_REACH]
            if group:
                codes = {g.set_code for g in group if g.set_code and g.set_mention is not None and g.subject is f.subject}
                fitting = [c for c in codes if (info := self.cat.info(c)) is not None and self._fits(f, info)]
                if len(fitting) == 1:
                    f.set_code, f.set_source = fitting[0], "sibling"
                elif len(codes) == 1 and not self.cat.available:
                    f.set_code, f.set_source = codes.pop(), "sibling"

    def _level_for(self, f: _Fig, m: _SetMention | None) -> str:
        if m is not None and m.level:
            return m.level
        if f.kind == "units" or f.per_unit:
            return TYPE_LEVEL.get(f.unit_type or "") or "commune"
        if f.subject_level in ("commune", "district"):
            return f.subject_level
        return "commune"

    def _code_for(self, f: _Fig, m: _SetMention) -> str | None:
        level = self._level_for(f, m)
        if m.tier in ("hien_dai", "thong_minh"):
            f.notes.append("không có bộ tiêu chí quốc gia cho cách gọi này")
            return None
        phase = m.phase or phase_of_year(self.year)
        if phase is None:
            # no date in the text: take the phase whose totals fit, else 2021–2025
            fitting = []
            for ph in ("2021-2025", "2016-2020", "2026-2030"):
                code = self.cat.find(level, m.tier, ph)
                info = self.cat.info(code)
                if code and info and self._fits(f, info):
                    fitting.append(code)
            if len(fitting) == 1:
                return fitting[0]
            phase = "2021-2025"
            f.notes.append("giai đoạn suy ra: 2021-2025 (văn bản không ghi thời gian)")
        code = self.cat.find(level, m.tier, phase)
        if code is None:
            f.notes.append(
                f"không có bộ tiêu chí quốc gia cấp {'xã' if level == 'commune' else 'huyện' if level == 'district' else level}"
                f" mức này cho giai đoạn {phase}"
            )
        return code

    @staticmethod
    def _fits(f: _Fig, info) -> bool:
        if f.total is None:
            return True
        if f.kind == "criteria":
            return f.total == info.criteria_total
        if f.kind == "indicators":
            return info.indicator_total is not None and f.total == info.indicator_total
        return True

    def _infer_run(self, run: list[_Fig]) -> None:
        todo = [f for f in run if f.set_code is None and f.set_mention is None and f.kind in ("criteria", "indicators")]
        if not todo or not self.cat.available:
            for f in todo:
                f.notes.append("không rõ bộ tiêu chí")
            return
        level = self._level_for(todo[0], None)
        phase = phase_of_year(self.year)
        cands = [i for i in self.cat.sets_of_level(level) if phase is None or i.phase in (None, phase)]
        fit = [i for i in cands if all(self._fits(f, i) for f in todo)]
        if len(fit) == 1:
            for f in todo:
                f.set_code, f.set_source = fit[0].code, "inferred"
                f.notes.append("bộ tiêu chí suy ra từ tổng số")
        else:
            for f in todo:
                f.notes.append("không rõ bộ tiêu chí")

    # -- unmet lists -------------------------------------------------------------------------------
    def _unmet_lists(self) -> list[UnmetList]:
        fv = self.fold
        found: list[tuple[int, int, re.Match]] = []
        for core in _scan(_UNMET_CORE, fv, 0, self.end):
            a = _UNMET_A_BACK.search(fv, max(0, core.start() - 40), core.start())
            if a is not None:
                found.append((a.start(), core.end(), a))
                continue
            b = _UNMET_B_FWD.match(fv, core.end())
            if b is not None:
                found.append((core.start(), b.end(), b))
        for m in _scan(_UNMET_C, fv, 0, self.end):
            found.append((m.start(), m.end(), m))
        found.sort(key=lambda x: (x[0], -x[1]))
        out: list[UnmetList] = []
        last_end = -1
        for s, e, m in found:
            if s < last_end:
                continue
            kind: Kind = "criteria" if m.group("k") == "tieu chi" else "indicators"
            n = int(m.group("n")) if m.group("n") else None
            items, end = self._items(e)
            if n is None and not items:
                continue
            if len(out) >= self.max_figures:
                break
            last_end = max(e, end)
            out.append(UnmetList(kind, n, (m.start("n"), m.end("n")) if m.group("n") else None, items, (s, max(e, end))))
        return out

    def _items(self, pos: int) -> tuple[list[UnmetItem], int]:
        fv = self.fold
        intro = _LIST_INTRO.match(fv, pos)
        p = intro.end() if intro else pos
        items: list[UnmetItem] = []
        end = pos
        while len(items) < 200:
            m = _ITEM.match(fv, p)
            if not m:
                break
            items.append(UnmetItem(m.group(1), (m.start(1), m.end(1))))
            end = p = m.end()
            d = _ITEM_DESC.match(fv, p)
            if d and d.end() > p:
                p = d.end()
                end = p
            s = _LIST_SEP.match(fv, p)
            if not s:
                break
            p = s.end()
        if items and fv[end:end + 1] == ")":
            end += 1
        return items, end

    def _attach_unmet(self, figs: list[_Fig]) -> list[_Fig]:
        standalone: list[_Fig] = []
        starts = [f.start for f in figs]
        for u in self.unmet_lists:
            sent = self.lay.sentence(u.span[0])
            para = self.lay.paragraph(u.span[0])
            i = bisect.bisect_left(starts, u.span[0])
            target = None
            # nearest preceding figure of the same kind in the sentence, then following, then paragraph
            for j in range(i - 1, max(-1, i - 1 - LOOK), -1):
                g = figs[j]
                if g.start < max(sent[0], u.span[0] - ATTACH_REACH):
                    break
                if g.kind == u.kind and g.unmet is None:
                    target = g
                    break
            if target is None:
                for j in range(i, min(len(figs), i + LOOK)):
                    g = figs[j]
                    if g.start >= min(sent[1], u.span[1] + ATTACH_REACH):
                        break
                    if g.kind == u.kind and g.unmet is None:
                        target = g
                        break
            if target is None:
                own = self._subject_before(u.span[0], sent[0])
                for j in range(i - 1, max(-1, i - 1 - LOOK), -1):
                    g = figs[j]
                    if g.start < max(para[0], u.span[0] - ATTACH_REACH):
                        break
                    if g.kind == u.kind and g.unmet is None and (own is None or own is g.subject):
                        target = g
                        break
            if target is not None:
                target.unmet = u
                continue
            standalone.append(self._standalone(u, sent))
        return standalone

    def _standalone(self, u: UnmetList, sent: tuple[int, int]) -> _Fig:
        f = _Fig(u.span[0], u.span[1], u.span[1], u.span, u.kind, None, float("nan"), 0, None, u.span, None)
        f.sentence = sent
        f.clause = self._clause(u.span[0], sent)
        f.unmet = u
        self._assign_subjects([f])
        self._assign_modality([f])
        m = self._set_within(u.span[0], u.span[1]) or self._set_after(u.span[1], u.span[1] + 60) \
            or self._set_before(u.span[0], sent[0])
        if m is not None:
            f.set_mention, f.set_source = m, "sentence"
            f.set_code = self._code_for(f, m)
        return f

    def _attach_changes(self, figs: list[_Fig]) -> None:
        starts = [f.start for f in figs]
        for m in _scan(_CHANGE, self.fold, 0, self.end):
            sent = self.lay.sentence(m.start())
            kind: Kind = "criteria" if m.group(3) == "tieu chi" else "indicators"
            i = bisect.bisect_left(starts, m.start()) - 1
            stop = max(-1, i - LOOK)
            while i > stop and figs[i].start >= max(sent[0], m.start() - ATTACH_REACH):
                g = figs[i]
                if g.kind == kind and g.change is None and g.total is not None:
                    delta = int(m.group(2)) * (1 if m.group(1) == "tang" else -1)
                    since = self.text[m.start(4):m.end(4)].strip() if m.group(4) else None
                    g.change = Change(delta, kind, since, (m.start(), m.end()), self.text[m.start():m.end()])
                    break
                i -= 1

    # -- units -------------------------------------------------------------------------------------
    def _resolve_units(self, figs: list[_Fig]) -> None:
        cache: dict[str, str | None] = {}
        for f in figs:
            s = f.subject
            if s is None or s.form == "aggregate" or f.subject_display is None:
                continue
            if s.form == "bare" and f.subject_display == s.display:
                continue
            name = f.subject_display
            if self.resolver is None:
                f.notes.append("chưa xác định đơn vị")
                continue
            if name not in cache:
                try:
                    uid = self.resolver.resolve(name, list(self.context_names))
                    cache[name] = str(uid) if uid is not None else None
                except Exception as exc:  # a resolver must not break the checker
                    cache[name] = None
                    self.notes.append(f"lỗi khi xác định đơn vị '{name}': {type(exc).__name__}")
            f.unit_code = cache[name]
            if f.unit_code is None:
                f.notes.append("chưa xác định đơn vị")

    # -- recognitions ------------------------------------------------------------------------------
    def _recognitions(self) -> list[Recognition]:
        out: list[Recognition] = []
        fv, t = self.fold, self.text
        for m in _scan(_RECOGNIZE, fv, 0, self.end):
            sent = self.lay.sentence(m.start())
            before = fv[max(sent[0], m.start() - 40):m.start()]
            status = "proposed" if _PROPOSED.search(before) else "recognized"
            pos = m.end()
            limit = min(sent[1], m.end() + 600)
            again = next(_scan(_RECOGNIZE, fv, m.end(), limit), None)
            if again:
                limit = again.start()
            while pos < limit:
                d = next(_scan(_STANDARD, fv, pos, limit), None)
                if not d:
                    break
                seg = t[pos:d.start()]
                units = self._units_in(seg, pos)
                sm = _SET.match(fv, d.end() + 1) if fv[d.end():d.end() + 1] == " " else None
                nxt = sm.end() if sm else d.end()
                for (disp, tw, s0, e0) in units:
                    level = TYPE_LEVEL.get(tw)
                    code = None
                    if sm:
                        phase = None
                        if sm.group("y1"):
                            phase = phase_from_years(int(sm.group("y1")), int(sm.group("y2")))
                        phase = phase or phase_of_year(self.year) or "2021-2025"
                        lvl = _LVL.get(sm.group("lvl") or "") or level or "commune"
                        tier = _TIER[sm.group("tier")]
                        code = self.cat.find(lvl, tier, phase) if tier in ("ntm", "nang_cao", "kieu_mau") else None
                    uid = None
                    if self.resolver is not None:
                        try:
                            uid = self.resolver.resolve(disp, list(self.context_names))
                        except Exception:
                            uid = None
                    out.append(Recognition(disp, level, str(uid) if uid is not None else None, code, status,
                                           t[s0:nxt], (s0, nxt)))
                pos = nxt
        return out

    def _units_in(self, seg: str, offset: int) -> list[tuple[str, str, int, int]]:
        """'cho xã Quảng Tân, Đầm Hà ' → [("Xã Quảng Tân", "xã", start, end), ("Xã Đầm Hà", "xã", …)].

        The first unit's span starts at its type word, the others at their names."""
        if len(seg) > 200:
            return []
        m = next(_scan(_TYPE, lower_view(seg)), None)
        if m is None:
            return []
        tw = m.group(1).rstrip(".")
        if tw not in TYPE_LEVEL:
            return []
        disp_type = TYPE_DISPLAY.get(tw) or tw[:1].upper() + tw[1:]
        out = []
        cursor = m.end()
        for part in re.split(r"(,| và )", seg[m.end():]):
            if part not in (",", " và "):
                name = part.strip()
                if name and name[0].isupper() and len(name.split()) <= 5:
                    s0 = offset + cursor + (len(part) - len(part.lstrip()))
                    out.append((f"{disp_type} {name}", tw, offset + m.start() if not out else s0, s0 + len(name)))
            cursor += len(part)
        return out

    # -- output --------------------------------------------------------------------------------------
    def _claim(self, f: _Fig) -> Claim:
        t = self.text
        achieved = None if f.achieved != f.achieved else f.achieved  # NaN for list-only claims
        text = t[f.start:f.end]
        u = f.unmet
        return Claim(
            subject=f.subject_display,
            subject_text=f.subject.written if f.subject else None,
            level=f.subject_level,
            unit_code=f.unit_code,
            set=f.set_code,
            set_source=f.set_source if f.set_code else None,
            kind=f.kind,
            unit_type=f.unit_type,
            achieved=achieved,
            total=f.total,
            percent=f.percent,
            percent_places=f.percent_places,
            achieved_places=f.achieved_places,
            aggregate_of=f.aggregate_of,
            average=f.average,
            modality=f.modality,
            text=text,
            span=(f.start, f.end),
            figure_span=f.figure_span,
            achieved_span=f.achieved_span if achieved is not None else None,
            total_span=f.total_span,
            percent_span=f.percent_span,
            unmet=list(u.items) if u is not None and u.items else None,
            unmet_count=u.count if u is not None else None,
            unmet_span=u.span if u is not None else None,
            unmet_count_span=u.count_span if u is not None else None,
            change=f.change,
            notes=list(dict.fromkeys(f.notes)),
        )
