"""What is still missing, what changed, and which units a count names.

- unmet lists and counts: "còn 2 tiêu chí chưa đạt: tiêu chí số 1; 15 và 17", "Số chỉ tiêu chưa
  đạt 06 chỉ tiêu gồm: 1.1; 1.2; …", "các tiêu chí chưa đạt: 06, 13, 17" (codes, not a count),
  "10 tiêu chí còn lại", "hoàn thiện 13 chỉ tiêu của Bộ tiêu chí … còn thiếu"; each goes with the
  figure of the same kind before it (same sentence, paragraph or heading), else stands alone and
  is matched with the figure of the same unit and set elsewhere in the text;
- changes: "tăng 02 chỉ tiêu so với đầu năm";
- counts with the units they name: "8 xã: Nam Mỹ, Nam Thắng, …", "(06 xã):" and one line per unit.
"""

from __future__ import annotations

import bisect
import re

from .figures import Fig
from .model import Change, Kind, UnitList, UnmetItem, UnmetList
from .patterns import FOLD_UNIT, NUM, scan, scan_any
from .subjects import SUBJECT_WINDOW

_UNMET_CORE = re.compile(r"chua[ ]{1,2}(?:dat|hoan thanh)(?![\w])")
_UNMET_A_BACK = re.compile(
    r"(?<![\w])(?:con(?: lai)?[ ]{1,2})?(?:(?P<n>\d{1,3})[ ]{1,2})?(?P<k>tieu chi|chi tieu)[ ]{1,2}(?:con[ ]{1,2})?$"
)
_UNMET_B_FWD = re.compile(
    r"[ ]{1,2}(?:(?P<n>\d{1,3})[ ]{1,2})?(?:(?:cac|nhung)[ ]{1,2})?(?P<k>tieu chi|chi tieu)(?![\w])(?![ ]{1,2}nao)"
)
_UNMET_C = re.compile(
    r"con[ ]{1,2}(?:thieu[ ]{1,2}|lai[ ]{1,2})?(?P<n>\d{1,3})[ ]{1,2}(?P<k>tieu chi|chi tieu)(?![\w])"
)
_STILL_WORD = re.compile(r"con[ ](?:lai|thieu)(?![\w])")
_OWNED_REACH = 240  # from "13 chỉ tiêu" over the set's name to "còn thiếu"
_NUM_KIND = re.compile(r"(?P<n>\d{1,3})[ ]{1,2}(?P<k>tieu chi|chi tieu)(?![\w])")
_STILL = re.compile(r"[ ]{0,2}(?:con thieu|con lai|chua dat|chua hoan thanh)(?![\w])")
_COUNT_AFTER = re.compile(r"[ ]{0,3}:?[ ]{0,3}(?P<n>\d{1,3})[ ]{1,2}(?:tieu chi|chi tieu)(?![\w])")
_LIST_INTRO = re.compile(r"[ ]{0,3}(?:(?:la|gom|gom co|bao gom|do la|sau|cu the|o)[ ]{0,3})?[:(]?[ ]{0,3}")
_ITEM = re.compile(r"(?:(?:tieu chi|chi tieu|tc|ct)[ ]{0,2})?(?:so[ ]{0,2})?(\d{1,2}(?:\.\d{1,2})?)(?![\d/%]|[.,]\d)")
_ITEM_DESC = re.compile(
    r"[ ]{0,2}(?:\([^()\n]{0,80}\)|(?:ve|-|:)[ ]+[^,;\n()]{1,60}?(?=[ ]{0,2}(?:[,;)]|va\b|\.|\n|$)))"
)
_LIST_SEP = re.compile(r"[ ]{0,2}(?:[,;&+][ ]{0,2}(?:va[ ]{1,2})?|va[ ]{1,2})|[ ]{1,2}(?=\d)")
_CHANGE_TAIL = (
    r"[ ]{1,2}(?:them[ ]{1,2})?(\d{1,3})[ ]{1,2}(tieu chi|chi tieu)\b(?:[ ]{1,2}so[ ]{1,2}voi[ ]{1,2}([^.;,\n]{1,40}))?"
)
_CHANGE = (re.compile(r"(tang)" + _CHANGE_TAIL), re.compile(r"(giam)" + _CHANGE_TAIL))
# counts with names
_LIST_COUNT_UNIT = re.compile(r"(xa|huyen|tinh|thon|phuong|don vi)(?![\w])")
_LIST_NUM_BACK = re.compile(r"(?<![\w/.,%])\(?(\d{1,3})[ ]{1,2}$")
_LIST_INTRO_WORD = re.compile(
    r"(?:(?:gom co|bao gom|gom cac|gom|do la|cu the la|cu the|la)(?:[ ]{1,2}(?:cac|nhung))?"
    r"(?:[ ]{1,2}(?:xa|huyen|tinh|thon))?[ ]{0,2}:?|:)[ ]{0,2}"
)
_TYPE_WORD = re.compile(r"(?:thanh pho|thi tran|thi xa|xa|phuong|huyen|quan|tinh|thon|ban|ap)[ ]{1,2}")
_NAME = re.compile(r"[^\W\d_][^\W_]{0,14}")
_LOCATOR = re.compile(r"[ ]{0,2}\([^()\n]{1,60}\)")
_ITEM_FIGURE = re.compile(
    rf"[ ]{{1,2}}(?:dat[ ]{{1,2}})?(?P<n>{NUM})[ ]{{0,2}}/[ ]{{0,2}}(?:{NUM})[ ]{{1,2}}(?:tieu chi|chi tieu)"
)
_NAME_SEP = re.compile(r"[ ]{0,2}(?:[,;][ ]{0,2}(?:va[ ]{1,2})?|va[ ]{1,2})")
_LINE_ITEM = re.compile(r"[ ]{0,4}[+\-•*][ ]{1,3}(?:thanh pho|thi tran|thi xa|xa|phuong|huyen|quan|tinh|thon)[ ]{1,2}")


