"""Reading the figures out of a progress report: the stages put together.

1. :mod:`.timeline` — the period reported on, the date of issue, the times named in sentences;
2. :mod:`.figures` — every figure ("17/19 tiêu chí", "160 trong tổng số 178 xã", "743 xã (12,3%)
   đạt chuẩn …", "bình quân … 17 tiêu chí/xã") with its percentage;
3. :mod:`.unmet` — unmet lists and counts, changes, counts with the units they name;
4. :mod:`.subjects` — whose figure it is (and the unit a count or an average is taken over);
5. :mod:`.attribution` — which criteria set it is measured against;
6. the claims, with units resolved through the caller's resolver, and the recognitions.

The text is scanned once per pattern; no pattern can backtrack catastrophically.
"""

from __future__ import annotations

import bisect
import copy
import re

from .attribution import LVL, SET, TIER, SetReader
from .figures import MAX_FIGURES, Fig, FigureReader
from .model import Claim, Period, Recognition, UnitList, UnmetList
from .patterns import scan
from .resolver import UnitResolver
from .sets import Catalogue, phase_from_years
from .subjects import _TYPE, TYPE_DISPLAY, TYPE_LEVEL, SubjectReader
from .text import Layout, layout, lower_view, views
from .timeline import Timeline, _title_end, read_timeline
from .unmet import UnmetReader

_TARGET = re.compile(
    r"\b(phan dau|muc tieu|ke hoach|du kien|dang ky|de ra|can dat|se dat|chi tieu giao|chi tieu phan dau)\b"
)
_PAST = re.compile(r"(?<!thang )\b(dau nam|cung ky|nam truoc|truoc day|ky truoc|thang truoc)\b")
_NOW = re.compile(r"\b(den nay|hien nay|hien tai|nay|luy ke|hien dat|hien co|da dat)\b")
_RECOGNIZE = re.compile(r"cong nhan\b")
_PROPOSED = re.compile(r"\b(de nghi|xet|trinh|de xuat|ho so|dang ky|phan dau|huong dan|chuan bi)\b")
_STANDARD = re.compile(r"dat chuan\b")


