"""CLI commands for stance, rumour-marker and credibility evaluation (registered on wavebreak.cli.groups).

Heavy imports (scikit-learn, numpy) stay inside the commands so ``wavebreak --help`` is instant.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from wavebreak.cli.groups import eval_app

_DEFAULT_SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def _print_table(title: str, rows: list[tuple[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for k, v in rows:
        table.add_row(k, v)
    Console().print(table)


def _emit(result: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(result, sort_keys=True))
        return
    rows = [(k, f"{v}") for k, v in result.items() if not isinstance(v, dict | list)]
    for k, v in result.items():
        if isinstance(v, dict) and all(not isinstance(x, dict | list) for x in v.values()):
            rows += [(f"{k}.{kk}", f"{vv}") for kk, vv in v.items()]
    _print_table(title, rows)


@eval_app.command("stance")
def eval_stance(
    dataset: Path = typer.Option(..., "--dataset", help="Folder laid out like RumourEval-2017 traindev."),
    model: Path | None = typer.Option(None, "--model", help="Model file (default: the shipped one)."),
    embeddings: bool = typer.Option(
        False,
        "--embeddings/--no-embeddings",
        help="Score the slow path (USE embeddings of each post, its source and parent; ~25 s per 5k posts).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Accuracy, macro-F1 and per-class F1 of the stance model on a RumourEval-style folder.

    ``path`` in the output says which path was scored (``lexical`` or ``embedding+lexical``).
    """
    from wavebreak.signals.stance import StanceModel, evaluate

    if not (dataset / "posts.json").exists():
        typer.echo(f"no posts.json in {dataset}", err=True)
        raise typer.Exit(2)
    m = StanceModel.load(model)
    if embeddings and not m.has_embedding_head:
        typer.echo(f"model {m.version} has no embedding head", err=True)
        raise typer.Exit(2)
    result = evaluate(dataset, m, embeddings=embeddings)
    _emit(result, as_json, f"stance on {dataset}")


@eval_app.command("rumour-markers")
def eval_rumour_markers(
    dataset: Path = typer.Option(..., "--dataset", help="Folder laid out like RumourEval-2017 traindev."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Precision/recall/F1 of the rule-based rumour markers against RumourEval stance labels.

    "query" markers are scored against stance=query and "correction" markers against stance=deny:
    the closest human labels there are for enquiries and corrections (the rules were not tuned on them).
    """
    from sklearn.metrics import precision_recall_fscore_support

    from wavebreak.signals.rumour import score
    from wavebreak.signals.stance import load_examples

    exs = [e for e in load_examples(dataset) if e.label]
    sigs = score([e.text for e in exs], [None] * len(exs))
    result: dict[str, Any] = {"n": len(exs)}
    for marker, gold_label in (("query", "query"), ("correction", "deny")):
        y = [e.label == gold_label for e in exs]
        p = [s.label == marker for s in sigs]
        pr, rc, f1, _ = precision_recall_fscore_support(y, p, average="binary", zero_division=0)
        result[marker] = {
            "vs_stance": gold_label,
            "precision": round(float(pr), 4),
            "recall": round(float(rc), 4),
            "f1": round(float(f1), 4),
        }
    _emit(result, as_json, f"rumour markers on {dataset}")


@eval_app.command("credibility")
def eval_credibility(
    dataset: Path = typer.Option(
        _DEFAULT_SHARED / "datasets" / "rumours" / "pheme9", "--dataset", help="PHEME folder (*.json)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """AUC of the credibility score against PHEME veracity (true vs false rumour sources)."""
    from wavebreak.signals.credibility import evaluate_pheme

    if not dataset.exists():
        typer.echo(f"dataset not found: {dataset}", err=True)
        raise typer.Exit(2)
    _emit(evaluate_pheme(dataset), as_json, f"credibility on {dataset}")
