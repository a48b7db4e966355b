"""Vietnam's administrative units before and after 1 July 2025, with lineage. Pure Python.

Source: the ``vietnamadminunits`` package (MIT). Its SQLite file holds the 3-level units that
stood until 30 June 2025 (``admin_units_legacy``: 63 provinces, 696 districts, 10,035 communes, plus
5 rows for island districts that have no commune) and the 2-level units from 1 July 2025
(``admin_units``: 34 provinces, 3,321 communes); ``converter_2025.json`` says which old units
became which new ones.

Identifiers are ``{level}:{code}@{edition}`` — ``tinh:35@2024``, ``huyen:353@2024``,
``xa:13570@2024``, ``tinh:01@2025`` — because official codes repeat across levels and the 2025
edition reuses old codes for other units. ``vn`` is the single root above both editions.

Edition ``"2024"`` is the hierarchy as it stood before the reform (valid until 30/06/2025; its
start is unknown, so ``valid_from`` is None — earlier commune mergers are not tracked); edition
``"2025"`` is valid from 01/07/2025.

Lineage links go from a 2024 unit to a 2025 unit, dated 2025-07-01:

- ``merge``: the old unit went whole into the new one (a 1→1 continuation is a merge with a single
  predecessor); always ``is_default``;
- ``split``: the old unit was divided among several new ones; the new unit that received the
  old one's name/seat is ``is_default``.

Provinces link to provinces, communes to communes; the island districts without communes
(Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) link from the district to the new đặc khu.
Districts were abolished on 1 July 2025 and have no other successors.

Data fixes applied while reading:

- the unit type is taken from the full name when it starts with a type word (the dataset's type
  column disagrees for 7 communes, e.g. "Phường 5" of Phú Nhuận typed "Xã", "Thị trấn Ngọc Lặc"
  typed "Xã"); disambiguating suffixes such as "Yên Viên (Thị trấn)" are removed from short
  names; "Thành Phố"/"Thị Xã" are written with a lower-case second word;
- the converter mixes up old communes that share a name inside one new province (Phường 4 of Tân
  An and Phường 4 of Tây Ninh each "split" into the other's successor, 90 km away): a minor
  (non-default) piece of a split is dropped when another same-named old commune of that new
  province went whole or mainly into it; a split left with one piece becomes a merge. The dropped
  links (28 with vietnamadminunits 1.0.4) are listed in ``UnitData.corrections``.

Known limits of the source: the 2025 communes' centroids are geocoded by name and some are
tens of kilometres off; the 2024 edition is a snapshot (mergers of 2023–2025 inside it are not
dated).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

EDITION_2024 = "2024"
EDITION_2025 = "2025"
EDITIONS = (EDITION_2024, EDITION_2025)
REFORM_DATE = dt.date(2025, 7, 1)
END_2024 = REFORM_DATE - dt.timedelta(days=1)

ROOT_UID = "vn"
LEVELS = ("country", "province", "district", "commune")
LEVEL_WORDS = {"province": "tinh", "district": "huyen", "commune": "xa"}
WORD_LEVELS = {v: k for k, v in LEVEL_WORDS.items()}
LEVEL_LABELS = {"country": "quốc gia", "province": "tỉnh", "district": "huyện", "commune": "xã"}
REGIONS = ("TDMNPB", "DBSH", "BTB", "DHNTB", "TN", "DNB", "DBSCL")

# Type words, longest first so that "Thị trấn" is not read as "Thị …".
TYPES = ("Thành phố", "Thị trấn", "Thị xã", "Đặc khu", "Phường", "Huyện", "Quận", "Tỉnh", "Xã")
LEVEL_TYPES = {
    "province": ("Tỉnh", "Thành phố"),
    "district": ("Huyện", "Quận", "Thị xã", "Thành phố"),
    "commune": ("Xã", "Phường", "Thị trấn", "Đặc khu"),
}

# The types a criteria set of a level evaluates, where narrower than every type of that level: the
# commune sets concern the xã (phường, thị trấn and đặc khu are urban units with standards of their
# own); so do commune groups and ĐBKK/ATK status.
_SET_TYPES = {"commune": ("Xã",)}


def set_unit_types(level: str) -> tuple[str, ...]:
    """The unit types that a criteria set of ``level`` (the set's ``level``: ``commune``, ``district``…)
    evaluates and its roll-ups count: ``set_unit_types("commune") == ("Xã",)``; a level without a
    narrower rule takes every type of that level; an unknown level none."""
    return _SET_TYPES.get(level, LEVEL_TYPES.get(level, ()))


COMMUNE_TYPES = set_unit_types("commune")  # the units the commune sets evaluate (xã)

LINK_MERGE = "merge"
LINK_SPLIT = "split"

REGIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.yaml"


class UnitLookupError(LookupError):
    """A reference matched no unit, or several; the message is in Vietnamese and lists candidates."""

    def __init__(self, message: str, candidates: Sequence[object] = ()):
        super().__init__(message)
        self.candidates = list(candidates)


# -- records ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UnitRecord:
    uid: str
    code: str
    name: str
    short_name: str
    type: str
    level: str
    edition: str
    parent_uid: str | None
    region: str
    lat: float | None
    lon: float | None
    valid_from: dt.date | None
    valid_to: dt.date | None

    def valid_at(self, date: dt.date | None) -> bool:
        return valid_at(self.valid_from, self.valid_to, date)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["valid_from"] = self.valid_from.isoformat() if self.valid_from else None
        d["valid_to"] = self.valid_to.isoformat() if self.valid_to else None
        return d


@dataclass(frozen=True, slots=True)
class LinkRecord:
    predecessor: str
    successor: str
    kind: str
    is_default: bool
    date: dt.date = REFORM_DATE


@dataclass
class UnitData:
    """Both editions, parents before children, and the lineage links between them."""

    units: list[UnitRecord]
    links: list[LinkRecord]
    region_names: dict[str, str] = field(default_factory=dict)
    corrections: list[str] = field(default_factory=list)  # lineage links of the source dropped as errors
    _by_uid: dict[str, UnitRecord] | None = field(default=None, repr=False)
    _children: dict[str, list[UnitRecord]] | None = field(default=None, repr=False)
    _names: dict[str, list[UnitRecord]] | None = field(default=None, repr=False)

    @property
    def by_uid(self) -> dict[str, UnitRecord]:
        if self._by_uid is None:
            self._by_uid = {u.uid: u for u in self.units}
        return self._by_uid

    def get(self, uid: str) -> UnitRecord:
        return self.by_uid[uid]

    def children(self, uid: str) -> list[UnitRecord]:
        if self._children is None:
            self._children = defaultdict(list)
            for u in self.units:
                if u.parent_uid:
                    self._children[u.parent_uid].append(u)
        return self._children.get(uid, [])

    def named(self, segment: str) -> list[UnitRecord]:
        """Units whose full or short name is ``segment`` (case, diacritics and type word optional)."""
        if self._names is None:
            self._names = defaultdict(list)
            for u in self.units:
                for key in {normalize(u.name), normalize(u.short_name)}:
                    self._names[key].append(u)
        return [
            u
            for u in self._names.get(_segment_key(segment), [])
            if segment_matches(segment, u.name, u.short_name, u.type)
        ]

    def chain(self, uid: str) -> list[UnitRecord]:
        """The unit and its ancestors, root first."""
        out = []
        cur: str | None = uid
        while cur:
            u = self.by_uid[cur]
            out.append(u)
            cur = u.parent_uid
        return out[::-1]

    def count(self, level: str, edition: str) -> int:
        return sum(1 for u in self.units if u.level == level and u.edition == edition)

    def predecessors(self, uid: str) -> list[LinkRecord]:
        return [link for link in self.links if link.successor == uid]

    def successors(self, uid: str) -> list[LinkRecord]:
        return [link for link in self.links if link.predecessor == uid]

    def resolve(self, ref: str, date: dt.date | None = None) -> UnitRecord:
        """A uid (``xa:13570@2024``, or ``xa:13570`` with a date) or a name path
        (``Hà Nam/Lý Nhân/Nguyên Lý``); raises :class:`UnitLookupError` unless exactly one matches."""
        ref = (ref or "").strip()
        if ref in self.by_uid:
            return self.by_uid[ref]
        uid = parse_uid(ref)
        if uid:
            level, code, edition = uid
            editions = [edition] if edition else list(EDITIONS)
            found = [self.by_uid[u] for u in (make_uid(level, code, e) for e in editions) if u in self.by_uid]
            found = [u for u in found if u.valid_at(date)]
        else:
            segments = split_path(ref)
            if not segments:
                raise UnitLookupError("chưa nhập đơn vị (mã như xa:13570@2024 hoặc tên như Hà Nam/Lý Nhân/Nguyên Lý)")
            found = rank_candidates(
                segments,
                (
                    (u, [(a.name, a.short_name, a.type) for a in self.chain(u.uid)])
                    for u in self.named(segments[-1])
                    if u.valid_at(date)
                ),
            )
        return one_of(
            ref,
            found,
            date,
            lambda u: (u.uid, u.name, [a.name for a in self.chain(u.uid)[1:-1]], u.valid_from, u.valid_to),
        )


# -- identifiers and dates -------------------------------------------------------------------
def make_uid(level: str, code: str, edition: str) -> str:
    if level == "country":
        return ROOT_UID
    return f"{LEVEL_WORDS[level]}:{code}@{edition}"


_UID_RE = re.compile(r"^(tinh|huyen|xa):(\d{1,6})(?:@(\d{4}))?$", re.IGNORECASE)


def parse_uid(text: str) -> tuple[str, str, str | None] | None:
    """``"xa:13570@2024"`` → ``("commune", "13570", "2024")``; the edition may be omitted."""
    m = _UID_RE.match((text or "").strip())
    if not m:
        return None
    return WORD_LEVELS[m[1].lower()], m[2], m[3]


def valid_at(valid_from: dt.date | None, valid_to: dt.date | None, date: dt.date | None) -> bool:
    if date is None:
        return True
    return (valid_from is None or valid_from <= date) and (valid_to is None or date <= valid_to)


def edition_at(date: dt.date) -> str:
    """The edition in force on a date: ``"2024"`` before 1 July 2025, ``"2025"`` from then on."""
    return EDITION_2024 if date < REFORM_DATE else EDITION_2025


_DMY_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(value: str | dt.date | None) -> dt.date | None:
    """``"2023-07-01"``, ``"01/07/2023"`` or a date; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        m = _DMY_RE.match(text)
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"ngày '{value}' không hợp lệ (dùng YYYY-MM-DD hoặc dd/mm/yyyy)") from None