class Extractor(FigureReader, UnmetReader, SubjectReader, SetReader):
    def __init__(
        self,
        text: str,
        *,
        resolver: UnitResolver | None,
        catalogue: Catalogue,
        context_names: list[str] | None = None,
        max_figures: int = MAX_FIGURES,
    ):
        self.text = text
        self.low, self.fold = views(text)
        self.lay: Layout = layout(text)
        self.resolver = resolver
        self.cat = catalogue
        self.extra_context = list(context_names or [])
        self.max_figures = max_figures
        self.end = len(text)  # the part of the text analysed (all of it unless a cap is reached)
        self.notes: list[str] = []
        self._locators = []

    # ------------------------------------------------------------------------------------------
    def run(self) -> tuple[list[Claim], list[Recognition], Period | None, list[str]]:
        self.timeline: Timeline = read_timeline(self.text, self.fold, self.lay)
        self.period = self.timeline.period
        at = getattr(self.resolver, "at", None)
        if callable(at) and getattr(self.resolver, "date", None) is None and self.timeline.as_of is not None:
            self.resolver = at(self.timeline.as_of)  # units as they stood when the figures were taken
        self.year = self.timeline.year
        self._title_end = _title_end(self.text)
        figs = self._figures()
        self.unmet_lists: list[UnmetList] = self._unmet_lists()
        self._anchors = sorted([f.start for f in figs] + [u.span[0] for u in self.unmet_lists])
        self.sets = self._set_mentions()
        self._set_starts = [m.start for m in self.sets]
        self.headings = self._heading_scopes()
        self._head_starts = [h.start for h in self.headings]
        self._clause_breaks = self._breaks()
        for f in figs:
            f.sentence = self.lay.sentence(f.start)
            f.clause = self._clause(f.start, f.sentence)
        self.subjects = self._subjects(figs)
        self._subj_starts = [s.start for s in self.subjects]
        self.doc_subject = self._doc_subject()
        self.context_names = self._context_names()
        self.list_subjects: dict = {}
        self.unit_lists_found: list[UnitList] = self._unit_lists(figs)
        self._assign_time(figs)
        self._assign_subjects(figs)
        self._assign_sets(figs)
        standalone = self._attach_unmet(figs)
        self._attach_changes(figs)
        all_figs = self._spread(sorted(figs + standalone, key=lambda f: f.start))
        self._resolve_units(all_figs)
        claims = [self._claim(f) for f in all_figs]
        recognitions = self._recognitions()
        return claims, recognitions, self.period, self.context_names

    @property
    def subject_display(self) -> str | None:
        d = self.doc_subject
        return d.display if d is not None else None

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

    # -- time of each figure -----------------------------------------------------------------------
    def _assign_time(self, figs: list[Fig]) -> None:
        tl = self.timeline
        base = tl.as_of
        year = self.year
        prev_end_in_clause: dict[tuple[int, int], int] = {}
        for f in figs:
            scope = tl.scope_at(f.start)
            lo = max(f.clause[0], prev_end_in_clause.get(f.clause, f.clause[0]), f.start - 150)
            window = self.fold[lo : f.start]
            prev_end_in_clause[f.clause] = f.end
            now = None
            for m in _NOW.finditer(window):
                now = m
            if scope is not None and _NOW.search(self.fold, scope.end, f.start):
                scope = None  # "Năm 2017 …; đến nay xã đạt …"
            hint = tl.phase_hint_at(f.start) if tl.phase_hints else None
            if hint is not None:
                f.phase_hint = phase_from_years(*hint)
            f.scope = scope
            f.ref_date = scope.as_of if scope is not None else base
            if scope is not None and (self.period is None or scope.key != self.period.key):
                f.when = scope.key
            target = _TARGET.search(window)
            if target is not None and (now is None or now.start() < target.start()):
                f.modality = "target"
                continue
            if scope is not None:
                if scope.kind == "target" or (year is not None and scope.year > year):
                    f.modality = "target"
                    continue
                if year is not None and scope.year < year:
                    f.modality = "past"
                    continue
            past = None
            for m in _PAST.finditer(window):
                past = m
            if past is not None and (now is None or now.start() < past.start()):
                f.modality = "past"

    # -- units named together share a figure -------------------------------------------------------
    def _spread(self, figs: list[Fig]) -> list[Fig]:
        out: list[Fig] = []
        for f in figs:
            if not f.coordinated:
                out.append(f)
                continue
            for s in f.coordinated:
                g = copy.copy(f)
                g.notes = list(f.notes)
                g.coordinated = []
                g.subject, g.subject_display, g.subject_level = s, s.display, s.level
                g.unit_code = None
                out.append(g)
            f.coordinated = []
            out.append(f)
        return out

    # -- units -------------------------------------------------------------------------------------
    def _resolve(self, name: str, cache: dict) -> str | None:
        if self.resolver is None:
            return None
        if name not in cache:
            try:
                uid = self.resolver.resolve(name, list(self.context_names))
                cache[name] = str(uid) if uid is not None else None
            except Exception as exc:  # a resolver must not break the checker
                cache[name] = None
                self.notes.append(f"lỗi khi xác định đơn vị '{name}': {type(exc).__name__}")
        return cache[name]

    def _resolve_units(self, figs: list[Fig]) -> None:
        cache: dict[str, str | None] = {}
        from .compare import NATIONAL

        for f in figs:
            if f.container is not None and f.container.form == "national":
                f.container_code = NATIONAL
            elif f.container_display and f.container is not None:
                f.container_code = self._resolve(f.container_display, cache)
            s = f.subject
            if s is None or s.form in ("aggregate", "national") or f.subject_display is None:
                continue
            if s.form == "bare" and f.subject_display == s.display:
                continue
            if self.resolver is None:
                f.notes.append("chưa xác định đơn vị")
                continue
            f.unit_code = self._resolve(f.subject_display, cache)
            if f.unit_code is None:
                f.notes.append("chưa xác định đơn vị")

    # -- recognitions ------------------------------------------------------------------------------
    def _recognitions(self) -> list[Recognition]:
        out: list[Recognition] = []
        fv, t = self.fold, self.text
        for m in scan(_RECOGNIZE, fv, 0, self.end):
            sent = self.lay.sentence(m.start())
            before = fv[max(sent[0], m.start() - 40) : m.start()]
            status = "proposed" if _PROPOSED.search(before) else "recognized"
            pos = m.end()
            limit = min(sent[1], m.end() + 600)
            again = next(scan(_RECOGNIZE, fv, m.end(), limit), None)
            if again:
                limit = again.start()
            while pos < limit:
                d = next(scan(_STANDARD, fv, pos, limit), None)
                if not d:
                    break
                seg = t[pos : d.start()]
                units = self._units_in(seg, pos)
                sm = SET.match(fv, d.end() + 1) if fv[d.end() : d.end() + 1] == " " else None
                nxt = sm.end() if sm else d.end()
                for disp, tw, s0, _e0 in units:
                    level = TYPE_LEVEL.get(tw)
                    code = None
                    if sm:
                        phase = None
                        if sm.group("y1"):
                            phase = phase_from_years(int(sm.group("y1")), int(sm.group("y2")))
                        scope = self.timeline.scope_at(s0)
                        phase = phase or self.cat.phase_of(scope.as_of if scope else self.timeline.as_of) or "2021-2025"
                        lvl = LVL.get(sm.group("lvl") or "") or level or "commune"
                        tier = TIER[sm.group("tier")]
                        code = self.cat.find(lvl, tier, phase) if tier in ("ntm", "nang_cao", "kieu_mau") else None
                    uid = None
                    if self.resolver is not None:
                        try:
                            uid = self.resolver.resolve(disp, list(self.context_names))
                        except Exception:
                            uid = None
                    out.append(
                        Recognition(
                            disp, level, str(uid) if uid is not None else None, code, status, t[s0:nxt], (s0, nxt)
                        )
                    )
                pos = nxt
        return out

    def _units_in(self, seg: str, offset: int) -> list[tuple[str, str, int, int]]:
        """'cho xã Quảng Tân, Đầm Hà ' → [("Xã Quảng Tân", "xã", start, end), ("Xã Đầm Hà", "xã", …)].

        The first unit's span starts at its type word, the others at their names."""
        if len(seg) > 200:
            return []
        m = next(scan(_TYPE, lower_view(seg)), None)
        if m is None:
            return []
        tw = m.group(1).rstrip(".")
        if tw not in TYPE_LEVEL:
            return []
        disp_type = TYPE_DISPLAY.get(tw) or tw[:1].upper() + tw[1:]
        out = []
        cursor = m.end()
        for part in re.split(r"(,| và )", seg[m.end() :]):
            if part not in (",", " và "):
                name = part.strip()
                if name and name[0].isupper() and len(name.split()) <= 5:
                    s0 = offset + cursor + (len(part) - len(part.lstrip()))
                    out.append((f"{disp_type} {name}", tw, offset + m.start() if not out else s0, s0 + len(name)))
            cursor += len(part)
        return out

    # -- output --------------------------------------------------------------------------------------
    def _claim(self, f: Fig) -> Claim:
        t = self.text
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
            achieved=f.achieved,
            total=f.total,
            percent=f.percent,
            percent_places=f.percent_places,
            achieved_places=f.achieved_places,
            aggregate_of=f.aggregate_of,
            average=f.average,
            modality=f.modality,
            text=t[f.start : f.end],
            span=(f.start, f.end),
            figure_span=f.figure_span,
            achieved_span=f.achieved_span if f.achieved is not None else None,
            total_span=f.total_span,
            percent_span=f.percent_span,
            unmet=list(u.items) if u is not None and u.items else None,
            unmet_count=u.count if u is not None else None,
            unmet_span=u.span if u is not None else None,
            unmet_count_span=u.count_span if u is not None else None,
            change=f.change,
            notes=list(dict.fromkeys(f.notes)),
            when=f.when,
            container=f.container_display,
            container_code=f.container_code,
            percent_approx=f.percent_approx,
            count=f.count,
        )
