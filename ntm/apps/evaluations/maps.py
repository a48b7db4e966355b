"""The base map under the dashboards' commune points: province outlines, neighbouring countries, the
Hoàng Sa and Trường Sa archipelagos, and labels — drawn as SVG on the server from a vendored file.

``ntm/data/boundaries/vn-boundaries.json`` holds the 63 provinces of before 1 July 2025 (Natural Earth
1:10m admin-1, public domain, as generalised by QGIS and shipped by Debian; see the README there and
``scripts/build_boundaries.py``), keyed by GSO province code. A province of the 2025 reform is drawn as
the provinces it was formed from (their lineage); a district or a commune inside its province. Any
map that shows the whole country shows Hoàng Sa (Đà Nẵng) and Trường Sa (Khánh Hòa) as Vietnamese
territory, with their names.

Communes have no boundary in any source we can ship: they stay points at their centroid.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from ntm.apps.units.models import Level, Unit
from ntm.apps.units.services import ancestors, predecessors

BOUNDARIES = Path(__file__).resolve().parents[2] / "data" / "boundaries" / "vn-boundaries.json"
FONT = 'font-family="Noto Sans, DejaVu Sans, Arial, sans-serif"'


@functools.cache
def boundaries() -> dict:
    return json.loads(BOUNDARIES.read_text(encoding="utf-8"))


@dataclass
class Projection:
    """Longitude/latitude to drawing coordinates: equirectangular, longitudes shrunk by cos(latitude
    in the middle of the view), north up, fitted into width × height with ``pad`` around."""

    lon0: float
    lat0: float
    lon1: float
    lat1: float
    width: float
    height: float
    pad: float = 16

    def __post_init__(self):
        self.k = math.cos(math.radians((self.lat0 + self.lat1) / 2))
        gw, gh = (self.lon1 - self.lon0) * self.k, self.lat1 - self.lat0
        self.scale = min((self.width - 2 * self.pad) / gw, (self.height - 2 * self.pad) / gh)
        self.w = gw * self.scale + 2 * self.pad
        self.h = gh * self.scale + 2 * self.pad

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (self.pad + (lon - self.lon0) * self.k * self.scale, self.pad + (self.lat1 - lat) * self.scale)


@dataclass
class BaseMap:
    """What is drawn under the points: ``box`` (lon0, lat0, lon1, lat1) is the view; ``provinces``:
    (label, [GSO codes]) of the provinces to draw, ``focus`` those drawn strong; ``whole_country``:
    the archipelagos are drawn and named."""

    box: tuple[float, float, float, float]
    provinces: list[tuple[str, list[str]]] = field(default_factory=list)
    focus: set[str] = field(default_factory=set)
    whole_country: bool = False
    label_provinces: bool = True

    def projection(self, width: float, height: float) -> Projection:
        return Projection(*self.box, width, height)


def _short(name: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _bbox(rings) -> tuple[float, float, float, float]:
    xs = [x for r in rings for x, _ in r]
    ys = [y for r in rings for _, y in r]
    return min(xs), min(ys), max(xs), max(ys)


def _grow(box, share: float, least: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    dx = max((x1 - x0) * share, least)
    dy = max((y1 - y0) * share, least)
    return x0 - dx, y0 - dy, x1 + dx, y1 + dy


def province_groups(date) -> list[tuple[str, list[str]]]:
    """(short name, GSO codes of before 2025) of each province in force on ``date``."""
    provinces = list(Unit.objects.valid_at(date).filter(level=Level.PROVINCE).order_by("name"))
    out = []
    for p in provinces:
        codes = (
            [p.code]
            if p.code in boundaries()["provinces"]
            else [q.code for q in predecessors(p) if q.level == Level.PROVINCE and q.code in boundaries()["provinces"]]
        )
        if codes:
            out.append((_short(p.name), codes))
    return out


def codes_of(unit, date) -> list[str]:
    """GSO codes (before 2025) of the province outlines that stand for ``unit``'s province."""
    chain = [unit] if unit.level == Level.PROVINCE else [a for a in ancestors(unit) if a.level == Level.PROVINCE]
    if not chain:
        return []
    p = chain[0]
    if p.code in boundaries()["provinces"] and p.edition != "2025":
        return [p.code]
    return [q.code for q in predecessors(p) if q.level == Level.PROVINCE and q.code in boundaries()["provinces"]]


def base_for(unit, date, points: list[tuple[float, float]]) -> BaseMap | None:
    """The base map of an overview of ``unit`` whose communes lie at ``points`` (lat, lon): the whole
    country with its archipelagos; a province framed by its outline; a district framed by its
    communes, inside its province."""
    data = boundaries()
    groups = province_groups(date)
    if unit.level == Level.COUNTRY:
        return BaseMap(tuple(data["box"]), groups, set(), whole_country=True)
    codes = codes_of(unit, date)
    rings = [r for c in codes for r in data["provinces"][c]["rings"]]
    if unit.level == Level.PROVINCE and rings:
        box = _grow(_bbox(rings), 0.06, 0.05)
    elif points:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        box = _grow((min(lons), min(lats), max(lons), max(lats)), 0.15, 0.03)
    elif rings:
        box = _grow(_bbox(rings), 0.06, 0.05)
    else:
        return None
    return BaseMap(box, groups, set(codes))


