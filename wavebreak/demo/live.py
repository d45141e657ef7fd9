"""Run a stream through the pipeline with a Rich progress bar and live lines.

Shared by ``wavebreak demo`` (a generated crisis) and ``wavebreak replay``
(files or stdin): both print one line per alert and per narrative-level
decision *as it happens in stream time*, after the decision is recorded
(listeners are called by the decisions stage only once the event log holds it).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from wavebreak.core import constants as C
from wavebreak.core.records import Alert, Decision
from wavebreak.pipeline.runner import (
    Pipeline,
    PipelineOptions,
    batches_from_files,
    build_pipeline,
    default_record_worker,
    default_score_workers,
    replay_gc,
)
from wavebreak.pipeline.stage import Batch
from wavebreak.pipeline.summary import DecisionLog, build_summary, iso


def stream_clock(t: datetime, start: datetime | None) -> str:
    """``T+HH:MM`` relative to the stream start, the unit analysts talk in."""
    if start is None:
        return t.strftime("%H:%M")
    minutes = max(0, int((t - start).total_seconds() // 60))
    return f"T+{minutes // 60:02d}:{minutes % 60:02d}"


SURFACE_WORDS = {
    "exclude": "excluded from {s}",
    "demote": "demoted in {s}",
    "hold_for_review": "held for review on {s}",
    "interstitial": "behind an interstitial on {s}",
    "label": "labelled on {s}",
    "context_note": "context note on {s}",
    "remove": "removed from {s}",
    "geo_withhold": "withheld on {s}",
}


def describe_actions(d: Decision) -> str:
    """Plain words for a decision's per-surface actions, grouped by action."""
    grouped: dict[str, list[str]] = {}
    for surface, action in d.actions.items():
        if action.value == 0:
            continue
        grouped.setdefault(action.slug, []).append(surface.value)
    parts = [SURFACE_WORDS.get(a, a + " on {s}").format(s="/".join(s)) for a, s in grouped.items()]
    if d.item_action.value:
        scope = f" in {','.join(d.territorial_scope)}" if d.territorial_scope else ""
        parts.append(f"item {d.item_action.slug}{scope}")
    return "; ".join(parts) or "allowed"


def _why(d: Decision) -> str:
    """The ground in words, then the rule: what a duty officer reads first."""
    policy = d.grounds.platform_policy if d.grounds is not None else ""
    return f"{policy} (rule {d.rule_id})" if policy else f"rule {d.rule_id}"


class LivePrinter:
    """Listener for alerts and decisions that prints the live timeline and keeps the log.

    Post-level decisions are counted, not printed (there are thousands); a
    narrative-level decision or an alert gets one line, the way a duty officer
    would want to read the stream.
    """

    def __init__(self, pipeline: Pipeline, console: Console, start: datetime | None, quiet: bool) -> None:
        self.pipeline = pipeline
        self.console = console
        self.start = start
        self.quiet = quiet
        self.decisions = DecisionLog()
        self.alerts: list[dict[str, Any]] = []
        self.markers: list[tuple[datetime, str, str]] = []
        self._printed_post_rules: set[str] = set()
        self._marked: set[tuple[str, str | None]] = set()

    def _narrative_label(self, nid: str | None) -> tuple[str, str]:
        service = self.pipeline.ctx.services.get("narratives")
        n = service.get(nid) if (service is not None and nid) else None
        if n is None:
            return (f"narrative {nid}" if nid else "item"), ""
        title = n.title if len(n.title) <= 60 else n.title[:57] + "…"
        return f"narrative {n.id} '{title}'", f"{n.posts_total:,} posts / {n.accounts_total:,} accounts"

    def _mark(self, key: tuple[str, str | None], at: datetime, label: str, colour: str) -> None:
        """One marker per (kind, narrative): the first alert and each rule's first decision on it."""
        if key in self._marked or len(self.markers) >= C.REPORT_MAX_MARKERS:
            return
        self._marked.add(key)
        self.markers.append((at, label, colour))

    def on_alert(self, alert: Alert) -> None:
        self.alerts.append(
            {
                "id": alert.id,
                "at": iso(alert.at),
                "kind": alert.kind,
                "narrative_id": alert.narrative_id,
                "message": alert.message,
                "terms": list(alert.terms),
                "zscore": round(alert.zscore, 2),
                "distinct_accounts": alert.distinct_accounts,
                "reach": alert.reach,
                "risk": round(alert.risk, 3),
                "reasons": list(alert.reasons),
            }
        )
        self._mark(("alert", alert.narrative_id), alert.at, f"alert {alert.narrative_id or ''}", "#e67e22")
        if self.quiet:
            return
        label, size = self._narrative_label(alert.narrative_id)
        why = "; ".join(alert.reasons[:3]) or alert.message
        self.console.print(
            f"[bold]{stream_clock(alert.at, self.start)}[/] [yellow]ALERT[/] {label} {alert.kind}: {why}"
            + (f"; {size}" if size else "")
        )

    def on_decision(self, d: Decision) -> None:
        nid = d.narrative_id
        if nid is None and d.target_kind == "post":
            service = self.pipeline.ctx.services.get("narratives")
            nid = service.narrative_of(d.target_id) if service is not None else None
        self.decisions.add(d, nid)
        if d.target_kind == "narrative":
            self._mark((d.rule_id, d.target_id), d.at, d.rule_id, "#c0392b")
        if self.quiet:
            return
        if d.target_kind == "narrative":
            label, size = self._narrative_label(d.target_id)
            self.console.print(
                f"[bold]{stream_clock(d.at, self.start)}[/] [red]DECISION[/] {label} flagged: "
                f"{_why(d)}; {describe_actions(d)}" + (f"; {size}" if size else "")
            )
        elif d.rule_id not in self._printed_post_rules:
            # First post-level firing of each rule gets a line; the rest are counted.
            self._printed_post_rules.add(d.rule_id)
            self.console.print(
                f"[bold]{stream_clock(d.at, self.start)}[/] [red]DECISION[/] {d.target_kind} {d.target_id} "
                f"flagged: {_why(d)}; {describe_actions(d)} "
                "[dim](further decisions of this rule are counted in the summary)[/]"
            )


