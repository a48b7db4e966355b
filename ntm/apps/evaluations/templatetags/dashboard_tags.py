"""Template helpers for the dashboards: Vietnamese numbers and dates, and charts drawn on the
server as SVG (bars, lines, a map of commune centroids) — no JavaScript, no CDN, no tile server.

The SVG is built as text with every label escaped; the geometry functions are plain Python so
that tests can check them without rendering a page.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ntm.apps.evaluations.maps import LABEL_STYLE, draw_base
from ntm.apps.evaluations.maps import label as map_label
from ntm.apps.evaluations.queries.lineage import predecessor_sentence
from ntm.apps.evaluations.queries.results import STANDARD_COLORS, STANDARD_LABELS, STANDARDS
from ntm.apps.units.templatetags.ntm_units import request_user, unit_link_html
from ntm.apps.units.templatetags.ntm_words import period_words
from ntm.core import formatting as fmt

register = template.Library()


# -- formatting ----------------------------------------------------------------------------------
@register.filter
def vnnum(value, places: int = 0):
    """6084 → "6.084"; ``{{ x|vnnum:2 }}`` → "17,88"."""
    if value is None or value == "":
        return "–"
    return fmt.number(value, int(places))


@register.filter
def vndate(value):
    """dd/mm/yyyy."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return fmt.date(value)


@register.simple_tag
def pct(numerator, denominator, places: int = 2):
    """``{% pct 16 19 %}`` → "84,21%"."""
    return fmt.percent(numerator, denominator, int(places))


@register.filter
def signed(value):
    """+2 / −1 / 0."""
    if value is None:
        return ""
    return f"+{value}" if value > 0 else (f"−{abs(value)}" if value < 0 else "0")


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


# -- table rows drawn again after every save ------------------------------------------------------
# An overview's tables of periods and of child units are rendered again whenever a save changes one
# of its communes; their rows hold only names and figures, so they are built here (escaped as the
# template would) rather than node by node by the template engine.
def _period_words(key: str) -> str:
    return period_words(key)


@register.simple_tag
def trend_rows(points) -> str:
    return mark_safe(
        "".join(
            f'<tr><td>{escape(_period_words(t.period))}</td><td class="num">{vnnum(t.units)}</td><td class="num">{escape(t.average_text)}'
            f'</td><td class="num">{vnnum(t.at_standard)}</td><td class="num">{escape(t.share_text)}</td></tr>'
            for t in points
        )
    )


@register.simple_tag(takes_context=True)
def child_rows(context, children) -> str:
    """``children``: (ChildSummary, query string of its overview). Each name links to the unit's
    overview through the one unit-link helper (a sub-unit of a unit one may open is open too)."""
    user = request_user(context)
    return mark_safe(
        "".join(
            f'<tr><td>{unit_link_html(user, c.unit, "?" + query)}</td><td class="num">{vnnum(c.communes)}</td>'
            f'<td class="num">{vnnum(c.with_results)}</td><td class="num">{vnnum(c.at_standard)}</td>'
            f'<td class="num">{escape(c.share_text)}</td><td class="num">{escape(c.average_text)}</td></tr>'
            for c, query in children
        )
    )


# -- charts ------------------------------------------------------------------------------------
FONT = 'font-family="Noto Sans, DejaVu Sans, Arial, sans-serif"'