def _path(rings, proj: Projection) -> str:
    parts = []
    for ring in rings:
        pts = [proj.xy(x, y) for x, y in ring]
        parts.append("M" + " ".join(f"{x:.1f} {y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


def _label_point(rings) -> tuple[float, float]:
    """The centroid of the largest ring (lon, lat)."""

    def area_centroid(r):
        a = cx = cy = 0.0
        for k in range(len(r)):
            (x0, y0), (x1, y1) = r[k - 1], r[k]
            c = x0 * y1 - x1 * y0
            a += c
            cx += (x0 + x1) * c
            cy += (y0 + y1) * c
        if abs(a) < 1e-12:
            return 0.0, r[0]
        return abs(a) / 2, (cx / (3 * a), cy / (3 * a))

    return max((area_centroid(r) for r in rings), key=lambda t: t[0])[1]


def _visible(rings, box) -> bool:
    x0, y0, x1, y1 = _bbox(rings)
    return not (x1 < box[0] or x0 > box[2] or y1 < box[1] or y0 > box[3])


def draw_base(base: BaseMap, proj: Projection) -> tuple[str, str]:
    """(shapes, labels) as SVG: the shapes go under the points, the labels above them."""
    data = boundaries()
    shapes = [f'<rect class="sea" x="0" y="0" width="{proj.w:.1f}" height="{proj.h:.1f}" fill="#e6eff6"/>']
    for n in data["neighbours"]:
        if _visible([n["ring"]], base.box):
            shapes.append(
                f'<path class="neighbour" d="{_path([n["ring"]], proj)}" fill="#eceae4" stroke="#c5c1b6" '
                f'stroke-width="0.6"/>'
            )
    labels = []
    thin = 0.5 if base.whole_country else 0.8
    for name, codes in base.provinces:
        rings = [r for c in codes for r in data["provinces"][c]["rings"]]
        if not rings or not _visible(rings, base.box):
            continue
        strong = bool(base.focus & set(codes))
        shapes.append(
            f'<path class="province{" focus" if strong else ""}" d="{_path(rings, proj)}" '
            f'fill="{"#ffffff" if strong else "#f6f7f2"}" stroke="{"#2f3a46" if strong else "#8d96a0"}" '
            f'stroke-width="{1.6 if strong else thin}" stroke-linejoin="round"><title>{escape(name)}</title></path>'
        )
        if base.label_provinces:
            lon, lat = _label_point(rings)
            mx, my = (base.box[2] - base.box[0]) * 0.08, (base.box[3] - base.box[1]) * 0.04
            if base.box[0] + mx <= lon <= base.box[2] - mx and base.box[1] + my <= lat <= base.box[3] - my:
                x, y = proj.xy(lon, lat)
                size = 6.5 if base.whole_country else (12 if strong else 10)
                labels.append(label("lbl-province" + (" focus" if strong else ""), x, y, name, size))
    if base.whole_country:
        for a in data["archipelagos"]:
            shapes.append(
                f'<path class="archipelago" d="{_path([a["outline"]], proj)}" fill="#f6f7f2" fill-opacity="0.6" '
                f'stroke="#2f3a46" stroke-width="0.8" stroke-dasharray="3 2"><title>{escape(a["name"])} '
                f"({escape(a['belongs_to'])}, Việt Nam)</title></path>"
            )
            shapes.append(
                "".join(
                    f'<circle class="island" cx="{proj.xy(x, y)[0]:.1f}" cy="{proj.xy(x, y)[1]:.1f}" r="1.3" '
                    f'fill="#2f3a46"><title>{escape(n)}</title></circle>'
                    for x, y, n in a["features"]
                )
            )
            xs = [p[0] for p in a["outline"]]
            ys = [p[1] for p in a["outline"]]
            x, y = proj.xy((min(xs) + max(xs)) / 2, min(ys))
            labels.append(
                label("lbl-archipelago", x, y + 10, a["name"], 8, ' font-weight="600"')
                + label("lbl-archipelago", x, y + 19, f"({a['belongs_to']})", 7)
            )
    return "".join(shapes), "".join(labels)


LABEL_STYLE = (
    ".map text.lbl-province,.map text.lbl-archipelago,.map text.lbl-commune{fill:#2f3a46;pointer-events:none}"
    ".map text.halo{fill:#fff;stroke:#fff;stroke-width:2.5px;stroke-linejoin:round}"
    ".map text.lbl-province.focus{font-weight:700}"
)


def label(cls: str, x: float, y: float, text: str, size: float, extra: str = "") -> str:
    """A label with a white halo under it (a copy drawn first: PDF renderers ignore paint-order)."""
    attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="middle"{extra}'
    t = escape(text)
    return f'<text class="{cls} halo" {attrs} aria-hidden="true">{t}</text><text class="{cls}" {attrs}>{t}</text>'
