"""The HTTP API over a tmp SQLite store: auth, gate, holds, trends, decisions, narratives, limits, crises."""

from __future__ import annotations

import time
import warnings
from datetime import timedelta
from typing import Any

import pytest

from wavebreak.core import constants as C
from wavebreak.core.records import Action, Surface

from .helpers import HOLD_NAME, NOW, _decision, auth


def gate(client: Any, key: str, surface: str, items: list[str], region: str | None = None) -> list[dict]:
    r = client.post(
        "/v1/gate", json={"surface": surface, "viewer_region": region, "items": items}, headers=auth(key)
    )
    assert r.status_code == 200, r.text
    return r.json()["results"]


# ----------------------------------------------------------------------------- auth


def test_health_and_docs_are_open_everything_else_needs_a_key(client: Any, keys: dict[str, str]) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
    r = client.post("/v1/gate", json={"surface": "trends", "items": ["generic:p1"]})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert client.get("/v1/holds", headers=auth("wbk_deadbeef_nope")).status_code == 401
    assert client.get("/v1/holds", headers={"Authorization": "Basic abc"}).status_code == 401
    # X-API-Key works as well as Bearer
    r = client.post(
        "/v1/gate", json={"surface": "trends", "items": ["generic:p1"]}, headers={"X-API-Key": keys["gate"]}
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("key", "method", "path", "body"),
    [
        ("gate", "get", "/v1/decisions/dec-p1", None),
        ("gate", "get", "/v1/narratives", None),
        ("gate", "post", "/v1/posts", {"records": []}),
        ("decisions", "post", "/v1/gate", {"surface": "trends", "items": ["generic:p1"]}),
        (
            "crisis",
            "post",
            "/v1/holds",
            {"title": "t", "terms": ["abcdef"], "jurisdictions": ["GB"], "legal_basis": "x"},
        ),
        ("ingest", "post", "/v1/crises", {"title": "t"}),
    ],
)
def test_scopes_are_enforced(
    client: Any, keys: dict[str, str], key: str, method: str, path: str, body: Any
) -> None:
    r = getattr(client, method)(path, headers=auth(keys[key]), **({"json": body} if body is not None else {}))
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert err["code"] == "forbidden" and "lacks scope" in err["message"]


def test_revoked_key_is_refused(client: Any, keys: dict[str, str], store: Any) -> None:
    from wavebreak.api.keys import revoke_key, split_key

    k = keys["revoked"]
    assert client.get("/v1/holds", headers=auth(k)).status_code == 200
    key_id = split_key(k)[0]  # type: ignore[index]
    assert revoke_key(store, key_id, actor="test", reason="leaked")
    client.app.state.api.live.refresh()
    assert client.get("/v1/holds", headers=auth(k)).status_code == 401


def test_keys_are_stored_hashed_never_in_clear(store: Any, keys: dict[str, str]) -> None:
    from wavebreak.api.keys import expand, validate_scopes

    secrets = [k.split("_", 2)[2] for k in keys.values()]
    payloads = [str(e.payload) for e in store.iter_events(kinds=["apikey.created"])]
    assert len(payloads) == len(keys)
    assert not any(s in p for s in secrets for p in payloads)
    assert "crisis:read" in expand(["crisis:write"]) and "holds:write" in expand(["admin"])
    with pytest.raises(ValueError, match="unknown scope"):
        validate_scopes(["gate:write"])


# ----------------------------------------------------------------------------- gate


def test_gate_returns_actions_with_reasons(client: Any, keys: dict[str, str]) -> None:
    res = gate(client, keys["gate"], "trends", ["generic:p1", "generic:p2", "unknown:zzz"])
    assert [r["item_id"] for r in res] == ["generic:p1", "generic:p2", "unknown:zzz"]
    p1, p2, unk = res
    assert (
        p1["action"] == "exclude" and p1["reason_id"] == "dec-p1" and p1["rule_id"] == "identity-claim-post"
    )
    assert p1["explanation"]
    assert p2["action"] == "allow" and p2["reason_id"] is None
    assert unk["action"] == "allow"
    # a post in narrative n1 (no decision of its own) inherits the narrative's decision on its surface
    (p4,) = gate(client, keys["gate"], "recommendations", ["generic:p4"])
    assert p4["action"] == "demote" and p4["reason_id"] == "dec-n1"


