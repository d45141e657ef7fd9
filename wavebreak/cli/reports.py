"""CLI commands for transparency: statements of reasons, reports, why, research export."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from wavebreak.cli.groups import app, export_app, report_app

DbOpt = Annotated[
    str | None, typer.Option("--db", help="Storage URL or SQLite path (default: ./wavebreak.db).")
]


def _open(db: str | None) -> Any:
    from wavebreak.storage import DEFAULT_DB, open_storage

    target = db or DEFAULT_DB
    if "://" not in target and not Path(target).exists():
        typer.echo(f"no store at {target}: pass --db URL or run the pipeline first", err=True)
        raise typer.Exit(2)
    return open_storage(target, migrate=False)


def _date(value: str) -> datetime:
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d


@export_app.command("sor")
def export_sor(
    db: DbOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write statements as JSONL here.")] = None,
    submit: Annotated[str | None, typer.Option("--submit", help="Base URL of the DSA database API.")] = None,
    token: Annotated[str | None, typer.Option("--token", help="API token (Bearer).")] = None,
    ledger: Annotated[
        Path | None,
        typer.Option("--ledger", help="JSONL ledger of accepted puids (default: <out>.ledger.jsonl)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print counts as one JSON object.")] = False,
) -> None:
    """Build a DSA statement of reasons for every restrictive decision, validate each, export/submit.

    Exits 1 if any statement fails validation (nothing is submitted then) or any batch is rejected.
    """
    from wavebreak.transparency.sor import build_statements

    storage = _open(db)
    try:
        built = build_statements(storage)
    finally:
        storage.close()
    invalid = built.invalid()
    result: dict[str, Any] = {
        "decisions_stated": built.decisions,
        "statements": len(built.statements),
        "invalid": len(invalid),
        "skipped": len(built.skipped),
        "skipped_reasons": sorted({s["reason"] for s in built.skipped})[:10],
    }
    if invalid:
        result["invalid_examples"] = [{"puid": p, "errors": e} for p, e in invalid[:5]]
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            for s in built.statements:
                fh.write(json.dumps(s, ensure_ascii=False) + "\n")
        result["out"] = str(out)
    code = 1 if invalid else 0
    if submit and not invalid:
        from wavebreak.transparency.sor_client import SorClient

        if not token:
            typer.echo("--submit needs --token", err=True)
            raise typer.Exit(2)
        led = ledger or (out.with_suffix(".ledger.jsonl") if out else Path("sor.ledger.jsonl"))
        res = SorClient(submit, token, led).submit(built.statements)
        result["submission"] = res.as_dict()
        result["ledger"] = str(led)
        if res.rejected:
            code = 1
    if as_json:
        typer.echo(json.dumps(result, default=str))
    else:
        for k, v in result.items():
            typer.echo(f"{k}: {v}")
    if code:
        raise typer.Exit(code)


@report_app.command("transparency")
def report_transparency(
    date_from: Annotated[str, typer.Option("--from", help="Start date (inclusive), YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", help="End date (exclusive), YYYY-MM-DD.")],
    db: DbOpt = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for CSV sheets and index.html.")] = Path(
        "transparency-report"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object.")] = False,
) -> None:
    """EU harmonised-template and UK OSA-style transparency figures, computed from the event log."""
    from wavebreak.transparency.reports import report_from_storage, write_report

    storage = _open(db)
    try:
        rep = report_from_storage(storage, _date(date_from), _date(date_to))
    finally:
        storage.close()
    paths = write_report(rep, out)
    if as_json:
        typer.echo(json.dumps(rep, default=str))
    else:
        typer.echo(
            f"{rep['notices_total']} notices, {rep['own_initiative_total']} own-initiative measures "
            f"({rep['own_initiative_solely_automated']} solely automated), "
            f"{rep['complaints_art20']['received']} complaints; wrote {len(paths)} files to {out}"
        )


@report_app.command("narrative")
def report_narrative(
    narrative_id: Annotated[str, typer.Argument(help="Narrative id (see `wavebreak narratives list`).")],
    db: DbOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML file (default: narrative-<ID>.html).")
    ] = None,
) -> None:
    """Investigation report on one narrative: claim, refutation, timeline, cascade, amplifiers, actions."""
    from wavebreak.transparency.narrative_report import render_narrative_report

    storage = _open(db)
    try:
        path = render_narrative_report(storage, narrative_id, out or Path(f"narrative-{narrative_id}.html"))
    except KeyError as exc:
        typer.echo(str(exc.args[0]), err=True)
        raise typer.Exit(2) from None
    finally:
        storage.close()
    typer.echo(f"wrote {path}")


@export_app.command("research")
def export_research_cmd(
    out: Annotated[Path, typer.Option("--out", help="Output directory.")],
    db: DbOpt = None,
) -> None:
    """Aggregated, pseudonymised narratives/actions/accounts tables (CSV + Parquet) with a data dictionary."""
    from wavebreak.transparency.research import export_research

    storage = _open(db)
    try:
        res = export_research(storage, out)
    finally:
        storage.close()
    typer.echo(json.dumps(res["counts"]))
    typer.echo(f"wrote {len(res['files'])} files to {out}")


@app.command("why")
def why(
    item: Annotated[str, typer.Argument(help="Post id, or a term with --trend.")],
    db: DbOpt = None,
    surface: Annotated[str | None, typer.Option("--surface", help="One surface (default: all).")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Viewer country code, e.g. GB.")] = None,
    trend: Annotated[bool, typer.Option("--trend", help="Explain a trend term instead of an item.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full explanation as JSON.")] = False,
) -> None:
    """Why an item or trend is shown, demoted, excluded or withheld: rule, facts, signals, who decided."""
    from wavebreak.transparency.why import explain_item, explain_trend

    storage = _open(db)
    try:
        res = explain_trend(storage, item, region) if trend else explain_item(storage, item, surface, region)
    finally:
        storage.close()
    if as_json:
        typer.echo(json.dumps(res, default=str))
        return
    typer.echo(res["summary"])
    decs = [res["decision"]] if trend and res.get("decision") else res.get("decisions", [])
    for d in decs:
        typer.echo(f"- decision {d['decision_id']} ({d['decided']}, {d['at']}): {d['policy']}")
        for line in d["because"]:
            typer.echo(f"    because {line}")
