"""The prerequisite graph between criteria sets: nâng cao requires NTM, kiểu mẫu requires nâng cao.

A set names its prerequisites as conditions of type ``prerequisite`` (``set``: the code of the other
set). Evaluation needs the graph both ways: a set is evaluated after its prerequisites (it reads their
standard), and a change to a set's standard re-evaluates the sets that depend on it. Every caller
walks the graph through these functions.

>>> from ntm.core.catalog import load_catalog
>>> cat = load_catalog()
>>> sorted(direct(cat.get("xa-nang-cao-2021")))
['xa-ntm-2021']
>>> depth("xa-kieu-mau-2021", cat)
2
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

__all__ = ["direct", "depth", "dependents", "with_dependents", "in_order"]


class _Set(Protocol):
    code: str
    conditions: list


class _Sets(Protocol):
    def get(self, code: str) -> _Set: ...
    def __contains__(self, code: str) -> bool: ...
    def __iter__(self): ...


def direct(cs: _Set, *, standard_only: bool = False) -> frozenset[str]:
    """The codes of the sets ``cs`` names as prerequisites. ``standard_only``: leave out those needed
    only for recognition (the dossier), not for the standard."""
    return frozenset(
        c.set
        for c in cs.conditions
        if c.type == "prerequisite" and c.set and not (standard_only and c.recognition_only)
    )


def depth(code: str, catalog: _Sets) -> int:
    """How many prerequisite steps lie below ``code``: 0 for a set without prerequisites, 1 for nâng
    cao (on NTM), 2 for kiểu mẫu. A prerequisite missing from the catalogue counts as a leaf; a cycle
    (the loader refuses none today) is cut where it closes."""

    def walk(c: str, seen: frozenset[str]) -> int:
        if c not in catalog:
            return 0
        below = [p for p in direct(catalog.get(c)) if p not in seen]
        return max((1 + walk(p, seen | {p}) for p in below), default=0)

    return walk(code, frozenset({code}))


def in_order(codes: Iterable[str], catalog: _Sets) -> list[str]:
    """``codes`` with every set after its prerequisites (by depth, then code)."""
    return sorted(set(codes), key=lambda c: (depth(c, catalog), c))


def dependents(code: str, catalog: _Sets) -> list[str]:
    """The sets whose standard depends on ``code``, directly or through others, prerequisites first
    (nâng cao before kiểu mẫu). ``code`` itself is not included."""
    found: set[str] = set()
    frontier = [code]
    while frontier:
        c = frontier.pop()
        for s in catalog:
            if c in direct(s) and s.code not in found and s.code != code:
                found.add(s.code)
                frontier.append(s.code)
    return in_order(found, catalog)


def with_dependents(codes: Iterable[str], catalog: _Sets) -> list[str]:
    """``codes`` and every set depending on one of them, in catalogue order."""
    wanted = set(codes)
    for c in list(wanted):
        wanted.update(dependents(c, catalog))
    return [s.code for s in catalog if s.code in wanted]
