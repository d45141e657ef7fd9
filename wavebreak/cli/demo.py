"""``wavebreak demo``: the main job on embedded defaults."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from wavebreak.cli.groups import app


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option(help="Folder for summary.json, report.html, truth.json and the SQLite store.")
    ] = Path("wavebreak-demo"),
    seed: Annotated[int, typer.Option(help="Scenario seed: same seed, same stream, same decisions.")] = 7,
    scale: Annotated[float, typer.Option(help="1.0 = ~200,000 posts from ~50,000 accounts over 36 h.")] = 1.0,
    db: Annotated[
        str | None, typer.Option(help="Storage URL instead of OUT/wavebreak.db (e.g. postgresql://...).")
    ] = None,
    emit: Annotated[
        str | None,
        typer.Option(
            help="Only write the generated stream to stdout in this input format (jetstream, mastodon, "
            "x-v2, twitter-v1, jsonl, csv) and exit."
        ),
    ] = None,
    slow_path: Annotated[bool, typer.Option(help="Run multilingual embeddings on candidate posts.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live lines.")] = False,
    score_workers: Annotated[
        int | None,
        typer.Option(
            help="Processes that score post texts ahead of the pipeline on other cores (default: 1 where "
            "this process may use 2 or more CPUs, else 0; 0 keeps all in this process). Results are the "
            "same either way."
        ),
    ] = None,
) -> None:
    """Generate a Southport-like crisis stream and replay it through the whole pipeline.

    Prints a live line for each alert and decision in stream time, then writes summary.json,
    truth.json (the generator's ground truth) and a self-contained report.html into OUT.
    """
    if emit:
        from wavebreak.demo.run import emit_stream

        emit_stream(emit, seed=seed, scale=scale, out=sys.stdout.buffer)
        return
    from wavebreak.demo.run import run_demo

    run_demo(
        out, seed=seed, scale=scale, db=db, quiet=quiet, slow_path=slow_path, score_workers=score_workers
    )
