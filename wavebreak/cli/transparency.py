"""CLI commands for transparency (registered on wavebreak.cli.groups)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from wavebreak.cli.groups import audit_app


@audit_app.command("verify")
def audit_verify(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Storage URL or SQLite path (default: ./wavebreak.db)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Recompute the hash chain of the moderation event log and check it against its anchors.

    Exits 1 and names the first broken link (edited, deleted, reordered event or a bad anchor).
    """
    from pathlib import Path

    from wavebreak.decisions.audit import verify_chain
    from wavebreak.storage import DEFAULT_DB, open_storage

    target = db or DEFAULT_DB
    if "://" not in target and not Path(target).exists():
        typer.echo(f"no store at {target}: pass --db URL or run the pipeline first", err=True)
        raise typer.Exit(2)
    # migrate=False: verifying must never alter the database it verifies.
    storage = open_storage(target, migrate=False)
    try:
        result = verify_chain(storage)
        anchor = storage.latest_anchor()
    finally:
        storage.close()
    if as_json:
        typer.echo(json.dumps({**result.as_dict(), "latest_anchor": anchor or None}))
    elif result.ok:
        typer.echo(f"OK: {result.reason}")
        if anchor:
            typer.echo(f"latest anchor: seq {anchor['seq']} sha256 {anchor['hash']} at {anchor['at']}")
        typer.echo(f"head: seq {result.head_seq} sha256 {result.head_hash}")
    else:
        typer.echo(f"BROKEN at seq {result.first_broken_seq}: {result.reason}", err=True)
        typer.echo(f"{result.checked} events verified before the break", err=True)
    if not result.ok:
        raise typer.Exit(1)