class UnmetReader:
    """Mixin of :class:`~ntm.core.claims.extraction.Extractor`: unmet lists, changes, named lists."""

    def _unmet_lists(self) -> list[UnmetList]:
        fv = self.fold
        found: list[tuple[int, int, re.Match | None, int | None, str, tuple[int, int] | None]] = []

        def add(s: int, e: int, m: re.Match) -> None:
            n = int(m.group("n")) if m.group("n") else None
            found.append((s, e, m, n, m.group("k"), (m.start("n"), m.end("n")) if m.group("n") else None))

        for core in scan(_UNMET_CORE, fv, 0, self.end):
            a = _UNMET_A_BACK.search(fv, max(0, core.start() - 40), core.start())
            if a is not None:
                add(a.start(), core.end(), a)
                continue
            b = _UNMET_B_FWD.match(fv, core.end()) if core.group(0).endswith("dat") else None
            if b is not None:
                add(core.start(), b.end(), b)
        for m in scan(_UNMET_C, fv, 0, self.end):
            add(m.start(), m.end(), m)
        seen = -1
        for still in scan(_STILL_WORD, fv, 0, self.end):
            # "10 tiêu chí còn lại"; "hoàn thiện 13 chỉ tiêu của Bộ tiêu chí … còn thiếu"
            lo = max(seen, still.start() - _OWNED_REACH)
            for m in scan(_NUM_KIND, fv, lo, still.start()):
                if _STILL.fullmatch(fv, m.end(), still.end()) is not None:
                    add(m.start(), still.end(), m)
                    continue
                sm = self._owned_set_match(m.end())
                if sm is None:
                    continue
                st = _STILL.match(fv, sm.end())
                if st is not None and st.end() == still.end():
                    add(m.start(), st.end(), m)
            seen = still.start()
        found.sort(key=lambda x: (x[0], -x[1]))
        out: list[UnmetList] = []
        last_end = -1
        for s, e, m, n, k, nspan in found:  # noqa: B007
            if s < last_end:
                continue
            kind: Kind = "criteria" if k == "tieu chi" else "indicators"
            if n is None:
                c = _COUNT_AFTER.match(fv, e)
                if c is not None:
                    n, nspan, e = int(c.group("n")), (c.start("n"), c.end("n")), c.end()
            items, end = self._items(e)
            if n is None and not items:
                continue
            if len(out) >= self.max_figures:
                break
            last_end = max(e, end)
            out.append(UnmetList(kind, n, nspan, items, (s, max(e, end))))
        return out

    def _owned_set_match(self, pos: int):
        """ "13 chỉ tiêu của Bộ tiêu chí Huyện đạt chuẩn NTM nâng cao": the set wording after a count."""
        fv = self.fold
        p = pos
        for w in (" cua", " thuoc", " theo"):
            if fv.startswith(w, p):
                p += len(w)
                break
        return self._set_match_at(p) if p < len(fv) else None

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
        if items and fv[end : end + 1] == ")":
            end += 1
        return items, end

    def _attach_unmet(self, figs: list[Fig]) -> list[Fig]:
        standalone: list[Fig] = []
        starts = [f.start for f in figs]
        for u in self.unmet_lists:
            sent = self.lay.sentence(u.span[0])
            para = self.lay.paragraph(u.span[0])
            i = bisect.bisect_left(starts, u.span[0])
            target = None
            # nearest preceding figure of the same kind in the sentence, then following, then paragraph,
            # then the paragraph before under the same heading
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
                head = self._heading_at(u.span[0])
                pi = self.lay.paragraph_index(u.span[0])
                for j in range(i - 1, max(-1, i - 1 - LOOK), -1):
                    g = figs[j]
                    if g.start < u.span[0] - ATTACH_REACH:
                        break
                    same_para = g.start >= para[0]
                    near_para = (
                        self.lay.paragraph_index(g.start) == pi - 1
                        and head is not None
                        and self._heading_at(g.start) is head
                    )
                    if not (same_para or near_para):
                        break
                    if g.kind == u.kind and g.unmet is None and (own is None or own is g.subject):
                        target = g
                        break
            if target is not None:
                target.unmet = u
                continue
            standalone.append(self._standalone(u, sent))
        return standalone

    def _standalone(self, u: UnmetList, sent: tuple[int, int]) -> Fig:
        f = Fig(u.span[0], u.span[1], u.span[1], u.span, u.kind, None, None, 0, None, None, None)
        f.sentence = sent
        f.clause = self._clause(u.span[0], sent)
        f.unmet = u
        f.standalone = True
        self._assign_time([f])
        m = (
            self._set_within(u.span[0], u.span[1])
            or self._set_after(u.span[1], u.span[1] + 60)
            or self._set_before(u.span[0], sent[0])
            or self._heading_at(u.span[0])
        )
        if m is not None and m.level:
            s = self._subject_of_level(u.span[0], sent[0], m.level)
            if s is not None:
                f.subject = s
                self._display_subject(f, s)
        if f.subject is None:
            self._assign_subjects([f])
        f.modality, f.when = "current", None  # "còn thiếu", "còn lại": what is outstanding now
        if m is not None:
            f.set_mention, f.set_source = m, "sentence"
            f.set_code = self._code_for(f, m, True)
        return f

    def _subject_of_level(self, pos: int, lo: int, level: str):
        i = bisect.bisect_left(self._subj_starts, pos) - 1
        lo = max(lo, pos - SUBJECT_WINDOW)
        while i >= 0:
            s = self.subjects[i]
            if s.start < lo:
                break
            if s.end <= pos and s.level == level and s.form in ("named", "bare"):
                return s
            i -= 1
        doc = self.doc_subject
        if doc is not None and doc.level == level:
            return doc
        return None

    def _attach_changes(self, figs: list[Fig]) -> None:
        starts = [f.start for f in figs]
        for m in scan_any(_CHANGE, self.fold, 0, self.end):
            sent = self.lay.sentence(m.start())
            kind: Kind = "criteria" if m.group(3) == "tieu chi" else "indicators"
            i = bisect.bisect_left(starts, m.start()) - 1
            stop = max(-1, i - LOOK)
            while i > stop and figs[i].start >= max(sent[0], m.start() - ATTACH_REACH):
                g = figs[i]
                if g.kind == kind and g.change is None and g.total is not None:
                    delta = int(m.group(2)) * (1 if m.group(1) == "tang" else -1)
                    since = self.text[m.start(4) : m.end(4)].strip() if m.group(4) else None
                    g.change = Change(delta, kind, since, (m.start(), m.end()), self.text[m.start() : m.end()])
                    break
                i -= 1

    # -- counts with the units they name ------------------------------------------------------------
    def _unit_lists(self, figs: list[Fig]) -> list[UnitList]:
        fv, t = self.fold, self.text
        out: list[UnitList] = []
        in_total = {f.total_span: f for f in figs if f.kind == "units" and f.total_span and f.achieved is not None}
        for m in self._numbered_units():
            s0 = m.start(1)
            b = _LIST_NUM_BACK.search(fv, max(0, s0 - 8), s0)
            if b is None:
                continue
            n = int(b.group(1))
            nspan = (b.start(1), b.end(1))
            f = in_total.get(nspan)
            if f is not None:  # "3 trong 10 xã … là A, B và C": the list is of the 3
                n, nspan = int(f.achieved), f.achieved_span
            if n < 2:
                continue
            unit = FOLD_UNIT[m.group(1)]
            pos = m.end(1)
            if fv.startswith(")", pos):
                pos += 1
            names, end, complete = self._names_at(pos, m.end(1))
            if names is None:
                line_end = t.find("\n", pos, pos + 150)
                if line_end >= 0 and t[pos:line_end].strip().endswith(":"):
                    names, end = self._line_items(line_end)
                    complete = True
                if not names:
                    continue
            if len(names) < 2:
                continue
            out.append(UnitList(n, nspan, unit, names, (nspan[0], end), complete))
            for pos_, group in self._pending_groups:
                self.list_subjects[pos_] = (unit, group)
        return out

    def _names_at(self, pos: int, count_end: int):
        """The names right after a count ("03 xã Nguyên Lý, Công Lý"), in brackets ("5 tỉnh (Nam Định, …)")
        or after an introducer in the same sentence ("… năm 2018 gồm: Tiên Lữ, …", "… đó là xã Nam Mỹ")."""
        fv, _t = self.fold, self.text
        sent_end = self.lay.sentence(pos)[1]
        limit = min(sent_end, pos + 160)
        starts = [pos]
        if fv.startswith(" (", pos) or fv.startswith("(", pos):
            starts = [fv.find("(", pos) + 1]
        else:
            for w in _LIST_INTRO_WORD.finditer(fv, pos, limit):
                if w.start() > pos and not (fv[w.start() - 1] == " " or fv[w.start()] == ":"):
                    continue
                if _LIST_COUNT_UNIT.search(fv, pos, w.start()) and re.search(
                    r"\d[ ]{1,2}(?:xa|huyen|tinh|thon)\b", fv[pos : w.start()]
                ):
                    break  # another count comes first: the list is its
                starts.append(w.end())
        for s in starts:
            names, end, complete = self._name_list(s, limit if s != pos else pos + 200)
            if names is not None and len(names) >= 2:
                return names, end, complete
        self._pending_groups = []
        return None, pos, False

    def _name_list(self, pos: int, limit: int):
        """Names separated by commas, semicolons or "và", each with an optional type word, a locator in
        brackets ("(huyện Lập Thạch)") and a figure ("Ngọc Phụng 14/19 tiêu chí"). The names before a
        figure are its subjects (kept in ``_pending_groups``)."""
        fv, t = self.fold, self.text
        names: list[tuple[str, tuple[int, int]]] = []
        self._pending_groups = []
        group_from = 0
        p = pos
        while p < len(t) and len(names) < 200:
            while p < len(t) and (t[p] == " " or (t[p] == "\n" and names and t[p + 1 : p + 2] != "\n")):
                p += 1
            tw = _TYPE_WORD.match(fv, p)
            q = tw.end() if tw and t[tw.end() : tw.end() + 1][:1].isupper() else p
            words = []
            w_end = q
            while len(words) < 5:
                w = _NAME.match(t, w_end)
                if w is None or not w.group(0)[0].isupper():
                    break
                words.append(w.group(0))
                w_end = w.end()
                if t[w_end : w_end + 1] != " " or not t[w_end + 1 : w_end + 2][:1].isupper():
                    break
                w_end += 1
            if not words:
                return (names or None), p, False
            w_end = q + len(" ".join(words))
            names.append((" ".join(words), (q, w_end)))
            p = w_end
            loc = _LOCATOR.match(t, p)
            if loc:
                p = loc.end()
            fig = _ITEM_FIGURE.match(fv, p)
            if fig:
                self._pending_groups.append((fig.start("n"), names[group_from:]))
                group_from = len(names)
                p = fig.end()
            sep = _NAME_SEP.match(fv, p)
            if sep is None:
                rest = t[p : p + 2]
                complete = not rest.strip().startswith(("…", "...")) and not fv.startswith(", …", p)
                return names, p, complete
            if fv.startswith("…", sep.end()) or fv.startswith("...", sep.end()):
                return names, sep.end(), False
            p = sep.end()
        return names, p, False

    def _line_items(self, line_end: int):
        """ "(06 xã):" followed by one "+ Xã …" line per unit (blank lines between are allowed)."""
        t, fv = self.text, self.fold
        names: list[tuple[str, tuple[int, int]]] = []
        p = line_end + 1
        last = line_end
        while 0 < p < len(t):
            nl = t.find("\n", p)
            nl = len(t) if nl < 0 else nl
            if not t[p:nl].strip():
                p = nl + 1
                continue
            m = _LINE_ITEM.match(fv, p, nl)
            if m is None:
                break
            w_end = m.end()
            words = []
            while len(words) < 5:
                w = _NAME.match(t, w_end)
                if w is None or not w.group(0)[0].isupper():
                    break
                words.append(w.group(0))
                w_end = w.end()
                if t[w_end : w_end + 1] != " " or not t[w_end + 1 : w_end + 2][:1].isupper():
                    break
                w_end += 1
            if not words:
                break
            names.append((" ".join(words), (m.end(), m.end() + len(" ".join(words)))))
            last = nl
            p = nl + 1
        return names, last


LOOK = 12
ATTACH_REACH = 1500
