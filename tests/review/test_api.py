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


def test_router_four_eyes_release() -> None:
    from datetime import UTC, datetime

    from wavebreak.core import constants as C
    from wavebreak.core.records import Action, Decision, Grounds, Surface

    desk = ReviewDesk()
    (cid,) = desk.intake_decisions(
        [
            Decision(
                id="h1",
                at=datetime(2026, 7, 29, 12, tzinfo=UTC),
                target_kind="post",
                target_id="demo:1",
                actions={Surface.RECOMMENDATIONS: Action.HOLD_FOR_REVIEW},
                rule_id="incitement-hold-reach",
                grounds=Grounds("Violent speech"),
                facts={"author_followers": C.REVIEW_FOUR_EYES_FOLLOWERS + 1},
            )
        ]
    )
    app = FastAPI()
    app.include_router(review_router(desk), prefix="/review")
    c = TestClient(app)
    body = {"policy_id": "no-violation", "action": "allow", "at": "2026-07-29T12:30:00Z"}
    first = c.post(f"/review/cases/{cid}/decision", json=dict(body, reviewer="alice"))
    assert first.status_code == 200 and first.json()["release"]["status"] == "proposed"
    assert "h1" not in desk.state.reversed
    again = c.post(f"/review/cases/{cid}/decision", json=dict(body, reviewer="alice"))
    assert again.status_code == 403
    second = c.post(f"/review/cases/{cid}/decision", json=dict(body, reviewer="bob"))
    assert second.status_code == 200 and "release" not in second.json() and "h1" in desk.state.reversed
