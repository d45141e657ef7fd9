"""Gather the curves and markers of a finished run and render ``report.html``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from wavebreak.core import constants as C
from wavebreak.pipeline.runner import Pipeline
from wavebreak.transparency.run_report import render_run_report


def write_report(
    pipeline: Pipeline,
    summary: dict[str, Any],
    printer: Any,
    path: Path,
    *,
    title: str,
    scoring: list[dict[str, Any]] | None = None,
) -> Path:
    """Timeline of the top narratives (those alerted or acted on first) with alert and decision markers."""
    service = pipeline.ctx.services.get("narratives")
    series: dict[str, list[tuple[datetime, float]]] = {}
    if service is not None:
        for entry in summary["narratives"][: C.REPORT_TOP_NARRATIVES]:
            points = service.series(entry["id"])
            if points:
                label = f"{entry['id']} {entry['title'][:40]}"
                series[label] = [
                    (
                        p["at"]
                        if isinstance(p["at"], datetime)
                        else datetime.fromisoformat(str(p["at"]).replace("Z", "+00:00")),
                        float(p["posts"]),
                    )
                    for p in points
                ]
    path.parent.mkdir(parents=True, exist_ok=True)
    return render_run_report(summary, series, printer.markers, path, title=title, scoring=scoring)
