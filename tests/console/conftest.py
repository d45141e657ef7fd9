"""A console served over a tiny replayed store, for browser and HTTP tests.

The store: a scale-0.02 scenario through the fast pipeline (no slow path), the
simulated notices (users, a trusted flagger, an authority unit), and console users of
every role. Served by uvicorn in a background thread on a free local port.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "correct-horse-1"
USERS = {
    "alice": "reviewer",
    "bob": "reviewer",
    "lena": "lead",
    "audrey": "auditor",
    "hatewatch": "flagger",
    "otherorg": "flagger",
}


@dataclass
class Served:
    url: str
    storage: Any
    app: Any
    scenario: Any
    password: str = PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def console_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    from wavebreak.console.auth import add_user
    from wavebreak.pipeline.runner import PipelineOptions, build_pipeline
    from wavebreak.pipeline.stage import Batch
    from wavebreak.review.desk import ReviewDesk
    from wavebreak.review.simulate import SIM_FLAGGER, prepare_desk, simulated_reports
    from wavebreak.scenario.generator import generate
    from wavebreak.scenario.model import ScenarioConfig
    from wavebreak.storage import open_storage

    path: Path = tmp_path_factory.mktemp("console") / "wavebreak.db"
    storage = open_storage(path)
    scenario = generate(ScenarioConfig(scale=0.02))
    pipe = build_pipeline(storage, PipelineOptions(slow_path=False))
    posts = list(scenario.posts())
    for i in range(0, len(posts), 500):
        pipe.process(Batch(posts=posts[i : i + 500]))
    pipe.close()
    desk = ReviewDesk(storage)
    prepare_desk(desk, scenario)
    for _, report in simulated_reports(scenario, max_reports=150):
        desk.submit(report)
    for name, role in USERS.items():
        fid = SIM_FLAGGER["flagger_id"] if name == "hatewatch" else None
        add_user(storage, name, role, PASSWORD, flagger_id=fid)
    yield storage, scenario
    storage.close()


@pytest.fixture(scope="session")
def served(console_store: tuple[Any, Any]) -> Iterator[Served]:
    import uvicorn

    from wavebreak.console.app import create_console_app

    storage, scenario = console_store
    app = create_console_app(storage, secret="test-secret", clock="log")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "console did not start"
    yield Served(f"http://127.0.0.1:{port}", storage, app, scenario)
    server.should_exit = True
    thread.join(timeout=10)
