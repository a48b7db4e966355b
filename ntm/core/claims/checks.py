"""Consistency checks over the claims of one report — the ones a careful reader does.

Every finding says, in Vietnamese, what is wrong (``title``, ``message``), in which sentence
(``sentence``), what the text says (``reported``), what it should be (``expected``) and how to
correct it (``suggestion``). Severities: an **error** ("Lỗi") is arithmetic that cannot be right —
figures that cannot all be true; a **warning** ("Cần xem lại") is a doubt — probably wrong, but it
could have an explanation (a rounding, an approximate wording, a decimal for one commune).

====================================  =======  ======================================================
code (machine key)                    level    title shown to users
====================================  =======  ======================================================
percent-mismatch                      error    Tỷ lệ không khớp với số liệu
percent-rounding                      warning  Tỷ lệ lệch một đơn vị làm tròn
achieved-above-total                  error    Số đạt lớn hơn tổng số
average-above-total                   error    Số bình quân lớn hơn tổng số
achieved-above-set-total              error    Số đạt vượt số tiêu chí, chỉ tiêu của bộ
total-mismatch                        error    Tổng số không đúng với bộ tiêu chí
unmet-count-mismatch                  error    Số đạt và số chưa đạt không cộng lại thành tổng số
unmet-list-count                      error    Số mã liệt kê khác số chưa đạt đã nêu
unknown-code                          error    Mã không có trong bộ tiêu chí
implied-criteria-mismatch             error    Danh sách tiêu chí và chỉ tiêu chưa đạt không khớp nhau
criteria-indicators-mismatch          error    Số tiêu chí và số chỉ tiêu đạt không khớp nhau
contradiction                         error    Hai số liệu mâu thuẫn nhau
change-impossible                     error    Mức tăng, giảm không thể có
list-count-mismatch                   error    Số đơn vị nêu khác số tên liệt kê
change-mismatch                       warning  Mức tăng, giảm không khớp với số liệu
duplicate-code                        warning  Mã được liệt kê hai lần
fractional-single-unit                warning  Số lẻ cho một đơn vị
recognized-but-unmet                  warning  Đã công nhận nhưng số liệu chưa đạt đủ
stored-mismatch                       warning  Khác kết quả đánh giá lưu trong hệ thống (``compare``)
====================================  =======  ======================================================
"""

from __future__ import annotations

import bisect
import functools
from collections import defaultdict

from ntm.core import formatting as fmt
from ntm.core.codes import code_key
from ntm.core.codes import criterion_of as _criterion_of

from .model import KIND_WORD, Claim, Finding, Recognition, Report, UnitList
from .sets import LEVEL_LABEL, TIER_LABEL, Catalogue, SetInfo
from .text import fold, layout

criterion_of = functools.lru_cache(maxsize=4096)(_criterion_of)  # the same few codes, read again and again

EPS = 1e-9
SENTENCE_MAX = 400

TITLES = {
    "percent-mismatch": "Tỷ lệ không khớp với số liệu",
    "percent-rounding": "Tỷ lệ lệch một đơn vị làm tròn",
    "achieved-above-total": "Số đạt lớn hơn tổng số",
    "average-above-total": "Số bình quân lớn hơn tổng số",
    "achieved-above-set-total": "Số đạt vượt số tiêu chí, chỉ tiêu của bộ",
    "total-mismatch": "Tổng số không đúng với bộ tiêu chí",
    "unmet-count-mismatch": "Số đạt và số chưa đạt không cộng lại thành tổng số",
    "unmet-list-count": "Số mã liệt kê khác số chưa đạt đã nêu",
    "unknown-code": "Mã không có trong bộ tiêu chí",
    "implied-criteria-mismatch": "Danh sách tiêu chí và chỉ tiêu chưa đạt không khớp nhau",
    "criteria-indicators-mismatch": "Số tiêu chí và số chỉ tiêu đạt không khớp nhau",
    "contradiction": "Hai số liệu mâu thuẫn nhau",
    "change-impossible": "Mức tăng, giảm không thể có",
    "list-count-mismatch": "Số đơn vị nêu khác số tên liệt kê",
    "change-mismatch": "Mức tăng, giảm không khớp với số liệu",
    "duplicate-code": "Mã được liệt kê hai lần",
    "fractional-single-unit": "Số lẻ cho một đơn vị",
    "recognized-but-unmet": "Đã công nhận nhưng số liệu chưa đạt đủ",
    "stored-mismatch": "Khác kết quả đánh giá lưu trong hệ thống",
}


