"""Entry point of the ``wavebreak`` command: imports every area's commands once."""

from __future__ import annotations

from wavebreak.cli import (  # noqa: F401  (imported for their command registrations)
    bench,
    claims,
    demo,
    ingest,
    narratives,
    policy,
    reports,
    review,
    serve,
    signals,
    simulate,
    stance,
    transparency,
)
from wavebreak.cli.groups import app

__all__ = ["app"]

if __name__ == "__main__":
    app()
