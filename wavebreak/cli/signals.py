"""CLI commands for signals: ``train signals``, ``eval signals``, ``bench signals`` (registered on groups).

Heavy imports (scikit-learn, numpy, the models) happen inside the commands so
that ``wavebreak --help`` stays instant.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from wavebreak.cli.groups import eval_app, train_app

_SHARED_HELP = "Folder holding datasets/ (default: ../shared next to the repository)."


def _shared(shared: Path | None) -> Path:
    from wavebreak.signals.train import DEFAULT_SHARED

    path = shared or DEFAULT_SHARED
    if not (path / "datasets").exists():
        typer.echo(f"shared data sets not found under {path}; pass --shared DIR", err=True)
        raise typer.Exit(2)
    return path


@train_app.command("signals")
def train_signals(
    shared: Path | None = typer.Option(None, "--shared", help=_SHARED_HELP),
    out: Path | None = typer.Option(None, "--out", help="Where to write model files (default: the package)."),
    stance: bool = typer.Option(True, "--stance/--no-stance", help="Also rebuild signals B's stance model."),
) -> None:
    """Rebuild the shipped toxicity, language-ID (and stance) models, deterministically."""
    from wavebreak.signals.train import MODELS_DIR, train_all

    summary = train_all(_shared(shared), out or MODELS_DIR, stance=stance)
    typer.echo(json.dumps(summary, indent=2, default=str))


@eval_app.command("signals")
def eval_signals(
    shared: Path | None = typer.Option(None, "--shared", help=_SHARED_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
    stance: bool = typer.Option(True, "--stance/--no-stance", help="Include signals B's stance figures."),
) -> None:
    """Per-language P/R/F1 on held-out rows and templates, fairness FPR table, functional tests."""
    from wavebreak.signals.eval import evaluate_all, render

    figures = evaluate_all(_shared(shared), stance=stance)
    if as_json:
        typer.echo(json.dumps(figures, default=str))
    else:
        typer.echo(render(figures))


@eval_app.command("signals-bench")
def bench_signals(
    n: int = typer.Option(20_000, "--posts", help="Posts to score."),
    batch: int = typer.Option(2048, "--batch", help="Posts per batch."),
    slow: bool = typer.Option(False, "--slow", help="Also measure the slow (embedding) path."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
) -> None:
    """Throughput of the signals stage fast path (posts/s on one core) and model memory."""
    import os

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    from wavebreak.signals.eval import benchmark

    figures = benchmark(n, batch, slow)
    typer.echo(json.dumps(figures) if as_json else "\n".join(f"{k}: {v}" for k, v in figures.items()))
