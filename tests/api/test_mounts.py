"""The main app also serves why, the review router (scoped) and the console."""

from __future__ import annotations

from fastapi.testclient import TestClient

from wavebreak.api import create_app
from wavebreak.api.keys import create_key
from wavebreak.storage import open_storage


def test_why_review_and_console_are_mounted() -> None:
    storage = open_storage("sqlite://")
    review_key, _ = create_key(storage, ["review"], name="desk")
    gate_key, _ = create_key(storage, ["gate:read"], name="gate")
    app = create_app(storage, background=False, score_raw=False)
    with TestClient(app) as client:
        assert client.get("/v1/review/queue").status_code == 401
        assert client.get("/v1/review/queue", headers={"X-API-Key": gate_key}).status_code == 403
        ok = client.get("/v1/review/queue", headers={"X-API-Key": review_key})
        assert ok.status_code == 200
        assert (
            client.get("/v1/why", params={"item": "x:1"}, headers={"X-API-Key": gate_key}).status_code == 403
        )
        login = client.get("/console/login")
        assert login.status_code == 200 and "<form" in login.text