def _n(v: float | None) -> str:
    if v is None:
        return "?"
    f = float(v)
    if f.is_integer():
        return fmt.number(f, 0)
    places = len(f"{f:.3f}".rstrip("0").partition(".")[2])
    return fmt.number(f, places)


def _frac(c: Claim) -> str:
    return f"{_n(c.achieved)}/{_n(c.total)}"


def _kw(kind: str) -> str:
    return KIND_WORD.get(kind, kind)


def _kwc(c: Claim) -> str:
    if c.kind == "units" and c.unit_type:
        return c.unit_type
    return _kw(c.kind)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def set_label(code: str | None, info: SetInfo | None) -> str:
    if not code:
        return "bộ tiêu chí chưa rõ"
    if info and info.level and info.tier:
        lvl = LEVEL_LABEL.get(info.level, info.level)
        tier = TIER_LABEL.get(info.tier, info.tier)
        phase = (info.phase or "").replace("-", "–")
        return f"bộ tiêu chí {lvl} {tier}{' ' + phase if phase else ''} ({code})"
    return f"bộ tiêu chí {code}"


class _Ctx:
    def __init__(self, text: str, cat: Catalogue, lay=None):
        self.text = text
        self.cat = cat
        self.out: list[Finding] = []
        self._lay = lay

    def sentence(self, span: tuple[int, int]) -> str:
        if self._lay is None:
            self._lay = layout(self.text)
        s, _ = self._lay.sentence(span[0])
        _, e = self._lay.sentence(max(span[0], span[1] - 1))
        lo, hi = max(s, span[0] - SENTENCE_MAX // 2), min(e, span[1] + SENTENCE_MAX // 2)
        out = " ".join(self.text[lo:hi].split())
        return ("…" if lo > s else "") + out + ("…" if hi < e else "")

    def add(
        self,
        severity: str,
        code: str,
        message: str,
        reported: str | None,
        expected: str | None,
        span: tuple[int, int],
        claim: Claim | None = None,
        related: tuple[int, int] | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.out.append(
            Finding(
                severity=severity,
                code=code,
                message=message,
                reported=reported,
                expected=expected,
                text=self.text[span[0] : span[1]],
                span=span,
                subject=claim.subject if claim else None,
                set=claim.set if claim else None,
                claim_span=claim.span if claim else None,
                related_span=related,
                title=TITLES.get(code, code),
                suggestion=suggestion,
                sentence=self.sentence(span),
            )
        )


def run_checks(report: Report, cat: Catalogue) -> list[Finding]:
    ctx = _Ctx(report.text, cat, report.layout)
    for c in report.claims:
        _check_claim(ctx, c)
    _check_pairs(ctx, report.claims)
    _check_standalone_unmet(ctx, report.claims)
    _check_contradictions(ctx, report.claims)
    _check_changes(ctx, report.claims)
    _check_recognitions(ctx, report.claims, report.recognitions)
    _check_lists(ctx, report.unit_lists)
    ctx.out.sort(key=lambda f: (f.span[0], f.code))
    return _dedupe(ctx.out)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for f in findings:
        k = (f.code, f.span, f.message)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


# -- one claim -----------------------------------------------------------------------------------
def _check_claim(ctx: _Ctx, c: Claim) -> None:
    info = ctx.cat.info(c.set)
    a, t = c.achieved, c.total
    fig = c.figure_span
    if a is not None and t is not None:
        if t <= 0:
            pass
        elif a > t + EPS:
            if c.average:
                ctx.add(
                    "error",
                    "average-above-total",
                    f"Số bình quân {_n(a)} {_kwc(c)} lớn hơn tổng số {_n(t)} {_kwc(c)}.",
                    _frac(c),
                    f"≤ {_n(t)}",
                    fig,
                    c,
                    suggestion=f"Kiểm tra lại số bình quân: không thể lớn hơn {_n(t)}.",
                )
            else:
                ctx.add(
                    "error",
                    "achieved-above-total",
                    f"Số {_kwc(c)} đạt ({_n(a)}) lớn hơn tổng số {_kwc(c)} ({_n(t)}).",
                    _frac(c),
                    f"≤ {_n(t)}",
                    fig,
                    c,
                    suggestion=f"Kiểm tra lại {_frac(c)}: số đạt không thể lớn hơn tổng số.",
                )
        if c.percent is not None and t > 0:
            _check_percent(ctx, c)
    # totals against the named set
    if info is not None and c.kind in ("criteria", "indicators"):
        set_total, authoritative = _set_total(c, info)
        if authoritative and set_total:
            if t is not None and abs(t - set_total) > EPS and c.set_source != "inferred":
                label = _cap(set_label(c.set, info))
                ctx.add(
                    "error",
                    "total-mismatch",
                    f"{label} có {set_total} {_kwc(c)}, văn bản ghi tổng số là {_n(t)}.",
                    _n(t),
                    str(set_total),
                    c.total_span or fig,
                    c,
                    suggestion=f"Sửa tổng số {_n(t)} thành {set_total}, hoặc ghi rõ bộ tiêu chí mà số liệu này theo.",
                )
            elif t is None and a is not None and a > set_total + EPS:
                code = "average-above-total" if c.average else "achieved-above-set-total"
                what = "Số bình quân" if c.average else "Số"
                ctx.add(
                    "error",
                    code,
                    f"{what} {_kwc(c)} đạt ({_n(a)}) lớn hơn tổng số {set_total} {_kwc(c)} của {set_label(c.set, info)}.",
                    _n(a),
                    f"≤ {set_total}",
                    fig,
                    c,
                    suggestion=f"Kiểm tra lại số {_n(a)}: {set_label(c.set, info)} chỉ có {set_total} {_kwc(c)}.",
                )
    if (
        a is not None
        and not c.average
        and c.aggregate_of is None
        and c.level in ("commune", "district", "village")
        and c.kind != "units"
        and not float(a).is_integer()
    ):
        ctx.add(
            "warning",
            "fractional-single-unit",
            f"{c.subject} là một đơn vị nhưng số {_kwc(c)} đạt là số lẻ ({_n(a)}); "
            "có thể đây là số bình quân hoặc gõ nhầm.",
            _n(a),
            "một số nguyên",
            c.achieved_span or fig,
            c,
            suggestion="Nếu là số bình quân của nhiều xã, ghi rõ “bình quân”; nếu không, sửa thành số nguyên.",
        )
    _check_unmet(ctx, c, info)


def _set_total(c: Claim, info: SetInfo) -> tuple[int | None, bool]:
    if c.kind == "criteria":
        return info.criteria_total, True
    return info.indicator_total, info.indicators_authoritative


def _check_percent(ctx: _Ctx, c: Claim) -> None:
    assert c.achieved is not None and c.total and c.percent is not None
    exact = c.achieved * 100.0 / c.total
    places = c.percent_places or 0
    unit = 10.0**-places
    tol = 0.5 * unit
    if c.average or c.achieved_places:
        tol += 0.5 * 10**-c.achieved_places * 100.0 / c.total
    diff = abs(exact - c.percent)
    if diff <= tol + EPS:
        return
    if c.percent <= exact + EPS and exact < c.percent + unit + EPS:
        return  # the text cuts the figure instead of rounding it ("66,6%" for 2/3)
    shown = max(2, places)
    right = fmt.percent(exact, places=shown)
    reported = f"{fmt.number(c.percent, places)}%"
    if c.percent_approx:
        if diff <= 2.0 + tol:
            return
        severity, code = "warning", "percent-rounding"
    elif places >= 1 and diff <= tol + unit + EPS:
        severity, code = "warning", "percent-rounding"
    else:
        severity, code = "error", "percent-mismatch"
    what = "lệch một đơn vị làm tròn so với" if code == "percent-rounding" else "không khớp với"
    ctx.add(
        severity,
        code,
        f"Tỷ lệ {reported} {what} {_frac(c)} {_kwc(c)}: {_frac(c)} = {fmt.percent(exact, places=shown)}.",
        reported,
        right,
        c.percent_span or c.span,
        c,
        suggestion=f"Sửa “{reported}” thành “{right}”, hoặc kiểm tra lại {_frac(c)}.",
    )


def _gap(c: Claim) -> float | None:
    if c.achieved is None or c.total is None:
        return None
    return c.total - c.achieved


def _check_unmet(ctx: _Ctx, c: Claim, info: SetInfo | None) -> None:
    items = c.unmet or []
    listed = len(items)
    kw = _kwc(c)
    total = c.total
    from_set = False
    if total is None and c.achieved is not None and info is not None and not c.average and c.aggregate_of is None:
        set_total, authoritative = _set_total(c, info)
        if authoritative and set_total and (c.unmet_count is not None or items):
            total, from_set = float(set_total), True  # "đạt 16 tiêu chí, còn 3 tiêu chí chưa đạt"
    gap = None if c.achieved is None or total is None else total - c.achieved
    exact_gap = gap is not None and not c.average and float(gap).is_integer() and gap >= 0
    codes = _LazyCodes(items)
    if items:
        uspan = (items[0].span[0], items[-1].span[1])
        if c.unmet_count is not None and listed != c.unmet_count:
            ctx.add(
                "error",
                "unmet-list-count",
                f"Văn bản nêu còn {c.unmet_count} {kw} chưa đạt nhưng liệt kê {listed}: {codes}.",
                str(listed),
                str(c.unmet_count),
                uspan,
                c,
                c.unmet_count_span,
                suggestion=f"Sửa số {kw} chưa đạt thành {listed}, hoặc bổ sung/bỏ bớt mã trong danh sách.",
            )
            return
    count = c.unmet_count if c.unmet_count is not None else (listed if items else None)
    if count is None or not exact_gap or count == gap:
        _duplicates_and_codes(ctx, c, info, items, kw)
        return
    frac = f"{_n(c.achieved)}/{_n(total)}"
    said = f"đạt {_n(c.achieved)} {kw} (bộ có {_n(total)} {kw})" if from_set else f"{frac} {kw}"
    if items and c.unmet_count == listed and c.achieved_span is not None:
        # the list and its stated count agree on how many are missing: the figure is the odd one
        right = total - count
        both = f" (văn bản cũng ghi “{count}”)"
        pct = ""
        if c.percent is not None and total:
            pct = f", tỷ lệ thành {fmt.percent(right, total)}"
        ctx.add(
            "error",
            "unmet-count-mismatch",
            f"Văn bản liệt kê {count} {kw} chưa đạt ({codes}){both}, nên số {kw} đạt phải là "
            f"{_n(total)} − {count} = {_n(right)}, nhưng ghi {said}.",
            _n(c.achieved),
            _n(right),
            c.achieved_span,
            c,
            uspan,
            suggestion=f"Sửa {frac} thành {_n(right)}/{_n(total)}{pct}; hoặc kiểm tra lại danh sách {kw} chưa đạt.",
        )
    else:
        span = c.unmet_count_span or c.unmet_span or c.span
        ctx.add(
            "error",
            "unmet-count-mismatch",
            f"Văn bản nêu còn {count} {kw} chưa đạt, nhưng {said} nghĩa là còn {_n(gap)} {kw} chưa đạt.",
            str(count),
            _n(gap),
            span,
            c,
            c.figure_span,
            suggestion=f"Sửa “{count} {kw}” thành “{_n(gap)} {kw}”, hoặc kiểm tra lại {frac}.",
        )
    _duplicates_and_codes(ctx, c, info, items, kw)


def _duplicates_and_codes(ctx: _Ctx, c: Claim, info: SetInfo | None, items, kw: str) -> None:
    if not items:
        return
    seen: set[str] = set()
    for it in items:
        norm = _norm_code(it.code, c.kind)
        if norm in seen:
            ctx.add(
                "warning",
                "duplicate-code",
                f"{_cap(kw)} {it.code} được liệt kê hai lần.",
                it.code,
                None,
                it.span,
                c,
                suggestion=f"Bỏ mã {it.code} lặp lại.",
            )
        seen.add(norm)
    if info is not None:
        _check_codes(ctx, c, info)


# -- an unmet count standing alone, against the figure of the same unit and set ----------------------
def _check_standalone_unmet(ctx: _Ctx, claims: list[Claim]) -> None:
    figures: dict[tuple, list[Claim]] = defaultdict(list)
    for c in claims:
        if (
            c.achieved is not None
            and c.total is not None
            and c.set
            and c.subject_key
            and c.modality == "current"
            and c.when is None
            and not c.average
            and c.aggregate_of is None
        ):
            figures[(c.subject_key, c.set, c.kind)].append(c)
    for s in claims:
        if s.achieved is not None or not s.set or not s.subject_key:
            continue
        count = s.unmet_count if s.unmet_count is not None else (len(s.unmet) if s.unmet else None)
        if count is None:
            continue
        cands = figures.get((s.subject_key, s.set, s.kind), [])
        values = {(c.achieved, c.total) for c in cands}
        if len(values) != 1:
            continue
        g = cands[0]
        gap = (g.total or 0) - (g.achieved or 0)
        if not float(gap).is_integer() or gap < 0 or count == gap:
            continue
        kw = _kwc(s)
        span = s.unmet_count_span or s.unmet_span or s.span
        ctx.add(
            "error",
            "unmet-count-mismatch",
            f"Văn bản nêu còn {count} {kw} chưa đạt, nhưng ở chỗ khác ghi {g.subject} đạt {_frac(g)} {kw}, "
            f"nghĩa là còn {_n(gap)} {kw} chưa đạt.",
            str(count),
            _n(gap),
            span,
            s,
            g.figure_span,
            suggestion=f"Sửa “{count} {kw}” thành “{_n(gap)} {kw}”, hoặc kiểm tra lại {_frac(g)}.",
        )


# -- counts against the units they name ----------------------------------------------------------------
def _check_lists(ctx: _Ctx, lists: list[UnitList]) -> None:
    for x in lists:
        if not x.complete or x.count == len(x.names):
            continue
        names = ", ".join(n for n, _ in x.names)
        ctx.add(
            "error",
            "list-count-mismatch",
            f"Văn bản nêu {x.count} {x.unit_type} nhưng liệt kê {len(x.names)} tên: {names}.",
            str(x.count),
            str(len(x.names)),
            x.count_span,
            None,
            (x.names[0][1][0], x.names[-1][1][1]),
            suggestion=f"Sửa “{x.count} {x.unit_type}” thành “{len(x.names)} {x.unit_type}”, hoặc bổ sung tên còn thiếu.",
        )


class _LazyCodes:
    """ "06; 13; 17": the listed codes, joined only when a finding needs them."""

    def __init__(self, items):
        self.items = items

    def __str__(self):
        return "; ".join(i.code for i in self.items)


class _LazyLabel:
    """The set's label, formatted only when a finding needs it."""

    def __init__(self, code, info):
        self.code, self.info = code, info

    def __getitem__(self, k):
        return str(self)[k]

    def __str__(self):
        return set_label(self.code, self.info)


def _norm_code(code: str, kind: str) -> str:
    if kind == "criteria":
        try:
            return str(criterion_of(code)) if "." not in code else code
        except ValueError:
            return code
    return code


def _check_codes(ctx: _Ctx, c: Claim, info: SetInfo) -> None:
    label = _LazyLabel(c.set, info)
    for it in c.unmet or []:
        code = it.code
        try:
            crit = criterion_of(code)
        except ValueError:
            continue
        if c.kind == "criteria":
            if "." in code:
                continue  # an indicator code in a list of criteria: left to the reader
            if crit not in info.criterion_numbers:
                ctx.add(
                    "error",
                    "unknown-code",
                    f"{label[0].upper() + label[1:]} không có tiêu chí số {code} (chỉ có {info.criteria_total} tiêu chí).",
                    code,
                    f"1–{info.criteria_total}",
                    it.span,
                    c,
                )
        else:
            if crit not in info.criterion_numbers:
                ctx.add(
                    "error",
                    "unknown-code",
                    f"{label[0].upper() + label[1:]} không có chỉ tiêu {code}: bộ không có tiêu chí số {crit}.",
                    code,
                    None,
                    it.span,
                    c,
                )
            elif info.codes_authoritative and code not in info.indicator_codes:
                same = sorted((x for x in info.indicator_codes if x.split(".")[0] == str(crit)), key=code_key)
                ctx.add(
                    "error",
                    "unknown-code",
                    f"{label[0].upper() + label[1:]} không có chỉ tiêu {code}"
                    + (f" (tiêu chí {crit} gồm: {', '.join(same)})." if same else "."),
                    code,
                    ", ".join(same) if same else None,
                    it.span,
                    c,
                )


# -- criteria against indicators of the same subject and set ----------------------------------------
def _group_key(c: Claim) -> tuple | None:
    if c.subject_key is None or c.set is None:
        return None
    return (c.subject_key, c.set, c.modality, c.when)


def _check_pairs(ctx: _Ctx, claims: list[Claim]) -> None:
    groups: dict[tuple, list[Claim]] = defaultdict(list)
    for c in claims:
        k = _group_key(c)
        if k is not None and c.kind in ("criteria", "indicators"):
            groups[k].append(c)
    for key, cs in groups.items():
        crit = [c for c in cs if c.kind == "criteria"]
        inds = [c for c in cs if c.kind == "indicators"]
        if not crit or not inds:
            continue
        info = ctx.cat.info(key[1])
        crit.sort(key=lambda x: x.span[0])
        starts = [x.span[0] for x in crit]
        for i in inds:
            k = bisect.bisect_left(starts, i.span[0])
            near = [crit[j] for j in (k - 1, k) if 0 <= j < len(crit)]
            c = min(near, key=lambda x: abs(x.span[0] - i.span[0]))
            _pair(ctx, c, i, info)


def _pair(ctx: _Ctx, c: Claim, i: Claim, info: SetInfo | None) -> None:
    authoritative = info is None or info.indicators_authoritative
    uc, ui = _gap(c), _gap(i)
    if uc is not None and ui is not None and authoritative and uc >= 0 and ui >= 0:
        tol = 0.011 if (c.average or i.average) else EPS
        if uc <= tol and ui > tol:
            ctx.add(
                "error",
                "criteria-indicators-mismatch",
                f"Đạt đủ {_frac(c)} tiêu chí thì mọi chỉ tiêu đều đạt, nhưng văn bản ghi {_frac(i)} chỉ tiêu.",
                _frac(i),
                f"{_n(i.total)}/{_n(i.total)}",
                i.figure_span,
                i,
                c.figure_span,
            )
        elif ui <= tol and uc > tol:
            ctx.add(
                "error",
                "criteria-indicators-mismatch",
                f"Đạt đủ {_frac(i)} chỉ tiêu thì mọi tiêu chí đều đạt, nhưng văn bản ghi {_frac(c)} tiêu chí.",
                _frac(c),
                f"{_n(c.total)}/{_n(c.total)}",
                c.figure_span,
                c,
                i.figure_span,
            )
        elif uc > ui + tol:
            ctx.add(
                "error",
                "criteria-indicators-mismatch",
                f"Còn {_n(uc)} tiêu chí chưa đạt nhưng chỉ còn {_n(ui)} chỉ tiêu chưa đạt; mỗi tiêu chí chưa đạt "
                f"phải có ít nhất một chỉ tiêu chưa đạt.",
                f"{_frac(c)} tiêu chí; {_frac(i)} chỉ tiêu",
                f"≥ {_n(uc)} chỉ tiêu chưa đạt",
                c.figure_span,
                c,
                i.figure_span,
            )
        elif (
            info is not None
            and info.max_per_criterion
            and not (c.average or i.average)
            and ui > uc * info.max_per_criterion
        ):
            ctx.add(
                "error",
                "criteria-indicators-mismatch",
                f"Còn {_n(ui)} chỉ tiêu chưa đạt nhưng chỉ {_n(uc)} tiêu chí chưa đạt; mỗi tiêu chí có nhiều nhất "
                f"{info.max_per_criterion} chỉ tiêu.",
                f"{_frac(c)} tiêu chí; {_frac(i)} chỉ tiêu",
                None,
                i.figure_span,
                i,
                c.figure_span,
            )
    # lists
    if not i.unmet:
        return
    implied: dict[int, list] = defaultdict(list)
    for it in i.unmet:
        try:
            implied[criterion_of(it.code)].append(it)
        except ValueError:
            continue
    ind_complete = (i.unmet_count is not None and i.unmet_count == len(i.unmet)) or (
        ui is not None and not i.average and float(ui).is_integer() and ui == len(i.unmet)
    )
    if c.unmet:
        listed: dict[int, list] = {}
        for it in c.unmet:
            if "." in it.code:
                continue
            try:
                listed[criterion_of(it.code)] = it
            except ValueError:
                continue
        for n, its in sorted(implied.items()):
            if n not in listed:
                codes = ", ".join(x.code for x in its)
                ctx.add(
                    "error",
                    "implied-criteria-mismatch",
                    f"Chỉ tiêu {codes} chưa đạt nên tiêu chí {n} chưa đạt, nhưng tiêu chí {n} không có trong danh sách "
                    f"tiêu chí chưa đạt ({'; '.join(x.code for x in c.unmet)}).",
                    "; ".join(x.code for x in c.unmet),
                    f"có tiêu chí {n}",
                    its[0].span,
                    i,
                    (c.unmet[0].span[0], c.unmet[-1].span[1]),
                )
        if ind_complete:
            for n, it in sorted(listed.items()):
                if n not in implied:
                    ctx.add(
                        "error",
                        "implied-criteria-mismatch",
                        f"Tiêu chí {n} được nêu là chưa đạt nhưng không có chỉ tiêu nào của tiêu chí {n} trong danh sách "
                        f"chỉ tiêu chưa đạt ({'; '.join(x.code for x in i.unmet)}).",
                        it.code,
                        "; ".join(str(k) for k in sorted(implied)),
                        it.span,
                        c,
                        (i.unmet[0].span[0], i.unmet[-1].span[1]),
                    )
    elif uc is not None and not c.average and float(uc).is_integer() and uc >= 0:
        k = len(implied)
        if k > uc or (ind_complete and k != uc):
            ctx.add(
                "error",
                "implied-criteria-mismatch",
                f"Các chỉ tiêu chưa đạt ({'; '.join(x.code for x in i.unmet)}) thuộc {k} tiêu chí "
                f"({', '.join(str(n) for n in sorted(implied))}), nhưng {_frac(c)} tiêu chí nghĩa là còn {_n(uc)} "
                f"tiêu chí chưa đạt.",
                str(k),
                _n(uc),
                (i.unmet[0].span[0], i.unmet[-1].span[1]),
                i,
                c.figure_span,
            )


# -- figures that contradict each other --------------------------------------------------------------
def _check_contradictions(ctx: _Ctx, claims: list[Claim]) -> None:
    groups: dict[tuple, list[Claim]] = defaultdict(list)
    for c in claims:
        if c.modality != "current" or c.when is not None or c.achieved is None or c.total is None or c.set is None:
            continue
        if c.kind == "units":
            continue
        # groups of communes ("3 xã đạt 19/19 …; 3 xã đạt 18/19 …") are different groups, not one subject
        if c.subject_key is None or c.aggregate_of is not None or (c.average and c.level != "national"):
            continue
        groups[(c.subject_key, c.set, c.kind)].append(c)
    for cs in groups.values():
        first = cs[0]
        for c in cs[1:]:
            if abs((c.achieved or 0) - (first.achieved or 0)) > EPS or abs((c.total or 0) - (first.total or 0)) > EPS:
                ctx.add(
                    "error",
                    "contradiction",
                    f"{c.subject} ({c.set}): {_frac(c)} {_kwc(c)} mâu thuẫn với {_frac(first)} {_kwc(c)} "
                    f"ở chỗ khác trong cùng văn bản.",
                    _frac(c),
                    _frac(first),
                    c.figure_span,
                    c,
                    first.figure_span,
                    suggestion=f"Thống nhất một số liệu cho {c.subject}: {_frac(first)} hay {_frac(c)}.",
                )


# -- changes -----------------------------------------------------------------------------------------
def _check_changes(ctx: _Ctx, claims: list[Claim]) -> None:
    past: dict[tuple, list[Claim]] = defaultdict(list)
    for c in claims:
        if c.modality == "past" and c.achieved is not None and c.subject_key and c.set and c.when is None:
            past[(c.subject_key, c.set, c.kind)].append(c)
    for c in claims:
        ch = c.change
        if ch is None or c.achieved is None:
            continue
        if ch.delta > 0 and ch.delta > c.achieved + EPS:
            ctx.add(
                "error",
                "change-impossible",
                f"Văn bản nêu tăng {ch.delta} {_kwc(c)} nhưng hiện chỉ đạt {_n(c.achieved)} {_kwc(c)}.",
                str(ch.delta),
                f"≤ {_n(c.achieved)}",
                ch.span,
                c,
                c.figure_span,
            )
            continue
        if c.total is not None and c.achieved - ch.delta > c.total + EPS:
            ctx.add(
                "error",
                "change-impossible",
                f"Văn bản nêu giảm {-ch.delta} {_kwc(c)}: trước đó phải đạt {_n(c.achieved - ch.delta)}, "
                f"nhiều hơn tổng số {_n(c.total)}.",
                str(ch.delta),
                None,
                ch.span,
                c,
                c.figure_span,
            )
            continue
        earlier = past.get((c.subject_key, c.set, c.kind)) if c.subject_key and c.set else None
        if earlier and len(earlier) == 1:
            p = earlier[0]
            real = (c.achieved or 0) - (p.achieved or 0)
            if abs(real - ch.delta) > EPS:
                verb = "tăng" if ch.delta >= 0 else "giảm"
                ctx.add(
                    "warning",
                    "change-mismatch",
                    f"Văn bản nêu {verb} {abs(ch.delta)} {_kwc(c)}, nhưng từ {_n(p.achieved)} lên {_n(c.achieved)} "
                    f"là {'tăng' if real >= 0 else 'giảm'} {_n(abs(real))}.",
                    str(ch.delta),
                    _n(real),
                    ch.span,
                    c,
                    p.figure_span,
                )


# -- recognitions ------------------------------------------------------------------------------------
def _check_recognitions(ctx: _Ctx, claims: list[Claim], recs: list[Recognition]) -> None:
    by_key: dict[tuple, list[Claim]] = defaultdict(list)
    for c in claims:
        if c.modality == "current" and c.when is None and c.set and c.subject_key:
            by_key[(c.set, c.subject_key)].append(c)
    for r in recs:
        if r.status != "recognized" or not r.set:
            continue
        rkey = ("unit:" + r.unit_code) if r.unit_code else "name:" + fold(r.subject)
        for c in by_key.get((r.set, rkey), []):
            if c.achieved is not None and c.total is not None and c.achieved < c.total - EPS and c.kind != "units":
                info = ctx.cat.info(c.set)
                if c.kind == "indicators" and info is not None and not info.indicators_authoritative:
                    continue
                ctx.add(
                    "warning",
                    "recognized-but-unmet",
                    f"{r.subject} được công nhận đạt chuẩn ({r.set}) nhưng số liệu chỉ đạt {_frac(c)} {_kwc(c)}.",
                    _frac(c),
                    f"{_n(c.total)}/{_n(c.total)}",
                    c.figure_span,
                    c,
                    r.span,
                )
