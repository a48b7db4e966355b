"""The criteria catalogue: versioned criteria-set files, checked on load, with threshold selection.

>>> from ntm.core.catalog import load_catalog, Context
>>> cat = load_catalog()
>>> s = cat.get("xa-ntm-2016")
>>> s.threshold("14.2", Context(region="TN", year=2020)).value
70.0
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ntm.core.codes import code_key

from .loader import CatalogError, Problem, line_in_file, load_file, load_set_text
from .schema import (
    GROUPS,
    NUMERIC_KINDS,
    REGIONS,
    Condition,
    CriteriaSetFile,
    Criterion,
    Indicator,
    Kind,
    OverlayFile,
    Provenance,
    Threshold,
    threshold_problem,
)

BUILTIN_DIR = Path(__file__).resolve().parents[2] / "data" / "catalog"

__all__ = [
    "BUILTIN_DIR",
    "Catalog",
    "CatalogError",
    "Context",
    "CriteriaSet",
    "Problem",
    "SelectedThreshold",
    "load_catalog",
    "load_set_text",
    "REGIONS",
    "Kind",
    "Indicator",
    "Criterion",
    "Condition",
    "Provenance",
]


@dataclass(frozen=True)
class Context:
    """Where and when a unit is evaluated: decides which threshold applies."""

    region: str | None = None  # one of REGIONS (2016–2025 sets)
    group: str | None = None  # "1" | "2" | "3" (2026–2030 set)
    province: str | None = None  # official province code, for provincial overlays
    special: bool = False  # ĐBKK / ATK commune: takes the override region's values
    year: int | None = None


@dataclass(frozen=True)
class SelectedThreshold:
    value: float | str | bool
    scope: str  # the scope actually used, e.g. "region:TN" or "national"
    year: int | None
    provenance: Provenance
    note: str | None = None  # e.g. "ĐBKK/ATK: giá trị vùng TDMNPB"; "110% × 45 (xa-nang-cao-2021 10)"


def _scope_order(cs: CriteriaSetFile, ctx: Context) -> list[tuple[str, str | None]]:
    order: list[tuple[str, str | None]] = []
    if ctx.province:
        order.append((f"province:{ctx.province}", None))
    if cs.scope_kind == "region":
        if ctx.special and cs.special_override_region:
            order.append(
                (
                    f"region:{cs.special_override_region}",
                    "xã ĐBKK/ATK: áp dụng mức của vùng " + REGIONS[cs.special_override_region],
                )
            )
        elif ctx.region:
            order.append((f"region:{ctx.region}", None))
    elif ctx.group:
        order.append((f"group:{ctx.group}", None))
    order.append(("national", None))
    return order


def _pick(thresholds: Iterable[Threshold], scope: str, year: int | None) -> Threshold | None:
    exact = [t for t in thresholds if t.scope == scope and t.applies_to(year) and (t.year or t.from_year or t.to_year)]
    if exact:
        return exact[0]
    plain = [t for t in thresholds if t.scope == scope and t.year is None and t.from_year is None and t.to_year is None]
    return plain[0] if plain else None


class CriteriaSet:
    """A loaded criteria set with its overlays applied; immutable."""

    def __init__(self, data: CriteriaSetFile, source: str, digest: str, catalog: Catalog | None = None):
        self.data = data
        self.source = source
        self.digest = digest
        self._catalog = catalog
        self._extra: dict[str, list[Threshold]] = {}
        self.replaces: str | None = None  # the built-in file this office's file of the same set replaces

    # -- identity -------------------------------------------------------------------------
    code = property(lambda self: self.data.code)
    name = property(lambda self: self.data.name)
    level = property(lambda self: self.data.level)
    tier = property(lambda self: self.data.tier)
    phase = property(lambda self: self.data.phase)
    criteria = property(lambda self: self.data.criteria)
    conditions = property(lambda self: self.data.conditions)

    def __repr__(self) -> str:
        return f"<CriteriaSet {self.code}: {self.criteria_count} tiêu chí / {self.indicator_count} chỉ tiêu>"

    @cached_property
    def indicators(self) -> list[Indicator]:
        return sorted((i for c in self.data.criteria for i in c.indicators), key=lambda i: code_key(i.code))

    @cached_property
    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    @cached_property
    def criterion_by_number(self) -> dict[int, Criterion]:
        return {c.number: c for c in self.data.criteria}

    @property
    def criteria_count(self) -> int:
        return len(self.data.criteria)

    @property
    def indicator_count(self) -> int:
        return len(self.indicators)

    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    @cached_property
    def placeholder_count(self) -> int:
        return sum(1 for i in self.indicators if i.provenance.tag.value == "PLACEHOLDER")

    def indicators_without_threshold(self) -> list[str]:
        return [i.code for i in self.indicators if i.kind != Kind.BOOLEAN and not i.thresholds and not i.relative_to]

    # -- thresholds -----------------------------------------------------------------------
    def thresholds_of(self, code: str) -> list[Threshold]:
        return list(self.by_code[code].thresholds) + self._extra.get(code, [])

    def threshold(self, code: str, ctx: Context) -> SelectedThreshold | None:
        """The threshold that applies to indicator ``code`` in ``ctx``, or None (the official decides)."""
        ind = self.by_code[code]
        if ind.relative_to is not None:
            return self._relative(ind, ctx)
        candidates = self.thresholds_of(code)
        ungrouped = self.needs_group(code, ctx)
        for scope, note in _scope_order(self.data, ctx):
            if ungrouped and scope == "national":
                # the values differ by commune group and the commune has none: no value applies
                # ("chưa phân nhóm"), the official's assessment decides
                return None
            t = _pick(candidates, scope, ctx.year)
            if t is not None:
                year = t.year if t.year is not None else ctx.year if (t.from_year or t.to_year) else None
                return SelectedThreshold(t.value, t.scope, year, t.provenance, note)
        return None

    def needs_group(self, code: str, ctx: Context) -> bool:
        """True when the set's values for ``code`` differ by commune group (2026–2030) and ``ctx``
        has no group: the commune is "chưa phân nhóm" and no group value applies to it (nor the
        national one, which the groups' values override)."""
        if self.data.scope_kind != "group" or ctx.group:
            return False
        return any(t.scope.startswith("group:") for t in self.thresholds_of(code))

    def _relative(self, ind: Indicator, ctx: Context) -> SelectedThreshold | None:
        rel = ind.relative_to
        assert rel is not None
        if self._catalog is None:
            return None
        base = self._catalog.get(rel.set).threshold(rel.indicator, ctx)
        if base is None or not isinstance(base.value, (int, float)):
            return None
        value = round(float(base.value) * rel.factor, 6)
        note = f"{rel.factor * 100:g}% × {base.value:g} (chỉ tiêu {rel.indicator} bộ {rel.set}, {base.scope})"
        return SelectedThreshold(value, base.scope, base.year, rel.provenance, note)

    def _add_overlay(self, code: str, thresholds: list[Threshold]) -> None:
        self._extra.setdefault(code, []).extend(thresholds)
        self.__dict__.pop("placeholder_count", None)

    def as_dict(self) -> dict:
        """A JSON-ready description (``ntm catalog show --format json``)."""
        d = self.data
        return {
            "code": d.code,
            "name": d.name,
            "phase": d.phase,
            "level": d.level,
            "tier": d.tier,
            "legal_basis": d.legal_basis.model_dump(mode="json"),
            "valid_from": d.valid_from.isoformat(),
            "valid_to": d.valid_to.isoformat() if d.valid_to else None,
            "prerequisite": d.prerequisite,
            "scope_kind": d.scope_kind,
            "special_override_region": d.special_override_region,
            "version": self.digest,
            "totals": {"criteria": self.criteria_count, "indicators": self.indicator_count},
            "criteria": [
                {
                    "number": c.number,
                    "name": c.name,
                    "group": c.group,
                    "sector": c.sector.ministry if c.sector else None,
                    "indicators": [i.code for i in sorted(c.indicators, key=lambda i: code_key(i.code))],
                }
                for c in d.criteria
            ],
            "indicators": [
                {
                    "code": i.code,
                    "content": i.content,
                    "content_known": i.content_known,
                    "kind": i.kind.value,
                    "unit": i.unit,
                    "provenance": i.provenance.model_dump(mode="json"),
                    "thresholds": [t.model_dump(mode="json", exclude_none=True) for t in self.thresholds_of(i.code)],
                    "relative_to": i.relative_to.model_dump(mode="json") if i.relative_to else None,
                    "assessed_by_official": i.kind != Kind.BOOLEAN
                    and not self.thresholds_of(i.code)
                    and not i.relative_to,
                }
                for i in self.indicators
            ],
            "conditions": [c.model_dump(mode="json", exclude_none=True) for c in d.conditions],
        }


class Catalog:
    def __init__(self, sets: dict[str, CriteriaSet], overlays: list[tuple[str, OverlayFile]]):
        self.sets = sets
        self.overlays = overlays
        self.version = hashlib.sha256("".join(s.digest for s in sets.values()).encode()).hexdigest()[:12]

    def get(self, code: str) -> CriteriaSet:
        try:
            return self.sets[code]
        except KeyError:
            known = ", ".join(sorted(self.sets))
            raise KeyError(f"không có bộ tiêu chí '{code}' (có: {known})") from None

    def __contains__(self, code: str) -> bool:
        return code in self.sets

    def __iter__(self):
        return iter(sorted(self.sets.values(), key=lambda s: (s.data.phase, s.data.level, s.code)))


def catalog_files(paths: Iterable[Path]) -> list[Path]:
    """The set and overlay files named by ``paths``: a file as it is, a folder's .yaml/.yml files (all
    levels, sorted)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml")))
        else:
            out.append(p)
    return out


def extra_catalog_dirs() -> list[Path]:
    """Provinces add sets and overlays as files in the folders named by NTM_CATALOG_PATH (':'-separated)."""
    raw = os.environ.get("NTM_CATALOG_PATH", "")
    return [Path(p) for p in raw.split(os.pathsep) if p]


def load_catalog(paths: Iterable[Path] | None = None, *, builtin: bool = True) -> Catalog:
    """Load and cross-check every set and overlay. All problems are reported together; nothing is
    returned unless every file is valid."""
    roots = ([BUILTIN_DIR] if builtin else []) + list(paths or []) + (extra_catalog_dirs() if builtin else [])
    problems: list[Problem] = []
    sets: dict[str, CriteriaSet] = {}
    overlays: list[tuple[str, OverlayFile]] = []
    for f in catalog_files(roots):
        try:
            obj = load_file(f)
        except CatalogError as exc:
            problems.extend(exc.problems)
            continue
        digest = hashlib.sha256(f.read_bytes()).hexdigest()[:12]
        if isinstance(obj, OverlayFile):
            overlays.append((str(f), obj))
        elif obj.code in sets:
            prev = sets[obj.code]
            if _builtin(prev.source) and not _builtin(f):
                # an office's file of a national set (the official annex loaded from Excel) replaces it
                if (obj.level, obj.phase, obj.tier) != (prev.level, prev.phase, prev.tier):
                    problems.append(
                        _problem(
                            str(f),
                            ("code",),
                            f"set '{obj.code}' replaces the built-in set of "
                            f"level {prev.level}, phase {prev.phase}, tier {prev.tier}: keep them",
                        )
                    )
                else:
                    sets[obj.code] = CriteriaSet(obj, str(f), digest)
                    sets[obj.code].replaces = prev.source
            else:
                problems.append(_problem(str(f), ("code",), f"set '{obj.code}' is already defined in {prev.source}"))
        else:
            sets[obj.code] = CriteriaSet(obj, str(f), digest)
    cat = Catalog(sets, overlays)
    for s in sets.values():
        s._catalog = cat
        d = s.data
        if d.prerequisite and d.prerequisite not in sets:
            problems.append(_problem(s.source, ("prerequisite",), f"unknown set '{d.prerequisite}'"))
        for k, cond in enumerate(d.conditions):
            if cond.set and cond.set not in sets:
                problems.append(_problem(s.source, ("conditions", k, "set"), f"unknown set '{cond.set}'"))
        for k, crit in enumerate(d.criteria):
            for j, ind in enumerate(crit.indicators):
                rel = ind.relative_to
                if rel and (rel.set not in sets or rel.indicator not in sets[rel.set].by_code):
                    problems.append(
                        _problem(
                            s.source,
                            ("criteria", k, "indicators", j, "relative_to"),
                            f"unknown indicator {rel.set} {rel.indicator}",
                        )
                    )
    given: dict[tuple, str] = {}  # (set, indicator, scope, years) -> overlay file, to refuse two values
    for src, ov in overlays:
        if ov.overlay not in sets:
            problems.append(_problem(src, ("overlay",), f"unknown set '{ov.overlay}'"))
            continue
        target = sets[ov.overlay]
        for k, o in enumerate(ov.indicators):
            if o.indicator not in target.by_code:
                problems.append(
                    _problem(src, ("indicators", k, "indicator"), f"set '{ov.overlay}' has no indicator {o.indicator}")
                )
                continue
            ind = target.by_code[o.indicator]
            bad = False
            for m, t in enumerate(o.thresholds):
                msg = threshold_problem(ind.kind, ind.levels, t.value) or _looser_than_national(
                    target, ind, t, ov.region
                )
                key = (ov.overlay, o.indicator, t.scope, t.year, t.from_year, t.to_year)
                if not msg and key in given:
                    msg = f"{t.scope} already has a value for indicator {o.indicator} and these years in {given[key]}"
                if msg:
                    problems.append(_problem(src, ("indicators", k, "thresholds", m, "value"), msg))
                    bad = True
                given.setdefault(key, src)
            if not bad:
                target._add_overlay(o.indicator, list(o.thresholds))
    if problems:
        raise CatalogError(problems)
    return cat


def _builtin(path) -> bool:
    """Is ``path`` a file of the shipped catalogue folder?"""
    try:
        return Path(path).resolve().parent == BUILTIN_DIR.resolve()
    except OSError:
        return False


def _problem(source: str, loc: tuple, message: str) -> Problem:
    path = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))
    return Problem(source, line_in_file(source, loc), path, message)


def _looser_than_national(target: CriteriaSet, ind: Indicator, t: Threshold, region: str | None = None) -> str | None:
    """A province may tighten the value its communes would otherwise have, never loosen it.

    That value is the one of the province's region when the overlay names it (falling back to the
    national value); otherwise the most lenient of the national, regional and commune-group values,
    since regional values may be below the national one (14.2 of 2016–2020: chung 85 %, TDMNPB 70 %)."""
    if ind.kind not in NUMERIC_KINDS:
        return None
    year = t.year or t.from_year
    if region:
        base = target.threshold(ind.code, Context(region=region, year=year))
        candidates = [base] if base is not None else []
    else:
        contexts = (
            [Context(year=year)]
            + [Context(region=r, year=year) for r in REGIONS]
            + [Context(group=g, year=year) for g in GROUPS]
        )
        candidates = [x for x in (target.threshold(ind.code, c) for c in contexts) if x is not None]
    candidates = [c for c in candidates if isinstance(c.value, (int, float))]
    if not candidates:
        return None
    is_min = ind.kind in (Kind.MIN_PERCENT, Kind.MIN_AMOUNT)
    base = min(candidates, key=lambda c: float(c.value)) if is_min else max(candidates, key=lambda c: float(c.value))
    v = float(t.value)  # type: ignore[arg-type]
    if (v < float(base.value)) if is_min else (v > float(base.value)):
        label = "national" if base.scope == "national" else f"{base.scope.partition(':')[2]} regional"
        return f"a province may only tighten the {label} value {float(base.value):g}, not loosen it to {v:g}"
    return None


_DEFAULT: Catalog | None = None


def default_catalog() -> Catalog:
    """The built-in catalogue plus NTM_CATALOG_PATH, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_catalog()
    return _DEFAULT


def forget_default_catalog() -> None:
    """The next :func:`default_catalog` loads the files again (after a set was added or replaced)."""
    global _DEFAULT
    _DEFAULT = None
