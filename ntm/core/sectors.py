"""Responsible sectors (ngành phụ trách) named as the bodies that exist today.

The catalogue records the ministry that guides each criterion as the 2021–2025 sets assigned it,
with the names of before 2025 (``criterion.sector.ministry``, e.g. "Bộ Nông nghiệp và Phát triển nông
thôn"). A document names the sector as its reader knows it:

1. a unit's own setting wins (:func:`parse_overrides`: per criterion number, or per ministry, old or
   current name);
2. otherwise the ministry after the 2025 restructuring (Nghị quyết 176/2025/QH15, in force 01/03/2025:
   NN&PTNT + TN&MT → Bộ Nông nghiệp và Môi trường, GTVT → Bộ Xây dựng, KH&ĐT → Bộ Tài chính, TT&TT →
   Bộ Khoa học và Công nghệ, LĐ-TB&XH → Bộ Nội vụ, with poverty reduction going to Bộ Nông nghiệp và
   Môi trường; Ủy ban Dân tộc → Bộ Dân tộc và Tôn giáo), turned into the unit's own department:
   - province: the department (sở) of Nghị định 45/2025/NĐ-CP and 150/2025/NĐ-CP ("Sở Nông nghiệp và
     Môi trường");
   - commune (after 01/07/2025): the office of Nghị định 150/2025/NĐ-CP that covers the field ("Phòng
     Kinh tế" in a xã, "Phòng Kinh tế, Hạ tầng và Đô thị" in a phường, "Phòng Văn hóa - Xã hội",
     "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân");
   - the country, and districts (a level abolished on 01/07/2025): the ministry.
   A body with no counterpart in those lists (Bộ Quốc phòng, Bộ Công an, Ban Tổ chức Trung ương)
   keeps its own name until the unit sets one.

Pure functions, no Django.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping

# Nghị quyết 176/2025/QH15 (cơ cấu tổ chức của Chính phủ nhiệm kỳ khóa XV, từ 01/03/2025)
MERGED_2025: dict[str, str] = {
    "Bộ Nông nghiệp và Phát triển nông thôn": "Bộ Nông nghiệp và Môi trường",
    "Bộ Tài nguyên và Môi trường": "Bộ Nông nghiệp và Môi trường",
    "Bộ Giao thông vận tải": "Bộ Xây dựng",
    "Bộ Kế hoạch và Đầu tư": "Bộ Tài chính",
    "Bộ Thông tin và Truyền thông": "Bộ Khoa học và Công nghệ",
    "Bộ Lao động - Thương binh và Xã hội": "Bộ Nội vụ",
    "Ủy ban Dân tộc": "Bộ Dân tộc và Tôn giáo",
}
POVERTY_MINISTRY = "Bộ Nông nghiệp và Môi trường"  # took over poverty reduction from Bộ LĐ-TB&XH in 2025

# The sở of a province (Nghị định 45/2025/NĐ-CP, kept by Nghị định 150/2025/NĐ-CP)
PROVINCE_DEPARTMENT: dict[str, str] = {
    "Bộ Nội vụ": "Sở Nội vụ",
    "Bộ Tư pháp": "Sở Tư pháp",
    "Bộ Tài chính": "Sở Tài chính",
    "Bộ Công Thương": "Sở Công Thương",
    "Bộ Nông nghiệp và Môi trường": "Sở Nông nghiệp và Môi trường",
    "Bộ Xây dựng": "Sở Xây dựng",
    "Bộ Khoa học và Công nghệ": "Sở Khoa học và Công nghệ",
    "Bộ Văn hóa, Thể thao và Du lịch": "Sở Văn hóa, Thể thao và Du lịch",
    "Bộ Giáo dục và Đào tạo": "Sở Giáo dục và Đào tạo",
    "Bộ Y tế": "Sở Y tế",
    "Bộ Dân tộc và Tôn giáo": "Sở Dân tộc và Tôn giáo",
}

# The offices of a commune-level People's Committee (Nghị định 150/2025/NĐ-CP): which one covers each field
_OFFICE = "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân"  # văn phòng, tư pháp, đối ngoại
_ECONOMY = "Phòng Kinh tế"  # tài chính - kế hoạch, xây dựng, công thương, nông nghiệp và môi trường
_ECONOMY_WARD = "Phòng Kinh tế, Hạ tầng và Đô thị"  # the same fields in a phường
_SOCIAL = "Phòng Văn hóa - Xã hội"  # nội vụ, giáo dục, văn hóa, khoa học và thông tin, y tế, dân tộc và tôn giáo
COMMUNE_OFFICE: dict[str, str] = {
    "Bộ Tư pháp": _OFFICE,
    "Bộ Tài chính": _ECONOMY,
    "Bộ Xây dựng": _ECONOMY,
    "Bộ Công Thương": _ECONOMY,
    "Bộ Nông nghiệp và Môi trường": _ECONOMY,
    "Bộ Nội vụ": _SOCIAL,
    "Bộ Giáo dục và Đào tạo": _SOCIAL,
    "Bộ Văn hóa, Thể thao và Du lịch": _SOCIAL,
    "Bộ Khoa học và Công nghệ": _SOCIAL,
    "Bộ Y tế": _SOCIAL,
    "Bộ Dân tộc và Tôn giáo": _SOCIAL,
}

_PART = re.compile(r"^(?P<body>[^()]+?)\s*(?P<note>\(.*\))?$")


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).split()).casefold()


def current_ministry(name: str, criterion_name: str = "") -> str:
    """The ministry that holds the field today ("Bộ Giao thông vận tải" → "Bộ Xây dựng"); poverty
    criteria of Bộ LĐ-TB&XH went to Bộ Nông nghiệp và Môi trường."""
    name = " ".join(name.split())
    if name == "Bộ Lao động - Thương binh và Xã hội" and "nghèo" in _key(criterion_name):
        return POVERTY_MINISTRY
    return MERGED_2025.get(name, name)


def _department(ministry: str, level: str, unit_type: str) -> str:
    if level == "province":
        return PROVINCE_DEPARTMENT.get(ministry, ministry)
    if level == "commune":
        office = COMMUNE_OFFICE.get(ministry, ministry)
        return _ECONOMY_WARD if office == _ECONOMY and unit_type == "Phường" else office
    return ministry


def responsible(
    ministry: str | None,
    *,
    criterion: int | None = None,
    criterion_name: str = "",
    level: str = "country",
    unit_type: str = "",
    overrides: Mapping[str, str] | None = None,
) -> str | None:
    """The name a document gives the sector responsible for a criterion.

    ``ministry`` is the catalogue's text, possibly several bodies ("Bộ Nội vụ; Bộ Tư pháp (tiếp cận
    pháp luật); Ban Tổ chức Trung ương"): each is named on its own, duplicates dropped. ``overrides``
    come from :func:`parse_overrides` (keys folded with :func:`_key`).
    """
    over = {_key(k): v for k, v in (overrides or {}).items()}
    if criterion is not None and str(criterion) in over:
        return over[str(criterion)]
    if not ministry:
        return None
    names: list[str] = []
    for part in (p.strip() for p in ministry.split(";")):
        if not part:
            continue
        m = _PART.match(part)
        body, note = (m.group("body").strip(), m.group("note")) if m else (part, None)
        now = current_ministry(body, criterion_name)
        name = over.get(_key(body)) or over.get(_key(now)) or _department(now, level, unit_type)
        name = f"{name} {note}" if note else name
        if name not in names:
            names.append(name)
    return "; ".join(names) or None


@functools.lru_cache(maxsize=512)
def national(ministry: str | None, criterion_name: str = "") -> str | None:
    """The sector as pages name it (the ministries of today, no unit's setting): cached, for the
    evaluation's explanations and the dashboards."""
    return responsible(ministry, criterion_name=criterion_name)


class OverridesError(ValueError):
    """Lines of the sector setting that cannot be read: [(line number, message)]."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(f"dòng {n}: {msg}" for n, msg in problems))


def parse_overrides(text: str) -> dict[str, str]:
    """``"Bộ Nông nghiệp và Môi trường = Phòng Kinh tế"`` or ``"17 = Phòng Kinh tế"``, one per line
    (blank lines and lines starting with # are skipped). Raises :class:`OverridesError` naming the lines
    that have no "=" or an empty side."""
    out: dict[str, str] = {}
    problems: list[tuple[int, str]] = []
    for n, raw in enumerate(unicodedata.normalize("NFC", text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key, value = " ".join(key.split()), " ".join(value.split())
        if not sep:
            problems.append((n, f"thiếu dấu '=' (viết: tên bộ hoặc số tiêu chí = tên cơ quan của đơn vị): «{line}»"))
        elif not key or not value:
            problems.append((n, f"thiếu tên ở một bên dấu '=': «{line}»"))
        else:
            out[key] = value
    if problems:
        raise OverridesError(problems)
    return out


def format_overrides(overrides: Mapping[str, str]) -> str:
    """The text form of ``overrides`` (what :func:`parse_overrides` reads back)."""
    return "\n".join(f"{k} = {v}" for k, v in overrides.items())


def defaults_for(ministries: list[str], level: str, unit_type: str = "") -> list[tuple[str, str]]:
    """(catalogue name, name in this unit's documents without any setting), for the settings page."""
    out: list[tuple[str, str]] = []
    for m in ministries:
        named = responsible(m, level=level, unit_type=unit_type)
        if named and (m, named) not in out:
            out.append((m, named))
    return out
