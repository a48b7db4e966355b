#!/usr/bin/env python3
"""Build ntm/data/boundaries/vn-boundaries.json, the province outlines the maps draw (run by hand).

Source: Natural Earth 1:10m "Admin 1 – States, Provinces" v4.1.0 (public domain), as generalised and
shipped by Debian's ``qgis-common`` package (``/usr/share/qgis/resources/data/world_map.gpkg``;
README_world_map.md there says how QGIS simplified it), with the neighbouring countries from the same
file for context. Each Natural Earth province is matched to its GSO province code by the commune
points of ``vietnamadminunits`` (a dependency) that fall inside it — Natural Earth's own names are
partly wrong for Vietnam ("Đông Nam Bộ" for Đồng Nai), its codes are not GSO codes.

Hoàng Sa and Trường Sa are not Natural Earth provinces: the file adds them from
``ARCHIPELAGOS`` below (the features' positions, rounded to 0,01°), drawn as Vietnamese territory.

    apt-get download qgis-common && dpkg -x qgis-common_*.deb /tmp/qgis
    .venv/bin/python scripts/build_boundaries.py /tmp/qgis/usr/share/qgis/resources/data/world_map.gpkg
"""

from __future__ import annotations

import json
import sqlite3
import struct
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "ntm" / "data" / "boundaries" / "vn-boundaries.json"
BOX = (100.0, 6.0, 118.5, 24.0)  # lon/lat window of the national map (mainland, seas, archipelagos)
NEIGHBOURS = ("CN", "LA", "KH", "TH")

# Hoàng Sa (Đà Nẵng) and Trường Sa (Khánh Hòa): islands, cays and reefs at their published positions
# (lat, lon, Vietnamese name), rounded; the outline drawn around each archipelago is the convex hull
# of these points, widened by ``MARGIN`` degrees.
ARCHIPELAGOS = [
    {
        "key": "hoang-sa",
        "name": "Quần đảo Hoàng Sa",
        "belongs_to": "Đà Nẵng",
        "features": [
            (16.83, 112.34, "Đảo Phú Lâm"),
            (16.97, 112.27, "Đảo Cây"),
            (16.95, 112.33, "Đảo Bắc"),
            (16.67, 112.73, "Đảo Linh Côn"),
            (16.53, 111.61, "Đảo Hoàng Sa"),
            (16.57, 111.69, "Đảo Hữu Nhật"),
            (16.45, 111.51, "Đảo Quang Ảnh"),
            (16.58, 111.77, "Đảo Duy Mộng"),
            (16.45, 111.71, "Đảo Quang Hòa"),
            (15.78, 111.20, "Đảo Tri Tôn"),
            (17.08, 111.50, "Đá Bắc"),
            (16.05, 111.78, "Đá Bông Bay"),
        ],
    },
    {
        "key": "truong-sa",
        "name": "Quần đảo Trường Sa",
        "belongs_to": "Khánh Hòa",
        "features": [
            (8.64, 111.92, "Đảo Trường Sa"),
            (11.43, 114.33, "Đảo Song Tử Tây"),
            (11.45, 114.35, "Đảo Song Tử Đông"),
            (11.05, 114.28, "Đảo Thị Tứ"),
            (10.68, 114.42, "Đảo Loại Ta"),
            (10.38, 114.36, "Đảo Ba Bình"),
            (10.18, 114.36, "Đảo Nam Yết"),
            (9.88, 114.33, "Đảo Sinh Tồn"),
            (9.88, 114.48, "Đảo Sinh Tồn Đông"),
            (7.87, 112.92, "Đảo An Bang"),
            (8.85, 112.22, "Đá Tây"),
            (8.83, 112.60, "Đá Đông"),
            (8.67, 111.67, "Đá Lát"),
            (9.55, 112.89, "Đá Chữ Thập"),
            (9.92, 115.53, "Đá Vành Khăn"),
            (10.80, 115.82, "Đá Ba Cờ Nam"),
            (8.12, 114.66, "Đá Cà Mau Nhỏ"),
            (7.63, 113.83, "Đá Sác Lốt"),
        ],
    },
]
MARGIN = 0.35


# -- GeoPackage geometry (GPKG header + WKB) ------------------------------------------------------
def _wkb(buf: bytes, i: int) -> tuple[list, int]:
    order = "<" if buf[i] == 1 else ">"
    kind = struct.unpack_from(order + "I", buf, i + 1)[0] % 1000
    i += 5
    if kind == 3:  # polygon
        (n,) = struct.unpack_from(order + "I", buf, i)
        i += 4
        rings = []
        for _ in range(n):
            (m,) = struct.unpack_from(order + "I", buf, i)
            i += 4
            pts = struct.unpack_from(order + "%dd" % (2 * m), buf, i)  # noqa: UP031
            i += 16 * m
            rings.append([(pts[k], pts[k + 1]) for k in range(0, 2 * m, 2)])
        return [rings], i
    if kind == 6:  # multipolygon
        (n,) = struct.unpack_from(order + "I", buf, i)
        i += 4
        polys = []
        for _ in range(n):
            p, i = _wkb(buf, i)
            polys += p
        return polys, i
    raise ValueError(f"geometry type {kind} not expected")


