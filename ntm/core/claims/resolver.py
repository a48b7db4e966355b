"""Resolving a unit as a report names it ("Xã Nguyên Lý") to a unit id.

The checker does not know the unit database; it takes any object with the method below. The
unit module (``ntm.core.units``) and the Django side provide real ones; :class:`RecordResolver`
is a small generic implementation over records with ``uid``, ``name``, ``type`` and ``parent``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

from .text import fold

# type words as they start a unit name, folded, longest first
TYPE_WORDS = {
    "thanh pho": "district",
    "thi tran": "commune",
    "thi xa": "district",
    "phuong": "commune",
    "xa": "commune",
    "huyen": "district",
    "quan": "district",
    "tinh": "province",
    "thon": "village",
    "ban": "village",
    "ap": "village",
    "tp": "district",
    "tx": "district",
}
_TYPE_ORDER = sorted(TYPE_WORDS, key=len, reverse=True)


@runtime_checkable
class UnitResolver(Protocol):
    def resolve(self, name: str, context_names: list[str]) -> str | None:
        """The id of the unit named ``name`` ("Xã Nguyên Lý"), using the provinces and districts the
        text names (``context_names``, e.g. ["Huyện Lý Nhân", "Tỉnh Hà Nam"]) to pick among
        homonyms; None when unknown or ambiguous."""


def split_type(name: str) -> tuple[str | None, str]:
    """("xa", "nguyen ly") from "Xã Nguyên Lý"; (None, "nguyen ly") from "Nguyên Lý"."""
    f = fold(name).replace(".", " ")
    f = " ".join(f.split())
    for t in _TYPE_ORDER:
        if f.startswith(t + " "):
            return t, f[len(t) + 1 :].strip()
    return None, f


def _level(type_word: str | None) -> str | None:
    return TYPE_WORDS.get(type_word) if type_word else None


class RecordResolver:
    """Resolve against records having ``uid``, ``name``, ``type`` and ``parent`` (a uid or None).

    ``type`` may be a Vietnamese type word ("xã", "Huyện") or a level ("commune", "district",
    "province"). ``normalize`` (e.g. ``ntm.core.units.normalize``) is applied to names on both
    sides; the default folds case and diacritics.
    """

    LEVELS = {"commune", "district", "province", "village", "ward", "town"}

    def __init__(self, records: Iterable[Any], normalize: Callable[[str], str] | None = None):
        self._norm = normalize or fold
        self._by_uid: dict[str, Any] = {}
        self._by_name: dict[str, list[Any]] = {}
        for r in records:
            uid = str(_attr(r, "uid"))
            self._by_uid[uid] = r
            _, bare = split_type(str(_attr(r, "name")))
            self._by_name.setdefault(self._key(bare), []).append(r)

    def _key(self, bare_name: str) -> str:
        return fold(self._norm(bare_name))

    def _record_level(self, r: Any) -> str | None:
        lv = _attr(r, "level")
        if isinstance(lv, str) and lv.lower() in self.LEVELS:
            return {"ward": "commune", "town": "commune"}.get(lv.lower(), lv.lower())
        t = str(_attr(r, "type") or "")
        if t.lower() in self.LEVELS:
            return {"ward": "commune", "town": "commune"}.get(t.lower(), t.lower())
        return _level(fold(t))

    def _ancestors(self, r: Any) -> list[Any]:
        out, seen = [], set()
        p = _attr(r, "parent")
        while p is not None and str(p) in self._by_uid and str(p) not in seen:
            seen.add(str(p))
            rec = self._by_uid[str(p)]
            out.append(rec)
            p = _attr(rec, "parent")
        return out

    def resolve(self, name: str, context_names: list[str]) -> str | None:
        type_word, bare = split_type(name)
        cands = self._by_name.get(self._key(bare), [])
        level = _level(type_word)
        if level:
            same = [r for r in cands if self._record_level(r) in (level, None)]
            cands = same or cands
        if len(cands) == 1:
            return str(_attr(cands[0], "uid"))
        if not cands:
            return None
        ctx = {self._key(split_type(c)[1]) for c in context_names}
        ctx_full = {fold(c) for c in context_names}
        scored = []
        for r in cands:
            anc = self._ancestors(r)
            score = sum(
                1
                for a in anc
                if self._key(split_type(str(_attr(a, "name")))[1]) in ctx or fold(str(_attr(a, "name"))) in ctx_full
            )
            scored.append((score, r))
        scored.sort(key=lambda x: -x[0])
        if scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            return str(_attr(scored[0][1], "uid"))
        return None


_ALIASES = {"parent": ("parent", "parent_uid", "parent_id"), "uid": ("uid", "id", "code")}


def _attr(r: Any, name: str) -> Any:
    for key in _ALIASES.get(name, (name,)):
        v = r.get(key) if isinstance(r, dict) else getattr(r, key, None)
        if v is not None:
            return v
    return None


class UnitDataResolver:
    """Resolve through a unit database offering ``resolve(path, date)`` (``ntm.core.units.UnitData``).

    Tries the name under each context name, most specific first ("Huyện Lý Nhân/Xã Nguyên Lý",
    "Tỉnh Hà Nam/Xã Nguyên Lý"), then alone; the first path naming exactly one unit wins.
    ``date`` picks the hierarchy (before or after the 2025 reform).
    """

    def __init__(self, data: Any, date: Any = None):
        self.data = data
        self.date = date

    def at(self, date: Any) -> UnitDataResolver:
        """The same units as they stood on ``date`` (the checker calls it with the date the report's
        figures stand at, when no date was given)."""
        return type(self)(self.data, date)

    def resolve(self, name: str, context_names: list[str]) -> str | None:
        ctx = [c for c in context_names if fold(c) != fold(name)]
        districts = [c for c in ctx if _level(split_type(c)[0]) == "district"]
        provinces = [c for c in ctx if _level(split_type(c)[0]) == "province"]
        paths = [f"{p}/{d}/{name}" for p in provinces for d in districts]
        paths += [f"{d}/{name}" for d in districts] + [f"{p}/{name}" for p in provinces] + [name]
        for path in paths:
            try:
                rec = self.data.resolve(path, self.date)
            except LookupError:
                continue
            except Exception:
                return None
            uid = _attr(rec, "uid")
            if uid is not None:
                return str(uid)
        return None


def units_resolver(date: Any = None) -> UnitDataResolver:
    """A resolver over the project's unit database (imported only when called)."""
    from ntm.core import units

    return UnitDataResolver(units.read_units(), date)
