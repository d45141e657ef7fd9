"""The review router: receipt at once, queue with factors, decision, appeal to another reviewer."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from wavebreak.review import ReviewDesk
from wavebreak.review.api import review_router


def test_router_round_trip() -> None:
    desk = ReviewDesk()
    app = FastAPI()
    app.include_router(review_router(desk), prefix="/review")
    c = TestClient(app)
    r = c.post(
        "/review/reports",
        json={
            "notifier_id": "user:1",
            "target_id": "demo:1",
            "category": "hate",
            "at": "2026-07-29T12:00:00Z",
        },
    )
    assert r.status_code == 201 and r.json()["status"] == "queued" and r.json()["report_id"]
    q = c.get("/review/queue").json()
    assert len(q) == 1 and "severity" in q[0]["priority_factors"]
    cid = q[0]["case_id"]
    bad = c.post(
        f"/review/cases/{cid}/decision", json={"reviewer": "a", "policy_id": "nope", "action": "demote"}
    )
    assert bad.status_code == 422
    ok = c.post(
        f"/review/cases/{cid}/decision",
        json={
            "reviewer": "alice",
            "policy_id": "hateful-conduct",
            "action": "demote",
            "at": "2026-07-29T12:30:00Z",
        },
    )
    did = ok.json()["decision"]["id"]
    a = c.post(
        "/review/appeals",
        json={"decision_id": did, "appellant_id": "demo:u1", "reason": "no", "at": "2026-07-30T12:30:00Z"},
    )
    assert a.status_code == 201
    same = c.post(
        f"/review/appeals/{a.json()['appeal_id']}/decision",
        json={"reviewer": "alice", "outcome": "reversed", "reason": "x"},
    )
    assert same.status_code == 403
    assert c.get("/review/cases/nope").status_code == 404
    assert c.get("/review/metrics").json()["cases"] == 1
