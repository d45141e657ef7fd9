"""CLI commands for narratives (registered on wavebreak.cli.groups).

- ``wavebreak eval early-detection``: detection latency, false alarms, origin /
  amplifier / coordination correctness on the demo scenario (unseen seeds).
- ``wavebreak narratives show ID --summary FILE``: one narrative from a summary.json.

Heavy imports happen inside the commands so ``wavebreak --help`` stays instant.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from wavebreak.cli.groups import eval_app, narratives_app


@eval_app.command("early-detection")
def eval_early_detection(
    seed: list[int] = typer.Option(
        [11, 12, 13], "--seed", help="Scenario seed (repeat for several). Thresholds were tuned on seed 7."
    ),
    scale: float = typer.Option(1.0, "--scale", help="Scenario scale (1.0 = ~200k posts / 36 h)."),
    embed: bool = typer.Option(
        False,
        "--embed/--no-embed",
        help="Use the USE-multilingual slow path for paraphrase/translation merges.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
) -> None:
    """Time to flag the false claim and incitement, false alarms/day, origin, amplifiers, coordination."""
    from wavebreak.narratives.eval import run_many

    figures = run_many(list(seed), scale=scale, embed=embed)
    if as_json:
        typer.echo(json.dumps(figures, default=str))
        return
    _render(figures)


def _render(figures: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    for r in figures["runs"]:
        t = Table(title=f"seed {r['seed']} scale {r['scale']}: {r['posts']} posts over {r['hours']} h")
        for col in (
            "true narrative",
            "posts",
            "alerted",
            "min after first",
            "share posts",
            "share accounts",
            "main recall",
            "main purity",
        ):
            t.add_column(col)
        for key, row in r["per_narrative"].items():
            t.add_row(
                key,
                str(row["posts"]),
                "yes" if row.get("alerted") else "no",
                str(row.get("minutes_after_first_post", "-")),
                str(row.get("share_of_final_posts_at_alert", "-")),
                str(row.get("share_of_final_accounts_at_alert", "-")),
                str(row.get("largest_narrative_recall", "-")),
                str(row.get("largest_narrative_purity", "-")),
            )
        con.print(t)
        con.print(
            f"false alarms/day {r['false_alarms_per_day']}  actors {r['actors']}  coordination {r['coordination']}"
        )
        con.print(f"narratives stage {r['narratives_posts_per_s']} posts/s; targets {r['targets']}")
    con.print(figures["aggregate"])


@narratives_app.command("show")
def show(
    nid: str = typer.Argument(..., help="Narrative id."),
    summary: Path = typer.Option(..., "--summary", help="A summary.json written by the demo/runner."),
    as_json: bool = typer.Option(False, "--json", help="Print the narrative record as JSON."),
) -> None:
    """Show one narrative (title, metrics, origin, amplifiers, bridges, coordination) from a summary.json."""
    data = json.loads(summary.read_text(encoding="utf-8"))
    rec = _find(data, nid)
    if rec is None:
        typer.echo(f"narrative {nid} not found in {summary}", err=True)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(rec, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    con = Console()
    con.print(
        f"[bold]{rec.get('id')}[/bold] {rec.get('title', '')}  status={rec.get('status')} risk={rec.get('risk')}"
    )
    m = rec.get("metrics", {})
    con.print({k: m.get(k) for k in ("posts", "accounts", "reach", "velocity", "refuting_share", "zscore")})
    con.print(
        f"alerted at {rec.get('alerted_at')} after {rec.get('posts_at_alert')} posts; factors {rec.get('risk_factors')}"
    )
    for title, rows, cols in (
        ("origin", rec.get("origin", []), ("post_id", "account_id", "at", "confidence")),
        (
            "amplifiers",
            rec.get("amplifiers", []),
            ("account_id", "handle", "followers", "contributed_reach", "is_bridge"),
        ),
        (
            "bridges",
            rec.get("bridges", []),
            ("account_id", "handle", "own_reach", "downstream_reach", "ratio"),
        ),
    ):
        t = Table(title=title)
        for c in cols:
            t.add_column(c)
        for row in rows:
            t.add_row(*(str(row.get(c, "")) for c in cols))
        con.print(t)
    for c in rec.get("coordination", []):
        con.print(f"coordination {c.get('id')}: {c.get('size')} accounts, score {c.get('score')}")


def _find(data: Any, nid: str) -> dict[str, Any] | None:
    """Find a narrative record by id anywhere in a summary.json (a list, or a dict of lists/records)."""
    if isinstance(data, dict):
        if data.get("id") == nid and "title" in data:
            return data
        for v in data.values():
            found = _find(v, nid)
            if found is not None:
                return found
    elif isinstance(data, list):
        for v in data:
            found = _find(v, nid)
            if found is not None:
                return found
    return None
