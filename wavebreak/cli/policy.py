"""CLI commands for policy, crisis mode, legal holds and refutations (registered on wavebreak.cli.groups).

- ``wavebreak policy validate FILE`` / ``wavebreak policy dry-run --pack NEW FILE --format FMT``;
- ``wavebreak crisis declare|propose|confirm|renew|end|list``;
- ``wavebreak hold add|end|list``; ``wavebreak refutation add|list``.

State-changing commands act on a store (``--db URL``) by appending an Event to
its log; the managers rebuild their state from that log, so the CLI, the API
and the pipeline always agree. Heavy imports live inside the commands.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from wavebreak.cli.groups import crisis_app, hold_app, policy_app, refutation_app

if TYPE_CHECKING:
    from wavebreak.storage.base import Storage

DB_HELP = "Store URL or SQLite path (default ./wavebreak.db)."


def _open(db: str | None) -> Storage:
    from wavebreak.storage import open_storage

    return open_storage(db)


def _when(at: str | None) -> datetime:
    if not at:
        return datetime.now(UTC)
    t = datetime.fromisoformat(at)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _dur(text: str | None) -> timedelta | None:
    from wavebreak.policy.pack import parse_duration

    return parse_duration(text) if text else None


def _split(values: list[str]) -> list[str]:
    return [v.strip() for x in values for v in x.split(",") if v.strip()]


def _append(storage: Storage, events: list[Any]) -> None:
    storage.append_events(events)


# --------------------------------------------------------------------------- policy


@policy_app.command("validate")
def validate(files: list[Path] = typer.Argument(..., help="Policy pack YAML files.")) -> None:
    """Validate packs; every problem is printed as FILE:LINE: message (exit 1 if any)."""
    from wavebreak.policy.pack import PolicyLoadError, load_pack

    bad = False
    for f in files:
        try:
            p = load_pack(f)
        except PolicyLoadError as exc:
            bad = True
            for prob in exc.problems:
                typer.echo(str(prob), err=True)
            continue
        counts = {t: len(r) for t, r in p.by_target.items() if r}
        typer.echo(f"{f}: OK {p.version_id}: {len(p.rules)} rules {counts}")
    raise typer.Exit(1 if bad else 0)


@policy_app.command("dry-run")
def dry_run_cmd(
    file: str = typer.Argument(..., help="Stream to replay."),
    pack: str = typer.Option(..., "--pack", help="Candidate pack (file path or shipped name)."),
    baseline: str = typer.Option("default", "--baseline", help="Pack to compare against."),
    fmt: str = typer.Option("jsonl", "--format", help="Input format (see `wavebreak ingest --help`)."),
    limit: int | None = typer.Option(None, "--limit", help="Stop after about this many posts."),
    slow_path: bool = typer.Option(False, "--embed/--no-embed", help="Run the embedding slow path upstream."),
    db: str | None = typer.Option(None, "--db", help="Read legal holds and crises from this store."),
    as_json: bool = typer.Option(False, "--json", help="Print the difference as one JSON object."),
) -> None:
    """Replay a stream against both packs and print what would change, per rule and surface."""
    from wavebreak.policy.dryrun import dry_run
    from wavebreak.policy.pack import PolicyLoadError

    holds = crises = None
    if db:
        from wavebreak.policy.crisis import CrisisManager
        from wavebreak.policy.holds import HoldRegistry

        st = _open(db)
        holds = HoldRegistry.from_events(st.iter_events(kinds=["hold.added", "hold.ended"]))
        crises = CrisisManager.from_events(st.iter_events(kinds=list(CRISIS_KINDS)))
        st.close()
    try:
        res = dry_run(
            pack, file, fmt, baseline=baseline, slow_path=slow_path, limit=limit, holds=holds, crises=crises
        )
    except PolicyLoadError as exc:
        for prob in exc.problems:
            typer.echo(str(prob), err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(res, default=str))
        return
    _render_diff(res)


def _render_diff(res: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    con.print(f"[bold]{res['baseline']}[/] → [bold]{res['new']}[/] over {res['posts']:,} posts")
    con.print(
        f"targets with a decision: {res['targets']['baseline']:,} → {res['targets']['new']:,}  "
        f"(added {res['added']:,}, removed {res['removed']:,}, changed {res['changed']:,})"
    )
    t = Table("rule", "baseline", "new", "delta", title="Targets per rule")
    for r, v in res["by_rule"].items():
        t.add_row(r, str(v["baseline"]), str(v["new"]), f"{v['delta']:+d}")
    con.print(t)
    t = Table("surface", "stricter", "looser", "restricted before", "restricted after", title="Per surface")
    for s, v in res["by_surface"].items():
        t.add_row(
            s, *(str(v.get(k, 0)) for k in ("stricter", "looser", "baseline_restricted", "new_restricted"))
        )
    con.print(t)
    for kind, exs in res["examples"].items():
        for e in exs:
            side = e["new"] or e["baseline"]
            con.print(f"[{kind}] {e['target_kind']} {e['target_id']}: {side['explanation'] if side else ''}")


# --------------------------------------------------------------------------- crisis

CRISIS_KINDS = ("crisis.proposed", "crisis.confirmed", "crisis.renewed", "crisis.ended")


def _crises(storage: Storage) -> Any:
    from wavebreak.policy.crisis import CrisisManager

    return CrisisManager.from_events(storage.iter_events(kinds=list(CRISIS_KINDS)))


@crisis_app.command("declare")
def crisis_declare(
    title: str = typer.Argument(..., help="What the crisis is (e.g. 'Southport attack and riots')."),
    by: str = typer.Option(..., "--by", help="Who declares it (recorded)."),
    term: list[str] = typer.Option([], "--term", help="Scope term (repeat or comma-separate)."),
    region: list[str] = typer.Option([], "--region", help="Scope region code (e.g. GB)."),
    lang: list[str] = typer.Option([], "--lang", help="Scope language code (e.g. en)."),
    duration: str = typer.Option("7d", "--duration", help="e.g. 72h, 7d; at most 90d, renewable."),
    at: str | None = typer.Option(None, "--at", help="ISO time (default now)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """A person declares a crisis: proposed and confirmed at once, active until it expires."""
    st = _open(db)
    m = _crises(st)
    c, evs = m.declare(title, _when(at), by, _split(term), _split(region), _split(lang), _dur(duration))
    _append(st, evs)
    st.close()
    typer.echo(f"{c.id} active until {c.expires_at.isoformat()}")


@crisis_app.command("propose")
def crisis_propose(
    title: str = typer.Argument(...),
    by: str = typer.Option("wavebreak", "--by"),
    term: list[str] = typer.Option([], "--term"),
    region: list[str] = typer.Option([], "--region"),
    lang: list[str] = typer.Option([], "--lang"),
    duration: str = typer.Option("7d", "--duration"),
    at: str | None = typer.Option(None, "--at"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Propose a crisis for a duty officer to confirm (inactive until confirmed)."""
    st = _open(db)
    m = _crises(st)
    c, ev = m.propose(title, _when(at), _split(term), _split(region), _split(lang), _dur(duration), by=by)
    _append(st, [ev])
    st.close()
    typer.echo(f"{c.id} proposed; confirm with `wavebreak crisis confirm {c.id} --by NAME`")