def _t(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def nice_ticks(top: float, most: int = 5, *, integer: bool = False) -> list[float]:
    """Round tick values from 0 up to ``top`` (the last one ≤ ``top``): 19 → 0, 5, 10, 15;
    100 → 0, 25, 50, 75, 100; ``integer`` (counts of communes) never steps by 2,5 or less than 1."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / (most - 1)
    mag = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * mag for m in steps if m * mag >= raw)
    if integer:
        step = max(1, round(step))
    n = int(math.floor(top / step + 1e-9))
    return [i * step for i in range(n + 1)]


def bar_chart_svg(
    counts: dict[int, int],
    total: int,
    *,
    title: str,
    x_label: str | None = None,
    y_label: str | None = None,
    color: str = "#1e7b34",
    width: int = 560,
    height: int = 240,
) -> str:
    """Distribution of criteria met: one bar per value 0..total."""
    x_label = gettext("Số tiêu chí đạt") if x_label is None else x_label
    bar_title = gettext("%(n)s tiêu chí: %(c)s xã")
    y_label = gettext("Số xã") if y_label is None else y_label
    left, right, top, bottom = 40, 10, 24, 44
    w, h = width - left - right, height - top - bottom
    n = total + 1
    step = w / n
    peak = max(counts.values(), default=0) or 1
    ticks = nice_ticks(peak, 5, integer=True)
    if ticks[-1] < peak:
        ticks.append(ticks[-1] + (ticks[1] - ticks[0]))
    peak = ticks[-1]
    parts = [
        f'<svg class="chart bar" role="img" viewBox="0 0 {width} {height}" width="100%" {FONT} font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#5b6472"/>',
    ]
    for v in ticks:  # horizontal grid
        y = top + h - h * v / peak
        if v:
            parts.append(f'<line x1="{left}" y1="{_t(y)}" x2="{left + w}" y2="{_t(y)}" stroke="#e3e7ec"/>')
        parts.append(
            f'<text x="{left - 4}" y="{_t(y + 4)}" text-anchor="end" fill="#5b6472">{escape(fmt.number(v, 1, trim=True))}</text>'
        )
    for value in range(n):
        c = counts.get(value, 0)
        x = left + value * step
        bh = h * c / peak
        if c:
            parts.append(
                f'<rect class="bar" x="{_t(x + step * 0.12)}" y="{_t(top + h - bh)}" width="{_t(step * 0.76)}" '
                f'height="{_t(bh)}" fill="{color}"><title>{escape(bar_title % {"n": value, "c": c})}</title></rect>'
                f'<text x="{_t(x + step / 2)}" y="{_t(top + h - bh - 3)}" text-anchor="middle">{c}</text>'
            )
        parts.append(
            f'<text x="{_t(x + step / 2)}" y="{top + h + 14}" text-anchor="middle" fill="#5b6472">{value}</text>'
        )
    parts.append(f'<text x="{left + w / 2}" y="{height - 6}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text x="12" y="{top - 8}" fill="#5b6472">{escape(y_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart_svg(
    points: list[tuple[str, float | None, str]],
    *,
    y_max: float,
    title: str,
    y_label: str,
    color: str = "#0f4c2a",
    width: int = 560,
    height: int = 220,
) -> str:
    """A line over periods: ``points`` are (x label, y value or None, value text)."""
    left, right, top, bottom = 44, 16, 24, 40
    w, h = width - left - right, height - top - bottom
    y_max = y_max or 1
    parts = [
        f'<svg class="chart line" role="img" viewBox="0 0 {width} {height}" width="100%" {FONT} font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#5b6472"/>',
    ]
    for v in nice_ticks(y_max, 5):
        y = top + h - h * v / y_max
        if v:
            parts.append(f'<line x1="{left}" y1="{_t(y)}" x2="{left + w}" y2="{_t(y)}" stroke="#e3e7ec"/>')
        parts.append(
            f'<text x="{left - 4}" y="{_t(y + 4)}" text-anchor="end" fill="#5b6472">{escape(fmt.number(v, 1, trim=True))}</text>'
        )
    n = len(points)
    xs = [left + (w * (i + 0.5) / n) for i in range(n)] if n else []
    coords = []
    for (label, value, text), x in zip(points, xs):
        parts.append(f'<text x="{_t(x)}" y="{top + h + 14}" text-anchor="middle" fill="#5b6472">{escape(label)}</text>')
        if value is None:
            continue
        y = top + h - h * min(value, y_max) / y_max
        coords.append((x, y, label, text))
    if len(coords) > 1:
        d = " ".join(f"{'M' if i == 0 else 'L'}{_t(x)} {_t(y)}" for i, (x, y, _, _) in enumerate(coords))
        parts.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
    for x, y, label, text in coords:
        parts.append(
            f'<circle class="pt" cx="{_t(x)}" cy="{_t(y)}" r="3.5" fill="{color}"><title>{escape(label)}: {escape(text)}</title></circle>'
            f'<text x="{_t(x)}" y="{_t(y - 7)}" text-anchor="middle">{escape(text)}</text>'
        )
    axis = escape(gettext("Kỳ báo cáo"))
    parts.append(f'<text x="{left + w / 2}" y="{height - 6}" text-anchor="middle">{axis}</text>')
    parts.append(f'<text x="12" y="{top - 8}" fill="#5b6472">{escape(y_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def project(
    points: list[tuple[float, float]], width: float, height: float, pad: float = 16
) -> tuple[list[tuple[float, float]], float, float]:
    """Project (lat, lon) linearly into a box, keeping the local aspect ratio (longitudes shrink by
    cos(latitude)); returns the points, the drawing's width and height."""
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    lat0, lat1 = min(lats), max(lats)
    lon0, lon1 = min(lons), max(lons)
    if lat1 - lat0 < 1e-3:
        lat0, lat1 = lat0 - 0.01, lat1 + 0.01
    if lon1 - lon0 < 1e-3:
        lon0, lon1 = lon0 - 0.01, lon1 + 0.01
    k = math.cos(math.radians((lat0 + lat1) / 2))
    gw, gh = (lon1 - lon0) * k, lat1 - lat0
    scale = min((width - 2 * pad) / gw, (height - 2 * pad) / gh)
    w, h = gw * scale + 2 * pad, gh * scale + 2 * pad
    out = [(pad + (lon - lon0) * k * scale, pad + (lat1 - lat) * scale) for lat, lon in points]
    return out, w, h


MERGE_ALL_OVER = 3000  # communes with results: the nation has 7.700–10.600, the largest province ≈600


def map_svg(
    points: list[tuple],
    legend: list[tuple[str, str, int]],
    *,
    title: str,
    width: int = 560,
    height: int = 560,
    link_prefix: str = "/don-vi/",
    merge_nodata_over: int = 1500,
    merge_all_over: int = MERGE_ALL_OVER,
    base=None,
) -> str:
    """Communes as points at their centroid. ``points``: (lat, lon, standard, uid, name) with
    ``standard`` a key of STANDARD_COLORS/STANDARD_LABELS. Above ``merge_nodata_over`` communes,
    those without results are drawn as ONE path; each commune with results is its own linked
    ``<circle>`` with its name — unless more than ``merge_all_over`` communes have results (the
    nation): then every standard is one path. ``base``: a :class:`~ntm.apps.evaluations.maps.BaseMap`
    (province outlines, archipelagos, labels) drawn underneath."""
    layout = MapLayout(
        [(p[0], p[1], p[3], p[4]) for p in points],
        title=title,
        width=width,
        height=height,
        link_prefix=link_prefix,
        base=base,
    )
    return layout.draw(
        [p[2] for p in points], legend, merge_nodata_over=merge_nodata_over, merge_all_over=merge_all_over
    )


class MapLayout:
    """Where each commune of a map is drawn, and its escaped link and name: computed once for a list of
    communes (lat, lon, uid, name), with the base map under them. :meth:`draw` then only gives each
    point its colour — a saved value changes a commune's colour, never its place, so a map drawn again
    after a save costs a join.

    The drawing is an outer ``<svg class="map">`` (title, legend below the map) holding the map itself
    as ``<svg class="map-view">``, whose viewBox the page's script changes to zoom and pan."""

    def __init__(
        self,
        points: list[tuple],
        *,
        title: str,
        width: int = 560,
        height: int = 560,
        link_prefix: str = "/don-vi/",
        base=None,
        font: str = FONT,
    ):
        self.title = title
        self.font = font  # the typeface attribute: the page's sans-serif, or a document's own
        self.placed = [i for i, p in enumerate(points) if p[0] is not None and p[1] is not None]
        self.size = len(points)
        self.shapes, self.labels = "", ""
        if not self.placed:
            return
        if base is not None:
            proj = base.projection(width, height)
            xy = [proj.xy(points[i][1], points[i][0]) for i in self.placed]
            self.w, self.h = proj.w, proj.h

            self.shapes, self.labels = draw_base(base, proj)
        else:
            xy, self.w, self.h = project([(points[i][0], points[i][1]) for i in self.placed], width, height)
        n = len(self.placed)
        self.r = 7 if n <= 60 else 5 if n <= 300 else 3 if n <= 1500 else 1.6
        if base is not None and base.whole_country:
            self.r = min(self.r, 1.6)
        self.dots = [f"M{x:.1f} {y:.1f}h0" for x, y in xy]
        if base is not None and n <= 40:  # a district: its communes named on the map
            self.labels += "".join(
                map_label("lbl-commune", x, y - self.r - 3, _short_commune(points[i][3]), 9)
                for i, (x, y) in zip(self.placed, xy)
            )
        prefix = escape(link_prefix)
        # a linked circle is head + standard + middle + label + "</title></circle></a>"
        self.heads, self.middles = [], []
        for i, (x, y) in zip(self.placed, xy):
            uid = escape(points[i][2])
            self.heads.append(f'<a href="{prefix}{uid}/"><circle class="commune s-')
            self.middles.append(
                f'" data-uid="{uid}" cx="{x:.1f}" cy="{y:.1f}" r="{self.r}"><title>{escape(points[i][3])}: '
            )

    def _open(self, legend_rows: int) -> list[str]:
        return [
            f'<svg class="map" role="group" aria-label="{escape(self.title)}" '
            f'viewBox="0 0 {self.w:.1f} {self.h + 18 * legend_rows + 10:.1f}" '
            f'width="100%" {self.font} font-size="11" data-zoom="map">',
            f"<title>{escape(self.title)}</title>",
            f"<style>{LABEL_STYLE}</style>",
        ]

    def _view(self) -> str:
        return (
            f'<svg class="map-view" x="0" y="0" width="{self.w:.1f}" height="{self.h:.1f}" '
            f'viewBox="0 0 {self.w:.1f} {self.h:.1f}" preserveAspectRatio="xMidYMid meet">'
            + (
                self.shapes
                or f'<rect x="0" y="0" width="{self.w:.1f}" height="{self.h:.1f}" fill="#eef3f0" stroke="#d9dee5"/>'
            )
        )

    def draw(
        self,
        standards: list[str],
        legend: list[tuple[str, str, int]],
        *,
        merge_nodata_over: int = 1500,
        merge_all_over: int = MERGE_ALL_OVER,
    ) -> str:
        """The SVG with ``standards[i]`` the colour key of the i-th commune given to the layout."""
        if not self.placed:
            return ""
        if len(standards) != self.size:
            raise ValueError(f"{len(standards)} standards for a map of {self.size} communes")
        placed = [standards[i] for i in self.placed]
        r, h = self.r, self.h
        parts = self._open(len(legend)) + [_legend(legend, h), self._view()]
        if sum(1 for s in placed if s != "nodata") > merge_all_over:
            return _merged_map(parts, placed, self.dots, r) + self.labels + "</svg></svg>"
        merged = len(placed) > merge_nodata_over
        # colours and outline once, in the drawing's own style sheet: a national map has 10,000 points
        parts.insert(
            3,
            "<style>.map circle.commune{{stroke:#fff;stroke-width:{}}}{}</style>".format(
                0.3 if r < 3 else 1, "".join(f".map circle.s-{k}{{fill:{c}}}" for k, c in STANDARD_COLORS.items())
            ),
        )
        labels = {k: escape(gettext(v)) + "</title></circle></a>" for k, v in STANDARD_LABELS.items()}
        nodata_d = []
        for standard, head, middle, dot in zip(placed, self.heads, self.middles, self.dots):
            if merged and standard == "nodata":
                nodata_d.append(dot)
            else:
                parts.append(head + standard + middle + labels[standard])
        if nodata_d:
            nodata_title = escape(gettext("xã chưa có kết quả"))
            parts.insert(
                6,
                f'<path class="nodata-merged" d="{"".join(nodata_d)}" stroke="{STANDARD_COLORS["nodata"]}" '
                f'stroke-width="{r * 2}" stroke-linecap="round"><title>{nodata_title}</title></path>',
            )
        return "".join(parts) + self.labels + "</svg></svg>"


def _short_commune(name: str) -> str:
    for prefix in ("Xã ", "Phường ", "Thị trấn ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _legend(legend: list[tuple[str, str, int]], h: float) -> str:
    y0 = h + 16
    row = gettext("%(label)s: %(n)s xã")
    parts = ['<g class="legend">']
    for i, (label, color, count) in enumerate(legend):
        y = y0 + 18 * i
        parts.append(
            f'<circle cx="12" cy="{y - 4:.1f}" r="6" fill="{color}"/>'
            f'<text x="24" y="{y:.1f}">{escape(row % {"label": label, "n": fmt.number(count)})}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _merged_map(parts: list[str], standards: list[str], dots: list[str], r: float) -> str:
    """A national map: one path of dots per standard (each dot a zero-length segment with round caps)
    instead of one linked circle per commune — 10.000 dots of 3 px cannot be pointed at one by one,
    and the page stays ≈150 KB instead of ≈1,3 MB. The communes are reached through the provinces."""
    row = gettext("%(label)s: %(n)s xã")
    by_standard: dict[str, list[str]] = {}
    for standard, dot in zip(standards, dots):
        by_standard.setdefault(standard, []).append(dot)
    for key in reversed(STANDARDS):  # no data underneath, the best standards on top
        d = by_standard.get(key)
        if d:
            parts.append(
                f'<path class="standard-merged s-{key}" d="{"".join(d)}" stroke="{STANDARD_COLORS[key]}" '
                f'stroke-width="{r * 2}" stroke-linecap="round" fill="none">'
                f"<title>{escape(row % {'label': gettext(STANDARD_LABELS[key]), 'n': fmt.number(len(d))})}"
                "</title></path>"
            )
    return "".join(parts)


@register.simple_tag
def distribution_chart(rollup, title: str | None = None):
    title = gettext("Phân bố số tiêu chí đạt") if title is None else title
    if rollup is None:
        return ""
    return mark_safe(bar_chart_svg(rollup.distribution, rollup.criteria_total, title=title))


@register.simple_tag
def trend_chart(points, kind: str, criteria_total: int = 19):
    if not points:
        return ""
    short = [
        (
            _period_short(p.period),
            p.average_criteria if kind == "average" else p.share,
            p.average_text if kind == "average" else p.share_text,
        )
        for p in points
    ]
    if kind == "average":
        return mark_safe(
            line_chart_svg(
                short,
                y_max=criteria_total,
                title=gettext("Bình quân số tiêu chí đạt/xã qua các kỳ"),
                y_label=gettext("Tiêu chí/xã"),
            )
        )
    return mark_safe(
        line_chart_svg(
            short,
            y_max=100,
            title=gettext("Tỷ lệ xã đạt chuẩn qua các kỳ"),
            y_label=gettext("Phần trăm số xã"),
            color="#1f5fa8",
        )
    )


def _period_short(key: str) -> str:
    """'2023-07' → '07/2023', '2023-Q3' → 'Q3/2023'."""
    y, _, rest = key.partition("-")
    return f"{rest}/{y}" if rest else y


@register.simple_tag
def predecessor_line(row) -> str:
    """ "Xã Công Lý (cũ): đạt 16/19 tiêu chí với 53/57 chỉ tiêu nông thôn mới" (a row of an old xã
    seen on today's map)."""
    return predecessor_sentence(row)
