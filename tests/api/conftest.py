"""Fixtures: a tmp store (see helpers.build_store), keys of several scopes, a TestClient."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import build_store


@pytest.fixture()
def store(tmp_path: Path) -> Any:
    s = build_store(tmp_path / "api.db")
    yield s
    s.close()


@pytest.fixture()
def keys(store: Any) -> dict[str, str]:
    from wavebreak.api.keys import create_key

    out = {}
    for name, scopes in {
        "admin": ["admin"],
        "gate": ["gate:read"],
        "decisions": ["decisions:read"],
        "ingest": ["ingest:write"],
        "crisis": ["crisis:write"],
        "revoked": ["admin"],
    }.items():
        plain, _ = create_key(store, scopes, name=name, actor="test")
        out[name] = plain
    return out


@pytest.fixture()
def client(store: Any, keys: dict[str, str]) -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    from wavebreak.api.app import create_app

    app = create_app(store, background=False, score_raw=False)
    with TestClient(app) as c:
        yield c
