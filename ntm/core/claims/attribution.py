"""Which criteria set each figure is measured against.

The set wording nearest the figure decides the *level* and *tier*: wording attached to the figure
or to its run ("17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới"), then before it in its clause,
its sentence, the heading it sits under ("* Về xã nông thôn mới nâng cao:"), the previous
sentence. Wording that belongs to a count of units ("83 xã đạt chuẩn nông thôn mới kiểu mẫu") is
that count's own and does not pass on to an average ("bình quân cả nước đạt 17 tiêu chí/xã").

The *phase* comes from the wording ("giai đoạn 2021-2025"), else from the date the figure stands
at — the time named in its sentence ("Năm 2017, …"), the period reported on, the date of issue —
by the dates the decisions came into force. The stated totals then have the last word: a set must
fit them (19 criteria is never the 2026–2030 set; 4 is never an average of criteria per commune),
else the set of the same level and tier in another phase that fits, else (wording not attached to
the figure) another tier that fits.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from .figures import Fig
from .patterns import UNIT_LEVEL, scan
from .sets import PHASES, phase_from_years

SET_REACH = 3000  # how far before a figure set wording may be inherited from
ATTACH_REACH = 1500
LOOK = 12

SET = re.compile(
    r"\b(?:(?P<bo>bo tieu chi|bo tc)[ ]+(?:quoc gia[ ]+)?(?:ve[ ]+)?(?:xay dung[ ]+)?)?"
    r"(?:(?P<lvl>xa|huyen|tinh|thon)[ ]+(?:dat chuan[ ]+)?)?"
    r"(?P<ntm>nong thon moi|ntm)\b"
    r"(?:[ ]+(?P<tier>nang cao|kieu mau|hien dai|thong minh)\b)?"
    r"(?:[ ]{0,2},?[ ]{0,2}(?:giai doan|gd)[ ]{0,2}(?P<y1>\d{4})[ ]{0,2}-[ ]{0,2}(?P<y2>\d{4}))?"
)
_SET_SHORT = re.compile(r"(?P<lvl>xa|huyen)[ ]+(?P<tier>nang cao|kieu mau)\b")
_SET_CORE = re.compile(r"(?:nong thon moi|ntm)(?![\w])")
_SET_PREFIX_BACK = re.compile(
    r"(?<![\w])(?:(?:bo tieu chi|bo tc)[ ]+(?:quoc gia[ ]+)?(?:ve[ ]+)?(?:xay dung[ ]+)?)?"
    r"(?:(?:xa|huyen|tinh|thon)[ ]+(?:dat chuan[ ]+)?)?$"
)
TIER = {None: "ntm", "nang cao": "nang_cao", "kieu mau": "kieu_mau", "hien dai": "hien_dai", "thong minh": "thong_minh"}
LVL = {"xa": "commune", "huyen": "district", "tinh": "province", "thon": "village"}
# words allowed between a figure and the set wording that belongs to it
_SET_GAP = re.compile(
    r"[ ]{0,3}(?:[,:(][ ]{0,2})?(?:(?:theo|cua|ve|thuoc|doi voi|so voi|bo tieu chi|bo tc|tieu chi|quoc gia|chuan|"
    r"dat chuan|dat|xa|huyen|cac|theo bo tieu chi|duoc|cong nhan|da|va)[ ]{1,3}){0,5}$"
)
# what may stand between two figures of one run
_RUN_GAP = re.compile(
    r"[ ]{0,3}(?:[,:&+(][ ]{0,3})?(?:(?:va|voi|cung|va dat|dat|trong do|gom|tuong ung)[ ]{1,3}){0,2}$"
)
_REACHES = re.compile(r"(?<![\w])(?:dat chuan|cong nhan|ve dich)(?![\w])")
_FORWARD_INTRO = re.compile(r"(?<![\w])(?:ve|theo|thuoc|doi voi)(?:[ ]{1,2}(?:bo[ ]{1,2})?tieu chi)?[ ]{1,2}$")
_BULLET = re.compile(r"^[ ]{0,4}(?:[*•+\-–]|[a-dđ]\)|\d{1,2}[.)]|[ivx]{1,4}[.)])")
_MAJOR = re.compile(r"(?m)^[ ]{0,4}(?:\d{1,2}|[IVX]{1,4})[.)][ ]")


@dataclass
class SetMention:
    start: int
    end: int
    level: str | None
    tier: str
    phase: str | None
    consumed: bool = False  # the own wording of a count of units: not passed on to other figures


@dataclass
class HeadingScope:
    start: int  # end of the heading line
    end: int
    mention: SetMention


class SetReader:
    """Mixin of :class:`~ntm.core.claims.extraction.Extractor`: set attribution."""

    # -- wording ---------------------------------------------------------------------------------
    def _set_mentions(self) -> list[SetMention]:
        out: list[SetMention] = []
        fv = self.fold
        for core in scan(_SET_CORE, fv, 0, self.end):
            if not self._near_anchor(core.start(), 200, SET_REACH):
                continue  # wording no figure can use
            m = self._set_match_around(core)
            if m is None:
                continue
            out.append(self._mention(m))
        taken = [(m.start, m.end) for m in out]
        for m in scan(_SET_SHORT, fv, 0, self.end) if "nang cao" in fv or "kieu mau" in fv else ():
            if not self._near_anchor(m.start(), 200, SET_REACH):
                continue
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            out.append(SetMention(m.start(), m.end(), LVL[m.group("lvl")], TIER[m.group("tier")], None))
        out.sort(key=lambda s: s.start)
        return out

    def _set_match_around(self, core: re.Match) -> re.Match | None:
        fv = self.fold
        b = _SET_PREFIX_BACK.search(fv, max(0, core.start() - 55), core.start())
        m = SET.match(fv, b.start() if b else core.start())
        if m is None or m.start("ntm") != core.start():
            m = SET.match(fv, core.start())
        return m

    def _mention(self, m: re.Match) -> SetMention:
        phase = phase_from_years(int(m.group("y1")), int(m.group("y2"))) if m.group("y1") else None
        return SetMention(m.start(), m.end(), LVL.get(m.group("lvl") or ""), TIER[m.group("tier")], phase)

    def _set_match_at(self, pos: int) -> re.Match | None:
        """Set wording starting at ``pos`` (spaces skipped): "nông thôn mới nâng cao", "xã NTM"."""
        fv = self.fold
        while pos < len(fv) and fv[pos] == " ":
            pos += 1
        m = SET.match(fv, pos)
        return m if m is not None and m.group("ntm") else None

    def _attached_set_match(self, pos: int) -> re.Match | None:
        """Set wording right after a figure ("10/12 xã đạt chuẩn nông thôn mới (chiếm 83,33%)")."""
        fv = self.fold
        core = _SET_CORE.search(fv, pos, min(len(fv), pos + 60))
        if core is None:
            return None
        b = _SET_PREFIX_BACK.search(fv, max(pos, core.start() - 55), core.start())
        start = b.start() if b else core.start()
        if not _SET_GAP.match(fv, pos, start):
            return None
        return SET.match(fv, start)

    def _near_anchor(self, pos: int, before: int, after: int) -> bool:
        """Is some figure (or unmet list) within ``[pos - before, pos + after]``?"""
        i = bisect.bisect_left(self._anchors, pos - before)
        return i < len(self._anchors) and self._anchors[i] <= pos + after

    def _set_after(self, pos: int, limit: int) -> SetMention | None:
        j = bisect.bisect_right(self._set_starts, pos) - 1
        if j >= 0 and self.sets[j].start < pos < self.sets[j].end:
            return self.sets[j]  # "10/12 xã đạt chuẩn nông thôn mới": the wording took the unit word along
        i = bisect.bisect_left(self._set_starts, pos)
        if i < len(self.sets):
            m = self.sets[i]
            if (
                m.start <= limit
                and _SET_GAP.match(self.fold, pos, m.start)
                and self.fold[pos : m.start].count("\n") == 0
            ):
                return m
        return None

    def _set_within(self, lo: int, hi: int) -> SetMention | None:
        i = bisect.bisect_left(self._set_starts, lo)
        if i < len(self.sets) and self.sets[i].end <= hi:
            return self.sets[i]
        return None

    def _set_before(self, pos: int, lo: int, inherit: bool = True) -> SetMention | None:
        i = bisect.bisect_left(self._set_starts, pos) - 1
        while i >= 0:
            m = self.sets[i]
            if m.start < lo:
                return None
            if m.end <= pos and not (inherit and m.consumed):
                return m
            i -= 1
        return None

    # -- headings ------------------------------------------------------------------------------------
    def _heading_scopes(self) -> list[HeadingScope]:
        """ "* Về xã nông thôn mới nâng cao:" scopes the lines under it, up to the next heading with
        set wording or the next numbered heading."""
        t, fv = self.text, self.fold
        heads: list[tuple[int, int, SetMention | None]] = []
        for m in self.sets:
            ls = t.rfind("\n", max(0, m.start - 150), m.start) + 1
            le = t.find("\n", m.end, m.end + 150)
            le = min(len(t), m.end + 150) if le < 0 else le
            if ls == 0 and m.start > 150:
                continue  # no line start near: not a heading
            line = fv[ls:le]
            if le - ls > 140 or any(ls <= a < le for a in self._anchor_slice(ls, le)):
                continue
            if not (line.rstrip().endswith(":") or _BULLET.match(line)):
                continue
            if heads and heads[-1][0] == ls:
                continue
            heads.append((ls, le, m))
        if not heads:
            return []
        majors = [m.start() for m in _MAJOR.finditer(t)]
        out: list[HeadingScope] = []
        for k, (ls, le, m) in enumerate(heads):  # noqa: B007
            end = heads[k + 1][0] if k + 1 < len(heads) else len(t)
            i = bisect.bisect_right(majors, le)
            if i < len(majors):
                end = min(end, majors[i])
            out.append(HeadingScope(le, end, m))
        return out

    def _anchor_slice(self, lo: int, hi: int) -> list[int]:
        i = bisect.bisect_left(self._anchors, lo)
        j = bisect.bisect_left(self._anchors, hi)
        return self._anchors[i:j]

    def _heading_at(self, pos: int) -> SetMention | None:
        i = bisect.bisect_right(self._head_starts, pos) - 1
        if i >= 0 and self.headings[i].start <= pos < self.headings[i].end:
            return self.headings[i].mention
        return None

    # -- attribution ---------------------------------------------------------------------------------
    def _assign_sets(self, figs: list[Fig]) -> None:
        starts = [f.start for f in figs]
        for k, f in enumerate(figs):
            start = f.kind_end
            f.own_set = self._set_after(start, start + 60)
            if f.own_set is None and f.end != f.kind_end:
                f.own_set = self._set_after(f.end, f.end + 60)
            if f.own_set is None and f.kind == "units":
                f.own_set = self._standard_named_after(f, starts[k + 1] if k + 1 < len(figs) else len(self.text))
            if f.own_set is not None and f.kind == "units":
                f.own_set.consumed = True
        runs: list[list[Fig]] = []
        for f in figs:
            if runs:
                last = runs[-1][-1]
                gap_start = max(last.end, last.own_set.end if last.own_set else 0)
                if (
                    last.clause == f.clause
                    and last.own_set is None
                    and gap_start <= f.start
                    and last.kind != "units"
                    and f.kind != "units"
                    and _RUN_GAP.match(self.fold, gap_start, f.start)
                    and f.start - gap_start <= 40
                ):
                    runs[-1].append(f)
                    continue
            runs.append([f])
        for run in runs:
            for i, f in enumerate(run):
                if f.own_set is not None:
                    f.set_mention, f.set_source = f.own_set, "stated"
                    continue
                follow = next((g.own_set for g in run[i + 1 :] if g.own_set is not None), None)
                if follow is not None:
                    f.set_mention, f.set_source = follow, "run"
                    continue
                self._inherit_set(f)
        for f in figs:
            if f.set_mention is not None:
                f.set_code = self._code_for(f, f.set_mention, f.set_source in ("stated", "run"))
        self._text_sets(figs)
        self._siblings(figs)
        for run in runs:
            self._infer_run(run)
        for f in figs:
            self._default_set(f)
            self._fill_from_set(f)

    def _inherit_set(self, f: Fig) -> None:
        inherit = f.kind != "units"
        for lo, source in ((f.clause[0], "clause"), (f.sentence[0], "sentence")):
            m = self._set_before(f.start, lo, inherit)
            if m is not None:
                f.set_mention, f.set_source = m, source
                return
        m = self._set_forward(f)
        if m is not None:
            f.set_mention, f.set_source = m, "clause"
            return
        m = self._heading_at(f.start)
        if m is not None:
            f.set_mention, f.set_source = m, "heading"
            return
        si = self.lay.sentence_index(f.start)
        p0, _ = self.lay.paragraph(f.start)
        if si > 0:
            prev_s = self.lay.sentence_starts[si - 1]
            if prev_s >= p0:
                m = self._set_before(f.sentence[0], prev_s, inherit)
                if m is not None:
                    f.set_mention, f.set_source = m, "context"

    def _standard_named_after(self, f: Fig, next_fig: int) -> SetMention | None:
        """ "3 trong 10 xã đăng ký đã đạt chuẩn nông thôn mới nâng cao": the standard a count of units
        reaches, named after a few words in the clause (before the next figure)."""
        i = bisect.bisect_left(self._set_starts, f.kind_end)
        if i < len(self.sets):
            m = self.sets[i]
            if m.start < min(f.clause[1], next_fig, f.kind_end + 100) and _REACHES.search(
                self.fold, f.kind_end, m.start
            ):
                return m
        return None

    def _set_forward(self, f: Fig) -> SetMention | None:
        """ "… đạt được 3/9 tiêu chí … và 27/38 chỉ tiêu …, tăng 02 chỉ tiêu so với đầu năm về tiêu chí huyện
        nông thôn mới nâng cao": wording later in the clause, introduced by "về", "theo", "thuộc"."""
        i = bisect.bisect_left(self._set_starts, f.end)
        if i < len(self.sets):
            m = self.sets[i]
            if m.start < f.clause[1] and _FORWARD_INTRO.search(self.fold, max(f.end, m.start - 30), m.start):
                return m
        return None

    def _siblings(self, figs: list[Fig]) -> None:
        """A figure without set wording takes the set of another figure of the same subject in the
        same sentence whose set it fits ("số tiêu chí đạt: 17/19; số chỉ tiêu đạt: 54/57 (NTM)")."""
        for k, f in enumerate(figs):
            if f.set_mention is not None or f.kind not in ("criteria", "indicators"):
                continue
            near = figs[max(0, k - LOOK) : k] + figs[k + 1 : k + 1 + LOOK]
            group = [g for g in near if g.sentence == f.sentence and abs(g.start - f.start) <= ATTACH_REACH]
            if group:
                codes = {
                    g.set_code for g in group if g.set_code and g.set_mention is not None and g.subject is f.subject
                }
                fitting = [c for c in codes if (info := self.cat.info(c)) is not None and self._fits(f, info)]
                if len(fitting) == 1:
                    f.set_code, f.set_source = fitting[0], "sibling"
                elif len(codes) == 1 and not self.cat.available:
                    f.set_code, f.set_source = codes.pop(), "sibling"

    def _level_for(self, f: Fig, m: SetMention | None) -> str:
        if f.kind == "units" and UNIT_LEVEL.get(f.unit_type or ""):
            return UNIT_LEVEL[f.unit_type]  # "91/664 đơn vị cấp huyện … đạt chuẩn": districts
        if m is not None and m.level and m.level != "village":
            return m.level
        if f.kind == "units" or f.per_unit:
            return UNIT_LEVEL.get(f.unit_type or "") or "commune"
        if f.subject_level in ("commune", "district"):
            return f.subject_level
        return "commune"

    def _phase_for(self, f: Fig, m: SetMention | None) -> str | None:
        if m is not None and m.phase:
            return m.phase
        return f.phase_hint or self.cat.phase_of(f.ref_date)

    def _code_for(self, f: Fig, m: SetMention, attached: bool) -> str | None:
        level = self._level_for(f, m)
        if m.level == "village":
            f.notes.append("bộ tiêu chí thôn do tỉnh ban hành")
            return None
        if m.tier in ("hien_dai", "thong_minh"):
            f.notes.append("không có bộ tiêu chí quốc gia cho cách gọi này")
            return None
        phase = self._phase_for(f, m)
        if phase is None:
            # no date in the text: take the phase whose totals fit, else 2021–2025
            fitting = []
            for ph in ("2021-2025", "2016-2020", "2026-2030", "2010-2015"):
                code = self.cat.find(level, m.tier, ph)
                info = self.cat.info(code)
                if code and info and self._fits(f, info):
                    fitting.append(code)
            if len(fitting) == 1:
                return fitting[0]
            phase = "2021-2025"
            f.notes.append("giai đoạn suy ra: 2021-2025 (văn bản không ghi thời gian)")
        code = self.cat.find(level, m.tier, phase)
        info = self.cat.info(code)
        if code is not None and (info is None or self._fits(f, info)):
            return code
        if m.tier == "kieu_mau" and f.kind == "criteria" and (f.average or f.per_unit):
            ntm = self.cat.find(level, "ntm", phase)  # 4 is never an average of criteria per commune
            if ntm is not None:
                f.notes.append("số bình quân tiêu chí/xã theo bộ tiêu chí nông thôn mới")
                return ntm
        if code is not None and f.total is None and f.kind == "criteria":
            return code  # "đạt 21 tiêu chí", "bình quân 19,4 tiêu chí/xã": above any set, an error to show
        if f.kind == "units":
            return code
        # the stated totals have the last word; where the phase's set is not catalogued only a count of
        # indicators tells the phases apart (the district set has had 9 criteria since 2016)
        if m.phase is None and f.phase_hint is None and (code is not None or f.kind == "indicators"):
            for ph in self._other_phases(phase):
                other = self.cat.find(level, m.tier, ph)
                oi = self.cat.info(other)
                if other and oi and self._fits_strictly(f, oi):
                    f.notes.append(f"bộ tiêu chí theo tổng số ghi trong văn bản (giai đoạn {ph})")
                    f.rephased = (level, m.tier, phase)
                    return other
        if code is None:  # no national set of this level and tier in the phase (not one read elsewhere)
            lv = {"commune": "xã", "district": "huyện"}.get(level, level)
            f.notes.append(f"không có bộ tiêu chí quốc gia cấp {lv} mức này cho giai đoạn {phase}")
            return None
        if not attached:
            fit = [
                i for i in self.cat.sets_of_level(level) if i.phase == phase and i.province is None and self._fits(f, i)
            ]
            if f.average and len(fit) > 1:
                fit = [i for i in fit if i.tier == "ntm"] or fit
            if len(fit) == 1:
                f.notes.append("bộ tiêu chí suy ra từ tổng số")
                f.set_source = "inferred"
                return fit[0].code
            f.notes.append("tổng số không khớp bộ tiêu chí nêu trong câu; có thể là bộ tiêu chí của tỉnh")
            return None
        return code

    def _text_sets(self, figs: list[Fig]) -> None:
        """A text uses one set per level and tier: when stated totals showed it to be another phase's
        ("55/57 chỉ tiêu nông thôn mới" in February 2022), its other figures of that level, tier and phase
        follow ("17/19 tiêu chí" in the same clause, "56/57 chỉ tiêu nâng cao" beside "73/75 chỉ tiêu
        nâng cao"), and a wrong total among them is then an error of the text."""
        chosen: dict[tuple, set[str]] = {}
        for f in figs:
            if f.rephased is not None:
                chosen.setdefault(f.rephased, set()).add(f.set_code)
        if not chosen:
            return
        for f in figs:
            m = f.set_mention
            if (
                f.rephased is not None
                or m is None
                or m.phase is not None
                or f.phase_hint is not None
                or f.kind not in ("criteria", "indicators")
            ):
                continue
            codes = chosen.get((self._level_for(f, m), m.tier, self.cat.phase_of(f.ref_date)))
            if not codes or len(codes) != 1:
                continue
            code = next(iter(codes))
            info = self.cat.info(code)
            if code != f.set_code and info is not None and (f.set_code is None or self._fits(f, info)):
                f.set_code = code
                f.notes = [n for n in f.notes if not n.startswith("không có bộ tiêu chí quốc gia")]
                f.notes.append("bộ tiêu chí theo tổng số ghi ở chỗ khác trong văn bản")

    @staticmethod
    @functools.cache
    def _other_phases(phase: str) -> tuple[str, ...]:
        """The other phases, nearest first, the earlier one first at equal distance: where a stated total
        ("19 tiêu chí" in 2026, "57 chỉ tiêu" in February 2022) is looked for."""
        if phase not in PHASES:
            return ()
        i = PHASES.index(phase)
        return tuple(
            sorted((p for p in PHASES if p != phase), key=lambda p: (abs(PHASES.index(p) - i), PHASES.index(p) > i))
        )

    @staticmethod
    def _fits_strictly(f: Fig, info) -> bool:
        """The stated total is the set's own (not merely not contradicted)."""
        if f.total is None:
            return False
        if f.kind == "criteria":
            return f.total == info.criteria_total
        return info.indicators_authoritative and f.total == info.indicator_total

    @staticmethod
    def _fits(f: Fig, info) -> bool:
        if f.kind == "criteria":
            if f.total is not None:
                return f.total == info.criteria_total
            return f.achieved is None or f.achieved <= info.criteria_total
        if f.kind == "indicators":
            if not info.indicators_authoritative or info.indicator_total is None:
                return True
            if f.total is not None:
                return f.total == info.indicator_total
            return f.achieved is None or f.achieved <= info.indicator_total
        return True

    def _infer_run(self, run: list[Fig]) -> None:
        todo = [f for f in run if f.set_code is None and f.set_mention is None and f.kind in ("criteria", "indicators")]
        if not todo or not self.cat.available:
            for f in todo:
                if not f.average:
                    f.notes.append("không rõ bộ tiêu chí")
            return
        level = self._level_for(todo[0], None)
        phase = todo[0].phase_hint or self.cat.phase_of(todo[0].ref_date)
        national = [i for i in self.cat.sets_of_level(level) if i.province is None]
        cands = [i for i in national if phase is None or i.phase in (None, phase)]
        fit = [
            i
            for i in cands
            if all(self._fits(f, i) for f in todo)
            and any(self._fits_strictly(f, i) or (f.total is None and f.kind == "criteria") for f in todo)
        ]
        if not fit and phase is not None and todo[0].phase_hint is None:
            for ph in self._other_phases(phase):  # "… 19/19 tiêu chí, 49/49 chỉ tiêu" in a 2023 text
                fit = [i for i in national if i.phase == ph and all(self._fits_strictly(f, i) for f in todo)]
                if fit:
                    break
        if len(fit) == 1:
            for f in todo:
                f.set_code, f.set_source = fit[0].code, "inferred"
                f.notes.append("bộ tiêu chí suy ra từ tổng số")
        else:
            for f in todo:
                if not f.average:
                    f.notes.append("không rõ bộ tiêu chí")

    def _default_set(self, f: Fig) -> None:
        """Without wording: an average of criteria per commune, or a count of communes at a standard or a
        class of criteria, is of the phase's national commune NTM set."""
        if f.set_code is not None or f.set_mention is not None:
            return
        if (f.kind == "criteria" and f.average) or (f.kind == "units" and f.count and f.unit_type == "xã"):
            phase = self.cat.phase_of(f.ref_date)
            code = self.cat.find("commune", "ntm", phase) if phase else None
            info = self.cat.info(code)
            if code and (info is None or self._fits(f, info) or f.kind == "criteria"):
                f.set_code, f.set_source = code, "inferred"
                f.notes = [n for n in f.notes if n != "không rõ bộ tiêu chí"]

    def _fill_from_set(self, f: Fig) -> None:
        """ "đạt 100% tiêu chí, chỉ tiêu": the set's totals."""
        if not f.pct_only or f.percent != 100 or f.set_code is None:
            return
        info = self.cat.info(f.set_code)
        if info is None:
            return
        total = (
            info.criteria_total
            if f.kind == "criteria"
            else (info.indicator_total if info.indicators_authoritative else None)
        )
        if total:
            f.total = f.achieved = float(total)
