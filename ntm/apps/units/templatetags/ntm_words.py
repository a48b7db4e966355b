"""Words, not codes: how pages name sets, periods, units and the provenance of thresholds.

``{% load ntm_words %}``:

- ``{% set_name "xa-ntm-2021" %}`` → "nông thôn mới" (the set's short Vietnamese name; the code stays
  for the API and the details toggle);
- ``{{ "2023-07"|period_words }}`` → "tháng 7/2023", ``"2024-Q4"`` → "quý IV/2024" (in English
  "07/2023", "Q4 2024");
- ``{{ "NEWS, tạm thời"|provenance_words }}`` → "nguồn: báo chí, chưa đối chiếu văn bản gốc";
- ``{% unit_place unit %}`` → "Xã An Ninh, huyện Quỳnh Phụ, Thái Bình" (the unit and its parents).
"""

from __future__ import annotations

from django import template
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

register = template.Library()

# the confidence tags of the catalogue (ntm.core.catalog.schema.Tag), in words
SOURCE_WORDS = {
    "OFF": gettext_lazy("văn bản chính thức"),
    "NEWS": gettext_lazy("báo chí"),
    "NEWS-G": gettext_lazy("hướng dẫn của bộ, ngành đăng trên báo"),
    "NEWS-P": gettext_lazy("báo địa phương (có thể là mức của tỉnh)"),
    "RECALL": gettext_lazy("chưa tìm thấy nguồn"),
    "PLACEHOLDER": gettext_lazy("văn bản có mục này nhưng chưa có nội dung"),
    "LOCAL": gettext_lazy("do địa phương nhập"),
}
STATUS_WORDS = {
    "verified": gettext_lazy("đã đối chiếu văn bản gốc"),
    "provisional": gettext_lazy("chưa đối chiếu văn bản gốc"),
    "đã đối chiếu": gettext_lazy("đã đối chiếu văn bản gốc"),
    "tạm thời": gettext_lazy("chưa đối chiếu văn bản gốc"),
}
ROMAN = ["I", "II", "III", "IV"]


@register.simple_tag
def set_name(code: str, full: bool = False) -> str:
    """The set's short Vietnamese name ("nông thôn mới nâng cao"), or its full name with ``full``;
    the code itself when the catalogue no longer has it."""
    from ntm.core.catalog import default_catalog

    cat = default_catalog()
    if not code or code not in cat:
        return code or ""
    cs = cat.get(code)
    return cs.name if full else (cs.data.short_name or cs.name)


@register.filter
def period_words(key) -> str:
    """'2023-07' → "tháng 7/2023"; '2024-Q4' → "quý IV/2024"; '2024' → "năm 2024"."""
    from ntm.core.periods import Period

    if not key:
        return ""
    try:
        p = key if isinstance(key, Period) else Period.parse(str(key))
    except ValueError:
        return str(key)
    english = (get_language() or "vi").startswith("en")
    if p.month:
        return f"{p.month:02d}/{p.year}" if english else f"tháng {p.month}/{p.year}"
    if p.quarter:
        return f"Q{p.quarter} {p.year}" if english else f"quý {ROMAN[p.quarter - 1]}/{p.year}"
    return str(p.year) if english else f"năm {p.year}"


@register.filter
def provenance_words(text) -> str:
    """A threshold's provenance ("NEWS, tạm thời", or a Provenance) in words: "nguồn: báo chí, chưa
    đối chiếu văn bản gốc"."""
    if not text:
        return ""
    if hasattr(text, "tag"):
        tag, status = getattr(text.tag, "value", text.tag), text.status
    else:
        tag, _sep, status = str(text).partition(",")
        tag, status = tag.strip(), status.strip()
    source = SOURCE_WORDS.get(tag, tag)
    state = STATUS_WORDS.get(status, status)
    return (
        _("nguồn: %(source)s, %(state)s") % {"source": source, "state": state}
        if state
        else _("nguồn: %(source)s") % {"source": source}
    )


def place_of(unit, names: list[str]) -> str:
    """ "Xã An Ninh, huyện Quỳnh Phụ, Thái Bình": the unit's name, then its parents' (district in lower
    case, the province by its short name), nearest first."""
    parts = [unit.name]
    for n in reversed(names):
        low = n
        for prefix in ("Tỉnh ", "Thành phố "):
            if n.startswith(prefix) and n is names[0]:
                low = n[len(prefix) :]
                break
        else:
            if n is not names[0]:
                low = n[:1].lower() + n[1:]
        parts.append(low)
    return ", ".join(parts)


