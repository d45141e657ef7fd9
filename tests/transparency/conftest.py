"""One small crisis store per test session: the demo scenario through the real pipeline (fast path)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from wavebreak.demo.run import run_demo
    from wavebreak.storage import open_storage

    out: Path = tmp_path_factory.mktemp("transparency_demo")
    run_demo(out, scale=0.02, quiet=True, slow_path=False)
    storage = open_storage(out / "wavebreak.db")
    yield storage
    storage.close()


@pytest.fixture(scope="session")
def demo_db(demo_store: Any) -> str:
    return str(demo_store.url)
