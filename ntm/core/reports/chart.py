"""A horizontal bar chart as SVG text (no plotting library): embedded in the HTML page and the PDF."""

from __future__ import annotations

from html import escape

from .model import Chart

FONT = "'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif"
GREEN = "#2e7d32"
AMBER = "#c77700"


def ticks(maximum: float) -> list[float]:
    """Round steps (1, 2, 5 × 10ⁿ) giving at most 6 ticks from 0, plus the maximum itself (19 → 0 5 10 15 19)."""
    if maximum <= 0:
        return [0.0]
    step = 1.0
    for mult in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        step = float(mult)
        if maximum / step <= 5:
            break
    out = [k * step for k in range(int(maximum // step) + 1)]
    if maximum - out[-1] > step * 0.3:
        out.append(float(maximum))
    return out


def svg(chart: Chart, *, width: int = 640, bar_height: int = 16, gap: int = 5, label_width: int = 170) -> str:
    n = len(chart.bars)
    top = 8
    axis = 36 if chart.axis_label else 22
    height = top + n * (bar_height + gap) + axis
    plot = width - label_width - 60
    maximum = chart.maximum or max((b.value for b in chart.bars), default=1) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(chart.title)}" font-family="{escape(FONT)}" font-size="12">',
        f"<title>{escape(chart.title)}</title>",
    ]
    for tick in ticks(maximum):
        x = label_width + plot * tick / maximum
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - axis + 2}" stroke="#d0d4da" stroke-width="0.6"/>')
        tick_text = f"{tick:g}".replace(".", ",")
        parts.append(f'<text x="{x:.1f}" y="{height - axis + 15}" text-anchor="middle" fill="#444">{tick_text}</text>')
    for i, b in enumerate(chart.bars):
        y = top + i * (bar_height + gap)
        w = max(0.0, min(1.0, b.value / maximum)) * plot
        colour = AMBER if b.flag else GREEN
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 4}" text-anchor="end" fill="#111">{escape(b.label)}</text>'
        )
        parts.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour}"/>')
        parts.append(f'<text x="{label_width + w + 4:.1f}" y="{y + bar_height - 4}" fill="#111">{escape(b.text)}</text>')
    if chart.axis_label:
        parts.append(
            f'<text x="{label_width + plot / 2:.1f}" y="{height - 3}" text-anchor="middle" fill="#444" font-size="11">'
            f"{escape(chart.axis_label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
