"""The monthly bulletin (Bản tin nông thôn mới), composed from plain data.

The services of :mod:`ntm.apps.reports` gather the figures from stored results; this module only
words them the way district offices write their bulletins::

    + Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới; 17/19 tiêu chí với 70/75 chỉ tiêu
      nông thôn mới nâng cao.

and lays out the tables and the chart. No figure is computed here except counts over the rows it
is given (which criteria most communes miss), so every number traces back to a stored result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ntm.core import formatting as fmt
from ntm.core import sentences

from .model import Bar, Chart, Document, FrameText, Heading, Lines, Paragraph, Table

MAX_LINES = 60  # above this many communes, the results section gives one line per district/province
#                and the line of each commune goes to the annex (phụ lục), grouped by district/province
MAX_TABLE_ROWS = 400  # rows of the regressions table in DOCX/PDF
WEAKEST = 5


@dataclass(frozen=True)
class SetSpec:
    code: str
    short_name: str  # "nông thôn mới nâng cao"
    criteria_total: int
    indicators_total: int
    name: str = ""
    criteria: dict[int, tuple[str, str | None]] = field(default_factory=dict)  # number -> (name, sector)
    indicators: dict[str, str] = field(default_factory=dict)  # code -> content


@dataclass(frozen=True)
class Score:
    criteria_met: int
    indicators_met: int
    standard_met: bool
    unmet_criteria: tuple[int, ...] = ()


@dataclass
class UnitRow:
    uid: str
    name: str  # "Xã Nguyên Lý"
    group: str = ""  # the district (or province) it belongs to, for large units
    scores: dict[str, Score] = field(default_factory=dict)  # set code -> score for the period
    baseline: dict[str, Score] = field(default_factory=dict)  # set code -> score at the start of the year


@dataclass(frozen=True)
class Aggregate:
    units_total: int
    units_with_results: int
    units_at_standard: int
    average_criteria: float | None
    average_indicators: float | None


@dataclass
class GroupRow:
    name: str  # "Huyện Lý Nhân"
    aggregates: dict[str, Aggregate]


@dataclass(frozen=True)
class Regression:
    unit_name: str
    set_code: str
    indicator: str
    content: str


@dataclass(frozen=True)
class PlanRow:
    unit_name: str
    spec: SetSpec  # the standard the commune registered for
    year: int
    score: Score | None  # its result for that set in the period


@dataclass
class RecognitionRow:
    unit_name: str
    spec: SetSpec  # the standard recognised
    decision: str  # "1234/QĐ-UBND"
    decision_date: dt.date
    issued_by: str = ""
    score: Score | None = None  # the commune's current result for that set


@dataclass(frozen=True)
class SuccessorLine:
    """A commune of today and the old xã it was formed from (their rows, by uid), for a period before
    the 2025 reform: each old xã keeps its own result, none is combined."""

    name: str  # "Xã Nam Xang"
    summary: str  # "1/3 xã cũ đạt chuẩn nông thôn mới"
    uids: tuple[str, ...]


LINEAGE_NOTE = (
    "Kỳ báo cáo trước ngày 01/07/2025: kết quả là của từng xã cũ (trước sắp xếp), xếp theo xã hiện nay "
    "mà xã cũ hợp thành. Chưa có quy định chính thức tính một mức đạt chuẩn chung cho xã sau sắp xếp "
    "từ kết quả các xã cũ, nên bản tin không gộp."
)


@dataclass
class BulletinData:
    unit_name: str  # "Huyện Lý Nhân"
    unit_short: str  # "Lý Nhân"
    unit_level: str  # commune | district | province | country
    issuer: list[str]
    period_key: str
    period_label: str  # "tháng 7/2023"
    issued: dt.date
    sets: list[SetSpec]  # the main set first
    rows: list[UnitRow]
    aggregates: dict[str, Aggregate]
    baseline_aggregates: dict[str, Aggregate] = field(default_factory=dict)
    baseline_label: str | None = None  # "tháng 12/2022"
    previous_label: str | None = None  # "tháng 6/2023"
    groups: list[GroupRow] = field(default_factory=list)
    regressions: list[Regression] = field(default_factory=list)
    plans: list[PlanRow] | None = None  # None: no plan data in the system (section left out)
    recognitions: list[RecognitionRow] = field(default_factory=list)  # decisions of the year up to the period
    noun: str = "xã"
    successors: list[SuccessorLine] = field(default_factory=list)  # a period before 2025 on today's map
    includes_unapproved: bool = False  # made from figures including unapproved data (the document says so)


def n2(n: int) -> str:
    """Counts as bulletins write them: "03 xã", "20 xã"."""
    return f"{n:02d}" if 0 <= n < 10 else fmt.number(n)


def scorecard(score: Score, spec: SetSpec) -> str:
    return sentences.scorecard_phrase(
        score.criteria_met, spec.criteria_total, score.indicators_met, spec.indicators_total, spec.short_name
    )


def commune_line(row: UnitRow, sets: list[SetSpec]) -> str:
    """ "Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới; 17/19 tiêu chí … nâng cao." """
    return sentences.unit_line(row.name, (scorecard(row.scores[s.code], s) for s in sets if s.code in row.scores)) + "."


def _dec(value: float) -> str:
    """17.875 -> "17,88", 17.5 -> "17,5", 17.0 -> "17" (as in "bình quân 17,88/19")."""
    return fmt.fraction(value, 1).split("/")[0]


def _avg(value: float | None, total: int) -> str:
    return fmt.fraction(value or 0, total)


def aggregate_sentence(agg: Aggregate, spec: SetSpec, noun: str = "xã") -> str:
    if not agg.units_with_results or agg.average_criteria is None:
        return f"Theo bộ tiêu chí {spec.short_name}: chưa có kết quả đánh giá của {noun} nào."
    missing = agg.units_total - agg.units_with_results
    tail = f" ({n2(missing)} {noun} chưa có kết quả)" if missing > 0 else ""
    return (
        f"Theo bộ tiêu chí {spec.short_name}, {n2(agg.units_with_results)} {noun} đạt bình quân "
        f"{_avg(agg.average_criteria, spec.criteria_total)} tiêu chí, "
        f"{_avg(agg.average_indicators, spec.indicators_total)} chỉ tiêu{tail}; "
        + (
            f"số {noun} đạt chuẩn {spec.short_name}: {n2(agg.units_at_standard)} {noun}, "
            f"bằng {fmt.percent(agg.units_at_standard, agg.units_total)} tổng số {noun}."
            if agg.units_at_standard
            else f"chưa có {noun} nào đạt chuẩn {spec.short_name}."
        )
    )


def _change_words(delta: int, word: str) -> str | None:
    if delta > 0:
        return f"tăng {n2(delta)} {word}"
    if delta < 0:
        return f"giảm {n2(-delta)} {word}"
    return None


def change_phrase(d_criteria: int, d_indicators: int) -> str | None:
    """ "tăng 02 tiêu chí, 04 chỉ tiêu"; "tăng 01 tiêu chí, giảm 02 chỉ tiêu"; "giảm 03 chỉ tiêu"."""
    a = _change_words(d_criteria, "tiêu chí")
    b = _change_words(d_indicators, "chỉ tiêu")
    if a and b and (d_criteria > 0) == (d_indicators > 0):
        return f"{a}, {n2(abs(d_indicators))} chỉ tiêu"
    return ", ".join(x for x in (a, b) if x) or None


def weakest_criteria(rows: list[UnitRow], spec: SetSpec, limit: int = WEAKEST) -> list[tuple[int, int, int]]:
    """(criterion number, communes not meeting it, communes with a result), most often unmet first."""
    with_result = [r.scores[spec.code] for r in rows if spec.code in r.scores]
    counts: dict[int, int] = {}
    for s in with_result:
        for n in s.unmet_criteria:
            counts[n] = counts.get(n, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(n, k, len(with_result)) for n, k in ranked[:limit]]


def compose(data: BulletinData, text: FrameText | None = None) -> Document:
    """The bulletin as a report (tên loại "BÁO CÁO", trích yếu "Bản tin nông thôn mới tháng 7/2023");
    the caller fills in the rest of the frame (number, recipients, signer)."""
    sets = data.sets
    main = sets[0]
    noun = data.noun
    text = text or FrameText()
    doc = Document(
        kind="bulletin",
        issuer=list(data.issuer),
        place=data.unit_short,
        issued=data.issued,
        title=text.report,
        subtitle=text.bulletin_subject.format(period=data.period_label),
        filename=f"ban-tin-ntm-{_slug(data.unit_short)}-{data.period_key}",
        text=text,
    )
    single = data.unit_level == "commune" and not data.successors
    listed = [r for r in data.rows if r.scores] if not single else data.rows
    by_lines = single or len(data.rows) <= MAX_LINES

    # 1. results
    doc.add(Heading("1. Kết quả thực hiện"))
    names = ", ".join(s.short_name for s in sets)
    doc.add(
        Paragraph(
            f"Kết quả đánh giá theo bộ tiêu chí {names} đến {data.period_label}, tổng hợp từ kết quả tự đánh giá "
            f"của {'xã' if single else 'các xã'} đã được lưu và tính trên hệ thống theo dõi nông thôn mới."
        )
    )
    if by_lines:
        if not single:
            doc.add(Paragraph(f"Kết quả của {n2(len(data.rows))} {noun} đến nay:", "dash"))
        if data.successors:  # by today's commune, then each of its old xã
            row_of = {r.uid: r for r in data.rows}
            for line in data.successors:
                doc.add(Paragraph(f"{line.name}: {line.summary}.", "plus"))
                for uid in line.uids:
                    doc.add(Paragraph(commune_line(row_of[uid], sets), "plus"))
            doc.add(Paragraph(LINEAGE_NOTE, "note"))
        for r in [] if data.successors else data.rows:
            doc.add(Paragraph(commune_line(r, sets), "plus"))
        if single and data.rows:
            r = data.rows[0]
            for s in sets:
                sc = r.scores.get(s.code)
                if sc and sc.unmet_criteria:
                    items = ", ".join(
                        f"số {n} ({s.criteria.get(n, ('', None))[0]})" if s.criteria.get(n) else f"số {n}"
                        for n in sc.unmet_criteria
                    )
                    doc.add(
                        Paragraph(
                            f"Theo bộ tiêu chí {s.short_name}, còn {n2(len(sc.unmet_criteria))} tiêu chí chưa đạt: {items}.",
                            "dash",
                        )
                    )
    elif data.successors:
        doc.add(Paragraph(f"Kết quả theo xã hiện nay ({n2(len(data.successors))} xã):", "dash"))
        for line in data.successors:
            doc.add(Paragraph(f"{line.name}: {line.summary}.", "plus"))
        doc.add(Paragraph(LINEAGE_NOTE, "note"))
        doc.add(
            Paragraph(
                f"Kết quả của từng xã cũ ({n2(len(data.rows))} xã) có trong Phụ lục kèm theo bản tin "
                "và trong tệp Excel.",
                "note",
            )
        )
    else:
        if data.groups:
            doc.add(Paragraph(f"Kết quả theo từng đơn vị trực thuộc ({n2(len(data.groups))} đơn vị):", "dash"))
        for g in data.groups:
            parts = []
            for s in sets:
                a = g.aggregates.get(s.code)
                if a and a.units_with_results and a.average_criteria is not None:
                    parts.append(
                        f"{n2(a.units_with_results)} xã đạt bình quân {_avg(a.average_criteria, s.criteria_total)} tiêu chí "
                        f"{s.short_name}, {n2(a.units_at_standard)} xã đạt chuẩn"
                    )
            doc.add(
                Paragraph(f"{g.name}: " + ("; ".join(parts) if parts else "chưa có kết quả đánh giá") + ".", "plus")
            )
        doc.add(
            Paragraph(
                f"Kết quả của từng xã ({n2(len(data.rows))} xã) có trong Phụ lục kèm theo bản tin và trong tệp Excel.",
                "note",
            )
        )
    if not single:
        doc.add(Paragraph("Tổng hợp chung:", "dash"))
        for s in sets:
            agg = data.aggregates.get(s.code)
            if agg is not None:
                doc.add(Paragraph(aggregate_sentence(agg, s, noun), "plus"))

    # 2. changes since the start of the year
    doc.add(Heading("2. Thay đổi so với đầu năm"))
    if data.baseline_label is None:
        doc.add(Paragraph("Chưa có kết quả đánh giá đầu năm để so sánh."))
    else:
        for s in sets:
            now, before = data.aggregates.get(s.code), data.baseline_aggregates.get(s.code)
            if single or not now or not before or now.average_criteria is None or before.average_criteria is None:
                continue
            doc.add(
                Paragraph(
                    f"Theo bộ tiêu chí {s.short_name}: bình quân số tiêu chí đạt của các xã đầu năm ({data.baseline_label}) là "
                    f"{_dec(before.average_criteria)} tiêu chí, "
                    + (
                        f"số xã đạt chuẩn đầu năm là {n2(before.units_at_standard)} xã."
                        if before.units_at_standard
                        else "đầu năm chưa có xã nào đạt chuẩn."
                    ),
                    "dash",
                )
            )
        changed = 0
        for r in data.rows:
            parts = []
            for s in sets:
                now_s, was = r.scores.get(s.code), r.baseline.get(s.code)
                if now_s is None or was is None:
                    continue
                words = change_phrase(now_s.criteria_met - was.criteria_met, now_s.indicators_met - was.indicators_met)
                if words:
                    parts.append(f"{words} {s.short_name}")
            if parts:
                changed += 1
                if by_lines:
                    doc.add(Paragraph(f"{r.name}: so với đầu năm, " + "; ".join(parts) + ".", "plus"))
        if changed == 0:
            doc.add(Paragraph("Không có xã nào thay đổi số tiêu chí, chỉ tiêu đạt so với đầu năm.", "dash"))
        elif not by_lines:
            doc.add(
                Paragraph(
                    f"Có {n2(changed)} xã thay đổi số tiêu chí, chỉ tiêu đạt so với đầu năm (chi tiết trong Phụ lục).",
                    "dash",
                )
            )

    # 3. regressions
    doc.add(Heading("3. Chỉ tiêu giảm so với kỳ trước"))
    if data.previous_label is None:
        doc.add(Paragraph("Chưa có kết quả kỳ trước để so sánh."))
    elif not data.regressions:
        doc.add(Paragraph(f"Không có chỉ tiêu nào từ đạt chuyển sang chưa đạt so với {data.previous_label}."))
    else:
        doc.add(Paragraph(f"Các chỉ tiêu từ đạt chuyển sang chưa đạt so với {data.previous_label}:", "dash"))
        by_unit: dict[str, dict[str, list[str]]] = {}
        for g in data.regressions:
            by_unit.setdefault(g.unit_name, {}).setdefault(g.set_code, []).append(g.indicator)
        spec = {s.code: s for s in sets}
        for shown, (unit_name, per_set) in enumerate(by_unit.items()):
            if shown >= MAX_LINES:
                doc.add(Paragraph(f"(và {n2(len(by_unit) - shown)} xã khác, xem bảng chỉ tiêu giảm)", "note"))
                break
            parts = [
                f"chỉ tiêu {'; '.join(codes)} ({spec[c].short_name if c in spec else c})"
                for c, codes in per_set.items()
            ]
            doc.add(Paragraph(f"{unit_name}: " + "; ".join(parts) + ".", "plus"))

    # 4. weakest criteria
    doc.add(Heading("4. Tiêu chí còn nhiều xã chưa đạt và ngành phụ trách"))
    weak = weakest_criteria(data.rows, main)
    if not weak:
        doc.add(Paragraph(f"Tất cả các xã có kết quả đều đạt các tiêu chí {main.short_name}."))
    for number, k, _total in weak:
        name, sector = main.criteria.get(number, ("", None))
        who = f"; ngành phụ trách: {sector}" if sector else ""
        doc.add(Paragraph(f"Tiêu chí số {number} ({name}): {n2(k)} xã chưa đạt{who}.", "plus"))

    # 5. communes at standard
    doc.add(Heading("5. Xã đạt chuẩn"))
    for s in sets:
        at = [r for r in data.rows if (sc := r.scores.get(s.code)) and sc.standard_met]
        new = [r for r in at if (b := r.baseline.get(s.code)) is not None and not b.standard_met]
        if not at:
            doc.add(Paragraph(f"Chưa có xã nào đạt chuẩn {s.short_name} theo kết quả đánh giá.", "dash"))
            continue
        listed_names = ", ".join(r.name for r in at[:MAX_LINES]) + (", …" if len(at) > MAX_LINES else "")
        doc.add(
            Paragraph(
                f"Các xã đạt chuẩn {s.short_name} theo kết quả đánh giá ({n2(len(at))} xã): {listed_names}.", "dash"
            )
        )
        if new:
            doc.add(
                Paragraph(
                    "Trong đó, đạt chuẩn mới so với đầu năm: " + ", ".join(r.name for r in new[:MAX_LINES]) + ".",
                    "plus",
                )
            )
    if data.recognitions:
        year = data.recognitions[0].decision_date.year
        doc.add(
            Paragraph(f"Quyết định công nhận đạt chuẩn trong năm {year} ({n2(len(data.recognitions))} xã):", "dash")
        )
        for rec in data.recognitions:
            by = f" của {rec.issued_by}" if rec.issued_by else ""
            decision = f"Quyết định số {rec.decision} ngày {rec.decision_date.strftime('%d/%m/%Y')}{by}"
            if rec.score is not None and not rec.score.standard_met:
                # the figures before the issuer's name, so that they read as the commune's own
                line = (
                    f"{rec.unit_name}: theo kết quả đánh giá {data.period_label} hiện đạt "
                    f"{scorecard(rec.score, rec.spec)}, cần rà soát để giữ vững chuẩn; "
                    f"đã được công nhận đạt chuẩn {rec.spec.short_name} tại {decision}"
                )
            else:
                line = f"{rec.unit_name}: được công nhận đạt chuẩn {rec.spec.short_name} tại {decision}"
            doc.add(Paragraph(line + ".", "plus"))
    else:
        doc.add(Paragraph("Chưa có quyết định công nhận đạt chuẩn nào trong năm được ghi nhận trên hệ thống.", "dash"))
    doc.add(
        Paragraph(
            "Kết quả đánh giá trên hệ thống là căn cứ để các xã hoàn thiện hồ sơ; việc công nhận đạt chuẩn "
            "theo quyết định của cấp có thẩm quyền.",
            "note",
        )
    )

    # 6. plans (only when plan data exists)
    if data.plans is not None:
        doc.add(Heading("6. Các xã đăng ký đạt chuẩn trong năm"))
        if not data.plans:
            doc.add(Paragraph("Chưa có xã nào đăng ký đạt chuẩn trong năm."))
        for p in data.plans:
            if p.score is None:
                where = "chưa có kết quả đánh giá"
            elif p.score.standard_met:
                where = f"đã đạt {scorecard(p.score, p.spec)}, đạt chuẩn"
            else:
                missing = p.spec.criteria_total - p.score.criteria_met
                where = f"hiện đạt {scorecard(p.score, p.spec)}" + (
                    f", còn {n2(missing)} tiêu chí chưa đạt" if missing else ""
                )
            doc.add(Paragraph(f"{p.unit_name} (đăng ký đạt chuẩn {p.spec.short_name} năm {p.year}): {where}.", "plus"))

    # tables and chart
    _tables(doc, data, listed, by_lines, weak)
    if not by_lines:  # the annex follows the signature (Nghị định 30/2020: phụ lục on pages of its own)
        start = len(doc.blocks)
        _annex(doc, data)
        doc.blocks, doc.appendix = doc.blocks[:start], doc.blocks[start:]
    doc.footer = [
        f"Số liệu: kết quả đánh giá lưu trên hệ thống NTM Monitor, {data.period_label}.",
    ]
    doc.meta = _meta(data)
    return doc


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _slug(text: str) -> str:
    from ntm.core.sheets import fold

    return "-".join(fold(text).split()) or "don-vi"


def annex_line(row: UnitRow, sets: list[SetSpec]) -> str:
    """The commune's line of the annex: its results as in :func:`commune_line`, whether it reaches the
    main standard and how many of its criteria changed since the start of the year (the columns of
    the per-commune table of a district bulletin)::

        Xã Phúc Xá: đạt 19/19 tiêu chí với 57/57 chỉ tiêu nông thôn mới; 17/19 tiêu chí với 70/75 chỉ tiêu
        nông thôn mới nâng cao; đạt chuẩn nông thôn mới; so với đầu năm tăng 01 tiêu chí nông thôn mới.
    """
    line = commune_line(row, sets)
    if not row.scores:
        return line
    extra = []
    main = sets[0]
    sc = row.scores.get(main.code)
    if sc is not None and sc.standard_met:
        extra.append(f"đạt chuẩn {main.short_name}")
    was = row.baseline.get(main.code)
    if sc is not None and was is not None and (words := _change_words(sc.criteria_met - was.criteria_met, "tiêu chí")):
        extra.append(f"so với đầu năm {words} {main.short_name}")
    return line[:-1] + "".join(f"; {x}" for x in extra) + "." if extra else line


def _annex(doc: Document, data: BulletinData) -> None:
    """Phụ lục: the line of every commune, grouped by district (province before 2025) or province."""
    doc.add(Heading(f"PHỤ LỤC. KẾT QUẢ ĐÁNH GIÁ CỦA TỪNG XÃ, {data.period_label.upper()}", new_page=True))
    doc.add(
        Paragraph(
            f"{n2(len(data.rows))} {data.noun}; mỗi dòng: số tiêu chí, chỉ tiêu đạt theo từng bộ tiêu chí, đạt chuẩn "
            f"{data.sets[0].short_name} (nếu đạt) và số tiêu chí {data.sets[0].short_name} thay đổi so với đầu năm"
            + (f" ({data.baseline_label})" if data.baseline_label else "")
            + ".",
            "note",
        )
    )
    order = {g.name: k for k, g in enumerate(data.groups)}
    members: dict[str, list[UnitRow]] = {}
    for r in data.rows:
        members.setdefault(r.group if r.group in order else "", []).append(r)
    sections = [(g.name, members.get(g.name, [])) for g in data.groups] + [("", members.get("", []))]
    for name, rows in sections:
        if not rows:
            continue
        if data.groups:
            doc.add(Heading(f"{name or 'Các xã khác'} ({n2(len(rows))} {data.noun})", level=2))
        doc.add(Lines([annex_line(r, data.sets) for r in rows]))


def _tables(
    doc: Document, data: BulletinData, listed: list[UnitRow], by_lines: bool, weak: list[tuple[int, int, int]]
) -> None:
    sets = data.sets
    main = sets[0]
    if by_lines:
        cols = ["STT", "Xã"]
        for s in sets:
            cols += [f"Tiêu chí ({s.short_name})", f"Chỉ tiêu ({s.short_name})"]
        cols += ["Đạt chuẩn " + main.short_name, "Tiêu chí so với đầu năm"]
        rows, flagged = [], set()
        for i, r in enumerate(data.rows, start=1):
            row = [str(i), r.name]
            for s in sets:
                sc = r.scores.get(s.code)
                row += (
                    [f"{sc.criteria_met}/{s.criteria_total}", f"{sc.indicators_met}/{s.indicators_total}"]
                    if sc
                    else ["–", "–"]
                )
            sc = r.scores.get(main.code)
            row.append("Đạt" if sc and sc.standard_met else ("Chưa đạt" if sc else "–"))
            was = r.baseline.get(main.code)
            if sc and was:
                d = sc.criteria_met - was.criteria_met
                row.append(f"+{d}" if d > 0 else str(d) if d < 0 else "0")
                if d < 0:
                    flagged.add(i - 1)
            else:
                row.append("–")
            rows.append(row)
        doc.add(
            Table(
                caption=f"Bảng 1. Kết quả đánh giá của các xã, {data.period_label}",
                columns=cols,
                rows=rows,
                align=["c", "l"] + ["c"] * (len(cols) - 2),
                widths=[0.7, 2.6] + [1.0] * (len(cols) - 2),
                flagged=flagged,
                key="ket-qua-xa",
                note="Dòng tô màu: xã có số tiêu chí giảm so với đầu năm." if flagged else "",
            )
        )
    elif data.groups:
        cols = ["STT", "Đơn vị", "Số xã có kết quả"]
        for s in sets:
            cols += [f"Bình quân tiêu chí ({s.short_name})", f"Số xã đạt chuẩn ({s.short_name})"]
        rows = []
        for i, g in enumerate(data.groups, start=1):
            a0 = g.aggregates.get(main.code)
            row = [str(i), g.name, str(a0.units_with_results) if a0 else "0"]
            for s in sets:
                a = g.aggregates.get(s.code)
                if a and a.average_criteria is not None:
                    row += [
                        fmt.fraction(a.average_criteria, s.criteria_total),
                        f"{a.units_at_standard}/{a.units_total}",
                    ]
                else:
                    row += ["–", "–"]
            rows.append(row)
        doc.add(
            Table(
                caption=f"Bảng 1. Kết quả theo đơn vị trực thuộc, {data.period_label}",
                columns=cols,
                rows=rows,
                align=["c", "l"] + ["c"] * (len(cols) - 2),
                widths=[0.7, 2.6] + [1.2] * (len(cols) - 2),
                key="ket-qua-don-vi",
            )
        )
    with_main = [r for r in data.rows if main.code in r.scores]
    if with_main and len(with_main) <= MAX_LINES:
        from ntm.core.sheets import fold

        bars = sorted(with_main, key=lambda r: (-r.scores[main.code].criteria_met, fold(r.name)))
        doc.add(
            Chart(
                title=f"Biểu đồ 1. Số tiêu chí {main.short_name} đạt của từng xã, {data.period_label}",
                bars=[
                    Bar(
                        r.name.removeprefix("Xã "),
                        r.scores[main.code].criteria_met,
                        str(r.scores[main.code].criteria_met),
                        flag=not r.scores[main.code].standard_met,
                    )
                    for r in bars
                ],
                maximum=main.criteria_total,
                axis_label="số tiêu chí đạt",
                note="Màu cam: xã chưa đạt chuẩn.",
            )
        )
    elif with_main:
        dist: dict[int, int] = {}
        for r in with_main:
            dist[r.scores[main.code].criteria_met] = dist.get(r.scores[main.code].criteria_met, 0) + 1
        top = max(dist.values())
        doc.add(
            Chart(
                title=f"Biểu đồ 1. Số xã theo số tiêu chí {main.short_name} đạt, {data.period_label}",
                bars=[
                    Bar(f"{k} tiêu chí", v, fmt.number(v), flag=k < main.criteria_total)
                    for k, v in sorted(dist.items(), reverse=True)
                ],
                maximum=top,
                axis_label="số xã",
            )
        )
    if weak:
        doc.add(
            Table(
                caption=f"Bảng 2. Tiêu chí {main.short_name} còn nhiều xã chưa đạt",
                columns=["Tiêu chí", "Tên tiêu chí", "Số xã chưa đạt", "Tỷ lệ", "Ngành phụ trách"],
                rows=[
                    [
                        str(n),
                        main.criteria.get(n, ("", None))[0],
                        f"{k}/{total}",
                        fmt.percent(k, total),
                        main.criteria.get(n, ("", None))[1] or "",
                    ]
                    for n, k, total in weak
                ],
                align=["c", "l", "c", "r", "l"],
                widths=[0.8, 3, 1.2, 1, 2.4],
                key="tieu-chi-yeu",
            )
        )
    if data.regressions:
        spec = {s.code: s for s in sets}
        regs = data.regressions[:MAX_TABLE_ROWS]
        doc.add(
            Table(
                caption=f"Bảng 3. Chỉ tiêu từ đạt chuyển sang chưa đạt so với {data.previous_label}",
                columns=["Xã", "Bộ tiêu chí", "Chỉ tiêu", "Nội dung"],
                rows=[
                    [
                        g.unit_name,
                        spec[g.set_code].short_name if g.set_code in spec else g.set_code,
                        g.indicator,
                        _short(g.content, 120),
                    ]
                    for g in regs
                ],
                align=["l", "l", "c", "l"],
                widths=[2.2, 2.2, 0.9, 5.5],
                key="chi-tieu-giam",
                note=(
                    f"Chỉ liệt kê {len(regs)}/{len(data.regressions)} dòng đầu."
                    if len(regs) < len(data.regressions)
                    else ""
                ),
            )
        )


def _meta(data: BulletinData) -> dict:
    return {
        "unit": data.unit_name,
        "period": data.period_key,
        "sets": [s.code for s in data.sets],
        "rows": {
            r.uid: {code: [s.criteria_met, s.indicators_met, s.standard_met] for code, s in r.scores.items()}
            for r in data.rows
        },
        "aggregates": {
            code: {
                "units_total": a.units_total,
                "units_with_results": a.units_with_results,
                "units_at_standard": a.units_at_standard,
                "average_criteria": a.average_criteria,
                "average_indicators": a.average_indicators,
            }
            for code, a in data.aggregates.items()
        },
    }