@register.simple_tag
def unit_place(unit) -> str:
    """The unit with its parents, for a unit whose name alone is ambiguous (one query)."""
    from ntm.apps.units.services import path_names

    if unit is None:
        return ""
    return place_of(unit, path_names([unit]).get(unit.id, []))


ENTRY_SOURCES = {
    "form": gettext_lazy("nhập trên biểu"),
    "import": gettext_lazy("nhập từ tệp Excel/CSV"),
    "api": gettext_lazy("gửi qua API"),
    "demo": gettext_lazy("dữ liệu mẫu"),
    "dhis2": gettext_lazy("nhập từ DHIS2"),
    "claims": gettext_lazy("lấy từ văn bản báo cáo"),
}


@register.filter
def entry_source(code) -> str:
    """How a value came in ("import" → "nhập từ tệp Excel/CSV")."""
    return str(ENTRY_SOURCES.get(code, code or ""))


@register.filter
def scope_words(scope) -> str:
    """Where a threshold applies, in words: "national" → "toàn quốc", "region:DBSH" → "vùng Đồng
    bằng sông Hồng", "group:2" → "xã nhóm 2", "province:35" → "tỉnh Hà Nam"."""
    from ntm.apps.units.models import Region, Unit

    if not scope:
        return ""
    if scope == "national":
        return _("toàn quốc")
    if scope == "ungrouped":
        return _("xã chưa phân nhóm")
    kind, _sep, key = str(scope).partition(":")
    if kind == "region":
        label = _(Region(key).label) if key in Region.values else key
        return _("vùng %(name)s") % {"name": label}
    if kind == "group":
        return _("xã nhóm %(n)s") % {"n": key}
    if kind == "province":
        u = Unit.objects.filter(level="province", code=key).order_by("-edition").first()
        return u.name if u else _("tỉnh (mã %(code)s)") % {"code": key}
    if kind == "special":
        return _("xã đặc biệt khó khăn, an toàn khu")
    return str(scope)


@register.filter
def validity_words(unit) -> str:
    """When a unit is in force: "hiệu lực đến 30/06/2025" (the words of ntm.core.units.validity_label,
    in the page's language)."""
    if unit is None:
        return ""
    a, b = getattr(unit, "valid_from", None), getattr(unit, "valid_to", None)
    fa = a.strftime("%d/%m/%Y") if a else ""
    fb = b.strftime("%d/%m/%Y") if b else ""
    if a and b:
        return _("hiệu lực %(start)s–%(end)s") % {"start": fa, "end": fb}
    if b:
        return _("hiệu lực đến %(end)s") % {"end": fb}
    if a:
        return _("hiệu lực từ %(start)s") % {"start": fa}
    return _("hiệu lực mọi thời điểm")


@register.filter
def engine_words(text) -> str:
    """The evaluation engine's short phrases (ntm.core.evaluation.engine: a rule "Đạt", "từ mức Khá",
    a threshold scope "chung cả nước", "vùng Tây Nguyên, năm 2024") in the page's language; Vietnamese
    text is returned as it is."""
    import re

    if not text or not (get_language() or "vi").startswith("en"):
        return text or ""
    s = str(text)
    year = ""
    m = re.search(r", năm (\d{4})$", s)
    if m:
        s, year = s[: m.start()], _(", năm %(y)s") % {"y": m.group(1)}
    if s == "Đạt":
        return _("Đạt") + year
    if s == "chung cả nước":
        return _("chung cả nước") + year
    if s.startswith("từ mức "):
        return _("từ mức %(x)s") % {"x": s[len("từ mức ") :]} + year
    if s.startswith("vùng "):
        return _("vùng %(name)s") % {"name": _(s[len("vùng ") :])} + year
    if s.startswith("nhóm xã "):
        return _("nhóm xã %(g)s") % {"g": s[len("nhóm xã ") :]} + year
    if s.startswith("của tỉnh (mã "):
        return _("của tỉnh (mã %(code)s") % {"code": s[len("của tỉnh (mã ") :]} + year
    return str(text)
