"""Tiny inline SVG charts (sparklines, a narrative timeline, bars): no JS library, no CDN.

Why hand-written SVG rather than matplotlib PNGs: the console renders a chart per
narrative row; an inline polyline costs microseconds and scales crisply, where a
matplotlib figure costs ~50 ms each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape


def sparkline(values: Sequence[float], width: int = 120, height: int = 28, colour: str = "#c0392b") -> str:
    if not values:
        return ""
    hi = max(values) or 1.0
    n = len(values)
    step = width / max(n - 1, 1)
    pts = " ".join(f"{i * step:.1f},{height - 2 - (v / hi) * (height - 4):.1f}" for i, v in enumerate(values))
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="trend"><polyline fill="none" stroke="{colour}" stroke-width="1.6" '
        f'points="{pts}"/></svg>'
    )


def timeline(
    points: Sequence[tuple[datetime, float]],
    markers: Sequence[tuple[datetime, str]] = (),
    width: int = 640,
    height: int = 180,
    label: str = "posts per window",
) -> str:
    """Posts per window over time, with vertical markers (reports, decisions)."""
    if not points:
        return ""
    pad_l, pad_b, pad_t = 40, 24, 10
    t0 = min([p[0] for p in points] + [m[0] for m in markers])
    t1 = max([p[0] for p in points] + [m[0] for m in markers])
    span = max((t1 - t0).total_seconds(), 1.0)
    hi = max(v for _, v in points) or 1.0
    w, h = width - pad_l - 8, height - pad_b - pad_t

    def x(t: datetime) -> float:
        return pad_l + (t - t0).total_seconds() / span * w

    def y(v: float) -> float:
        return pad_t + h - v / hi * h

    pts = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
    parts = [
        f'<svg class="timeline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">',
        f'<line x1="{pad_l}" y1="{pad_t + h}" x2="{pad_l + w}" y2="{pad_t + h}" stroke="#999"/>',
        f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{pad_t + h}" stroke="#999"/>',
        f'<text x="4" y="{pad_t + 8}" font-size="10">{hi:g}</text>',
        f'<text x="4" y="{pad_t + h}" font-size="10">0</text>',
        f'<text x="{pad_l}" y="{height - 6}" font-size="10">{t0:%d %b %H:%M}</text>',
        f'<text x="{pad_l + w}" y="{height - 6}" font-size="10" text-anchor="end">{t1:%d %b %H:%M} UTC</text>',
        f'<polyline fill="none" stroke="#2c3e50" stroke-width="1.8" points="{pts}"/>',
    ]
    for t, text in markers:
        colour = "#c0392b" if text.startswith("decision") else "#8e44ad"
        parts.append(
            f'<line x1="{x(t):.1f}" y1="{pad_t}" x2="{x(t):.1f}" y2="{pad_t + h}" stroke="{colour}" '
            f'stroke-dasharray="3,3"><title>{escape(text)} {t:%d %b %H:%M}</title></line>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bars(rows: Sequence[tuple[str, float, float]], width: int = 520, unit: str = "min") -> str:
    """Paired horizontal bars (median, p90) per label."""
    if not rows:
        return ""
    hi = max(max(a, b) for _, a, b in rows) or 1.0
    row_h = 34
    height = row_h * len(rows) + 10
    parts = [
        f'<svg class="bars" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
    ]
    for i, (label, med, p90) in enumerate(rows):
        y0 = 5 + i * row_h
        span = width - 150 - 80
        parts.append(f'<text x="0" y="{y0 + 14}" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="140" y="{y0 + 2}" width="{p90 / hi * span:.1f}" height="12" fill="#f5b7b1"/>')
        parts.append(
            f'<rect x="140" y="{y0 + 16}" width="{med / hi * span:.1f}" height="12" fill="#2980b9"/>'
        )
        parts.append(f'<text x="{150 + span}" y="{y0 + 20}" font-size="11">{med:g} / {p90:g} {unit}</text>')
    parts.append("</svg>")
    return "".join(parts)
