"""The recognition dossier (hồ sơ xét công nhận) of a commune for one criteria set.

Composed from the stored, explained result: a report on each criterion with a table per indicator
(requirement, value, the official's assessment, the result, the evidence), the recognition
conditions of the set and the checklist of dossier items.

A dossier never claims what the evaluation does not support: a criterion the result does not
meet is printed as "CHƯA ĐẠT" and flagged (even when the office asks to claim it), an unknown
condition is "chưa có thông tin", and the conclusion says what is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ntm.core import formatting as fmt

from .bulletin import SetSpec, n2
from .model import Document, FrameText, Heading, Paragraph, Table

STATUS_LABEL = {"met": "Đạt", "not_met": "Chưa đạt", "no_data": "Chưa có số liệu", "not_applicable": "Không đánh giá"}

# Dossier items for recognising a commune (QĐ 18/2022/QĐ-TTg, as summarised by our sources: to be checked
# against the decision's text). ``report`` marks the item this document is.
DOSSIER_ITEMS = [
    ("to_trinh", "Tờ trình của UBND xã đề nghị xét, công nhận xã đạt chuẩn"),
    ("bao_cao", "Báo cáo kết quả xây dựng nông thôn mới của xã (kèm bảng kết quả từng tiêu chí, chỉ tiêu)"),
    ("y_kien", "Báo cáo tổng hợp ý kiến tham gia của Mặt trận Tổ quốc, các tổ chức chính trị - xã hội và nhân dân"),
    ("bien_ban", "Biên bản cuộc họp đề nghị xét, công nhận xã đạt chuẩn"),
    ("hinh_anh", "Hình ảnh minh họa về kết quả xây dựng nông thôn mới của xã"),
    ("minh_chung", "Minh chứng của từng chỉ tiêu (văn bản, số liệu, hồ sơ kèm theo)"),
]


@dataclass
class IndicatorRow:
    code: str
    content: str
    rule: str | None
    value: str
    assessment: bool | None
    status: str  # met | not_met | no_data | not_applicable
    counts_as_met: bool
    conflict: bool = False
    explanation: str = ""
    evidence: str = ""


@dataclass
class CriterionBlock:
    number: int
    name: str
    sector: str | None
    met: bool
    indicators: list[IndicatorRow]


@dataclass
class ConditionRow:
    label: str
    met: bool | None
    detail: str
    recognition_only: bool = False


@dataclass
class DossierData:
    unit_name: str
    unit_short: str
    issuer: list[str]
    place: str
    period_key: str
    period_label: str
    year: int
    issued: dt.date
    set: SetSpec
    set_name: str
    criteria_met: int
    indicators_met: int
    standard_met: bool
    criteria: list[CriterionBlock]
    conditions: list[ConditionRow] = field(default_factory=list)
    claimed: set[int] | None = None  # criteria the office asks to present as met (None: all of them)
    catalog_version: str = ""
    includes_unapproved: bool = False  # made from figures including unapproved data (the document says so)


@dataclass(frozen=True)
class Flag:
    code: str  # criterion-unmet | claimed-unsupported | condition-unmet | condition-unknown | conflict | no-evidence
    subject: str  # "tiêu chí 15", "chỉ tiêu 17.6", a condition label
    message: str


def _assess(v: bool | None) -> str:
    return "" if v is None else ("Đạt" if v else "Chưa đạt")


def flags_of(d: DossierData) -> list[Flag]:
    claimed = d.claimed if d.claimed is not None else {c.number for c in d.criteria}
    out: list[Flag] = []
    for c in d.criteria:
        if c.met:
            continue
        unmet = [i.code for i in c.indicators if not i.counts_as_met]
        if c.number in claimed:
            out.append(
                Flag(
                    "claimed-unsupported",
                    f"tiêu chí {c.number}",
                    f"Tiêu chí số {c.number} ({c.name}) được đề nghị ghi là đạt nhưng kết quả đánh giá là chưa đạt "
                    f"(chỉ tiêu chưa đạt: {', '.join(unmet)}); không ghi là đạt trong hồ sơ.",
                )
            )
        else:
            out.append(
                Flag(
                    "criterion-unmet",
                    f"tiêu chí {c.number}",
                    f"Tiêu chí số {c.number} ({c.name}) chưa đạt (chỉ tiêu chưa đạt: {', '.join(unmet)}).",
                )
            )
        for i in c.indicators:
            if i.conflict:
                out.append(
                    Flag(
                        "conflict",
                        f"chỉ tiêu {i.code}",
                        f"Chỉ tiêu {i.code}: đánh giá của cán bộ khác với quy định, cần xem lại.",
                    )
                )
    for c in d.criteria:
        if c.met:
            for i in c.indicators:
                if i.conflict:
                    out.append(
                        Flag(
                            "conflict",
                            f"chỉ tiêu {i.code}",
                            f"Chỉ tiêu {i.code}: đánh giá của cán bộ khác với quy định, cần xem lại.",
                        )
                    )
    for k in d.conditions:
        if k.met is False:
            out.append(Flag("condition-unmet", k.label, f"Điều kiện chưa đáp ứng: {k.label} ({k.detail})."))
        elif k.met is None:
            out.append(Flag("condition-unknown", k.label, f"Điều kiện chưa có thông tin: {k.label}."))
    return out


def compose(d: DossierData, text: FrameText | None = None) -> Document:
    """The commune's report for its recognition dossier (tên loại "BÁO CÁO"); the caller fills in the
    rest of the frame (number, recipients, signer)."""
    s = d.set
    flags = flags_of(d)
    blocking = [f for f in flags if f.code != "conflict"]
    text = text or FrameText()
    unit = d.unit_name[:1].lower() + d.unit_name[1:]  # "xã Nguyên Lý" inside a sentence
    doc = Document(
        kind="dossier",
        issuer=list(d.issuer),
        place=d.place,
        issued=d.issued,
        title=text.report,
        subtitle=text.dossier_subject.format(standard=s.short_name, unit=unit, year=d.year),
        filename=f"ho-so-{s.code}-{_slug(d.unit_short)}-{d.period_key}",
        text=text,
    )
    doc.add(
        Paragraph(
            f"Căn cứ: {d.set_name}. Số liệu: kết quả đánh giá {d.period_label} lưu trên hệ thống "
            f"(phiên bản bộ tiêu chí {d.catalog_version}).",
            "note",
        )
    )

    doc.add(Heading("I. Kết quả chung"))
    doc.add(
        Paragraph(
            f"{d.unit_name} đạt {d.criteria_met}/{s.criteria_total} tiêu chí với "
            f"{d.indicators_met}/{s.indicators_total} chỉ tiêu {s.short_name}."
        )
    )
    unmet = [c for c in d.criteria if not c.met]
    if unmet:
        doc.add(
            Paragraph(
                f"Còn {n2(len(unmet))} tiêu chí chưa đạt: "
                + ", ".join(f"số {c.number} ({c.name})" for c in unmet)
                + ".",
                "dash",
            )
        )
    if not blocking:
        doc.add(
            Paragraph(
                f"Kết luận: {d.unit_name} đáp ứng các tiêu chí và điều kiện theo kết quả đánh giá; "
                f"đủ căn cứ để đề nghị xét công nhận đạt chuẩn {s.short_name}.",
                "bold",
            )
        )
    else:
        doc.add(
            Paragraph(
                f"Kết luận: chưa đủ căn cứ để đề nghị xét công nhận đạt chuẩn {s.short_name}; các điểm cần hoàn thiện:",
                "bold",
            )
        )
        for f in blocking:
            doc.add(Paragraph(f.message, "flag"))

    doc.add(Heading("II. Kết quả thực hiện từng tiêu chí"))
    for c in d.criteria:
        doc.add(Heading(f"{c.number}. Tiêu chí số {c.number} về {c.name}", 2))
        if c.sector:
            doc.add(Paragraph(f"Ngành phụ trách: {c.sector}.", "note"))
        rows, flagged = [], set()
        for k, i in enumerate(c.indicators):
            status = STATUS_LABEL.get(i.status, i.status)
            if i.conflict:
                status += " (mâu thuẫn)"
            rows.append(
                [
                    i.code,
                    i.content,
                    i.rule or "Cán bộ đánh giá",
                    i.value,
                    _assess(i.assessment),
                    status,
                    i.evidence or ("Chưa có" if i.counts_as_met else ""),
                ]
            )
            if not i.counts_as_met or i.conflict:
                flagged.add(k)
        doc.add(
            Table(
                caption=f"Bảng {c.number}. Chi tiết các chỉ tiêu của tiêu chí số {c.number}",
                columns=["Chỉ tiêu", "Nội dung", "Yêu cầu", "Giá trị", "Tự đánh giá", "Kết quả", "Minh chứng"],
                rows=rows,
                align=["c", "l", "c", "r", "c", "c", "l"],
                widths=[0.7, 4, 1.3, 1, 1, 1.1, 2],
                flagged=flagged,
                key=f"tieu-chi-{c.number}",
            )
        )
        if c.met:
            doc.add(Paragraph(f"Đánh giá: đạt tiêu chí số {c.number} về {c.name}.", "bold"))
        else:
            codes = ", ".join(i.code for i in c.indicators if not i.counts_as_met)
            doc.add(
                Paragraph(
                    f"Đánh giá: tiêu chí số {c.number} CHƯA ĐẠT (chỉ tiêu chưa đạt: {codes}); "
                    "không ghi là đạt trong hồ sơ.",
                    "flag",
                )
            )

    doc.add(Heading("III. Điều kiện công nhận"))
    if d.conditions:
        doc.add(
            Table(
                caption="Bảng điều kiện công nhận",
                columns=["Điều kiện", "Tình trạng", "Chi tiết"],
                rows=[
                    [
                        k.label,
                        "Đáp ứng" if k.met else ("Chưa đáp ứng" if k.met is False else "Chưa có thông tin"),
                        k.detail,
                    ]
                    for k in d.conditions
                ],
                align=["l", "c", "l"],
                widths=[4, 1.4, 2.6],
                flagged={i for i, k in enumerate(d.conditions) if k.met is not True},
                key="dieu-kien",
            )
        )
    else:
        doc.add(Paragraph("Bộ tiêu chí không quy định điều kiện công nhận riêng."))

    doc.add(Heading("IV. Danh mục hồ sơ"))
    missing_evidence = [i.code for c in d.criteria for i in c.indicators if i.counts_as_met and not i.evidence]
    items = []
    for key, label in DOSSIER_ITEMS:
        if key == "bao_cao":
            state = "Có (báo cáo này)" if not blocking else "Cần hoàn thiện (còn điểm chưa đạt, xem mục I)"
        elif key == "minh_chung":
            state = (
                "Đủ cho các chỉ tiêu đạt"
                if not missing_evidence
                else f"Thiếu minh chứng: {n2(len(missing_evidence))} chỉ tiêu"
            )
        else:
            state = "Cần lập, bổ sung"
        items.append([label, state])
    for k in d.conditions:
        if k.recognition_only:
            items.append([f"Văn bản xác nhận: {k.label}", "Đã có thông tin" if k.met is not None else "Cần bổ sung"])
    doc.add(
        Table(
            caption="Danh mục thành phần hồ sơ",
            columns=["Thành phần hồ sơ", "Tình trạng"],
            rows=[[f"{n}. {label}", state] for n, (label, state) in enumerate(items, start=1)],
            align=["l", "l"],
            widths=[5, 2.4],
            key="danh-muc",
            note="Danh mục theo QĐ 18/2022/QĐ-TTg như các nguồn tóm tắt; cần đối chiếu văn bản gốc.",
        )
    )
    if missing_evidence:
        doc.add(Paragraph("Chỉ tiêu đạt nhưng chưa có minh chứng: " + ", ".join(missing_evidence) + ".", "note"))
    doc.footer = [f"Số liệu: kết quả đánh giá {d.period_label}, {fmt.date(d.issued)}."]
    claimed = d.claimed if d.claimed is not None else {c.number for c in d.criteria}
    doc.meta = {
        "unit": d.unit_name,
        "set": s.code,
        "period": d.period_key,
        "criteria_met": d.criteria_met,
        "indicators_met": d.indicators_met,
        "standard_met": d.standard_met,
        "met_criteria": [c.number for c in d.criteria if c.met],
        "claimed_unsupported": sorted(c.number for c in d.criteria if not c.met and c.number in claimed),
        "flags": [f.__dict__ for f in flags],
        "ready": not blocking,
    }
    return doc


def _slug(text: str) -> str:
    from ntm.core.sheets import fold

    return "-".join(fold(text).split()) or "xa"
