"""Charts as real images (PNG, base64-embedded) so reports stay self-contained.

Why matplotlib with the Agg backend: it renders offline, headless and
deterministically, and a PNG embedded as a data URI opens in any browser or
mail client without a network, which is what a regulator's inbox needs.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt

PALETTE = ["#c0392b", "#8e44ad", "#2980b9", "#16a085", "#d35400", "#7f8c8d", "#27ae60", "#2c3e50"]


def to_data_uri(fig: Any) -> str:
    """Render a figure to a PNG data URI and free it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def timeline_chart(
    series: dict[str, list[tuple[datetime, float]]],
    *,
    title: str,
    ylabel: str,
    markers: Sequence[tuple[datetime, str, str]] = (),
    cumulative: bool = False,
) -> str:
    """Lines per named series over time, with vertical markers (time, label, colour).

    ``markers`` show alerts and decisions against the curve, so a reader sees
    how early the platform acted relative to the wave.
    """
    fig, ax = plt.subplots(figsize=(10, 4.2))
    for i, (name, points) in enumerate(series.items()):
        if not points:
            continue
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        if cumulative:
            total = 0.0
            acc = []
            for y in ys:
                total += y
                acc.append(total)
            ys = acc
        ax.plot(xs, ys, label=name[:60], color=PALETTE[i % len(PALETTE)], linewidth=1.8)
    for t, label, colour in markers:
        ax.axvline(t, color=colour, linestyle="--", linewidth=1, alpha=0.8)
        ax.annotate(
            label[:40],
            xy=(t, 1),
            xycoords=("data", "axes fraction"),
            rotation=90,
            fontsize=7,
            va="top",
            ha="right",
            color=colour,
        )
    ax.set_title(title)
    ax.set_xlabel("stream time (UTC)")
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %H:%M"))
    fig.autofmt_xdate()
    ax.grid(alpha=0.3)
    if series:
        # Below the plot, so it never hides the curves or the alert/decision markers.
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, frameon=False)
    return to_data_uri(fig)


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str) -> str:
    """Horizontal bars, largest on top: for amplifiers, rules, categories."""
    fig, ax = plt.subplots(figsize=(8, 0.4 * max(len(labels), 3) + 1))
    ax.barh(list(reversed([str(lbl)[:48] for lbl in labels])), list(reversed(list(values))), color="#2980b9")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    return to_data_uri(fig)
