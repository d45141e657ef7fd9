"""Typer apps shared by every CLI module, so each area adds its own commands.

Area modules (``wavebreak/cli/<area>.py``) import these groups and decorate
commands onto them; ``main.py`` imports every area module once. Heavy imports
(scikit-learn, FastAPI, matplotlib) belong inside command functions so that
``wavebreak --help`` stays instant.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="wavebreak",
    help=(
        "Wavebreak keeps false and hateful viral waves from being amplified by a platform's own "
        "machinery (trends, search, recommendations, notifications), with every decision explained.\n\n"
        "Start with `wavebreak demo`: it generates a Southport-like crisis stream, replays it through "
        "the whole pipeline on an embedded SQLite store and writes summary.json and report.html."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

eval_app = typer.Typer(
    help="Measure detection quality on data the models were not tuned on.", no_args_is_help=True
)
train_app = typer.Typer(help="Rebuild the shipped model files from the public corpora.", no_args_is_help=True)
report_app = typer.Typer(help="Transparency, narrative and investigation reports.", no_args_is_help=True)
export_app = typer.Typer(help="Export statements of reasons and research data.", no_args_is_help=True)
audit_app = typer.Typer(help="Verify the tamper-evident moderation event log.", no_args_is_help=True)
narratives_app = typer.Typer(help="Inspect narratives detected in a store.", no_args_is_help=True)
crisis_app = typer.Typer(help="Declare, confirm, renew and end crisis mode.", no_args_is_help=True)
hold_app = typer.Typer(help="Legal holds: court orders and statutory restrictions.", no_args_is_help=True)
refutation_app = typer.Typer(
    help="Authority statements and fact-checks narratives are matched against.", no_args_is_help=True
)
policy_app = typer.Typer(help="Validate policy packs and dry-run policy changes.", no_args_is_help=True)
review_app = typer.Typer(help="Human review: reports, cases, the queue and appeals.", no_args_is_help=True)

app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.add_typer(report_app, name="report")
app.add_typer(export_app, name="export")
app.add_typer(audit_app, name="audit")
app.add_typer(narratives_app, name="narratives")
app.add_typer(crisis_app, name="crisis")
app.add_typer(hold_app, name="hold")
app.add_typer(refutation_app, name="refutation")
app.add_typer(policy_app, name="policy")
app.add_typer(review_app, name="review")
