"""``report.html`` for a run (demo or replay): the main narratives over time, with
alerts and decisions drawn against their curves, and the tables behind them.

Self-contained (charts are embedded PNGs, CSS inline) so it can be mailed or
archived as evidence without the server that produced it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from wavebreak.transparency.charts import bar_chart, timeline_chart

TEMPLATES = Path(__file__).parent / "templates"


def short_time(value: str | None) -> str:
    """``2026-07-29T14:24:20.72Z`` → ``29 Jul 14:24``: tables are read by people, not parsers."""
    if not value:
        return "—"
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).strftime("%d %b %H:%M")
    except ValueError:
        return str(value)


def render_run_report(
    summary: dict[str, Any],
    series: dict[str, list[tuple[datetime, float]]],
    markers: list[tuple[datetime, str, str]],
    out: Path,
    *,
    title: str = "",
    scoring: list[dict[str, Any]] | None = None,
) -> Path:
    """Write the self-contained HTML report and return its path."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.filters["short"] = short_time
    timeline = (
        timeline_chart(series, title="Posts per interval", ylabel="posts", markers=markers)
        if series
        else None
    )
    cumulative = (
        timeline_chart(series, title="Cumulative posts", ylabel="posts", cumulative=True) if series else None
    )
    by_rule = summary.get("decisions", {}).get("by_rule", {})
    top_rules = sorted(by_rule.items(), key=lambda kv: -kv[1])[:12]
    rules_chart = (
        bar_chart(
            [k for k, _ in top_rules],
            [v for _, v in top_rules],
            title="Decisions by rule",
            xlabel="decisions",
        )
        if top_rules
        else None
    )
    html = env.get_template("run_report.html").render(
        summary=summary,
        timeline=timeline,
        cumulative=cumulative,
        rules_chart=rules_chart,
        title=title,
        scoring=scoring or [],
    )
    out.write_text(html, encoding="utf-8")
    return out
