"""The HTTP API (FastAPI): gate, trends vetting, decisions, narratives, ingest, crises, holds, refutations.

Public entry points::

    create_app(storage=None, *, pack=None, score_raw=True, slow_path=False, background=True) -> FastAPI
    LiveIndex(storage)                      # in-memory projection of the log the gate reads
    create_key(storage, scopes, name="", actor="cli") -> (plaintext, ApiKey)

FastAPI is imported only when :func:`create_app` is used (``wavebreak --help`` stays instant).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(storage: Any = None, **kwargs: Any) -> FastAPI:
    """Build the API app over a store; see :func:`wavebreak.api.app.create_app`."""
    from wavebreak.api.app import create_app as _create

    return _create(storage, **kwargs)


__all__ = ["create_app"]