def test_geo_withhold_by_region_from_a_hold(client: Any, keys: dict[str, str]) -> None:
    (gb,) = gate(client, keys["gate"], "recommendations", ["generic:p3"], "GB")
    assert (
        gb["action"] == "geo_withhold" and gb["reason_id"] == "hold-minor" and gb["rule_id"] == "legal-hold"
    )
    (fr_rec,) = gate(client, keys["gate"], "recommendations", ["generic:p3"], "FR")
    assert fr_rec["action"] == "allow"
    (fr_trends,) = gate(client, keys["gate"], "trends", ["generic:p3"], "FR")
    assert fr_trends["action"] == "exclude" and fr_trends["reason_id"] == "hold-minor"


def test_hold_added_through_the_api_applies_at_once_and_is_logged(
    client: Any, keys: dict[str, str], store: Any
) -> None:
    body = {
        "id": "hold-weather",
        "title": "t",
        "terms": ["nice weather"],
        "jurisdictions": ["fr"],
        "legal_basis": "x",
    }
    r = client.post("/v1/holds", json=body, headers=auth(keys["admin"]))
    assert r.status_code == 201, r.text
    assert r.json()["jurisdictions"] == ["FR"]
    (p2,) = gate(client, keys["gate"], "search", ["generic:p2"], "FR")
    assert p2["action"] == "geo_withhold" and p2["reason_id"] == "hold-weather"
    assert client.post("/v1/holds", json=body, headers=auth(keys["admin"])).status_code == 409
    ev = [e for e in store.iter_events(kinds=["hold.added"]) if e.subject == "hold-weather"]
    assert len(ev) == 1 and ev[0].actor.startswith("apikey:")
    ids = {h["id"]: h["active"] for h in client.get("/v1/holds", headers=auth(keys["admin"])).json()["items"]}
    assert ids == {"hold-minor": True, "hold-weather": True}
    r = client.post("/v1/holds/hold-weather/end", json={}, headers=auth(keys["admin"]))
    assert r.status_code == 200 and r.json()["active"] is False
    (p2,) = gate(client, keys["gate"], "search", ["generic:p2"], "FR")
    assert p2["action"] == "allow"
    bad = {**body, "id": "hold-short", "terms": ["ab"]}
    r = client.post("/v1/holds", json=bad, headers=auth(keys["admin"]))
    assert r.status_code == 422 and "shorter" in r.json()["error"]["message"]


