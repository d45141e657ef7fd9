"""``wavebreak serve`` (the HTTP API) and ``wavebreak apikey create|list|revoke``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from wavebreak.cli.groups import app

apikey_app = typer.Typer(help="API keys with scopes for the HTTP API (stored hashed, in the event log).")
app.add_typer(apikey_app, name="apikey")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Storage URL or SQLite path (default ./wavebreak.db; postgresql://... works)."),
]


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option(help="Interface to bind (keep 127.0.0.1 behind a proxy).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    pack: Annotated[Path | None, typer.Option(help="Policy pack for ingest and on-the-fly scoring.")] = None,
    slow_path: Annotated[
        bool, typer.Option(help="Run multilingual embeddings in the ingest pipeline (slower start).")
    ] = False,
    score_raw: Annotated[
        bool, typer.Option(help="Score raw posts sent to /v1/gate with the signals fast path.")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes. Each folds the log into its own index (gate answers agree within "
            "half a second). Keep 1 if this server also ingests: each worker would cluster narratives "
            "on its share of the posts only.",
        ),
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Run the HTTP API (gate, trends vetting, decisions, narratives, ingest, crises, holds, refutations).

    OpenAPI docs at /docs. Every endpoint but /healthz and the docs needs a key: create one with
    `wavebreak apikey create --scope gate:read`.
    """
    import uvicorn

    from wavebreak.api.app import create_app
    from wavebreak.api.keys import load_keys
    from wavebreak.storage import open_storage

    storage = open_storage(db)
    if load_keys(storage).active_count() == 0:
        typer.echo(
            "warning: no API key exists in this store; every endpoint but /healthz will answer 401. "
            "Create one: wavebreak apikey create --scope admin" + (f" --db {db}" if db else ""),
            err=True,
        )
    typer.echo(f"Wavebreak API on http://{host}:{port} (docs: /docs) over {storage.url}", err=True)
    if workers > 1:
        import os

        os.environ.update(
            WAVEBREAK_DB=str(storage.url),
            WAVEBREAK_PACK=str(pack or ""),
            WAVEBREAK_SCORE_RAW="1" if score_raw else "0",
            WAVEBREAK_SLOW_PATH="1" if slow_path else "0",
        )
        storage.close()
        uvicorn.run(
            "wavebreak.api.app:app_from_env",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
        )
        return
    api = create_app(storage, pack=pack, score_raw=score_raw, slow_path=slow_path)
    uvicorn.run(api, host=host, port=port, log_level=log_level, access_log=False)


@apikey_app.command("create")
def apikey_create(
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            "-s",
            help="Repeat or comma-separate: gate:read, decisions:read, narratives:read, ingest:write, "
            "crisis:read, crisis:write, holds:read, holds:write, refutations:read, refutations:write, admin.",
        ),
    ],
    name: Annotated[str, typer.Option(help="A label (who or what uses the key).")] = "",
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print {id, key, scopes} as JSON.")] = False,
) -> None:
    """Create a key and print it ONCE (only its salted hash is stored)."""
    from wavebreak.api.keys import create_key
    from wavebreak.storage import open_storage

    scopes = [s for item in scope for s in item.split(",")]
    storage = open_storage(db)
    try:
        plain, key = create_key(storage, scopes, name=name, actor="cli")
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--scope") from None
    if json_out:
        typer.echo(json.dumps({"id": key.id, "key": plain, "scopes": key.granted, "name": key.name}))
        return
    typer.echo(plain)
    typer.echo(
        f"key id {key.id}, scopes {', '.join(key.granted)}. Store it now: it is not shown again.", err=True
    )


@apikey_app.command("list")
def apikey_list(
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List keys (id, name, scopes, created, revoked); secrets are never shown."""
    from wavebreak.api.keys import load_keys
    from wavebreak.storage import open_storage

    keys = [k.public() for k in load_keys(open_storage(db)).all()]
    if json_out:
        typer.echo(json.dumps(keys))
        return
    if not keys:
        typer.echo("no keys", err=True)
    for k in keys:
        state = f"revoked {k['revoked_at']}" if k["revoked_at"] else "active"
        typer.echo(f"{k['id']}  {state:<10}  {','.join(k['scopes'])}  {k['name']}  created {k['created_at']}")


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (the part after 'wbk_').")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the event log).")] = "",
    db: DbOption = None,
) -> None:
    """Revoke a key: a running server refuses it within about half a second."""
    from wavebreak.api.keys import revoke_key
    from wavebreak.storage import open_storage

    if not revoke_key(open_storage(db), key_id, actor="cli", reason=reason):
        typer.echo(f"no active key {key_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}", err=True)
