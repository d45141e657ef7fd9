"""Fixtures: a fresh store per test on SQLite (file in tmp_path) and, for tests marked
``service``, on a throw-away PostgreSQL database created for the run and dropped after."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from wavebreak.core.records import Action, Decision, Grounds, Post, Surface
from wavebreak.storage.sql import SqlStorage

PG_ADMIN_URL = os.environ.get("WAVEBREAK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
"""Server used by ``-m service`` tests (trust auth); override with WAVEBREAK_TEST_PG_URL."""

T0 = datetime(2024, 7, 29, 11, 47, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL for this run (dropped at the end), or skip."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # server absent, auth refused...
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    name = f"wavebreak_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _truncate_pg(url: str) -> None:
    store = SqlStorage(url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "TRUNCATE accounts, posts, signals, quarantine, narratives, narrative_points, "
            "post_narratives, events, anchors, decisions"
        )
        conn.exec_driver_sql("UPDATE chain_head SET seq = 0, hash = repeat('0', 64) WHERE id = 1")
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """URL of an empty, migrated store on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    url = request.getfixturevalue("pg_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStorage]:
    s = SqlStorage(store_url)
    yield s
    s.close()


def make_post(i: int, **kw) -> Post:
    base = {
        "id": f"demo:{i}",
        "platform": "demo",
        "author_id": f"demo:a{i % 3}",
        "created_at": T0 + timedelta(minutes=i),
        "text": f"post {i}",
    }
    base.update(kw)
    return Post(**base)


def make_decision(i: int, target: str, **kw) -> Decision:
    base = {
        "id": f"dec-{i}",
        "at": T0 + timedelta(minutes=i),
        "target_kind": "post",
        "target_id": target,
        "actions": {Surface.TRENDS: Action.EXCLUDE, Surface.RECOMMENDATIONS: Action.DEMOTE},
        "rule_id": "identity-attribution-unverified",
        "grounds": Grounds("hateful-conduct", legal_basis="OSA 2023 s.10", illegal=False),
        "facts": {"identity_claim": 0.91, "terms": ("asylum", "boat"), "seen_at": T0},
        "item_action": Action.LABEL,
    }
    base.update(kw)
    return Decision(**base)
