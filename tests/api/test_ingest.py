"""Ingest over HTTP (the whole pipeline on a small batch) and raw posts scored with the signals fast path."""

from __future__ import annotations

from typing import Any

from .helpers import NOW, auth


def _post(pid: str, text: str, **kw: Any) -> dict[str, Any]:
    return {"id": pid, "author_id": "u7", "created_at": NOW.isoformat(), "text": text, "lang": "en", **kw}


def test_ingest_keeps_good_records_and_names_each_bad_one(
    client: Any, keys: dict[str, str], store: Any
) -> None:
    records = [
        _post("h1", "Police say the investigation continues, please do not speculate."),
        {"id": "h2", "author_id": "u7", "text": "no timestamp here"},
        _post("h3", "Thoughts with the families tonight."),
        "not an object",
    ]
    r = client.post("/v1/posts", json={"records": records}, headers=auth(keys["ingest"]))
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "records_rejected"
    rejected = {x["index"]: x["reason"] for x in err["details"]["rejected"]}
    assert set(rejected) == {1, 3}
    assert "created_at" in rejected[1] and "object" in rejected[3]
    assert err["details"]["accepted"]["posts"] == 2
    assert store.get_post("generic:h1") is not None and store.get_post("generic:h3") is not None
    assert store.get_post("generic:h2") is None
    (ev,) = list(store.iter_events(kinds=["ingest.received"]))
    assert ev.actor.startswith("apikey:") and ev.payload["post_ids"] == ["generic:h1", "generic:h3"]
    # an all-good batch is a 200 with what the pipeline decided
    r = client.post(
        "/v1/posts", json={"records": [_post("h4", "Nice evening by the sea.")]}, headers=auth(keys["ingest"])
    )
    assert r.status_code == 200, r.text
    assert r.json()["accepted"]["posts"] == 1 and r.json()["rejected"] == []


def test_ingest_accepts_other_formats(client: Any, keys: dict[str, str], store: Any) -> None:
    status = {
        "id": "109",
        "created_at": NOW.isoformat(),
        "content": "<p>Calm in the town centre tonight</p>",
        "account": {"id": "1", "username": "alice", "acct": "alice", "url": "https://mastodon.social/@alice"},
    }
    r = client.post(
        "/v1/posts", json={"format": "mastodon", "records": [status]}, headers=auth(keys["ingest"])
    )
    assert r.status_code == 200, r.text
    assert r.json()["accepted"]["posts"] == 1


def test_raw_posts_scored_with_signals_and_policy(store: Any, keys: dict[str, str]) -> None:
    from fastapi.testclient import TestClient

    from wavebreak.api.app import create_app

    app = create_app(store, background=False, score_raw=True)
    app.state.api.scorer.warm(background=False)
    with TestClient(app) as c:
        assert c.get("/healthz").json()["raw_post_scoring"] == "ready"
        raw = [_post("r1", "Lovely sunset over the harbour this evening")]
        r = c.post(
            "/v1/gate",
            json={"surface": "trends", "viewer_region": "GB", "posts": raw},
            headers=auth(keys["gate"]),
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["scored"] == "signals+policy"
        (res,) = body["results"]
        assert res["item_id"] == "generic:r1" and res["provisional"] is True and res["action"] == "allow"
        # nothing was recorded for a provisional answer
        assert store.get_post("generic:r1") is None
        claim = _post(
            "r2",
            "The attacker is Ali Al-Shakati, an asylum seeker who came to the UK by boat "
            "and was on an MI6 watch list",
        )
        r = c.post("/v1/gate", json={"surface": "trends", "posts": [claim]}, headers=auth(keys["gate"]))
        (res,) = r.json()["results"]
        assert res["provisional"] and res["action"] in ("demote", "exclude") and res["rule_id"], res
