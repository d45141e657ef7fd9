"""``wavebreak replay`` and ``wavebreak ingest``: streams in, decisions (or just records) out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wavebreak.cli.groups import app
from wavebreak.core import constants as C

FORMAT_HELP = "Input format: jetstream, mastodon, x-v2, twitter-v1, jsonl, csv or parquet."


def _check_format(fmt: str) -> str:
    from wavebreak.ingest import FORMATS

    if fmt not in FORMATS:
        raise typer.BadParameter(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return fmt


def _default_db(db: str | None) -> str:
    return db or "sqlite:///wavebreak.db"


@app.command()
def replay(
    files: Annotated[list[str], typer.Argument(help="Input files (gzip/zstd detected); '-' reads stdin.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "jsonl",
    db: Annotated[
        str | None,
        typer.Option(help="Storage URL: a SQLite path/URL (default ./wavebreak.db) or postgresql://..."),
    ] = None,
    summary: Annotated[Path | None, typer.Option(help="Write summary.json here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write a report.html here.")] = None,
    pack: Annotated[
        Path | None, typer.Option(help="Policy pack YAML (default: the shipped default pack).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Posts per micro-batch.")] = C.BATCH_SIZE,
    instance: Annotated[
        str | None,
        typer.Option(help="Mastodon: the instance the statuses were read from (ids are per instance)."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No live lines, only the final counts.")
    ] = False,
    record_worker: Annotated[
        bool | None,
        typer.Option(
            "--record-worker/--no-record-worker",
            help="Apply each batch's writes in a recorder process while the next batch is computed "
            "(SQLite files; still recorded before announced). Default: on where this process may use "
            "3 or more CPUs (one for the pipeline, one for the text-scoring worker, one for the recorder).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Replay a stream through the whole pipeline: signals, narratives, policy, recorded decisions.

    Malformed records go to quarantine (a table and quarantine.jsonl beside the summary) with their
    position and reason; the stream goes on. Pipe a live feed in with '-':

        websocat wss://jetstream.../subscribe | wavebreak replay - --format jetstream
    """
    from wavebreak.demo.live import run_stream

    _check_format(fmt)
    run_stream(
        files,
        fmt,
        db=_default_db(db),
        summary_path=summary,
        report_path=report,
        pack=pack,
        batch_size=batch_size,
        quiet=quiet,
        record_worker=record_worker,
    )


@app.command()
def ingest(
    files: Annotated[list[str], typer.Argument(help="Input files (gzip/zstd detected); '-' reads stdin.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "jsonl",
    db: Annotated[str | None, typer.Option(help="Storage URL (default ./wavebreak.db).")] = None,
    batch_size: Annotated[int, typer.Option(help="Records per batch.")] = C.BATCH_SIZE,
    instance: Annotated[
        str | None, typer.Option(help="Mastodon: the instance the statuses were read from.")
    ] = None,
) -> None:
    """Validate and load records only (no signals, no policy): quarantine counts are printed at the end."""
    from wavebreak.demo.live import run_stream

    _check_format(fmt)
    run_stream(
        files, fmt, db=_default_db(db), batch_size=batch_size, quiet=True, analyse=False, instance=instance
    )


@app.command()
def score(
    file: Annotated[str, typer.Argument(help="Input file (gzip/zstd detected); '-' reads stdin.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "jsonl",
    batch_size: Annotated[int, typer.Option(help="Posts per scoring batch.")] = C.BATCH_SIZE,
) -> None:
    """Score posts: one JSON object per post on stdout, in input order, with every signal's score,
    label, model version and explanation. With --format jsonl a line needs only a "text" field:

        echo '{"text": "is this true? police say the name is false"}' | wavebreak score -
    """
    import sys

    import orjson

    from wavebreak.core.records import Post
    from wavebreak.ingest import read_records
    from wavebreak.pipeline.context import PipelineContext
    from wavebreak.pipeline.stage import Batch
    from wavebreak.signals.stage import SignalsStage

    _check_format(fmt)
    stage = SignalsStage(slow_path=False)
    ctx = PipelineContext()
    out = sys.stdout.buffer
    bad = 0

    def flush(posts: list[Post]) -> None:
        if not posts:
            return
        batch = Batch(posts=list(posts))
        stage.process(batch, ctx)
        for p in posts:
            sigs = batch.signals.get(p.id, {})
            row = {
                "id": p.id,
                "lang": p.lang or (sigs["lang"].label if "lang" in sigs else None),
                "signals": {
                    name: {
                        "score": round(float(s.score), 4),
                        "label": s.label,
                        "model": s.model,
                        "explanation": list(s.explanation),
                        "data": s.data,
                    }
                    for name, s in sigs.items()
                },
            }
            out.write(orjson.dumps(row, option=orjson.OPT_NON_STR_KEYS) + b"\n")

    pending: list[Post] = []
    for rec in read_records(file, fmt, text_only_ok=fmt in ("jsonl", "csv", "parquet")):
        if isinstance(rec, Post):
            pending.append(rec)
            if len(pending) >= batch_size:
                flush(pending)
                pending = []
        elif hasattr(rec, "reason"):
            bad += 1
            typer.echo(f"quarantined {rec.source}:{rec.line}: {rec.reason}", err=True)
    flush(pending)
    out.flush()
    if bad:
        typer.echo(f"{bad} record(s) could not be scored (see above)", err=True)