# -- names -----------------------------------------------------------------------------------
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize(text: str | None) -> str:
    """For diacritics-insensitive search: lower case, no diacritics (đ→d), punctuation and
    whitespace folded to single spaces. ``normalize("Xã  Nguyên Lý") == "xa nguyen ly"``;
    ``normalize("Bà Rịa - Vũng Tàu") == "ba ria vung tau"``."""
    if not text:
        return ""
    s = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn").lower()
    return _NON_WORD.sub(" ", s).strip()


_NON_WORD_ACCENTED = re.compile(r"[^\w]+")


def fold_case(text: str | None) -> str:
    """Like :func:`normalize` but keeping diacritics: to prefer "Tân Thạnh" over "Tân Thành"
    when the user typed the accents."""
    if not text:
        return ""
    s = unicodedata.normalize("NFC", str(text)).lower().replace("_", " ")
    return _NON_WORD_ACCENTED.sub(" ", s).strip()


def has_diacritics(text: str) -> bool:
    return normalize(text) != fold_case(text)


# Abbreviations officials write before a name: "TP. Hồ Chí Minh", "TX Kỳ Anh", "TT Vĩnh Trụ".
_ABBREV = {"tp": "thanh pho", "tx": "thi xa", "tt": "thi tran", "h": "huyen", "q": "quan", "p": "phuong", "x": "xa"}
_ABBREV_RE = re.compile(r"^(tp|tx|tt)\b\.?\s*|^(h|q|p|x)\.\s*", re.IGNORECASE)


