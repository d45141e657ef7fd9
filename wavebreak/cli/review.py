"""CLI commands for review (registered on wavebreak.cli.groups) and the ``console`` group."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

from wavebreak.cli.groups import app, review_app

console_app = typer.Typer(
    help="The human-review web console (queue, cases, appeals, metrics). Without a subcommand: serve it.",
    invoke_without_command=True,
)
app.add_typer(console_app, name="console")

DbOpt = typer.Option(None, "--db", help="Store URL or SQLite path (default ./wavebreak.db).")


@console_app.callback()
def console_serve(
    ctx: typer.Context,
    db: str = DbOpt,
    host: str = typer.Option("127.0.0.1", help="Interface to bind (keep it local behind a proxy)."),
    port: int = typer.Option(8600, help="Port to listen on."),
    clock: str = typer.Option(
        "wall", help="'wall' (live) or 'log' (latest event time, for replayed stores)."
    ),
    sla: Path = typer.Option(None, help="SLA YAML overriding the defaults (see docs/review.md)."),
) -> None:
    """Serve the console alone (the lead can also mount it under /console in the API)."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from wavebreak.console.app import create_console_app
    from wavebreak.review.sla import SlaPolicy
    from wavebreak.storage import open_storage

    storage = open_storage(db)
    uvicorn.run(create_console_app(storage, clock=clock, sla=SlaPolicy.load(sla)), host=host, port=port)


@console_app.command("adduser")
def console_adduser(
    name: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(..., "--role", help="reviewer, lead, admin, auditor or flagger."),
    db: str = DbOpt,
    flagger_id: str = typer.Option(None, help="For role flagger: the notifier id its notices carry."),
    password_stdin: bool = typer.Option(False, help="Read the password from stdin instead of prompting."),
) -> None:
    """Create (or update) a console user; the scrypt hash is stored as a ``user.created`` event."""
    from wavebreak.console.auth import add_user
    from wavebreak.storage import open_storage

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = os.environ.get("WAVEBREAK_CONSOLE_PASSWORD") or typer.prompt(
            "Password", hide_input=True, confirmation_prompt=True
        )
    storage = open_storage(db)
    try:
        add_user(storage, name, role, password, flagger_id)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        storage.close()
    typer.echo(f"user {name} ({role}) created")


@review_app.command("queue")
def review_queue(
    db: str = DbOpt,
    limit: int = typer.Option(20, help="Rows to show."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as one JSON list."),
) -> None:
    """The queue in expected-harm order, with each case's priority factors."""
    from wavebreak.review.api import queue_item_dict
    from wavebreak.review.desk import ReviewDesk
    from wavebreak.storage import open_storage

    desk = ReviewDesk(open_storage(db))
    rows = [queue_item_dict(q) for q in desk.queue()[:limit]]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        f = r["priority_factors"]
        typer.echo(
            f"{r['case_id']}  {r['priority']:6.2f}  {r['sla']:9s}  {r['subject_kind']} {r['subject_id']}  "
            f"{','.join(r['sources'])}  reach={f['reach']} vel={f['velocity']} sev={f['severity']} "
            f"ill={f['illegality']} w={f['notifier_weight']}"
        )


@review_app.command("metrics")
def review_metrics(
    db: str = DbOpt, as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout.")
) -> None:
    """Time to first action by source, backlog, SLA breaches, throughput, appeals."""
    from wavebreak.review.desk import ReviewDesk
    from wavebreak.storage import open_storage

    m = ReviewDesk(open_storage(db)).metrics()
    typer.echo(json.dumps(m) if as_json else json.dumps(m, indent=2))


@review_app.command("export-labels")
def review_export_labels(
    out: Path = typer.Option(..., "--out", help="JSON lines file to write."), db: str = DbOpt
) -> None:
    """Reviewer decisions as labelled data (one row per reported post; appeals applied)."""
    from wavebreak.review.desk import ReviewDesk
    from wavebreak.storage import open_storage

    n = ReviewDesk(open_storage(db)).export_labels(out)
    typer.echo(f"wrote {n} labelled rows to {out}")
