"""Charts drawn by the app as inline SVG: no script, no CDN, readable without colour.

Series are told apart by pattern and label as well as colour: bars carry their
value as text, lines use different dash patterns and point markers, and each
chart has a <title>/<desc> and a text legend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 16, 24, 48
DASHES = ("", "6 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")
COLOURS = ("#1f4e8c", "#b35900", "#2e7d32", "#6a1b9a")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _scale(max_value: float) -> float:
    if max_value <= 0:
        return 1.0
    step = 10 ** (len(str(int(max_value))) - 1)
    return float(((int(max_value) // step) + 1) * step)


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - 4:.1f} {x - 4:.1f},{y + 3:.1f} '
            f'{x + 4:.1f},{y + 3:.1f}" fill="{colour}"/>'
        )
    if kind == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 4:.1f} {x + 4:.1f},{y:.1f} {x:.1f},{y + 4:.1f} '
            f'{x - 4:.1f},{y:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """Lines over labelled x positions (e.g. days), each series with its own dash and marker."""
    top = _scale(max((v for s in series for v in s.values), default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return PAD_LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return PAD_TOP + plot_h - plot_h * v / top

    parts = [_open(title, ", ".join(s.name for s in series)), _axes(top)]
    every = max(1, n // 10)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" '
                f'font-size="10" text-anchor="middle">{escape(label)}</text>'
            )
    for k, s in enumerate(series):
        colour, dash, marker = COLOURS[k % 4], DASHES[k % 4], MARKERS[k % 4]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash_attr} '
            f'points="{points}"/>'
        )
        parts += [_marker(marker, x(i), y(v), colour) for i, v in enumerate(s.values)]
        lx = PAD_LEFT + 160 * k
        parts.append(
            f'<line x1="{lx}" y1="{HEIGHT - 12}" x2="{lx + 24}" y2="{HEIGHT - 12}" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
        )
        parts.append(_marker(marker, lx + 12, HEIGHT - 12, colour))
        parts.append(f'<text x="{lx + 30}" y="{HEIGHT - 8}" font-size="11">{escape(s.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    """Horizontal-axis bars, each with its value written above it."""
    top = _scale(max(values, default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    n = max(len(values), 1)
    slot = plot_w / n
    parts = [
        _open(
            title, ", ".join(f"{lab}: {val:g}" for lab, val in zip(labels, values, strict=False))
        ),
        _axes(top),
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        h = plot_h * value / top
        bx = PAD_LEFT + slot * i + slot * 0.15
        by = PAD_TOP + plot_h - h
        parts.append(
            f'<rect x="{bx:.1f}" y="{by:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{COLOURS[0]}"/>'
        )
        parts.append(
            f'<text x="{bx + slot * 0.35:.1f}" y="{by - 4:.1f}" font-size="11" '
            f'text-anchor="middle">{value:g}</text>'
        )
        parts.append(
            f'<text x="{bx + slot * 0.35:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" '
            f'font-size="11" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f"<desc>{escape(desc)}</desc>"
    )


def _axes(top: float) -> str:
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    base = PAD_TOP + plot_h
    parts = [
        f'<line x1="{PAD_LEFT}" y1="{base}" x2="{WIDTH - PAD_RIGHT}" y2="{base}" stroke="#333"/>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{base}" stroke="#333"/>',
    ]
    for frac in (0.5, 1.0):
        yy = base - plot_h * frac
        parts.append(
            f'<line x1="{PAD_LEFT}" y1="{yy:.1f}" x2="{WIDTH - PAD_RIGHT}" '
            f'y2="{yy:.1f}" stroke="#ccc" stroke-dasharray="2 2"/>'
        )
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{yy + 4:.1f}" font-size="10" '
            f'text-anchor="end">{top * frac:g}</text>'
        )
    return "".join(parts)