def split_type(name: str) -> tuple[str | None, str]:
    """``"Thị Trấn Ái Tử"`` → ``("Thị trấn", "Ái Tử")``; no leading type word → ``(None, name)``."""
    name = " ".join(str(name).split())
    low = name.lower()
    for t in TYPES:
        if low.startswith(t.lower() + " "):
            return t, name[len(t) + 1 :].strip()
    return None, name


def clean_short(short: str) -> str:
    """Drop the dataset's disambiguating suffix: ``"Yên Viên (Thị trấn)"`` → ``"Yên Viên"``."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", " ".join(str(short).split()))


def full_name(type_: str, short: str) -> str:
    """``("Xã", "Nguyên Lý")`` → ``"Xã Nguyên Lý"``; numbered units keep their name: ``"Phường 5"``."""
    if short.lower().startswith(type_.lower() + " "):
        return type_ + short[len(type_) :]
    return f"{type_} {short}"


_ABBREV_ACCENTED = {
    "tp": "thành phố",
    "tx": "thị xã",
    "tt": "thị trấn",
    "h": "huyện",
    "q": "quận",
    "p": "phường",
    "x": "xã",
}


def _segment_key(segment: str, exact: bool = False) -> str:
    s = " ".join(str(segment).split())
    m = _ABBREV_RE.match(s)
    if m:
        s = (_ABBREV_ACCENTED if exact else _ABBREV)[(m[1] or m[2]).lower()] + " " + s[m.end() :]
    return fold_case(s) if exact else normalize(s)


def segment_matches(segment: str, name: str, short_name: str, type_: str, exact: bool = False) -> bool:
    """Does one segment of a name path designate this unit? The type word is optional
    ("Nguyên Lý", "Xã Nguyên Lý", "xa nguyen ly" all match Xã Nguyên Lý); when given, it must be
    the unit's type ("Huyện Lý Nhân" does not match a commune called Lý Nhân). Case and
    diacritics are ignored unless ``exact`` (then only case is)."""
    key = fold_case if exact else normalize
    s = _segment_key(segment, exact)
    if not s:
        return False
    n, sh = key(name), key(short_name)
    if s in (n, sh):
        return True
    t = key(type_)
    return bool(t) and s == f"{t} {sh}"


def split_path(text: str) -> list[str]:
    """``"Hà Nam / Lý Nhân / Nguyên Lý"`` → ``["Hà Nam", "Lý Nhân", "Nguyên Lý"]``."""
    return [p.strip() for p in str(text or "").split("/") if p.strip()]


def path_matches(segments: Sequence[str], chain: Sequence[tuple[str, str, str]]) -> bool:
    """``segments`` (a split name path) against ``chain`` = (name, short_name, type) of a unit's
    ancestors and the unit itself, root first. The last segment must match the unit; the others
    must match ancestors in order, levels may be skipped: "Hà Nam/Nguyên Lý" matches
    Việt Nam › Tỉnh Hà Nam › Huyện Lý Nhân › Xã Nguyên Lý."""
    return path_rank(segments, chain) is not None


def path_rank(segments: Sequence[str], chain: Sequence[tuple[str, str, str]], exact: bool = False) -> int | None:
    """How well a name path designates a unit (see :func:`path_matches`); lower is better.

    0 — the path is read from the top without gaps: its first segment is a province (or the root)
        and each next segment the level just below ("Hà Nam", "Hà Nam/Lý Nhân/Nguyên Lý");
    1 — any other match: the path starts below the province or skips a level ("Nguyên Lý",
        "Lý Nhân/Nguyên Lý", "Hà Nam/Nguyên Lý");
    None — no match.

    Resolution keeps only the best-ranked candidates, so "Hà Nam" is the province even though
    two 2025 communes are also called Hà Nam. With ``exact`` the diacritics must match too."""
    if not segments or not chain or not segment_matches(segments[-1], *chain[-1], exact=exact):
        return None
    n = len(segments)
    if len(chain) - n in (0, 1) and all(segment_matches(s, *c, exact=exact) for s, c in zip(segments, chain[-n:])):
        return 0
    i = len(chain) - 2
    for seg in reversed(segments[:-1]):
        while i >= 0 and not segment_matches(seg, *chain[i], exact=exact):
            i -= 1
        if i < 0:
            return None
        i -= 1
    return 1


def best_ranked(ranked: Iterable[tuple[int, object]]) -> list:
    """The candidates with the lowest rank, in their original order."""
    ranked = list(ranked)
    if not ranked:
        return []
    best = min(r for r, _ in ranked)
    return [c for r, c in ranked if r == best]


def rank_candidates(
    segments: Sequence[str], candidates: Iterable[tuple[object, Sequence[tuple[str, str, str]]]]
) -> list:
    """Of ``(candidate, chain)`` pairs, those a name path designates best: the best
    :func:`path_rank`, and — when the path was typed with diacritics and some candidates match
    them exactly — only those ("Tân Thạnh" is not "Tân Thành")."""
    ranked, chains = [], {}
    for cand, chain in candidates:
        r = path_rank(segments, chain)
        if r is not None:
            ranked.append((r, cand))
            chains[id(cand)] = chain
    best = best_ranked(ranked)
    if len(best) > 1 and any(has_diacritics(s) for s in segments):
        exact = [c for c in best if path_rank(segments, chains[id(c)], exact=True) is not None]
        if exact:
            return exact
    return best


def one_of(ref: str, found: Sequence, date: dt.date | None, describe) -> object:
    """The only candidate, or a :class:`UnitLookupError` naming them. ``describe(candidate)`` gives
    ``(uid, name, ancestor names, valid_from, valid_to)``."""
    if len(found) == 1:
        return found[0]
    when = f" vào ngày {date.strftime('%d/%m/%Y')}" if date else ""
    if not found:
        raise UnitLookupError(
            f"không tìm thấy đơn vị hành chính '{ref}'{when}. Dùng mã (vd. xa:13570@2024) hoặc đường dẫn tên "
            f'từ tỉnh xuống (vd. Hà Nam/Lý Nhân/Nguyên Lý); tìm gần đúng bằng: ntm units find "…"'
        )
    shown, periods = [], set()
    for c in found:
        uid, name, path, vf, vt = describe(c)
        periods.add((vf, vt))
        if len(shown) < 20:
            where = ", ".join(reversed(path))
            shown.append(f"{uid} ({name}{', ' + where if where else ''}; {validity_label(vf, vt)})")
    more = f" và {len(found) - 20} đơn vị khác" if len(found) > 20 else ""
    hint = "; hoặc cho biết ngày (trước hay từ 01/07/2025)" if not date and len(periods) > 1 else ""
    raise UnitLookupError(
        f"'{ref}' khớp {len(found)} đơn vị{when}: "
        + "; ".join(shown)
        + more
        + f". Hãy dùng mã đơn vị hoặc ghi thêm cấp trên (vd. Tỉnh/Huyện/Xã){hint}.",
        candidates=found,
    )


def validity_label(valid_from: dt.date | None, valid_to: dt.date | None) -> str:
    if valid_from and valid_to:
        return f"hiệu lực {valid_from:%d/%m/%Y}–{valid_to:%d/%m/%Y}"
    if valid_to:
        return f"hiệu lực đến {valid_to:%d/%m/%Y}"
    if valid_from:
        return f"hiệu lực từ {valid_from:%d/%m/%Y}"
    return "hiệu lực mọi thời điểm"


# -- regions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegionTable:
    province_region: dict[str, str]  # old province code → region code
    names: dict[str, str]  # region code → Vietnamese name
    provenance: dict
    province_names: dict[str, str] = field(default_factory=dict)  # old province code → name as written in the file


def load_regions(path: str | Path | None = None) -> RegionTable:
    p = Path(path) if path else REGIONS_FILE
    doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    names: dict[str, str] = {}
    province_names: dict[str, str] = {}
    for code, spec in doc["regions"].items():
        if code not in REGIONS:
            raise ValueError(f"{p}: vùng '{code}' không thuộc {', '.join(REGIONS)}")
        names[code] = spec["name"]
        for prov, prov_name in spec["provinces"].items():
            prov = str(prov).zfill(2)
            if prov in table:
                raise ValueError(f"{p}: tỉnh {prov} thuộc hai vùng {table[prov]} và {code}")
            table[prov] = code
            province_names[prov] = str(prov_name)
    return RegionTable(table, names, doc.get("provenance", {}), province_names)


# -- reading the dataset ---------------------------------------------------------------------
def _data_dir():
    """The package's data folder. ``find_spec`` locates it without running the package's
    ``__init__`` (which imports pandas and costs over a second); fall back to
    ``importlib.resources`` when the package is not a plain folder (e.g. zipped)."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None:
        raise ModuleNotFoundError("thiếu gói vietnamadminunits (pip install vietnamadminunits)")
    for loc in spec.submodule_search_locations or ():
        if (Path(loc) / "data" / "dataset.db").is_file():
            return Path(loc) / "data"
    return resources.files("vietnamadminunits") / "data"