def _crisis_step(db: str | None, crisis_id: str, fn: str, **kw: Any) -> None:
    st = _open(db)
    m = _crises(st)
    if m.get(crisis_id) is None:
        st.close()
        typer.echo(f"no crisis {crisis_id}", err=True)
        raise typer.Exit(1)
    try:
        ev = getattr(m, fn)(crisis_id, **kw)
    except ValueError as exc:
        st.close()
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    _append(st, [ev])
    st.close()
    typer.echo(f"{ev.kind} {crisis_id}")


@crisis_app.command("confirm")
def crisis_confirm(
    crisis_id: str,
    by: str = typer.Option(..., "--by"),
    at: str | None = typer.Option(None, "--at"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """A person confirms a proposed crisis."""
    _crisis_step(db, crisis_id, "confirm", by=by, at=_when(at))


@crisis_app.command("renew")
def crisis_renew(
    crisis_id: str,
    by: str = typer.Option(..., "--by"),
    duration: str = typer.Option("7d", "--duration", help="From now; at most 90d."),
    at: str | None = typer.Option(None, "--at"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Extend a crisis (at most 3 months from the renewal)."""
    _crisis_step(db, crisis_id, "renew", by=by, at=_when(at), duration=_dur(duration))


@crisis_app.command("end")
def crisis_end(
    crisis_id: str,
    by: str = typer.Option(..., "--by"),
    reason: str = typer.Option("ended", "--reason"),
    at: str | None = typer.Option(None, "--at"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """End a crisis now."""
    _crisis_step(db, crisis_id, "end", by=by, at=_when(at), reason=reason)


@crisis_app.command("list")
def crisis_list(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every crisis in the log with its state."""
    from wavebreak.policy.crisis import crisis_payload

    st = _open(db)
    rows = [crisis_payload(c) for c in _crises(st).all()]
    st.close()
    if as_json:
        typer.echo(json.dumps(rows))
        return
    now = datetime.now(UTC)
    for r in rows:
        state = "ended" if r["ended_at"] else ("proposed" if not r["confirmed"] else "declared")
        if r["confirmed"] and not r["ended_at"] and datetime.fromisoformat(r["expires_at"]) <= now:
            state = "expired"
        typer.echo(f"{r['id']}  {state:9}  until {r['expires_at']}  {r['title']}  terms={r['terms']}")


# --------------------------------------------------------------------------- holds


@hold_app.command("add")
def hold_add(
    title: str = typer.Argument(..., help="The order (e.g. 'Liverpool Crown Court s.45 order')."),
    term: list[str] = typer.Option(..., "--term", help="Protected term (repeat); variants are matched."),
    jurisdiction: list[str] = typer.Option(
        ..., "--jurisdiction", help="Region code where items are withheld."
    ),
    legal_basis: str = typer.Option(..., "--legal-basis"),
    hold_id: str | None = typer.Option(None, "--id"),
    start: str | None = typer.Option(None, "--start"),
    end: str | None = typer.Option(None, "--end"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Register a legal hold (appends ``hold.added``)."""
    from wavebreak.core.records import LegalHold
    from wavebreak.policy.holds import HoldRegistry

    st = _open(db)
    reg = HoldRegistry.from_events(st.iter_events(kinds=["hold.added", "hold.ended"]))
    hid = hold_id or f"hold-{len(reg) + 1:04d}"
    hold = LegalHold(
        hid,
        title,
        tuple(_split(term)),
        tuple(j.upper() for j in _split(jurisdiction)),
        legal_basis,
        _when(start),
        _when(end) if end else None,
    )
    try:
        ev = reg.add(hold)
    except ValueError as exc:
        st.close()
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    _append(st, [ev])
    st.close()
    typer.echo(f"{hid} added: {len(hold.terms)} terms, jurisdictions {', '.join(hold.jurisdictions)}")


@hold_app.command("end")
def hold_end(
    hold_id: str,
    at: str | None = typer.Option(None, "--at"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Lift a legal hold (appends ``hold.ended``)."""
    from wavebreak.policy.holds import HoldRegistry

    st = _open(db)
    reg = HoldRegistry.from_events(st.iter_events(kinds=["hold.added", "hold.ended"]))
    if reg.get(hold_id) is None:
        st.close()
        typer.echo(f"no hold {hold_id}", err=True)
        raise typer.Exit(1)
    _append(st, [reg.end(hold_id, _when(at))])
    st.close()
    typer.echo(f"{hold_id} ended")


@hold_app.command("list")
def hold_list(
    db: str | None = typer.Option(None, "--db", help=DB_HELP), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Every legal hold in the log."""
    from wavebreak.policy.holds import HoldRegistry, hold_payload

    st = _open(db)
    rows = [
        hold_payload(h)
        for h in HoldRegistry.from_events(st.iter_events(kinds=["hold.added", "hold.ended"])).all()
    ]
    st.close()
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        typer.echo(
            f"{r['id']}  {r['title']}  in {','.join(r['jurisdictions'])}  {len(r['terms'])} terms  "
            f"{r['starts_at']} → {r['ends_at'] or 'open'}  ({r['legal_basis']})"
        )


# --------------------------------------------------------------------------- refutations


@refutation_app.command("add")
def refutation_add(
    text: str = typer.Argument(..., help="The statement's text."),
    source: str = typer.Option(..., "--source", help="Who said it (e.g. 'Merseyside Police')."),
    claim: str = typer.Option("", "--claim", help="The false claim it refutes, in one line."),
    url: str = typer.Option("", "--url"),
    lang: str = typer.Option("en", "--lang"),
    statement_id: str | None = typer.Option(None, "--id"),
    at: str | None = typer.Option(None, "--at"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Register an authority statement or fact-check (appends ``refutation.added``)."""
    from wavebreak.core.records import AuthorityStatement
    from wavebreak.policy.refutations import statement_payload

    st = _open(db)
    n = sum(1 for _ in st.iter_events(kinds=["refutation.added"]))
    s = AuthorityStatement(statement_id or f"st-{n + 1:04d}", _when(at), source, text, lang, claim, url)
    from wavebreak.core.records import Event

    _append(st, [Event("refutation.added", s.at, s.id, statement_payload(s), actor=source)])
    st.close()
    typer.echo(f"{s.id} added ({source})")


@refutation_app.command("list")
def refutation_list(
    db: str | None = typer.Option(None, "--db", help=DB_HELP), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Every authority statement in the log."""
    st = _open(db)
    rows = [e.payload for e in st.iter_events(kinds=["refutation.added"])]
    st.close()
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        typer.echo(f"{r['id']}  {r['at']}  {r['source']}: {(r.get('claim') or r['text'])[:100]}")


@policy_app.command("bench-gate")
def bench_gate_cmd(
    posts: int = typer.Option(20_000, "--posts"),
    calls: int = typer.Option(200, "--calls"),
    batch: int = typer.Option(100, "--batch"),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
) -> None:
    """Latency of Gate.decide for 100-item batches on a SQLite store (cold = first sight, warm = cached)."""
    from wavebreak.policy.bench import bench_gate

    res = bench_gate(posts, calls, batch)
    if as_json:
        typer.echo(json.dumps(res))
        return
    typer.echo(
        f"{res['calls']} calls x {res['batch']} items over {res['posts']:,} posts ({res['backend']}): "
        f"cold p50 {res['cold']['p50_ms']} ms p99 {res['cold']['p99_ms']} ms; "
        f"warm p50 {res['warm']['p50_ms']} ms p99 {res['warm']['p99_ms']} ms"
    )