def drive(
    pipeline: Pipeline,
    batches: Iterable[Batch],
    *,
    console: Console,
    total: int | None,
    description: str,
    hooks: list[Any] | None = None,
) -> None:
    """Push batches through the pipeline under a progress bar; hooks see each batch first."""
    hooks = hooks or []
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        refresh_per_second=C.DEMO_PROGRESS_REFRESH_PER_SECOND,
        disable=not console.is_terminal and total is None,
    ) as progress:
        task = progress.add_task(description, total=total, clock="")
        t0 = time.perf_counter()
        for batch in batches:
            for hook in hooks:
                hook(batch, pipeline)
            pipeline.process(batch)
            progress.update(
                task,
                advance=len(batch.posts) + len(batch.quarantined),
                clock=(batch.watermark.strftime("%d %b %H:%M") if batch.watermark else ""),
            )
        pipeline.stats.wall_seconds += time.perf_counter() - t0


def print_counts(console: Console, stats: dict[str, Any]) -> None:
    table = Table(title="Input", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("records read", f"{stats['read']:,}")
    for k, v in stats["accepted"].items():
        table.add_row(f"accepted {k}", f"{v:,}")
    table.add_row("quarantined", f"{stats['quarantined']['total']:,}")
    for reason, count in stats["quarantined"]["by_reason"].items():
        table.add_row(f"  {reason}", f"{count:,}")
    console.print(table)


def run_stream(
    files: list[str],
    fmt: str,
    *,
    db: str,
    summary_path: Path | None = None,
    report_path: Path | None = None,
    pack: Path | None = None,
    batch_size: int = C.BATCH_SIZE,
    quiet: bool = False,
    analyse: bool = True,
    instance: str | None = None,
    record_worker: bool | None = None,
) -> dict[str, Any]:
    """Replay files (or stdin) through the pipeline, or only load them when ``analyse`` is False.

    ``record_worker``: apply each batch's writes in a recorder process (:mod:`wavebreak.storage.recorder`);
    None: where a file replay may use enough CPUs (:func:`~wavebreak.pipeline.runner.default_record_worker`),
    never for a live feed on stdin (its batches then wait for no one)."""
    from wavebreak.storage import open_storage

    console = Console(stderr=True)
    storage = open_storage(db)
    qfile = (summary_path.parent if summary_path else Path(".")) / "quarantine.jsonl"
    opts = PipelineOptions(
        signals=analyse,
        narratives=analyse,
        policy=analyse,
        policy_pack=pack,
        quarantine_file=qfile,
        # a live feed on stdin is never read ahead for a worker (that would hold each batch until
        # the next two arrive)
        score_workers=default_score_workers() if analyse and "-" not in files else 0,
        record_worker=(default_record_worker() and "-" not in files)
        if record_worker is None
        else record_worker,
    )
    pipeline = build_pipeline(storage, opts)
    printer = LivePrinter(pipeline, console, start=None, quiet=quiet)
    pipeline.ctx.on_alert.append(printer.on_alert)
    pipeline.ctx.on_decision.append(printer.on_decision)
    first: dict[str, datetime] = {}

    def mark_start(batch: Batch, _p: Pipeline) -> None:
        if "t" not in first and batch.posts:
            first["t"] = batch.posts[0].created_at
            printer.start = first["t"]

    try:
        with replay_gc():
            drive(
                pipeline,
                pipeline.ahead(batches_from_files(files, fmt, batch_size, instance=instance)),
                console=console,
                total=None,
                description="replaying",
                hooks=[mark_start],
            )
    finally:
        pipeline.close()
    summary = build_summary(
        pipeline,
        printer.decisions,
        alerts=printer.alerts,
        extra={"storage": {"url": _redact(db)}, "quarantine_file": str(qfile)},
    )
    print_counts(console, summary["input"])
    if summary_path:
        summary_path.parent.mkdir(parents=True, exist_ok=True)
        summary_path.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
        console.print(f"summary written to {summary_path}")
    if report_path:
        from wavebreak.demo.report import write_report

        write_report(pipeline, summary, printer, report_path, title=f"replay of {', '.join(files)}")
        console.print(f"report written to {report_path}")
    storage.close()
    return summary


def _redact(url: str) -> str:
    """Never write a database password into a summary."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
