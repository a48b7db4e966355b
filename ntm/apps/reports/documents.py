"""The frame of a unit's bulletins and dossiers (Nghị định 30/2020/NĐ-CP): who issues them, the number
line, place and date, "Nơi nhận", the signer, and the names of the responsible sectors.

Three layers, each over the one before:

1. defaults by level (:func:`defaults`): "UBND HUYỆN LÝ NHÂN / VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI",
   "Số: …/BC-VPĐP", "CHÁNH VĂN PHÒNG"; sectors named by :mod:`ntm.core.sectors`;
2. the unit's saved settings (:class:`~ntm.apps.reports.models.DocumentSettings`, the latest row),
   set on the bulletin and dossier pages by the unit's users (:func:`can_edit`);
3. what the user types in that form before downloading (number, date, signer…), for that file only.

The form shows the values in force; what it sends is taken as it is (an emptied field means "none",
e.g. no parent body above a People's Committee that issues the document itself).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace

from ntm.core import sectors as S
from ntm.core.reports.model import Document, FrameText, Signature

TEXT_FIELDS = ("parent_body", "issuer", "symbol", "place", "signer_authority", "signer_title", "signer_name")
SAVED_FIELDS = (*TEXT_FIELDS, "recipients", "sectors")


@dataclass(frozen=True)
class Frame:
    """The values a document is made with (every layer applied)."""

    parent_body: str = ""
    issuer: str = ""
    symbol: str = ""
    place: str = ""
    signer_authority: str = ""
    signer_title: str = ""
    signer_name: str = ""
    recipients: tuple[str, ...] = ()
    sectors: tuple[tuple[str, str], ...] = ()  # (ministry or criterion number, name in this unit's documents)
    number: str = ""  # for one file only
    issued: dt.date | None = None  # for one file only; None: today
    unit_level: str = "country"
    unit_type: str = ""

    @property
    def signature(self) -> Signature:
        return Signature(self.signer_authority, self.signer_title, self.signer_name)

    def key(self) -> dict:
        """Everything the file depends on (the bulletin cache's key)."""
        d = asdict(self)
        d["issued"] = self.issued.isoformat() if self.issued else None
        return d

    def sector_namer(self) -> Callable[[object], str | None]:
        """criterion (catalogue) → the responsible sector as this unit's documents name it."""
        overrides = dict(self.sectors)

        def name(criterion) -> str | None:
            ministry = criterion.sector.ministry if getattr(criterion, "sector", None) else None
            return S.responsible(
                ministry,
                criterion=criterion.number,
                criterion_name=criterion.name,
                level=self.unit_level,
                unit_type=self.unit_type,
                overrides=overrides,
            )

        return name


def _lower_first(name: str) -> str:
    """ "Tỉnh Hà Nam" → "tỉnh Hà Nam" (inside a line of "Nơi nhận")."""
    return name[:1].lower() + name[1:]


def defaults(unit) -> Frame:
    """The frame of a unit that has saved nothing: its People's Committee over the office that follows
    the programme (the coordination office; in a commune, its management board)."""
    from ntm.apps.units.models import Level

    if unit.level == Level.COUNTRY:
        return Frame(
            "BAN CHỈ ĐẠO TRUNG ƯƠNG CÁC CTMTQG",
            "VĂN PHÒNG ĐIỀU PHỐI NTM TRUNG ƯƠNG",
            "VPĐP",
            "Hà Nội",
            signer_title="CHÁNH VĂN PHÒNG",
            unit_level=unit.level,
            unit_type=unit.type,
        )
    parent = unit.parent
    if parent is None or parent.level == Level.COUNTRY:
        recipients: tuple[str, ...] = (
            ("Văn phòng Điều phối nông thôn mới Trung ương",) if unit.level == Level.PROVINCE else ()
        )
    else:
        recipients = (f"UBND {_lower_first(parent.name)}",)
    if unit.level == Level.COMMUNE:
        return Frame(
            f"UBND {unit.name.upper()}",
            "BAN QUẢN LÝ XÂY DỰNG NTM",
            "BQL",
            unit.short_name,
            signer_title="TRƯỞNG BAN",
            recipients=recipients,
            unit_level=unit.level,
            unit_type=unit.type,
        )
    return Frame(
        f"UBND {unit.name.upper()}",
        "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI",
        "VPĐP",
        unit.short_name,
        signer_title="CHÁNH VĂN PHÒNG",
        recipients=recipients,
        unit_level=unit.level,
        unit_type=unit.type,
    )


def saved(unit):
    """The unit's settings in force (the latest saved row), or None."""
    from .models import DocumentSettings

    return DocumentSettings.objects.filter(unit=unit).order_by("-created_at", "-id").first()


def _lines(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in (text or "").splitlines() if x.strip())


def frame_for(unit, edits: Mapping | None = None, present: set[str] | None = None) -> Frame:
    """Defaults, then the saved settings (every field as saved), then ``edits`` (the form's cleaned data,
    for one file). ``present``: the fields the form sent, taken as they are, even empty (the form shows
    the values in force, so an emptied field means "none"); without it, only the non-empty edits count."""
    frame = defaults(unit)
    row = saved(unit)
    if row is not None:
        frame = _overlay(frame, {k: getattr(row, k) for k in SAVED_FIELDS}, exact=set(SAVED_FIELDS))
    if edits:
        frame = _overlay(frame, edits, exact=set(present or ()) & set(SAVED_FIELDS))
        if edits.get("number"):
            frame = replace(frame, number=str(edits["number"]).strip())
        if edits.get("issued"):
            frame = replace(frame, issued=edits["issued"])
    return frame


def _overlay(frame: Frame, values: Mapping, exact: set[str]) -> Frame:
    """``values`` over ``frame``: the fields of ``exact`` as they are, the others only when not empty."""
    changes: dict = {}
    for k in TEXT_FIELDS:
        if k not in values:
            continue
        v = " ".join(str(values.get(k) or "").split())
        if v or k in exact:
            changes[k] = v
    if "recipients" in values:
        recipients = values.get("recipients")
        recipients = _lines(recipients) if isinstance(recipients, str) else tuple(recipients or ())
        if recipients or "recipients" in exact:
            changes["recipients"] = recipients
    if "sectors" in values:
        sectors = values.get("sectors")
        sectors = S.parse_overrides(sectors) if isinstance(sectors, str) else dict(sectors or {})
        if sectors or "sectors" in exact:
            changes["sectors"] = tuple(sectors.items())
    return replace(frame, **changes)


def save(unit, values: Mapping, user, present: set[str] | None = None) -> object:
    """Add the unit's new settings (a row; the earlier ones stay): the frame in force with ``values`` (the
    form's cleaned data; ``present`` as for :func:`frame_for`) over it, every field stored as it is."""
    from .models import DocumentSettings

    frame = frame_for(unit, values, present)
    return DocumentSettings.objects.create(
        unit=unit,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **{k: getattr(frame, k) for k in TEXT_FIELDS},
        recipients="\n".join(frame.recipients),
        sectors=dict(frame.sectors),
    )


def can_edit(user, unit) -> bool:
    """The unit's users who enter its data (or administer it) set its documents' frame."""
    from ntm.apps.accounts.permissions import can_admin, can_enter

    return can_enter(user, unit) or can_admin(user, unit)


def frame_text() -> FrameText:
    """The frame's fixed words in the active language (Vietnamese unless the user chose another)."""
    from django.utils.translation import gettext as _

    return FrameText(
        nation=_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        motto=_("Độc lập - Tự do - Hạnh phúc"),
        number=_("Số"),
        report=_("BÁO CÁO"),
        date=_("{place}, ngày {day} tháng {month} năm {year}"),
        recipients=_("Nơi nhận"),
        archive=_("Lưu: VT"),
        bulletin_subject=_("Bản tin nông thôn mới {period}"),
        dossier_subject=_("Kết quả thực hiện tiêu chí {standard} của {unit} năm {year} (hồ sơ đề nghị xét công nhận)"),
    )


def apply(doc: Document, frame: Frame) -> Document:
    """Put the frame on a composed document (issuer, place, number, recipients, signer)."""
    doc.issuer = [x for x in (frame.parent_body, frame.issuer) if x]
    doc.place = frame.place
    doc.number = frame.number
    doc.symbol = frame.symbol
    doc.recipients = list(frame.recipients)
    doc.signature = frame.signature
    if frame.issued:
        doc.issued = frame.issued
    return doc


def sector_defaults(unit, catalog=None) -> list[tuple[str, str]]:
    """(ministry in the catalogue, name in this unit's documents without a setting), for the settings form."""
    from ntm.core.catalog import default_catalog

    catalog = catalog or default_catalog()
    ministries = sorted({c.sector.ministry for s in catalog for c in s.criteria if c.sector})
    return S.defaults_for(ministries, unit.level, unit.type)


def initial(frame: Frame) -> dict:
    """The settings form's fields filled with the values in force."""
    return {
        **{k: getattr(frame, k) for k in TEXT_FIELDS},
        "recipients": "\n".join(frame.recipients),
        "sectors": S.format_overrides(dict(frame.sectors)),
        "number": frame.number,
        "issued": frame.issued,
    }
