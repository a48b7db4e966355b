"""A horizontal bar chart as SVG text (no plotting library), embedded in the HTML page and the PDF, and the
same chart as a PNG picture (Pillow) for the DOCX."""

from __future__ import annotations

import functools
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
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - axis + 2}" stroke="#d0d4da" stroke-width="0.6"/>'
        )
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
        parts.append(
            f'<text x="{label_width + w + 4:.1f}" y="{y + bar_height - 4}" fill="#111">{escape(b.text)}</text>'
        )
    if chart.axis_label:
        parts.append(
            f'<text x="{label_width + plot / 2:.1f}" y="{height - 3}" text-anchor="middle" fill="#444" font-size="11">'
            f"{escape(chart.axis_label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# -- PNG (the DOCX carries the chart as a picture) -------------------------------------------------
_FONT_FILES = {  # Times New Roman, or Liberation Serif (metrically the same, scripts/install.sh), else DejaVu Serif
    False: ("Times New Roman.ttf", "times.ttf", "LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
    True: ("Times New Roman Bold.ttf", "timesbd.ttf", "LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
}
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")


@functools.lru_cache(maxsize=2)
def font_file(bold: bool = False) -> str | None:
    """The path of the document typeface on this machine (None: not found, Pillow's own font is used).
    Liberation Serif 2.x before 1.x: only the newer release has the Vietnamese letters (ư, ơ, ế…)."""
    from pathlib import Path

    for name in _FONT_FILES[bold]:
        hits = [hit for root in _FONT_DIRS if Path(root).is_dir() for hit in Path(root).rglob(name)]
        if hits:
            return str(sorted(hits, key=lambda h: ("liberation2" not in str(h), str(h)))[0])
    return None


def png(chart: Chart, *, width: int = 640, scale: float = 3.0) -> bytes:
    """The chart of :func:`svg` drawn as a PNG picture, ``scale`` × its size (≈ 300 dpi at 16 cm wide)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    bar_height, gap, label_width = 16, 5, 170
    n = len(chart.bars)
    top = 8
    axis = 36 if chart.axis_label else 22
    height = top + n * (bar_height + gap) + axis
    plot = width - label_width - 60
    maximum = chart.maximum or max((b.value for b in chart.bars), default=1) or 1

    def s(v: float) -> int:
        return round(v * scale)

    def font(size: float):
        path = font_file()
        if path:
            return ImageFont.truetype(path, s(size))
        return ImageFont.load_default(s(size))

    img = Image.new("RGB", (s(width), s(height)), "white")
    draw = ImageDraw.Draw(img)
    f12, f11 = font(12), font(11)
    for tick in ticks(maximum):
        x = label_width + plot * tick / maximum
        draw.line([(s(x), s(top - 4)), (s(x), s(height - axis + 2))], fill="#d0d4da", width=max(1, s(0.6)))
        draw.text((s(x), s(height - axis + 15)), f"{tick:g}".replace(".", ","), fill="#444444", font=f12, anchor="ms")
    for i, b in enumerate(chart.bars):
        y = top + i * (bar_height + gap)
        w = max(0.0, min(1.0, b.value / maximum)) * plot
        draw.text((s(label_width - 6), s(y + bar_height - 4)), b.label, fill="#111111", font=f12, anchor="rs")
        if w > 0:
            draw.rectangle(
                [s(label_width), s(y), s(label_width + w), s(y + bar_height)], fill=AMBER if b.flag else GREEN
            )
        draw.text((s(label_width + w + 4), s(y + bar_height - 4)), b.text, fill="#111111", font=f12, anchor="ls")
    if chart.axis_label:
        draw.text((s(label_width + plot / 2), s(height - 3)), chart.axis_label, fill="#444444", font=f11, anchor="ms")
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(round(72 * scale), round(72 * scale)))
    return buf.getvalue()
