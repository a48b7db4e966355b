"""Whose figure is it: the units a report names, and which of them each figure belongs to.

A figure's subject is the nearest unit named before it in its sentence ("Xã Nguyên Lý", "8 xã",
"cả nước"); a bare "huyện" is the district the text names; with none in the sentence, the subject
of the previous figure of the paragraph; then the unit the report is about, named in its title
("… xã Khánh Bình tổ chức Hội nghị tổng kết …"). Units named together ("xã Hoành Mô và xã Húc
Động đạt 100% tiêu chí") share the figure. A district or province right after a commune only
locates it ("Xã Nguyên Lý, huyện Lý Nhân, tỉnh Hà Nam").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .figures import Fig
from .patterns import UNIT_LEVEL, num, scan
from .text import fold

SUBJECT_WINDOW = 400  # how far before a figure its subject may be named

_TYPE = re.compile(r"(thành phố|thị trấn|thị xã|xã|phường|huyện|quận|tỉnh|thôn|bản|ấp|tp\.?|tx\.?)(?![\w])")
_TYPE_FOLD = re.compile(r"(thanh pho|thi tran|thi xa|xa|phuong|huyen|tinh)(?![\w])")
# type words without accents ("Xa Nguyen Ly"): only when one is written so is the text looked through for them
_UNACCENTED_WORDS = ("xa ", "huyen ", "tinh ", "phuong ", "thanh pho ", "thi tran ")
_NATIONAL = re.compile(r"(cả nước|toàn quốc)(?![\w])")
_NAME_WORD = re.compile(r"[ ]{1,2}([^\W\d_]+(?:['’\-][^\W\d_]+){0,3}|\d{1,3})")
_AGG_BEFORE = re.compile(r"(?<![\w/.,])(\d{1,3}(?:\.\d{3})?)[ ]{1,2}$")
_QUAL_BEFORE = re.compile(r"(?:^|[^\w])(các|những|mỗi|toàn|bình quân mỗi|bình quân các|trung bình mỗi)[ ]{1,2}$")
_COORD_GAP = re.compile(r"[ ]{0,2}(?:,[ ]{0,2}(?:và[ ]{1,2})?|và[ ]{1,2})")
_BARE_NAME = re.compile(
    r"(?:[ ]{0,2},[ ]{0,2}|[ ]{1,2}và[ ]{1,2})((?:[A-ZÀ-ỸĐ][^\W\d_]*)(?:[ ]{1,2}[A-ZÀ-ỸĐ][^\W\d_]*){0,3})"
)
_NATIONAL_TITLE = re.compile(r"(?<![\w])(?:trung uong|ca nuoc|toan quoc)(?![\w])")
TYPE_LEVEL = {
    "thành phố": "district",
    "thị trấn": "commune",
    "thị xã": "district",
    "xã": "commune",
    "phường": "commune",
    "huyện": "district",
    "quận": "district",
    "tỉnh": "province",
    "thôn": "village",
    "bản": "village",
    "ấp": "village",
    "tp": "district",
    "tx": "district",
    "đơn vị": None,
}
TYPE_DISPLAY = {"tp": "Thành phố", "tx": "Thị xã"}
FOLD_TYPE = {
    "thanh pho": "thành phố",
    "thi tran": "thị trấn",
    "thi xa": "thị xã",
    "xa": "xã",
    "phuong": "phường",
    "huyen": "huyện",
    "tinh": "tỉnh",
}
_BARE_OK = {"xã", "huyện", "tỉnh", "thị xã", "thành phố", "quận", "phường", "thị trấn"}
_NAME_STOP = {"Ủy", "Uỷ", "UBND", "HĐND", "BCĐ", "Đảng", "Về", "Tại", "Theo", "Trong", "Đến", "Kết"}
_NOT_VILLAGE = {"tin", "do", "sao", "chinh", "thao", "cam", "ke", "an", "than", "sac", "quyen", "chat", "lang"}
_LEVEL_RANK = {"village": 0, "commune": 1, "district": 2, "province": 3, "national": 4}
_OF_GAP = re.compile(r"[ ]{1,2}(?:cua|thuoc|tren dia ban|trong)[ ]{1,2}(?:toan[ ]{1,2})?")
_LOCATOR_GAP = re.compile(r"\s*(?:,|-|–|\(|thuộc|của)\s*(?:thuộc\s+)?")


@dataclass
class Subj:
    start: int
    end: int
    form: str  # named | bare | aggregate | national
    type_word: str | None
    name: str | None
    count: int | None
    display: str
    level: str | None
    written: str


def _display_name(names: list[str]) -> str:
    name = " ".join(names)
    if name.isupper() and len(name) > 3:  # "UBND HUYỆN LÝ NHÂN"
        name = " ".join(w[:1] + w[1:].lower() for w in name.split())
    return name


class SubjectReader:
    """Mixin of :class:`~ntm.core.claims.extraction.Extractor`: subjects of the figures."""

    def _subjects(self, figs: list[Fig]) -> list[Subj]:
        t, low, _fv = self.text, self.low, self.fold
        blocked = sorted(
            [(s.start, s.end) for s in self.sets]
            + [(f.figure_span[1], f.kind_end) for f in figs]
            + [f.figure_span for f in figs if f.count and f.total is None]
        )
        bstarts = [b[0] for b in blocked]

        def is_blocked(s: int, e: int) -> bool:
            i = bisect.bisect_right(bstarts, e) - 1
            while i >= 0 and blocked[i][1] > s - 400:
                if blocked[i][0] < e and s < blocked[i][1]:
                    return True
                i -= 1
            return False

        out: list[Subj] = []
        seen_pos: set[int] = set()
        title_end = self._title_end
        for m in scan(_TYPE, low, 0, self.end):
            if (
                m.start() >= title_end
                and not self._near_anchor(m.start(), 0, SUBJECT_WINDOW + 20)
                and not t[m.end() + 1 : m.end() + 2].isupper()
            ):
                continue  # far from any figure and not naming a unit: of no use
            self._subject_at(m.start(), m.end(), m.group(1), out, is_blocked, seen_pos)
        # unaccented texts ("Xa Nguyen Ly"): named forms only; looked for in the lower-case view, which keeps
        # the accents, so that only type words written without them are found
        for m in scan(_TYPE_FOLD, low, 0, self.end) if any(w in low for w in _UNACCENTED_WORDS) else ():
            if m.start() in seen_pos or not t[m.end() + 1 : m.end() + 2].isupper():
                continue
            self._subject_at(m.start(), m.end(), FOLD_TYPE[m.group(1)], out, is_blocked, seen_pos, named_only=True)
        for m in scan(_NATIONAL, low, 0, self.end) if "cả nước" in low or "toàn quốc" in low else ():
            if not is_blocked(m.start(), m.end()):
                out.append(
                    Subj(
                        m.start(), m.end(), "national", None, None, None, "cả nước", "national", t[m.start() : m.end()]
                    )
                )
        out.sort(key=lambda s: s.start)
        return self._fold_locators(out)

    def _fold_locators(self, subjects: list[Subj]) -> list[Subj]:
        """In "Xã Nguyên Lý, huyện Lý Nhân, tỉnh Hà Nam đạt …" the district and province only say where
        the commune is: they are folded into the commune's subject instead of becoming subjects."""
        out: list[Subj] = []
        self._locators: list[Subj] = []
        for s in subjects:
            prev = out[-1] if out else None
            if (
                prev is not None
                and prev.form == "named"
                and s.form == "named"
                and _LEVEL_RANK.get(s.level or "", -1) > _LEVEL_RANK.get(prev.level or "", 9)
                and _LOCATOR_GAP.fullmatch(self.low[prev.end : s.start])
            ):
                prev.end = s.end
                prev.written = self.text[prev.start : s.end]
                self._locators.append(s)  # still context for resolving names
                continue
            out.append(s)
        return out

    def _subject_at(
        self, s: int, e: int, word: str, out: list[Subj], is_blocked, seen_pos: set, named_only: bool = False
    ) -> None:
        t = self.text
        tw = word.rstrip(".")
        if tw in ("tp", "tx") and t[s : s + 2] not in ("TP", "Tp", "TX", "Tx"):
            return
        if is_blocked(s, e):
            return
        if tw == "xã" and self.fold.startswith(" hoi", e) and not self.fold[e + 4 : e + 5].isalpha():
            return  # "xã hội" (society): "Cộng hòa xã hội chủ nghĩa", "an sinh xã hội"
        if tw == "bản":
            nxt = self.fold[e + 1 : e + 8].split(" ")[0] if self.fold[e : e + 1] == " " else ""
            if nxt in _NOT_VILLAGE or self.fold[max(0, s - 4) : s] == "van ":
                return  # "bản tin", "bản đồ", "văn bản"
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
            name = _display_name(names)
            seen_pos.add(s)
            out.append(Subj(s, pos, "named", tw, name, None, f"{display_type} {name}", level, t[s:pos]))
            return
        if named_only or tw not in _BARE_OK:
            return
        seen_pos.add(s)
        if s > 0 and t[s - 1] == "/":  # "bình quân/xã", "tiêu chí/xã": per commune
            out.append(Subj(s, e, "aggregate", tw, None, None, t[s:e], level, t[s:e]))
            return
        agg = _AGG_BEFORE.search(self.low, max(0, s - 12), s)
        if agg:
            n = num(agg.group(1))
            written = t[agg.start(1) : e]
            out.append(Subj(agg.start(1), e, "aggregate", tw, None, int(n) if n else None, written, level, written))
            return
        q = _QUAL_BEFORE.search(self.low, max(0, s - 20), s)
        if q and q.group(1) != "toàn":
            written = t[q.start(1) : e]
            out.append(Subj(q.start(1), e, "aggregate", tw, None, None, written, level, written))
            return
        out.append(Subj(s, e, "bare", tw, None, None, t[s:e], level, t[s:e]))

    # -- names the text gives for context ----------------------------------------------------------
    def _context_names(self) -> list[str]:
        seen: dict[str, str] = {}
        for s in sorted(self.subjects + self._locators, key=lambda x: x.start):
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
            level = TYPE_LEVEL.get(tw)
            found: dict[str, str] = {}
            for s in self.subjects:
                if s.form == "named" and s.level == level:
                    found.setdefault(fold(s.name or ""), s.display)
            if not found:
                from .resolver import split_type

                for c in self.extra_context:
                    t, bare = split_type(c)
                    if t and TYPE_LEVEL.get(FOLD_TYPE.get(t, t)) == level:
                        found.setdefault(bare, c)
            cache[tw] = list(found.values())
        return cache[tw]

    def _doc_subject(self) -> Subj | None:
        """The unit the report is about: the first unit named in its title ("… xã Khánh Bình tổ chức
        Hội nghị tổng kết …", "UBND HUYỆN LÝ NHÂN"), or the whole country for a central office."""
        end = self._title_end
        for s in self.subjects:
            if s.start >= end:
                break
            if s.form == "national" or (s.form == "named" and s.level in ("commune", "district", "province")):
                return s
        if _NATIONAL_TITLE.search(self.fold, 0, end):
            return Subj(0, 0, "national", None, None, None, "cả nước", "national", "")
        return None

    def _subject_before(self, pos: int, lo: int) -> Subj | None:
        i = bisect.bisect_left(self._subj_starts, pos) - 1
        while i >= 0:
            s = self.subjects[i]
            if s.start < max(lo, pos - SUBJECT_WINDOW):
                return None
            if s.end <= pos:
                return s
            i -= 1
        return None

    def _container_before(self, pos: int, lo: int, below: str | None) -> Subj | None:
        """The nearest unit before ``pos`` above the level ``below`` (the unit counted)."""
        rank = _LEVEL_RANK.get(below or "commune", 1)
        i = bisect.bisect_left(self._subj_starts, pos) - 1
        while i >= 0:
            s = self.subjects[i]
            if s.start < max(lo, pos - SUBJECT_WINDOW):
                return None
            if s.end <= pos and s.form in ("named", "national", "bare") and _LEVEL_RANK.get(s.level or "", -1) > rank:
                return s
            i -= 1
        return None

    def _assign_subjects(self, figs: list[Fig]) -> None:
        prev: Fig | None = None
        doc = self.doc_subject
        for f in figs:
            if f.kind == "units":
                self._assign_container_subject(f, prev, doc)
                prev = f
                continue
            listed = self.list_subjects.get(f.figure_span[0])
            if listed:  # "… cho 16 xã: Ngọc Phụng 14/19 tiêu chí, …, Luận Thành, Vạn Xuân 8/19 tiêu chí"
                unit, names = listed
                subs = [
                    Subj(a, b, "named", unit, n, None, f"{unit[:1].upper() + unit[1:]} {n}", UNIT_LEVEL.get(unit), n)
                    for n, (a, b) in names
                ]
                f.subject = subs[-1]
                self._display_subject(f, subs[-1])
                f.coordinated = subs[:-1]
                prev = f
                continue
            s = self._subject_before(f.start, f.sentence[0])
            if (
                s is None
                and prev is not None
                and prev.kind != "units"
                and self.lay.paragraph_index(prev.start) == self.lay.paragraph_index(f.start)
            ):
                f.subject, f.subject_display, f.subject_level = prev.subject, prev.subject_display, prev.subject_level
                f.aggregate_of, f.average = prev.aggregate_of, prev.average or f.per_unit or f.average
                f.coordinated = list(prev.coordinated)
                f.container, f.container_display = prev.container, prev.container_display
                prev = f
                continue
            if s is None:
                p0, _ = self.lay.paragraph(f.start)
                s = self._subject_before(f.start, p0)
                if s is not None and s.form == "bare":
                    s = None
            if s is not None and s.form in ("bare", "named") and s.level in ("district", "province"):
                i = bisect.bisect_left(self._subj_starts, s.start) - 1
                agg = self.subjects[i] if i >= 0 else None
                if agg is not None and agg.form == "aggregate" and _OF_GAP.fullmatch(self.fold, agg.end, s.start):
                    s = agg  # "7 xã của huyện đạt bình quân …": the communes, located
            if (
                s is None
                and prev is not None
                and prev.kind == "units"
                and prev.subject is not None
                and self.lay.sentence(prev.start) == f.sentence
                and prev.subject.form == "national"
            ):
                s = prev.subject  # "cả nước có … xã đạt chuẩn …; bình quân đạt 17,5 tiêu chí/xã"
            if s is None and doc is not None and (f.per_unit or f.average) and doc.form == "national":
                s = doc
            if s is None and doc is not None and not (f.per_unit or f.average):
                s = doc
                f.notes.append("đơn vị lấy từ tiêu đề văn bản")
            f.subject = s
            self._display_subject(f, s)
            if s is not None and s.form == "named":
                f.coordinated = self._coordinated(s, f)
            if f.average or f.aggregate_of is not None:
                c = self._container_before(f.start, f.sentence[0], "commune")
                if c is None and doc is not None and doc is not s and doc.form != "aggregate":
                    c = doc
                if c is not None:
                    f.container = c
                    f.container_display = self._resolved_display(c, f.start)
            prev = f

    def _assign_container_subject(self, f: Fig, prev: Fig | None, doc: Subj | None) -> None:
        """A count of units ("160 trong tổng số 178 xã", "743 xã đạt chuẩn") belongs to the unit they
        are counted in: the province, the district, the whole country."""
        level = UNIT_LEVEL.get(f.unit_type or "", "commune")
        s = self._container_before(f.start, f.sentence[0], level)
        if (
            s is None
            and prev is not None
            and prev.kind == "units"
            and prev.subject is not None
            and self.lay.paragraph_index(prev.start) == self.lay.paragraph_index(f.start)
        ):
            s = prev.subject
        if s is None:
            p0, _ = self.lay.paragraph(f.start)
            s = self._container_before(f.start, p0, level)
            if s is not None and s.form == "bare":
                s = None
        if s is None and doc is not None and _LEVEL_RANK.get(doc.level or "", -1) > _LEVEL_RANK.get(level or "", 1):
            s = doc
        if s is None:
            ag = self._subject_before(f.start, f.sentence[0])
            if ag is not None and ag.form == "aggregate" and ag.level != level:
                s = ag  # "12 tỉnh có 100% số xã đạt chuẩn"
        f.subject = s
        self._display_subject(f, s)

    def _display_subject(self, f: Fig, s: Subj | None) -> None:
        if s is None:
            if f.per_unit:
                f.subject_display, f.subject_level, f.average = None, "commune", True
            f.notes.append("không rõ đơn vị")
        elif s.form == "bare":
            f.subject_display = self._resolved_display(s, f.start)
            if f.subject_display == s.display:
                f.notes.append(f"không rõ '{s.written}' là đơn vị nào")
            f.subject_level = s.level
        else:
            f.subject_display, f.subject_level = s.display, s.level
            if s.form == "aggregate" and f.kind != "units":
                f.aggregate_of = s.count
                f.average = True
        if f.per_unit or (f.achieved_places and s is not None and s.form == "national"):
            f.average = True

    def _resolved_display(self, s: Subj, pos: int) -> str:
        if s.form != "bare":
            return s.display
        named = self._named_in_sentence(s) or self._named_of_type(s.type_word or "")
        if isinstance(named, str):
            return named
        if len(named) == 1:
            return named[0]
        return s.display

    def _named_in_sentence(self, s: Subj) -> str | None:
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

    def _coordinated(self, s: Subj, f: Fig) -> list[Subj]:
        """Units named together with ``s`` and sharing its figure: "xã Hoành Mô và xã Húc Động đạt …",
        "cả xã Hoành Mô, xã Húc Động đều …", "xã Quảng Tân, Đầm Hà đạt …"."""
        cache = self.__dict__.setdefault("_coord_before", {})
        if id(s) not in cache:  # several figures of one unit: the units named before it are found once
            before: list[Subj] = []
            i = bisect.bisect_left(self._subj_starts, s.start) - 1
            cur = s
            while i >= 0 and len(before) < 20:
                p = self.subjects[i]
                if (
                    p.form != "named"
                    or p.type_word != s.type_word
                    or not _COORD_GAP.fullmatch(self.low, p.end, cur.start)
                ):
                    break
                before.insert(0, p)
                cur = p
                i -= 1
            cache[id(s)] = (s, before)
        out = list(cache[id(s)][1])
        # names without their type word after the first one: "xã Quảng Tân, Đầm Hà"
        pos = s.end
        if not (self.text.startswith(",", pos) or self.text.startswith(" và ", pos) or self.text.startswith(" ,", pos)):
            return out
        while len(out) < 20:
            m = _BARE_NAME.match(self.text, pos)
            if m is None or m.end() > f.start:
                break
            name = m.group(1)
            if name.split()[0] in _NAME_STOP:
                break
            display_type = (
                TYPE_DISPLAY.get(s.type_word or "") or (s.type_word or "")[:1].upper() + (s.type_word or "")[1:]
            )
            out.append(
                Subj(m.start(1), m.end(1), "named", s.type_word, name, None, f"{display_type} {name}", s.level, name)
            )
            pos = m.end()
        return out