def _f(x) -> float | None:
    return None if x is None or x == "" else float(x)


def _typed(name: str, type_col: str | None, short_col: str | None) -> tuple[str, str, str]:
    """(type, short_name, full name) from the dataset's name, type and short-name columns."""
    t_name, rest = split_type(name)
    type_ = t_name or (type_col or "").strip()
    short = clean_short(short_col or rest)
    return type_, short, full_name(type_, short)


@lru_cache(maxsize=2)
def read_units(regions_path: str | None = None) -> UnitData:
    """Read both editions and the 2025 converter. Cached; takes well under a second."""
    regions = load_regions(regions_path)
    ddir = _data_dir()
    with resources.as_file(ddir / "dataset.db") as db_path:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            legacy = con.execute(
                "SELECT province, provinceShort, provinceCode, provinceLat, provinceLon, provinceKey,"
                " district, districtType, districtShort, districtCode, districtLat, districtLon, districtKey,"
                " ward, wardType, wardShort, wardCode, wardLat, wardLon, wardKey"
                " FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
            ).fetchall()
            current = con.execute(
                "SELECT province, provinceShort, provinceCode, provinceLat, provinceLon, provinceKey,"
                " ward, wardType, wardShort, wardCode, wardLat, wardLon, wardKey"
                " FROM admin_units ORDER BY provinceCode, wardCode"
            ).fetchall()
        finally:
            con.close()
    converter = json.loads((ddir / "converter_2025.json").read_text(encoding="utf-8"))

    units: list[UnitRecord] = [
        UnitRecord(ROOT_UID, "VN", "Việt Nam", "Việt Nam", "Quốc gia", "country", "", None, "", None, None, None, None)
    ]
    provinces: list[UnitRecord] = []
    districts: list[UnitRecord] = []
    communes: list[UnitRecord] = []
    old_by_key: dict[str, UnitRecord] = {}  # "provincekey_districtkey_wardkey" → commune (or island district)
    old_prov_by_key: dict[str, UnitRecord] = {}
    seen: set[str] = set()

    for (
        pname,
        pshort,
        pcode,
        plat,
        plon,
        pkey,
        dname,
        dtype,
        dshort,
        dcode,
        dlat,
        dlon,
        dkey,
        wname,
        wtype,
        wshort,
        wcode,
        wlat,
        wlon,
        wkey,
    ) in legacy:
        puid = make_uid("province", pcode, EDITION_2024)
        if puid not in seen:
            if pcode not in regions.province_region:
                raise ValueError(f"tỉnh {pcode} ({pname}) chưa có trong bảng vùng {REGIONS_FILE.name}")
            t, s, n = _typed(pname, None, pshort)
            if normalize(regions.province_names[pcode]) != normalize(s):
                raise ValueError(
                    f"bảng vùng {REGIONS_FILE.name}: mã {pcode} ghi '{regions.province_names[pcode]}', "
                    f"dữ liệu đơn vị ghi '{s}'"
                )
            rec = UnitRecord(
                puid,
                pcode,
                n,
                s,
                t,
                "province",
                EDITION_2024,
                ROOT_UID,
                regions.province_region[pcode],
                _f(plat),
                _f(plon),
                None,
                END_2024,
            )
            provinces.append(rec)
            old_prov_by_key[pkey] = rec
            seen.add(puid)
        region = regions.province_region[pcode]
        duid = make_uid("district", dcode, EDITION_2024)
        if duid not in seen:
            t, s, n = _typed(dname, dtype, dshort)
            drec = UnitRecord(
                duid, dcode, n, s, t, "district", EDITION_2024, puid, region, _f(dlat), _f(dlon), None, END_2024
            )
            districts.append(drec)
            seen.add(duid)
            if not wname:  # island district without communes: it is its own lineage endpoint
                old_by_key[f"{pkey}_{dkey}_"] = drec
        if wname:
            t, s, n = _typed(wname, wtype, wshort)
            crec = UnitRecord(
                make_uid("commune", wcode, EDITION_2024),
                wcode,
                n,
                s,
                t,
                "commune",
                EDITION_2024,
                duid,
                region,
                _f(wlat),
                _f(wlon),
                None,
                END_2024,
            )
            communes.append(crec)
            old_by_key[f"{pkey}_{dkey}_{wkey}"] = crec

    # -- 2025 edition and lineage
    new_prov_rows: dict[str, tuple] = {}
    new_rows: dict[tuple[str, str], tuple] = {}
    for row in current:
        new_prov_rows.setdefault(row[5], row)
        new_rows[(row[5], row[12])] = row

    links: list[LinkRecord] = []
    new_provinces: list[UnitRecord] = []
    new_prov_uid: dict[str, str] = {}
    for pkey, (pname, pshort, pcode, plat, plon, *_rest) in sorted(new_prov_rows.items(), key=lambda kv: kv[1][2]):
        olds = converter["DICT_PROVINCE"][pkey]
        main = old_prov_by_key[pkey] if pkey in old_prov_by_key else old_prov_by_key[olds[0]]
        t, s, n = _typed(pname, None, pshort)
        rec = UnitRecord(
            make_uid("province", pcode, EDITION_2025),
            pcode,
            n,
            s,
            t,
            "province",
            EDITION_2025,
            ROOT_UID,
            main.region,
            _f(plat),
            _f(plon),
            REFORM_DATE,
            None,
        )
        new_provinces.append(rec)
        new_prov_uid[pkey] = rec.uid
        for okey in olds:
            links.append(LinkRecord(old_prov_by_key[okey].uid, rec.uid, LINK_MERGE, True))

    commune_links: dict[tuple[str, str], LinkRecord] = {}
    # (new province, old ward key) → new ward keys that old wards of that name went into whole or mainly
    main_target: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # … → {old key: new ward key}
    for pkey, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, olds in wards.items():
            row = new_rows[(pkey, wkey)]
            for okey in olds:
                commune_links[(okey, row[9])] = LinkRecord(
                    old_by_key[okey].uid, make_uid("commune", row[9], EDITION_2025), LINK_MERGE, True
                )
                main_target[(pkey, okey.rsplit("_", 1)[-1])][okey] = wkey
    divided_all = converter["DICT_PROVINCE_WARD_DIVIDED"]
    for pkey, divided in divided_all.items():
        for okey, parts in divided.items():
            for part in parts:
                if part.get("isDefaultNewWard"):
                    main_target[(pkey, okey.rsplit("_", 1)[-1])][okey] = part["newWardKey"]
    corrections: list[str] = []
    for pkey, divided in divided_all.items():
        for okey, parts in divided.items():
            same_name = main_target[(pkey, okey.rsplit("_", 1)[-1])]
            others = {w for k, w in same_name.items() if k != okey}
            kept = []
            for part in parts:
                if not part.get("isDefaultNewWard") and part["newWardKey"] in others:
                    # The converter mixes up old wards that share a name inside one new province
                    # (Phường 4 of Tân An and Phường 4 of Tây Ninh each "split" into the other's
                    # successor); a minor piece that a same-named old ward went into is dropped.
                    corrections.append(
                        f"{old_by_key[okey].uid} ↛ {make_uid('commune', new_rows[(pkey, part['newWardKey'])][9], EDITION_2025)}"
                    )
                    continue
                kept.append(part)
            single = len(kept) == 1
            for part in kept:
                row = new_rows[(pkey, part["newWardKey"])]
                commune_links[(okey, row[9])] = LinkRecord(
                    old_by_key[okey].uid,
                    make_uid("commune", row[9], EDITION_2025),
                    LINK_MERGE if single else LINK_SPLIT,
                    True if single else bool(part.get("isDefaultNewWard")),
                )
    preds: dict[str, list[LinkRecord]] = defaultdict(list)
    for link in commune_links.values():
        preds[link.successor].append(link)

    old_by_uid = {u.uid: u for u in (*districts, *communes)}
    prov_region = {p.uid: p.region for p in new_provinces}
    new_communes: list[UnitRecord] = []
    for pname, pshort, pcode, plat, plon, pkey, wname, wtype, wshort, wcode, wlat, wlon, wkey in current:  # noqa: B007
        uid = make_uid("commune", wcode, EDITION_2025)
        parent = new_prov_uid[pkey]
        votes: Counter[str] = Counter()
        for link in preds.get(uid, ()):
            votes[old_by_uid[link.predecessor].region] += 1.0 if link.is_default else 0.5
        region = prov_region[parent]
        if votes:
            best = max(votes.values())
            leaders = [r for r, v in votes.items() if v == best]
            region = region if region in leaders else sorted(leaders)[0]
        t, s, n = _typed(wname, wtype, wshort)
        new_communes.append(
            UnitRecord(
                uid, wcode, n, s, t, "commune", EDITION_2025, parent, region, _f(wlat), _f(wlon), REFORM_DATE, None
            )
        )

    links.extend(sorted(commune_links.values(), key=lambda link: (link.successor, link.predecessor)))
    units += provinces + new_provinces + districts + communes + new_communes
    return UnitData(units, links, regions.names, corrections)


def iter_level(units: Iterable[UnitRecord], level: str) -> Iterator[UnitRecord]:
    return (u for u in units if u.level == level)
