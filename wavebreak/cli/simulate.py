"""CLI commands for simulate (registered on wavebreak.cli.groups).

``wavebreak simulate --policy default --vs none [--seeds N] [--scale X] [--out DIR] [--json]``
runs the counterfactual diffusion simulator; ``wavebreak simulate sweep`` draws the
harm-prevented vs collateral curve as the pack's thresholds move.
"""

from __future__ import annotations

from pathlib import Path

import typer

from wavebreak.cli.groups import app

simulate_app = typer.Typer(
    help="Counterfactual diffusion simulator: what a policy changes in a viral wave (see docs/simulate.md).",
    invoke_without_command=True,
)
app.add_typer(simulate_app, name="simulate")


def _params(team: str) -> object:
    from wavebreak.core import constants as C
    from wavebreak.simulate.engine import SimParams

    if team not in C.SIM_REVIEWERS:
        raise typer.BadParameter(f"--team must be one of {sorted(C.SIM_REVIEWERS)}")
    return SimParams(reviewers=C.SIM_REVIEWERS[team])


def _emit(result: dict, as_json: bool, summary: str) -> None:
    import orjson

    if as_json:
        typer.echo(orjson.dumps(result, option=orjson.OPT_SERIALIZE_NUMPY).decode())
    else:
        typer.echo(summary)


@simulate_app.callback()
def simulate(
    ctx: typer.Context,
    policy: str = typer.Option("default", "--policy", help="none, default, or a policy pack YAML path."),
    vs: str = typer.Option("none", "--vs", help="The arm to compare against (none, default or a path)."),
    seeds: int = typer.Option(1, "--seeds", min=1, help="Seeds to run; 3+ gives 95% CIs."),
    seed: int = typer.Option(7, "--seed", help="First seed."),
    scale: float = typer.Option(0.1, "--scale", min=0.01, help="Scenario scale (1.0 = ~50k accounts)."),
    hours: float = typer.Option(36.0, "--hours", min=1.0, help="Story length in hours."),
    team: str = typer.Option("small", "--team", help="Review team size: small or large."),
    fast: bool = typer.Option(False, "--fast", help="Pipeline without the embedding slow path (quicker)."),
    out: Path | None = typer.Option(None, "--out", help="Write simulate.json and simulate.html here."),
    as_json: bool = typer.Option(False, "--json", help="Print every figure as one JSON object on stdout."),
) -> None:
    """Run POLICY against VS on the same worlds and report exposures, collateral and targets."""
    if ctx.invoked_subcommand is not None:
        return
    from wavebreak.simulate.report import comparison_html, write
    from wavebreak.simulate.run import compare

    result = compare(
        policy,
        vs,
        seeds=seeds,
        first_seed=seed,
        scale=scale,
        hours=hours,
        slow_path=not fast,
        params=_params(team),  # type: ignore[arg-type]
    )
    if out is not None:
        write(out, "simulate", result, comparison_html(result))
    lines = [f"{policy} vs {vs}, seeds {result['seeds']}, scale {scale}"]
    for name, t in result["aggregate"]["targets"].items():
        ci = t.get("ci95")
        ci_txt = f" 95% CI [{ci[0]}, {ci[1]}]" if ci else ""
        lines.append(
            f"  {name}: {t['measured']}{ci_txt} (target {t['target']}) {'met' if t['met'] else 'MISSED'}"
        )
    if out is not None:
        lines.append(f"wrote {out / 'simulate.json'} and {out / 'simulate.html'}")
    _emit(result, as_json, "\n".join(lines))


@simulate_app.command("sweep")
def sweep_cmd(
    policy: str = typer.Option("default", "--policy", help="Pack whose named thresholds are scaled."),
    factors: str = typer.Option("0.6,0.8,1.0,1.2,1.4", "--factors", help="Comma-separated multipliers."),
    seeds: int = typer.Option(1, "--seeds", min=1),
    seed: int = typer.Option(7, "--seed"),
    scale: float = typer.Option(0.05, "--scale", min=0.01),
    hours: float = typer.Option(36.0, "--hours", min=1.0),
    team: str = typer.Option("small", "--team"),
    fast: bool = typer.Option(False, "--fast"),
    out: Path | None = typer.Option(None, "--out", help="Write sweep.json and sweep.html here."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Harm prevented against collateral as the pack's thresholds are scaled (lower factor = stricter)."""
    from wavebreak.simulate.report import sweep_html, write
    from wavebreak.simulate.run import sweep

    fs = [float(x) for x in factors.split(",") if x.strip()]
    result = sweep(
        policy,
        factors=fs,
        seeds=seeds,
        first_seed=seed,
        scale=scale,
        hours=hours,
        slow_path=not fast,
        params=_params(team),  # type: ignore[arg-type]
    )
    if out is not None:
        write(out, "sweep", result, sweep_html(result))
    lines = ["factor  harm_prevented_total  benign_restricted_share"]
    for p in result["points"]:
        lines.append(
            f"x{p['factor']:<6g} {p['harm_prevented_total']['mean']!s:>20} {p['benign_restricted_share']['mean']!s:>24}"
        )
    _emit(result, as_json, "\n".join(lines))