def test_raw_posts_are_answered_on_the_fly_from_holds(client: Any, keys: dict[str, str]) -> None:
    raw = [
        {"id": "new1", "author_id": "u9", "created_at": NOW.isoformat(), "text": f"it was {HOLD_NAME}"},
        {"id": "new2", "author_id": "u9", "created_at": NOW.isoformat(), "text": "lovely day"},
    ]
    r = client.post(
        "/v1/gate",
        json={"surface": "recommendations", "viewer_region": "GB", "items": ["generic:p1"], "posts": raw},
        headers=auth(keys["gate"]),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["item_id"] for x in body["results"]] == ["generic:p1", "generic:new1", "generic:new2"]
    assert body["results"][1]["action"] == "geo_withhold" and body["results"][1]["provisional"] is True
    assert body["results"][2]["action"] == "allow"
    assert body["scored"] == "holds-only"  # scorer disabled in this client
    r = client.post(
        "/v1/gate",
        json={"surface": "search", "posts": [{"id": "x", "text": "no time"}]},
        headers=auth(keys["gate"]),
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["index"] == 0


def test_decisions_recorded_elsewhere_reach_the_gate_through_the_poller(
    store: Any, keys: dict[str, str]
) -> None:
    from fastapi.testclient import TestClient

    from wavebreak.api.app import create_app
    from wavebreak.decisions.log import decision_event

    app = create_app(store, background=True, score_raw=False, poll_interval=0.05)
    with TestClient(app) as c:
        (before,) = gate(c, keys["gate"], "search", ["generic:p2"])
        assert before["action"] == "allow"
        d = _decision(
            "dec-p2", "post", "generic:p2", {Surface.SEARCH: Action.EXCLUDE}, rule_id="hate-exclude"
        )
        store.append_events([decision_event(d)])  # another process's pipeline
        store.put_decisions([d])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            (after,) = gate(c, keys["gate"], "search", ["generic:p2"])
            if after["action"] != "allow":
                break
            time.sleep(0.05)
        assert after["action"] == "exclude" and after["reason_id"] == "dec-p2"
        assert c.get("/healthz").json()["index"]["poller_running"] is True


def test_trends_vet(client: Any, keys: dict[str, str]) -> None:
    body = {
        "region": "GB",
        "candidates": [
            {"term": HOLD_NAME},
            {"term": "#boat", "sample_post_ids": ["generic:p1"]},
            {"term": "#weather", "sample_post_ids": ["generic:p2"]},
        ],
    }
    r = client.post("/v1/trends/vet", json=body, headers=auth(keys["gate"]))
    assert r.status_code == 200, r.text
    held, boat, weather = r.json()["results"]
    assert not held["eligible"] and held["reason_id"] == "hold-minor" and "legal hold" in held["reason"]
    assert not boat["eligible"] and boat["reason_id"] == "dec-p1"
    assert weather["eligible"] and weather["reason_id"] is None


# ----------------------------------------------------------------------------- reads


def test_decision_detail_gives_the_full_reason(client: Any, keys: dict[str, str]) -> None:
    r = client.get("/v1/decisions/dec-p1", headers=auth(keys["decisions"]))
    assert r.status_code == 200
    d = r.json()
    assert d["rule_id"] == "identity-claim-post" and d["facts"] == {"signals.identity_claim": 0.9}
    assert d["grounds"]["platform_policy"].startswith("Misleading")
    assert d["actor"] == "policy" and d["at"] and d["expires_at"] and d["explanation"]
    assert d["actions"]["trends"] == "exclude" and d["in_force"] is True and d["revoked_at"] is None
    r = client.get("/v1/decisions/nope", headers=auth(keys["decisions"]))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.get("/v1/decisions", params={"target": "n1"}, headers=auth(keys["decisions"]))
    assert [x["id"] for x in r.json()["items"]] == ["dec-n1"]


def test_narratives_list_paging_and_detail(client: Any, keys: dict[str, str]) -> None:
    h = auth(keys["admin"])
    r = client.get("/v1/narratives", headers=h)
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 2 and [n["id"] for n in page["items"]] == ["n1", "n2"]  # highest risk first
    n1 = page["items"][0]
    assert n1["posts_total"] == 2 and n1["reach_total"] == 100 and n1["decisions_in_force"] == ["dec-n1"]
    r = client.get("/v1/narratives", params={"offset": 1, "limit": 1}, headers=h)
    assert [n["id"] for n in r.json()["items"]] == ["n2"]
    assert client.get("/v1/narratives", params={"limit": 0}, headers=h).status_code == 422
    r = client.get("/v1/narratives/n1", headers=h)
    assert r.status_code == 200
    detail = r.json()
    assert detail["series"] and detail["series"][0]["posts"] == 2
    assert [d["id"] for d in detail["decisions"]] == ["dec-n1"]
    assert client.get("/v1/narratives/zzz", headers=h).status_code == 404


# ----------------------------------------------------------------------------- limits and errors


def test_oversized_body_is_413_by_header_and_by_stream(client: Any, keys: dict[str, str]) -> None:
    h = {**auth(keys["gate"]), "content-type": "application/json"}
    big = b'{"surface": "trends", "items": ["' + b"x" * (C.API_MAX_BODY_BYTES + 10) + b'"]}'
    r = client.post("/v1/gate", content=big, headers=h)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

    def chunks() -> Any:  # no Content-Length: counted as it streams
        for _ in range(C.API_MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    r = client.post("/v1/gate", content=chunks(), headers=h)
    assert r.status_code == 413
    # the service is unharmed
    assert gate(client, keys["gate"], "trends", ["generic:p1"])[0]["action"] == "exclude"


def test_malformed_json_and_schema_errors(client: Any, keys: dict[str, str]) -> None:
    h = {**auth(keys["gate"]), "content-type": "application/json"}
    r = client.post("/v1/gate", content=b'{"surface": "trends", "items": [', headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    r = client.post("/v1/gate", json={"surface": "elsewhere", "items": ["a"]}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["loc"][-1] == "surface"
    r = client.post(
        "/v1/gate", json={"surface": "trends", "items": ["a"] * (C.API_MAX_GATE_ITEMS + 1)}, headers=h
    )
    assert r.status_code == 422 and "too many items" in r.json()["error"]["message"]
    r = client.post("/v1/gate", json={"surface": "trends"}, headers=h)
    assert r.status_code == 422
    assert gate(client, keys["gate"], "trends", ["generic:p1"])[0]["action"] == "exclude"


# ----------------------------------------------------------------------------- crises


def test_crisis_lifecycle(client: Any, keys: dict[str, str], store: Any) -> None:
    h = auth(keys["crisis"])
    at = NOW - timedelta(minutes=30)
    r = client.post(
        "/v1/crises",
        json={
            "title": "Marlowe Bay",
            "terms": ["boat"],
            "regions": ["gb"],
            "confirm": False,
            "at": at.isoformat(),
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    c = r.json()
    cid = c["id"]
    assert c["confirmed"] is False and c["active"] is False and c["regions"] == ["GB"]
    r = client.post(f"/v1/crises/{cid}/confirm", headers=h)
    assert (
        r.status_code == 200 and r.json()["active"] is True and r.json()["confirmed_by"].startswith("apikey:")
    )
    r = client.get(f"/v1/crises/{cid}", headers=h)
    assert r.status_code == 200
    facts = r.json()["facts"]
    assert {"narratives_in_scope", "decisions", "reach_avoided_estimate"} <= set(facts)
    old_exp = r.json()["expires_at"]
    r = client.post(f"/v1/crises/{cid}/renew", json={"duration_days": 30}, headers=h)
    assert r.status_code == 200 and r.json()["expires_at"] > old_exp
    r = client.post(f"/v1/crises/{cid}/renew", json={"duration_days": C.CRISIS_MAX_DAYS + 1}, headers=h)
    assert r.status_code == 422
    r = client.post(f"/v1/crises/{cid}/end", json={"reason": "calm"}, headers=h)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["ended_at"]
    assert client.post(f"/v1/crises/{cid}/confirm", headers=h).status_code == 409
    assert client.post("/v1/crises/crisis-nope/end", headers=h).status_code == 404
    assert [x["id"] for x in client.get("/v1/crises", headers=h).json()["items"]] == [cid]
    kinds = [(e.kind, e.actor) for e in store.iter_events(subject=cid)]
    assert [k for k, _ in kinds] == ["crisis.proposed", "crisis.confirmed", "crisis.renewed", "crisis.ended"]
    assert all(a.startswith("apikey:") for _, a in kinds)
    # a declared crisis is confirmed at once
    r = client.post("/v1/crises", json={"title": "second"}, headers=h)
    assert r.json()["active"] is True and r.json()["id"] != cid


def test_refutations(client: Any, keys: dict[str, str]) -> None:
    h = auth(keys["admin"])
    body = {"id": "stmt-1", "source": "Police", "text": "He did not arrive by boat.", "claim": "came by boat"}
    r = client.post("/v1/refutations", json=body, headers=h)
    assert r.status_code == 201 and r.json()["id"] == "stmt-1"
    assert client.post("/v1/refutations", json=body, headers=h).status_code == 409
    assert [s["id"] for s in client.get("/v1/refutations", headers=h).json()["items"]] == ["stmt-1"]
    assert client.post("/v1/refutations", json={**body, "id": "s2", "text": ""}, headers=h).status_code == 422


# ----------------------------------------------------------------------------- schema


def test_openapi_documents_every_path(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    expected = {
        "/healthz",
        "/v1/gate",
        "/v1/trends/vet",
        "/v1/decisions/{decision_id}",
        "/v1/decisions",
        "/v1/narratives",
        "/v1/narratives/{narrative_id}",
        "/v1/posts",
        "/v1/crises",
        "/v1/crises/{crisis_id}",
        "/v1/crises/{crisis_id}/confirm",
        "/v1/crises/{crisis_id}/renew",
        "/v1/crises/{crisis_id}/end",
        "/v1/holds",
        "/v1/holds/{hold_id}/end",
        "/v1/refutations",
    }
    assert expected <= paths, expected - paths
    gate_post = spec["paths"]["/v1/gate"]["post"]
    assert {"401", "403", "413", "422"} <= set(gate_post["responses"])
    assert "examples" in spec["components"]["schemas"]["GateRequest"]


def test_cli_apikey_create_list_revoke(tmp_path: Any) -> None:
    import json

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from typer.testing import CliRunner

    import wavebreak.cli.serve  # noqa: F401  (registers the commands)
    from wavebreak.cli.groups import app

    db = str(tmp_path / "k.db")
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["apikey", "create", "--scope", "gate:read,holds:write", "--name", "trends", "--db", db, "--json"],
    )
    assert r.exit_code == 0, r.output
    created = json.loads(r.stdout)
    assert created["key"].startswith("wbk_") and created["scopes"] == ["gate:read", "holds:write"]
    r = runner.invoke(app, ["apikey", "list", "--db", db, "--json"])
    listed = json.loads(r.stdout)
    assert [k["id"] for k in listed] == [created["id"]] and "hash" not in listed[0]
    assert runner.invoke(app, ["apikey", "revoke", created["id"], "--db", db]).exit_code == 0
    assert json.loads(runner.invoke(app, ["apikey", "list", "--db", db, "--json"]).stdout)[0]["revoked_at"]
    assert runner.invoke(app, ["apikey", "revoke", created["id"], "--db", db]).exit_code == 1
    assert runner.invoke(app, ["apikey", "create", "--scope", "nope", "--db", db]).exit_code != 0


def test_memoised_answers_expire_with_their_decision(client: Any, keys: dict[str, str], store: Any) -> None:
    from datetime import UTC, datetime

    from wavebreak.decisions.log import decision_event

    d = _decision("dec-short", "post", "generic:p2", {Surface.TRENDS: Action.EXCLUDE})
    d.expires_at = datetime.now(UTC) + timedelta(seconds=1.0)
    store.append_events([decision_event(d)])
    store.put_decisions([d])
    client.app.state.api.live.refresh()
    assert gate(client, keys["gate"], "trends", ["generic:p2"])[0]["action"] == "exclude"
    assert gate(client, keys["gate"], "trends", ["generic:p2"])[0]["action"] == "exclude"  # memo hit
    assert client.app.state.api.live.stats["memo_hits"] >= 1
    time.sleep(max(0.0, (d.expires_at - datetime.now(UTC)).total_seconds()) + 0.05)
    assert gate(client, keys["gate"], "trends", ["generic:p2"])[0]["action"] == "allow"
