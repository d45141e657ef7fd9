"""The raw ASGI lane for /v1/gate and /v1/trends/vet answers byte for byte what the FastAPI routes answer."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from wavebreak.core import constants as C

from .helpers import HOLD_NAME, auth


@pytest.fixture()
def route_client(store: Any, keys: dict[str, str]) -> Iterator[Any]:
    """The same store served with the hot lane off: FastAPI routes answer."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    from wavebreak.api.app import create_app

    with TestClient(create_app(store, background=False, score_raw=False, hot_path=False)) as c:
        yield c


def _calls(keys: dict[str, str]) -> list[tuple[str, dict[str, str], bytes | dict[str, Any]]]:
    gate, dec = auth(keys["gate"]), auth(keys["decisions"])
    items = ["generic:p1", "generic:p2", "generic:p3", "generic:p4", "unknown:zzz"]
    vet = {
        "region": "GB",
        "candidates": [
            {"term": HOLD_NAME, "sample_post_ids": []},
            {"term": "#boat", "sample_post_ids": ["generic:p1"]},
        ],
    }
    return [
        ("/v1/gate", gate, {"surface": "trends", "viewer_region": "GB", "items": items}),
        ("/v1/gate", gate, {"surface": "recommendations", "viewer_region": "FR", "items": items}),
        ("/v1/gate", gate, {"surface": "search", "items": items[::-1]}),  # memoised on the 2nd pass
        ("/v1/gate", gate, {"surface": "search", "items": items[::-1]}),
        ("/v1/gate", {"X-API-Key": keys["gate"]}, {"surface": "notifications", "items": items[:2]}),
        ("/v1/trends/vet", gate, vet),
        # errors: no key, wrong scope, revoked key, malformed JSON, schema, too many items, nothing asked
        ("/v1/gate", {}, {"surface": "trends", "items": items}),
        ("/v1/gate", dec, {"surface": "trends", "items": items}),
        ("/v1/gate", auth(keys["revoked"] + "x"), {"surface": "trends", "items": items}),
        ("/v1/gate", gate, b'{"surface": "trends", "items": ['),
        ("/v1/gate", gate, {"surface": "elsewhere", "items": ["a"]}),
        ("/v1/gate", gate, {"surface": "trends", "items": ["a"] * (C.API_MAX_GATE_ITEMS + 1)}),
        ("/v1/gate", gate, {"surface": "trends"}),
        ("/v1/trends/vet", gate, {"region": "GB", "candidates": "nope"}),
    ]


def test_hot_lane_and_routes_answer_the_same(client: Any, route_client: Any, keys: dict[str, str]) -> None:
    statuses = []
    for path, headers, body in _calls(keys):
        kw: dict[str, Any] = {"content": body} if isinstance(body, bytes) else {"json": body}
        hot = client.post(path, headers={**headers, "content-type": "application/json"}, **kw)
        routed = route_client.post(path, headers={**headers, "content-type": "application/json"}, **kw)
        assert (hot.status_code, hot.json()) == (routed.status_code, routed.json()), (path, body)
        assert hot.headers["content-type"] == "application/json"
        if hot.status_code == 401:
            assert hot.headers["www-authenticate"] == routed.headers["www-authenticate"] == "Bearer"
        statuses.append(hot.status_code)
    assert statuses == [200] * 6 + [401, 403, 401, 400, 422, 422, 422, 422]
    actions = {
        r["item_id"]: r["action"]
        for r in client.post("/v1/gate", json=_calls(keys)[0][2], headers=auth(keys["gate"])).json()[
            "results"
        ]
    }
    assert actions["generic:p1"] == "exclude" and actions["unknown:zzz"] == "allow"


def test_other_methods_and_paths_pass_through_the_hot_lane(client: Any, keys: dict[str, str]) -> None:
    assert client.get("/v1/gate", headers=auth(keys["gate"])).status_code == 405
    assert client.get("/healthz").status_code == 200
    r = client.get("/v1/decisions/dec-p1", headers=auth(keys["decisions"]))
    assert r.status_code == 200 and r.json()["id"] == "dec-p1"


def test_a_handler_crash_is_a_json_500_and_the_service_goes_on(
    client: Any, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = client.app.state.api

    async def boom(req: Any) -> Any:
        raise RuntimeError("index gone")

    monkeypatch.setattr(state, "answer_gate", boom)
    r = client.post("/v1/gate", json={"surface": "trends", "items": ["a"]}, headers=auth(keys["gate"]))
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    monkeypatch.undo()
    r = client.post(
        "/v1/gate", json={"surface": "trends", "items": ["generic:p1"]}, headers=auth(keys["gate"])
    )
    assert r.status_code == 200 and r.json()["results"][0]["action"] == "exclude"