def polygons(blob: bytes) -> list[list[list[tuple[float, float]]]]:
    """Polygons (rings of (lon, lat)) of a GeoPackage geometry."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    return _wkb(blob, 8 + envelope)[0]


# -- plane geometry ---------------------------------------------------------------------------------
def inside(x: float, y: float, ring) -> bool:
    hit = False
    n = len(ring)
    for k in range(n):
        (x1, y1), (x2, y2) = ring[k], ring[(k + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def in_polygons(x: float, y: float, polys) -> bool:
    return any(inside(x, y, p[0]) and not any(inside(x, y, h) for h in p[1:]) for p in polys)


def clip(ring, box):
    """Sutherland–Hodgman: ``ring`` clipped to the rectangle ``box`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    edges = [
        (lambda p: p[0] >= x0, lambda a, b: _cut_x(a, b, x0)),
        (lambda p: p[0] <= x1, lambda a, b: _cut_x(a, b, x1)),
        (lambda p: p[1] >= y0, lambda a, b: _cut_y(a, b, y0)),
        (lambda p: p[1] <= y1, lambda a, b: _cut_y(a, b, y1)),
    ]
    out = list(ring)
    for keep, cut in edges:
        src, out = out, []
        for k in range(len(src)):
            a, b = src[k - 1], src[k]
            if keep(b):
                if not keep(a):
                    out.append(cut(a, b))
                out.append(b)
            elif keep(a):
                out.append(cut(a, b))
        if not out:
            return []
    return out


def _cut_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cut_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def hull(points):
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def widened(points, margin):
    """The hull of ``points`` each replaced by eight points ``margin`` away (a rounded outline)."""
    import math

    ring = []
    for x, y in points:
        for k in range(8):
            a = k * math.pi / 4
            ring.append((x + margin * math.cos(a), y + margin * math.sin(a)))
    return hull(ring)


def _round(ring):
    out = []
    for x, y in ring:
        p = [round(x, 3), round(y, 3)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def area(ring) -> float:
    return abs(sum(ring[k - 1][0] * ring[k][1] - ring[k][0] * ring[k - 1][1] for k in range(len(ring)))) / 2


# -- build -------------------------------------------------------------------------------------
def commune_points() -> list[tuple[float, float, str]]:
    """(lon, lat, GSO province code) of every commune before 2025 (vietnamadminunits)."""
    import vietnamadminunits

    db = Path(vietnamadminunits.__file__).parent / "data" / "dataset.db"
    con = sqlite3.connect(db)
    return [
        (lon, lat, code)
        for lat, lon, code in con.execute(
            "SELECT wardLat, wardLon, provinceCode FROM admin_units_legacy WHERE wardLat IS NOT NULL"
        )
    ]


def build(gpkg: Path) -> dict:
    con = sqlite3.connect(gpkg)
    provinces = [
        (name, polygons(blob))
        for name, blob in con.execute("SELECT name, geom FROM states_provinces WHERE iso_a2 = 'VN'")
    ]
    points = commune_points()
    # each Natural Earth province takes the GSO province most of its commune points belong to, the
    # strongest matches first (Natural Earth's "Can Tho" covers more of Đồng Tháp than of Cần Thơ)
    candidates = []
    for name, polys in provinces:
        x0 = min(x for p in polys for x, _ in p[0])
        x1 = max(x for p in polys for x, _ in p[0])
        y0 = min(y for p in polys for _, y in p[0])
        y1 = max(y for p in polys for _, y in p[0])
        votes = Counter(code for x, y, code in points if x0 <= x <= x1 and y0 <= y <= y1 and in_polygons(x, y, polys))
        candidates += [(n, name, code) for code, n in votes.items()]
    out_provinces = {}
    taken = set()
    shapes = dict(provinces)
    for n, name, code in sorted(candidates, reverse=True):
        if name in taken or code in out_provinces:
            continue
        taken.add(name)
        polys = shapes[name]
        rings = [_round(p[0]) for p in polys if area(p[0]) > 0.0004 or len(polys) == 1]
        out_provinces[code] = {"source_name": name, "rings": rings, "communes_inside": n}
    if len(out_provinces) != 63:
        raise SystemExit(f"{len(out_provinces)} provinces matched, 63 expected")
    neighbours = []
    for iso, name, blob in con.execute(  # noqa: B007
        f"SELECT iso_a2, NAME, geom FROM countries WHERE iso_a2 IN ({','.join('?' * len(NEIGHBOURS))})", NEIGHBOURS
    ):
        for p in polygons(blob):
            r = clip(p[0], BOX)
            if len(r) >= 3 and area(r) > 0.01:
                neighbours.append({"country": iso, "ring": _round(r)})
    archipelagos = []
    for a in ARCHIPELAGOS:
        pts = [(lon, lat) for lat, lon, _n in a["features"]]
        archipelagos.append(
            {
                "key": a["key"],
                "name": a["name"],
                "belongs_to": a["belongs_to"],
                "outline": _round(widened(pts, MARGIN)),
                "features": [[round(lon, 2), round(lat, 2), n] for lat, lon, n in a["features"]],
            }
        )
    return {
        "source": "Natural Earth 1:10m Admin 1 – States, Provinces v4.1.0 (public domain), generalised by "
        "QGIS (Debian package qgis-common, resources/data/world_map.gpkg); provinces matched to GSO "
        "codes by commune points (vietnamadminunits); Hoàng Sa and Trường Sa added by NTM Monitor.",
        "box": BOX,
        "provinces": dict(sorted(out_provinces.items())),
        "neighbours": neighbours,
        "archipelagos": archipelagos,
    }


def main(argv: list[str]) -> int:
    gpkg = Path(argv[1] if len(argv) > 1 else "/usr/share/qgis/resources/data/world_map.gpkg")
    data = build(gpkg)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(
        f"{OUT}: {len(data['provinces'])} provinces, {len(data['neighbours'])} neighbouring areas, "
        f"{len(data['archipelagos'])} archipelagos, {OUT.stat().st_size // 1024} KB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
